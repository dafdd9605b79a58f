//! `cycle-plain`: [`CycleGc`] always taking CPython's plain path ([`crate::plain`]), as a
//! named preset, so a researcher can run and read the algorithm the fast paths are checked
//! against.

use crate::CycleGc;

/// `cycle-plain`: [`CycleGc::plain`], thresholds (700, 10, 10); every collection runs
/// `update_refs`, `subtract_refs`, `move_unreachable`, then weak references, finalizers,
/// the resurrection check and `delete_garbage`, with none of the fast paths. A preset until
/// collector parameters reach the command line.
#[derive(Debug)]
pub struct CyclePlain(pub CycleGc);

impl Default for CyclePlain {
    fn default() -> Self {
        CyclePlain(CycleGc::plain())
    }
}

crate::preset::cycle_preset!(CyclePlain, "cycle-plain");
