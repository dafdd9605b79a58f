//! One full collection: mark from the roots, list what the marks left out, and hand that to
//! gc-core's [`Reclaimer`] for the end every collector shares (rule 5 of the
//! [`gc_core::Collector`] contract).
//!
//! Finalizers therefore run in the same collection, CPython-style (PEP 442): weak
//! references to unmarked objects are cleared first (callbacks only for weak references
//! that are themselves marked), then pending finalizers run, and what a resurrection makes
//! reachable survives. The cost is nothing at all when no unreachable object has a weak
//! reference or a finalizer, and otherwise a traversal of what the finalizers resurrect. The
//! alternative (keep finalizable objects, and everything they reach, until the next
//! collection) would leave unreachable objects behind after a full collection, which the
//! heap's oracle and users of `gc.collect()` both take as a leak. A resurrection that
//! overwrites a slot's reference makes the reclaimer ask for the unreachable set again: the
//! marks are recomputed from the roots, so the result is exact.

use gc_core::reclaim::Reclaimer;
use gc_core::{Heap, ObjRef, PauseCounts, PauseKind};

use crate::marking::{mark_from, MarkBitmap};
use crate::sweep;

/// The collector's working memory, kept between collections so its capacity is reused.
#[derive(Debug, Default)]
pub struct Tracer {
    /// Mark bits, one per possible object.
    pub(crate) bits: MarkBitmap,
    /// The grey objects: marked, fields not yet scanned.
    pub(crate) mark_queue: Vec<ObjRef>,
    /// Scratch space for the garbage one collection (or one sweep step) finds.
    pub(crate) garbage: Vec<ObjRef>,
    /// The end of a collection (rule 5).
    pub(crate) reclaimer: Reclaimer,
}

impl Tracer {
    /// Runs one full collection as one pause; returns its counts.
    pub fn collect(&mut self, heap: &mut Heap) -> PauseCounts {
        heap.pause(PauseKind::Collection, None, |heap| {
            let candidates = heap.alloc_stats().objects_in_use;
            let Tracer {
                bits,
                mark_queue,
                garbage,
                reclaimer,
            } = self;
            let counts = reclaimer.collect_unreachable(heap, garbage, |heap, unmarked| {
                find_unreachable(heap, bits, mark_queue, unmarked)
            });
            PauseCounts {
                candidates,
                ..counts
            }
        })
    }
}

/// A whole-heap mark from the roots into freshly cleared `bits`, then the objects it left
/// unmarked appended to `unmarked`; returns the objects marked. The search every full
/// collection makes (marksweep's, and the major and explicit ones of the other two).
pub fn find_unreachable(
    heap: &Heap,
    bits: &mut MarkBitmap,
    mark_queue: &mut Vec<ObjRef>,
    unmarked: &mut Vec<ObjRef>,
) -> u64 {
    bits.reset(heap);
    let marked = mark_from(heap, bits, mark_queue, heap.roots());
    // Everything marked: nothing to look for.
    if marked < heap.alloc_stats().objects_in_use {
        sweep::find_unmarked(heap, bits, unmarked);
    }
    marked
}

/// Rule 5's end of a collection for a collector whose mark bits must stay right after it
/// (sticky marks, an incremental sweep still to come): like
/// [`Reclaimer::collect_unreachable`], but what a finalizer resurrects, and all it reaches,
/// is marked in `bits` too (and counted as scanned, rule 8), so a survivor never sits
/// unmarked. `find(heap, bits, queue, out)` appends the unmarked garbage to `out` and
/// returns the objects it marked; it runs again, from its own starting state, when a
/// resurrection overwrote a slot. Frees (or saves) what stays unmarked and flushes pools.
pub fn reclaim_keeping_marks(
    heap: &mut Heap,
    reclaimer: &mut Reclaimer,
    garbage: &mut Vec<ObjRef>,
    bits: &mut MarkBitmap,
    mark_queue: &mut Vec<ObjRef>,
    mut find: impl FnMut(&Heap, &mut MarkBitmap, &mut Vec<ObjRef>, &mut Vec<ObjRef>) -> u64,
) -> PauseCounts {
    let mut counts = PauseCounts::default();
    loop {
        garbage.clear();
        counts.scanned += find(heap, bits, mark_queue, garbage);
        let resurrections = reclaimer.settle(heap, garbage);
        counts.scanned += mark_from(heap, bits, mark_queue, resurrections.stored.iter().copied());
        if resurrections.overwritten.is_empty() {
            break;
        }
    }
    let (found, bytes) = reclaimer.free_or_save(heap, garbage);
    counts.freed = found;
    counts.bytes_freed = bytes;
    garbage.clear();
    heap.flush_pools();
    counts
}
