//! The whole collector contract for `rc-bacon`.

gc_core::conformance_tests!(gc_refcount::RcBacon::default);
