//! One full collection: mark, clear weak references, finalize, re-mark, sweep.
//!
//! Finalizers follow CPython's PEP 442 order, in the same collection: after marking, weak
//! references to unmarked objects are cleared (callbacks queued only for weak references
//! that are themselves marked), then every unmarked object with a pending finalizer is
//! finalized. A finalizer that resurrects stores its object into its root slot, so the
//! collector marks again from the resurrected objects, and sweeps only what is still
//! unmarked. The cost is a second, partial mark whose size is what the finalizers resurrect,
//! and nothing at all when no unreachable object has a pending finalizer. The alternative
//! (keep finalizable objects, and everything they reach, until the next collection) would
//! leave unreachable objects behind after a full collection, which the heap's oracle and
//! users of `gc.collect()` both take as a leak.
//!
//! A resurrection store may overwrite a slot that held the only reference to some other
//! object; that object was marked, but is now garbage. When that happens the marks are
//! recomputed from scratch, and the loop runs again for any newly unreachable objects (their
//! weak references and finalizers), so the result is exact: after every collection the
//! allocated objects are precisely those reachable from the roots.

use gc_core::layout::{FLAG_FINALIZED, FLAG_HAS_FINALIZER, FLAG_HAS_WEAKREFS};
use gc_core::{Heap, ObjRef, PauseCounts, PauseKind, DEBUG_COLLECTABLE, DEBUG_SAVEALL};

use crate::marking::{mark_from, MarkBitmap};
use crate::sweep;

/// The collector's working memory, kept between collections so its capacity is reused.
#[derive(Debug, Default)]
pub struct Tracer {
    /// Mark bits, one per possible object.
    pub(crate) bits: MarkBitmap,
    mark_queue: Vec<ObjRef>,
    garbage: Vec<ObjRef>,
    /// The unmarked objects with weak references or a finalizer (a subset of `garbage`).
    special: Vec<ObjRef>,
    resurrected: Vec<ObjRef>,
}

impl Tracer {
    /// Runs one full collection as one pause; returns its counts.
    pub fn collect(&mut self, heap: &mut Heap) -> PauseCounts {
        let start = heap.begin_pause(PauseKind::Collection, None);
        let counts = self.collect_in_pause(heap);
        heap.end_pause(start, counts);
        counts
    }

    fn collect_in_pause(&mut self, heap: &mut Heap) -> PauseCounts {
        let in_use = heap.alloc_stats().objects_in_use;
        let mut counts = PauseCounts {
            candidates: in_use,
            ..PauseCounts::default()
        };
        self.bits.reset(heap);
        let mut marked = mark_from(heap, &mut self.bits, &mut self.mark_queue, heap.roots());
        counts.scanned += marked;
        self.garbage.clear();
        self.special.clear();
        if marked == in_use {
            // Everything is live: no garbage, no weak reference or finalizer to process.
            return counts;
        }
        sweep::find_unmarked(heap, &self.bits, &mut self.garbage, &mut self.special);
        while !self.special.is_empty() {
            self.clear_weakrefs_to_garbage(heap);
            let overwrote = self.run_finalizers(heap);
            if self.resurrected.is_empty() {
                break;
            }
            if overwrote {
                // A resurrection replaced a slot's reference: marked objects may have become
                // garbage, so the marks are recomputed from the roots.
                self.bits.reset(heap);
                marked = mark_from(heap, &mut self.bits, &mut self.mark_queue, heap.roots());
                self.garbage.clear();
                self.special.clear();
                sweep::find_unmarked(heap, &self.bits, &mut self.garbage, &mut self.special);
            } else {
                marked = mark_from(
                    heap,
                    &mut self.bits,
                    &mut self.mark_queue,
                    self.resurrected.iter().copied(),
                );
                let bits = &self.bits;
                self.garbage.retain(|&r| !bits.is_marked(r));
                // Everything special left was handled: its weak references are cleared and
                // its finalizer has run.
                self.special.clear();
            }
            counts.scanned += marked;
        }
        if heap.debug() & DEBUG_COLLECTABLE != 0 {
            for r in &self.garbage {
                eprintln!("gc[{}]: collectable {r}", heap.collector_name());
            }
        }
        if heap.debug() & DEBUG_SAVEALL != 0 {
            // CPython's DEBUG_SAVEALL: garbage goes to gc.garbage (a root) instead of dying.
            for &r in &self.garbage {
                heap.push_garbage(r);
            }
            counts.uncollectable = self.garbage.len() as u64;
        } else {
            counts.bytes_freed = sweep::free_all(heap, &self.garbage);
            counts.freed = self.garbage.len() as u64;
        }
        self.garbage.clear();
        counts
    }

    /// Clears the weak references to every unmarked object, queuing callbacks only for weak
    /// references that are marked (CPython's rule: garbage gets no callbacks).
    fn clear_weakrefs_to_garbage(&mut self, heap: &mut Heap) {
        let bits = &self.bits;
        for &r in &self.special {
            if heap.flags(r) & FLAG_HAS_WEAKREFS != 0 {
                heap.clear_weakrefs(r, |w| bits.is_marked(w));
            }
        }
    }

    /// Finalizes every unmarked object with a pending finalizer, in address order, storing
    /// resurrected ones into their slots. Fills `self.resurrected`; returns whether any store
    /// replaced a reference to a different object.
    fn run_finalizers(&mut self, heap: &mut Heap) -> bool {
        self.resurrected.clear();
        let mut overwrote = false;
        for &r in &self.special {
            if heap.flags(r) & (FLAG_HAS_FINALIZER | FLAG_FINALIZED) != FLAG_HAS_FINALIZER {
                continue;
            }
            if let Some(slot) = heap.run_finalizer(r) {
                // run_finalizer only names slots that exist, so the store cannot fail.
                if let Ok(old) = heap.replace_slot(slot, Some(r)) {
                    overwrote |= old.is_some_and(|o| o != r);
                    self.resurrected.push(r);
                }
            }
        }
        overwrote
    }
}
