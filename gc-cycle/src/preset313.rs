//! `cycle-313`: [`CycleGc`] with CPython 3.13's thresholds, as a named preset, so results
//! can set it beside the CPython 3.13 and 3.14 peers (whose `gc.get_threshold()` is
//! (2000, 10, 10)) as `cycle` stands beside 3.11's (700, 10, 10).

use crate::CycleGc;

/// `cycle-313`: [`CycleGc::python_313`], thresholds (2000, 10, 10); everything else is
/// `cycle`'s model (CPython 3.11/3.12's passes). A preset until collector parameters reach
/// the command line.
#[derive(Debug)]
pub struct CycleGc313(pub CycleGc);

crate::preset::cycle_preset!(CycleGc313, "cycle-313", CycleGc::python_313());
