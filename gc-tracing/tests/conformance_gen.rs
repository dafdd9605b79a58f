//! The gc-core conformance kit, run against generational mark-sweep.
#![allow(missing_docs)]

gc_core::conformance_tests!(gc_tracing::MarkSweepGen::default);
