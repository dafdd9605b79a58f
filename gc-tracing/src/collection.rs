//! One full collection: mark from the roots, list what the marks left out, and hand that to
//! gc-core's [`Reclaimer`] for the end every collector shares (rule 5 of the
//! [`gc_core::Collector`] contract). While the heap has no finalizer and no weakly
//! referenced object ([`Heap::may_need_settling`]) that end is only freeing, so the
//! collection marks and then sweeps the pools in place, with no list of the garbage (see
//! [`crate::sweep`]).
//!
//! Finalizers therefore run in the same collection, CPython-style (PEP 442): weak
//! references to unmarked objects are cleared first (callbacks only for weak references
//! that are themselves marked), then pending finalizers run, and what a resurrection makes
//! reachable is marked and survives, so the mark bits stay right after the collection (the
//! generational collector's sticky marks rely on it). The cost is nothing at all when no
//! unreachable object has a weak reference or a finalizer, and otherwise a re-marking from
//! what the finalizers resurrect. The alternative (keep finalizable objects, and everything
//! they reach, until the next collection) would leave unreachable objects behind after a
//! full collection, which the heap's oracle and users of `gc.collect()` both take as a leak.
//! A resurrection that overwrites a slot's reference makes the reclaimer ask for the
//! unreachable set again: the marks are recomputed from the roots, so the result is exact.

use gc_core::reclaim::{Marks, Reclaimer, Trace, Unreachable};
use gc_core::{Evacuation, Heap, ObjRef, PauseCounts, PauseKind};

use crate::marking::{mark_from, GreyQueue, MarkBitmap};
use crate::sweep::{self, SweepCursor};

/// The collector's working memory, kept between collections so its capacity is reused.
#[derive(Debug, Default)]
pub struct Tracer {
    /// The mark bits and the grey queue.
    pub(crate) marking: Marking,
    /// Scratch space for what a sweep frees the slow way, or lists (see
    /// [`crate::sweep::SweepCursor::sweep_some`]).
    pub(crate) garbage: Vec<ObjRef>,
    /// The end of a collection (rule 5).
    pub(crate) reclaimer: Reclaimer,
}

/// The mark bits and the mark queue: what the reclaimer borrows as [`Trace`] for a
/// whole-heap collection.
#[derive(Debug, Default)]
pub struct Marking {
    /// Mark bits, one per possible object.
    pub(crate) bits: MarkBitmap,
    /// The grey objects: marked, fields not yet scanned.
    pub(crate) queue: GreyQueue,
}

impl Marks for Marking {
    fn mark(&mut self, _heap: &mut Heap, r: ObjRef) -> bool {
        self.bits.mark_growing(r)
    }

    fn is_marked(&self, _heap: &Heap, r: ObjRef) -> bool {
        self.bits.is_marked(r)
    }
}

impl Trace for Marking {
    /// A whole-heap mark from the roots into freshly cleared bits, then every object left
    /// unmarked: the search every full collection makes (marksweep's, and the major and
    /// explicit ones of the other two).
    fn mark_and_find(&mut self, heap: &mut Heap, unreachable: &mut Unreachable) -> u64 {
        self.bits.reset(heap);
        let marked = mark_from(heap, &mut self.bits, &mut self.queue, heap.roots());
        // Everything marked: nothing to look for.
        if marked < heap.alloc_stats().objects_in_use {
            sweep::find_unmarked(heap, &self.bits, unreachable);
        }
        marked
    }
}

impl Marking {
    /// A whole-heap collection with nothing to settle (no finalizer, no weak referent:
    /// [`Heap::may_need_settling`] is false), which the reclaimer's end would do in
    /// one pass: marks from the roots into freshly cleared bits, then sweeps every pool in
    /// place, as the incremental collector's sweep steps do, with no list of the garbage
    /// built (under `DEBUG_SAVEALL` or `DEBUG_COLLECTABLE` the sweep lists it, as the
    /// reclaimer would). `scratch` is working space. `candidates` is left 0.
    fn mark_and_sweep(&mut self, heap: &mut Heap, scratch: &mut Vec<ObjRef>) -> PauseCounts {
        self.bits.reset(heap);
        let scanned = mark_from(heap, &mut self.bits, &mut self.queue, heap.roots());
        let mut counts = PauseCounts {
            scanned,
            ..PauseCounts::default()
        };
        // Everything marked: nothing to sweep.
        if scanned < heap.alloc_stats().objects_in_use {
            let swept = SweepCursor::new(heap).sweep_all(heap, &self.bits, scratch);
            counts.freed = swept.freed;
            counts.bytes_freed = swept.bytes_freed;
        }
        scratch.clear();
        heap.flush_pools();
        counts
    }
}

impl Tracer {
    /// Runs one full collection as one pause; returns its counts.
    pub fn collect(&mut self, heap: &mut Heap) -> PauseCounts {
        self.collect_evacuating(heap, None).0
    }

    /// [`Tracer::collect`], then, if `evacuate_below` is given, in the same pause, an
    /// evacuation of the arenas the survivors fill less than that fraction of
    /// ([`Heap::sparse_arenas`]): the compacting collector's collection. The marks refer to
    /// the old cells afterwards; the next collection clears them before it marks.
    pub fn collect_evacuating(
        &mut self,
        heap: &mut Heap,
        evacuate_below: Option<f64>,
    ) -> (PauseCounts, Evacuation) {
        let mut evacuation = Evacuation::default();
        let counts = heap.pause(PauseKind::Collection, None, |heap| {
            let candidates = heap.alloc_stats().objects_in_use;
            let counts = if heap.may_need_settling() {
                self.reclaimer.collect_unreachable(heap, &mut self.marking)
            } else {
                self.marking.mark_and_sweep(heap, &mut self.garbage)
            };
            if let Some(threshold) = evacuate_below {
                let sparse = heap.sparse_arenas(threshold);
                if !sparse.is_empty() {
                    evacuation = heap.evacuate(&sparse);
                }
            }
            PauseCounts {
                candidates,
                ..counts
            }
        });
        (counts, evacuation)
    }
}
