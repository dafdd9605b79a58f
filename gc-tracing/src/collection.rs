//! One full collection: mark from the roots, list what the marks left out, and hand that to
//! gc-core's [`Reclaimer`] for the end every collector shares (rule 5 of the
//! [`gc_core::Collector`] contract).
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
use gc_core::{Heap, ObjRef, PauseCounts, PauseKind};

use crate::marking::{mark_from, GreyQueue, MarkBitmap};
use crate::sweep;

/// The collector's working memory, kept between collections so its capacity is reused.
#[derive(Debug, Default)]
pub struct Tracer {
    /// The mark bits and the grey queue.
    pub(crate) marking: Marking,
    /// Scratch space for the garbage one sweep step finds.
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

impl Tracer {
    /// Runs one full collection as one pause; returns its counts.
    pub fn collect(&mut self, heap: &mut Heap) -> PauseCounts {
        heap.pause(PauseKind::Collection, None, |heap| {
            let candidates = heap.alloc_stats().objects_in_use;
            let counts = self.reclaimer.collect_unreachable(heap, &mut self.marking);
            PauseCounts {
                candidates,
                ..counts
            }
        })
    }
}
