//! `cycle`'s parameters, declared once: defaults, docs and ranges for `gclab list`, `--set
//! cycle.param=value` and the registered presets (`cycle-313`, `cycle-bounded`, `cycle-plain`);
//! and the thresholds `cycle-314` and `cycle-ft` share (3.14's, one declaration for both).

use gc_core::params::Configured;

use crate::incremental::THRESHOLDS_314;
use crate::{CycleGc, FreeThreadedCycleGc, IncrementalCycleGc, Passes};

gc_core::declare_params! {
    /// The parameters of [`CycleGc`]: CPython's three thresholds and the cascade budget.
    pub struct CycleParams {
        /// Generation 0 threshold: tracked allocations minus deallocations before a collection
        /// (CPython 3.11/3.12: 700, 3.13: 2000; 0 disables automatic collection).
        threshold0: u64 = 700;
        /// Generation 1 threshold: generation-0 collections before generation 1 is collected.
        threshold1: u64 = 10;
        /// Generation 2 threshold: generation-1 collections before a full one is considered.
        threshold2: u64 = 10;
        /// Most objects a reference-counting cascade frees per mutator operation; the rest wait
        /// on a to-free list (0: no budget, CPython's behaviour).
        cascade_budget: u64 = 0;
        /// Always take CPython's plain path (`update_refs`, `subtract_refs`,
        /// `move_unreachable`, then finalize and delete), none of the fast ones.
        plain: bool = false;
    }
}

impl Configured for CycleGc {
    type Params = CycleParams;

    fn from_params(p: &CycleParams) -> Self {
        let mut gc = CycleGc::with_thresholds([p.threshold0, p.threshold1, p.threshold2]);
        if p.cascade_budget != 0 {
            gc.set_cascade_budget(p.cascade_budget);
        }
        if p.plain {
            gc = gc.with_passes(Passes::Plain);
        }
        gc
    }
}

gc_core::declare_params! {
    /// The parameters of [`IncrementalCycleGc`] (`cycle-314`) and [`FreeThreadedCycleGc`]
    /// (`cycle-ft`): 3.14's thresholds (the third, which both ignore, stays 0).
    pub struct Thresholds314 {
        /// Threshold 0: tracked allocations minus deallocations before an automatic
        /// collection (cycle-314: an increment; cycle-ft: also past a quarter of the objects
        /// the last one left); 0 disables automatic collection.
        threshold0: u64 = THRESHOLDS_314[0];
        /// Old threshold. cycle-314: the scale factor of the heap fraction an increment adds
        /// (tracked objects / 10 / this, below 2 taken as 2); cycle-ft: 0 collects as soon as
        /// threshold 0 is passed, any other value has no effect.
        threshold1: u64 = THRESHOLDS_314[1];
    }
}

impl Thresholds314 {
    /// The three thresholds, as `gc.set_threshold()` takes them.
    fn values(&self) -> [u64; 3] {
        [self.threshold0, self.threshold1, THRESHOLDS_314[2]]
    }
}

impl Configured for IncrementalCycleGc {
    type Params = Thresholds314;

    fn from_params(p: &Thresholds314) -> Self {
        IncrementalCycleGc::with_thresholds(p.values())
    }
}

impl Configured for FreeThreadedCycleGc {
    type Params = Thresholds314;

    fn from_params(p: &Thresholds314) -> Self {
        FreeThreadedCycleGc::with_thresholds(p.values())
    }
}

#[cfg(test)]
mod tests {
    use gc_core::params::Params;
    use gc_core::GcModule;

    use super::*;

    #[test]
    fn the_314_thresholds_are_the_defaults_and_values_arrive() {
        let declared = Thresholds314::defaults();
        assert_eq!(
            IncrementalCycleGc::from_params(&declared).get_threshold(),
            IncrementalCycleGc::default().get_threshold()
        );
        assert_eq!(
            FreeThreadedCycleGc::from_params(&declared).get_threshold(),
            FreeThreadedCycleGc::default().get_threshold()
        );
        let set = Thresholds314 {
            threshold0: 700,
            threshold1: 0,
        };
        assert_eq!(
            IncrementalCycleGc::from_params(&set).get_threshold(),
            [700, 0, 0]
        );
        assert_eq!(
            FreeThreadedCycleGc::from_params(&set).get_threshold(),
            [700, 0, 0]
        );
    }
}
