//! The whole collector contract for the registered preset `cycle-bounded` (cascade budget
//! 1000).

use gc_core::params::{Configured, Params};
use gc_cycle::{CycleGc, CycleParams};

fn cycle_bounded() -> CycleGc {
    CycleGc::from_params(&CycleParams {
        cascade_budget: gc_refcount::DEFAULT_CASCADE_BUDGET,
        ..CycleParams::defaults()
    })
}

gc_core::conformance_tests!(cycle_bounded);
