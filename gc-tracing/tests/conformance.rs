//! The gc-core conformance kit, run against mark-sweep.
#![allow(missing_docs)]

gc_core::conformance_tests!(gc_tracing::MarkSweep::default);

mod compact {
    gc_core::conformance_tests!(gc_tracing::Compact::default);
}
