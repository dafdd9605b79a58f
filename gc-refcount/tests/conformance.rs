//! The whole collector contract, with capabilities "does not reclaim cycles".

gc_core::conformance_tests!(gc_refcount::RefCount::default);
