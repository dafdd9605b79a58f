//! `cycle`'s parameters, declared once: defaults, docs and ranges for `gclab list`, `--set
//! cycle.param=value` and the registered presets (`cycle-313`, `cycle-bounded`, `cycle-plain`).

use gc_core::params::Configured;

use crate::{CycleGc, Passes};

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
