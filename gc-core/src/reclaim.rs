//! The end of a collection, done once for every collector: rule 5 of [`crate::Collector`].
//!
//! A collection's own work is to find the unreachable objects. What happens to them then is
//! the same for every strategy and easy to get subtly wrong, so it lives here, in CPython's
//! order (PEP 442): weak references in or to the garbage are cleared, with callbacks only
//! for weak references that survive; pending finalizers run, once each; a finalizer that
//! resurrects stores its object into a root slot, and what that object reaches survives with
//! it; a slot value such a store overwrote may have lost its last path from the roots, so
//! the unreachable set is found again; the rest is freed, or kept in `gc.garbage` under
//! `DEBUG_SAVEALL`.
//!
//! A tracing collector marks, then calls [`Reclaimer::collect_unreachable`] with a function
//! that lists what its marks left out. A collector that keeps reference counts frees its
//! garbage its own way (references leaving the set are releases) and uses
//! [`Reclaimer::settle`] for the steps before freeing, retaining and releasing what the
//! resurrecting stores changed.

use crate::layout::{FLAG_HAS_FINALIZER, FLAG_HAS_WEAKREFS, FLAG_IS_WEAKREF};
use crate::{Heap, ObjRef, ObjSet, PauseCounts, Slot, DEBUG_COLLECTABLE, DEBUG_SAVEALL};

/// Flags that make a dying object need more than freeing.
const SPECIAL: u16 = FLAG_IS_WEAKREF | FLAG_HAS_WEAKREFS | FLAG_HAS_FINALIZER;

/// What the resurrecting stores of one [`Reclaimer::settle`] changed, as net effects on the
/// root slots they wrote (a slot written twice counts once, with its final value).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Resurrections {
    /// Objects now held by a slot a finalizer wrote: each was unreachable and is a root
    /// again (a counting collector retains each).
    pub stored: Vec<ObjRef>,
    /// The values those slots held before: each was reachable and may not be now (a
    /// counting collector releases each; a tracing collector finds the unreachable again).
    pub overwritten: Vec<ObjRef>,
}

impl Resurrections {
    /// Whether no finalizer resurrected anything.
    pub fn is_empty(&self) -> bool {
        self.stored.is_empty() && self.overwritten.is_empty()
    }
}

/// The working memory of the end of a collection, kept by a collector between collections
/// so that its capacity is reused.
#[derive(Debug, Default)]
pub struct Reclaimer {
    /// The objects of the set being settled with weak references or a finalizer.
    special: Vec<ObjRef>,
    /// The set being settled, as a membership test; empty between settles (its members are
    /// removed one by one, so no settle clears or allocates a whole bitmap).
    dying: ObjSet,
    /// Slots finalizers wrote in this settle, with the value each held before.
    written: Vec<(Slot, Option<ObjRef>)>,
    /// The traversal stack of the resurrection check.
    stack: Vec<ObjRef>,
    resurrections: Resurrections,
}

impl Reclaimer {
    /// A reclaimer with nothing allocated yet.
    pub fn new() -> Reclaimer {
        Reclaimer::default()
    }

    /// The whole end of a collection for a collector without reference counts, inside its
    /// collection pause: `find_unreachable(heap, out)` must append to `out` exactly the
    /// allocated objects that are not reachable from the roots (the slots and
    /// `gc.garbage`), and return how many objects it scanned. It is called again if a
    /// resurrection overwrote a slot, until nothing more changes (a finalizer runs once, so
    /// this ends). Then what stays unreachable is freed (or saved, under `DEBUG_SAVEALL`) and
    /// emptied pools are returned. `garbage` is scratch space, left empty.
    ///
    /// Returns the pause's counts: `scanned` sums what `find_unreachable` reported, `freed`
    /// is the garbage found (saved or freed, as CPython counts it), `bytes_freed` what was
    /// actually freed. `candidates` is left 0 for the caller to fill.
    pub fn collect_unreachable(
        &mut self,
        heap: &mut Heap,
        garbage: &mut Vec<ObjRef>,
        mut find_unreachable: impl FnMut(&Heap, &mut Vec<ObjRef>) -> u64,
    ) -> PauseCounts {
        let mut counts = PauseCounts::default();
        loop {
            garbage.clear();
            counts.scanned += find_unreachable(heap, garbage);
            if self.settle(heap, garbage).overwritten.is_empty() {
                break;
            }
        }
        let (found, bytes) = self.free_or_save(heap, garbage);
        counts.freed = found;
        counts.bytes_freed = bytes;
        garbage.clear();
        heap.flush_pools();
        counts
    }

    /// Steps 1-4 of rule 5 for `garbage`, a set of allocated objects unreachable from the
    /// roots (distinct, in the order finalizers should run): clears weak references in and
    /// to the set (callbacks queued for those outside it), runs the pending finalizers,
    /// stores resurrected objects into their slots, and removes from `garbage` every object
    /// a resurrection made reachable again. Nothing is freed and no count is changed: the
    /// returned [`Resurrections`] says what the stores did, for the caller to count or to
    /// re-mark. Costs one read of each object's flags when no object in the set has a weak
    /// reference or a finalizer.
    pub fn settle(&mut self, heap: &mut Heap, garbage: &mut Vec<ObjRef>) -> &Resurrections {
        self.resurrections.stored.clear();
        self.resurrections.overwritten.clear();
        self.special.clear();
        self.special.extend(
            garbage
                .iter()
                .copied()
                .filter(|&r| heap.flags(r) & SPECIAL != 0),
        );
        if self.special.is_empty() {
            return &self.resurrections;
        }
        let mut dying = std::mem::take(&mut self.dying);
        for &r in garbage.iter() {
            dying.insert(r);
        }
        self.clear_weak_references(heap, &dying);
        self.run_finalizers(heap);
        if !self.written.is_empty() {
            self.note_resurrections(heap);
            self.keep_resurrected(heap, &mut dying, garbage);
        }
        for &r in garbage.iter() {
            dying.remove(r);
        }
        self.dying = dying;
        &self.resurrections
    }

    /// Steps 1 and 2: a dying weak reference is cleared without a callback; weak references
    /// to a dying object are cleared, with callbacks for those that are not dying. All of
    /// it before any finalizer runs, so no finalizer sees a weak reference to the dying.
    fn clear_weak_references(&mut self, heap: &mut Heap, dying: &ObjSet) {
        for &r in &self.special {
            if heap.flags(r) & FLAG_IS_WEAKREF != 0 {
                heap.clear_weakref(r);
            }
        }
        for &r in &self.special {
            if heap.flags(r) & FLAG_HAS_WEAKREFS != 0 {
                heap.clear_weakrefs(r, |w| !dying.contains(w));
            }
        }
    }

    /// Step 3: each pending finalizer runs once, in the set's order; a resurrecting one's
    /// object goes into its slot, and the slot's earlier value is remembered.
    fn run_finalizers(&mut self, heap: &mut Heap) {
        self.written.clear();
        for &r in &self.special {
            if !heap.has_pending_finalizer(r) {
                continue;
            }
            if let Some(slot) = heap.run_finalizer(r) {
                // run_finalizer names only slots that exist, so the store cannot fail.
                if let Ok(before) = heap.replace_slot(slot, Some(r)) {
                    self.written.push((slot, before));
                }
            }
        }
    }

    /// The net effect of the stores on each slot written: its final value (a dying object)
    /// and, the first time it was written, its value before (a root, so never dying).
    fn note_resurrections(&mut self, heap: &Heap) {
        self.written.sort_by_key(|&(slot, _)| slot);
        let mut last = None;
        for &(slot, before) in &self.written {
            // Sorted stably, so the first entry for a slot is the store that saw its
            // original value.
            if last == Some(slot) {
                continue;
            }
            last = Some(slot);
            if let Ok(Some(now)) = heap.slot(slot) {
                self.resurrections.stored.push(now);
            }
            if let Some(before) = before {
                self.resurrections.overwritten.push(before);
            }
        }
    }

    /// Step 4: everything the resurrected objects reach within the dying set survives (and
    /// leaves the set).
    fn keep_resurrected(&mut self, heap: &Heap, dying: &mut ObjSet, garbage: &mut Vec<ObjRef>) {
        self.stack.clear();
        for &r in &self.resurrections.stored {
            if dying.remove(r) {
                self.stack.push(r);
            }
        }
        while let Some(parent) = self.stack.pop() {
            for &raw in heap.fields(parent) {
                if let Some(child) = ObjRef::from_raw(raw) {
                    if dying.remove(child) {
                        self.stack.push(child);
                    }
                }
            }
        }
        garbage.retain(|&r| dying.contains(r));
    }

    /// Step 6 for a collector without reference counts: frees `garbage`, or under
    /// `DEBUG_SAVEALL` appends it to `gc.garbage`; prints it under `DEBUG_COLLECTABLE`.
    /// Returns the objects found and the bytes freed.
    pub fn free_or_save(&mut self, heap: &mut Heap, garbage: &[ObjRef]) -> (u64, u64) {
        if heap.debug() & DEBUG_COLLECTABLE != 0 {
            for r in garbage {
                eprintln!("gc[{}]: collectable {r}", heap.collector_name());
            }
        }
        if heap.debug() & DEBUG_SAVEALL != 0 {
            for &r in garbage {
                heap.push_garbage(r);
            }
            return (garbage.len() as u64, 0);
        }
        let mut bytes = 0u64;
        for &r in garbage {
            bytes += heap.free(r) as u64;
        }
        (garbage.len() as u64, bytes)
    }
}
