//! The gc-core conformance kit, run against incremental mark-sweep.
#![allow(missing_docs)]

gc_core::conformance_tests!(gc_tracing::MarkSweepIncr::default);
