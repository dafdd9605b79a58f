//! The reference variant (`cycle-plain`): CPython's `gc_collect_main` step by step, with
//! none of the fast paths. It is what the fast paths are tested against (a differential
//! test runs a million random operations through both and requires the same outcome), and
//! what to read to follow CPython's algorithm:
//!
//! 1. gather the generation's list (younger ones already merged in) into a vector;
//! 2. `update_refs`: gc_refs = the reference count of each candidate;
//! 3. `subtract_refs`: minus each reference from one candidate to another, so what is left
//!    counts references from outside the set;
//! 4. `move_unreachable`: candidates with gc_refs > 0, and all they reach, are reachable;
//!    the rest is garbage, in candidate order;
//! 5. the survivors move to the older generation; weak references in and to the garbage
//!    are cleared (callbacks only for those that survive); finalizers run once; if one
//!    resurrected something, steps 2-4 run again over the garbage;
//! 6. `delete_garbage`: what is still garbage dies (or goes to `gc.garbage` under
//!    `DEBUG_SAVEALL`).
//!
//! Steps 5 and 6 are the fast collector's own general path ([`crate::finish`]).

use gc_core::{Heap, ObjRef};

use crate::finish::{self, Engine, Scratch};
use crate::lists::Generation;
use crate::mark::move_unreachable;
use crate::policy::Passes;
use crate::subtract::{subtract_refs, update_refs};
use crate::walk::list_next;

/// Collects the list `young` (the generations being collected, merged), moving survivors
/// to `old`. Returns the survivors, the objects collected and the objects scanned.
pub fn collect(
    counting: &mut Engine,
    heap: &mut Heap,
    scratch: &mut Scratch,
    young: Generation,
    old: Generation,
) -> (u64, u64, u64) {
    let first = counting.hooks_mut().take(young);
    gather_list(heap, first, &mut scratch.candidates);
    update_refs(heap, &scratch.candidates);
    subtract_refs(heap, &scratch.candidates);
    move_unreachable(heap, &scratch.candidates, &mut scratch.stack);
    let mut scanned = scratch.candidates.len() as u64;
    let (survivors, collected) =
        finish::split_then_delete(counting, heap, scratch, old, Passes::Plain, &mut scanned);
    (survivors, collected, scanned)
}

/// The objects of a detached list from `first`, in list order, into `out`.
pub fn gather_list(heap: &Heap, first: Option<ObjRef>, out: &mut Vec<ObjRef>) {
    out.clear();
    let mut at = first;
    while let Some(obj) = at {
        out.push(obj);
        at = list_next(heap.words(obj)[crate::header::NEXT]);
    }
}
