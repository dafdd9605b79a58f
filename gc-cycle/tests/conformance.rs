//! The whole collector contract, with capabilities "reclaims cycles, 3 generations".

gc_core::conformance_tests!(gc_cycle::CycleGc::default);
