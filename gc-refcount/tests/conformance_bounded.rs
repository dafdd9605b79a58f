//! The whole collector contract for `refcount-bounded` (cascade budget 1000).

gc_core::conformance_tests!(gc_refcount::BoundedRefCount::default);
