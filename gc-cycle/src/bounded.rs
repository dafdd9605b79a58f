//! `cycle-bounded`: [`CycleGc`] with a cascade budget, as a named preset.

use gc_refcount::DEFAULT_CASCADE_BUDGET;

use crate::CycleGc;

/// `cycle-bounded`: CPython's collector whose cascades free at most
/// [`DEFAULT_CASCADE_BUDGET`] objects per mutator operation (a preset until collector
/// parameters reach the command line; see gc-refcount's `Counting` for what waits and in
/// which order). A collection first frees the whole to-free list, as its own cascade pause,
/// then frees its garbage without a budget.
#[derive(Debug)]
pub struct BoundedCycleGc(pub CycleGc);

crate::preset::cycle_preset!(BoundedCycleGc, "cycle-bounded", {
    let mut gc = CycleGc::default();
    gc.set_cascade_budget(DEFAULT_CASCADE_BUDGET);
    gc
});
