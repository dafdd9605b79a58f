//! The whole collector contract for `cycle-bounded` (cascade budget 1000).

gc_core::conformance_tests!(gc_cycle::BoundedCycleGc::default);
