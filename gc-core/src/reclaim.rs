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
//! A tracing collector lends its marks ([`Trace`]: mark from the roots and list what is left
//! unmarked; mark one more object; is this one marked) to
//! [`Reclaimer::collect_unreachable`], which then does everything else, and re-marks from
//! resurrected objects with the collector's own marks, so the end of a collection costs
//! nothing beyond freeing when no dying object has a weak reference or a finalizer. A
//! collector that keeps reference counts frees its garbage its own way (references leaving
//! the set are releases) and uses [`Reclaimer::settle`] for the steps before freeing,
//! retaining and releasing what the resurrecting stores changed.

use crate::alloc::PoolSweep;
use crate::layout::{FLAG_DYING_WEAKREF, FLAG_HAS_FINALIZER, FLAG_HAS_WEAKREFS, FLAG_IS_WEAKREF};
use crate::{Heap, ObjRef, ObjSet, PauseCounts, Slot, DEBUG_COLLECTABLE, DEBUG_SAVEALL};

/// Flags that make a dying object need more than freeing: weak references to clear, a
/// finalizer to run. (A dying weak reference itself needs only freeing, unless a
/// resurrection keeps it: then it is cleared.)
const SPECIAL: u16 = FLAG_HAS_WEAKREFS | FLAG_HAS_FINALIZER;

/// A tracing collector's mark bits, lent to the reclaimer: it re-marks from resurrected
/// objects with them (so they stay right after the collection) and tests them to tell a
/// dying weak reference from a live one.
///
/// Both are given the heap, so marks may live in a side bitmap or in object header words.
pub trait Marks {
    /// Marks `r`; returns whether it was unmarked.
    fn mark(&mut self, heap: &mut Heap, r: ObjRef) -> bool;
    /// Whether `r` is marked.
    fn is_marked(&self, heap: &Heap, r: ObjRef) -> bool;
}

/// A tracing collector's whole-heap search, lent to [`Reclaimer::collect_unreachable`].
pub trait Trace: Marks {
    /// Clears the marks it will set, marks everything reachable from the roots (the slots
    /// and `gc.garbage`), pushes every allocated unmarked object it is responsible for into
    /// `unreachable`, and returns how many objects it scanned.
    fn mark_and_find(&mut self, heap: &mut Heap, unreachable: &mut Unreachable) -> u64;
}

/// What the resurrecting stores of one settle changed, as net effects on the root slots
/// they wrote (a slot written twice counts once, with its final value), and the work the
/// resurrection check did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Resurrections {
    /// Objects now held by a slot a finalizer wrote: each was unreachable and is a root
    /// again (a counting collector retains each).
    pub stored: Vec<ObjRef>,
    /// The values those slots held before: each was reachable and may not be now (a
    /// counting collector releases each; a tracing collector finds the unreachable again).
    pub overwritten: Vec<ObjRef>,
    /// Objects whose fields the resurrection check read: the survivors (part of the pause's
    /// `scanned`, as a tracer's re-marking of them would be).
    pub scanned: u64,
}

impl Resurrections {
    /// Whether no finalizer resurrected anything.
    pub fn is_empty(&self) -> bool {
        self.stored.is_empty() && self.overwritten.is_empty()
    }

    fn clear(&mut self) {
        self.stored.clear();
        self.overwritten.clear();
        self.scanned = 0;
    }
}

/// The unreachable objects a collection found, in the order found, with those that have
/// weak references or a finalizer noted as they are pushed (while their header is in cache).
#[derive(Debug, Default)]
pub struct Unreachable {
    objects: Vec<ObjRef>,
    special: Vec<ObjRef>,
    /// Whether pushes read each object's flags: not when the heap has no weak reference
    /// and no finalizer ([`Heap::may_need_settling`]), so that finding garbage in a list
    /// (a minor collection's young objects) leaves its memory untouched until it is freed.
    watch_flags: bool,
}

impl Unreachable {
    /// Adds `r`, an allocated object not reachable from the roots.
    #[inline(always)]
    pub fn push(&mut self, heap: &Heap, r: ObjRef) {
        self.objects.push(r);
        if self.watch_flags && heap.flags(r) & SPECIAL != 0 {
            self.special.push(r);
        }
    }

    /// The objects, in the order pushed.
    pub fn objects(&self) -> &[ObjRef] {
        &self.objects
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.objects.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }

    fn clear(&mut self) {
        self.objects.clear();
        self.special.clear();
    }
}

/// How a settle tells the dying from the rest: a tracer's marks, or a set of its own.
trait Dying {
    /// Whether weak reference `w` (to a dying object) is dying too.
    fn is_dying_weakref(&self, heap: &Heap, w: ObjRef) -> bool;
    /// Takes `r` out of the dying if it is there (it survives); returns whether it was.
    fn rescue(&mut self, heap: &mut Heap, r: ObjRef) -> bool;
    /// Whether `r` is still dying.
    fn still_dying(&self, heap: &Heap, r: ObjRef) -> bool;
}

/// The dying are exactly the unmarked.
struct Unmarked<'a, M: Marks>(&'a mut M);

impl<M: Marks> Dying for Unmarked<'_, M> {
    fn is_dying_weakref(&self, heap: &Heap, w: ObjRef) -> bool {
        !self.0.is_marked(heap, w)
    }
    fn rescue(&mut self, heap: &mut Heap, r: ObjRef) -> bool {
        self.0.mark(heap, r)
    }
    fn still_dying(&self, heap: &Heap, r: ObjRef) -> bool {
        !self.0.is_marked(heap, r)
    }
}

/// The dying as a set built for the settle (emptied again after), with their weak
/// references flagged while weak references are cleared.
struct DyingSet<'a>(&'a mut ObjSet);

impl Dying for DyingSet<'_> {
    fn is_dying_weakref(&self, heap: &Heap, w: ObjRef) -> bool {
        heap.flags(w) & FLAG_DYING_WEAKREF != 0
    }
    fn rescue(&mut self, _heap: &mut Heap, r: ObjRef) -> bool {
        self.0.remove(r)
    }
    fn still_dying(&self, _heap: &Heap, r: ObjRef) -> bool {
        self.0.contains(r)
    }
}

/// The working memory of the end of a collection, kept by a collector between collections
/// so that its capacity is reused.
#[derive(Debug, Default)]
pub struct Reclaimer {
    /// The set being settled, for a tracing collector.
    unreachable: Unreachable,
    /// The set being settled by [`Reclaimer::settle`], as a membership test; empty between
    /// settles (its members are removed one by one, so no settle clears or allocates a
    /// whole bitmap).
    dying: ObjSet,
    /// Slots finalizers wrote in this settle, with the value each held before.
    written: Vec<(Slot, Option<ObjRef>)>,
    /// The traversal stack of the resurrection check.
    stack: Vec<ObjRef>,
    /// The objects the resurrection check kept.
    survivors: Vec<ObjRef>,
    resurrections: Resurrections,
}

impl Reclaimer {
    /// A reclaimer with nothing allocated yet.
    pub fn new() -> Reclaimer {
        Reclaimer::default()
    }

    /// The whole end of a collection for a collector without reference counts, inside its
    /// collection pause, given its marks: marks from the roots and lists the unmarked
    /// ([`Trace::mark_and_find`]), settles them (weak references, finalizers, resurrection,
    /// re-marking from resurrected objects), and if a resurrection overwrote a slot marks
    /// and lists again, until nothing more changes (a finalizer runs once, so this ends).
    /// Then what stays unreachable is freed (or saved, under `DEBUG_SAVEALL`) and emptied
    /// pools are returned.
    ///
    /// Returns the pause's counts: `scanned` sums what marking and re-marking scanned,
    /// `freed` is the garbage found (saved or freed, as CPython counts it), `bytes_freed`
    /// what was actually freed. `candidates` is left 0 for the caller to fill.
    pub fn collect_unreachable(&mut self, heap: &mut Heap, marks: &mut impl Trace) -> PauseCounts {
        let mut counts = PauseCounts::default();
        let mut found = std::mem::take(&mut self.unreachable);
        loop {
            found.clear();
            // Finalizers run only in the settle below, after the search: nothing attaches
            // one or creates a weak reference during it.
            found.watch_flags = heap.may_need_settling();
            counts.scanned += marks.mark_and_find(heap, &mut found);
            let Unreachable {
                objects, special, ..
            } = &mut found;
            self.settle_with(heap, objects, special, &mut Unmarked(marks));
            counts.scanned += self.resurrections.scanned;
            if self.resurrections.overwritten.is_empty() {
                break;
            }
        }
        let (freed, bytes) = free_or_save(heap, &found.objects);
        counts.freed = freed;
        counts.bytes_freed = bytes;
        found.clear();
        self.unreachable = found;
        heap.flush_pools();
        counts
    }

    /// Steps 1-4 of rule 5 for `garbage`, a set of allocated objects unreachable from the
    /// roots (distinct, in the order finalizers should run): clears weak references in and
    /// to the set (callbacks queued for those outside it), runs the pending finalizers,
    /// stores resurrected objects into their slots, and removes from `garbage` every object
    /// a resurrection made reachable again. Nothing is freed and no count is changed: the
    /// returned [`Resurrections`] says what the stores did, for the caller to count or to
    /// re-mark. Reads each object's flags once; does nothing more when no object in the set
    /// has a weak reference or a finalizer.
    pub fn settle(&mut self, heap: &mut Heap, garbage: &mut Vec<ObjRef>) -> &Resurrections {
        let mut special = std::mem::take(&mut self.unreachable.special);
        special.clear();
        special.extend(
            garbage
                .iter()
                .copied()
                .filter(|&r| heap.flags(r) & SPECIAL != 0),
        );
        if special.is_empty() {
            self.resurrections.clear();
        } else {
            let mut dying = std::mem::take(&mut self.dying);
            for &r in garbage.iter() {
                dying.insert(r);
                if heap.flags(r) & FLAG_IS_WEAKREF != 0 {
                    heap.set_flags(r, FLAG_DYING_WEAKREF);
                }
            }
            self.settle_with(heap, garbage, &special, &mut DyingSet(&mut dying));
            for &r in garbage.iter() {
                dying.remove(r);
            }
            for &r in garbage.iter().chain(&self.survivors) {
                if heap.flags(r) & FLAG_IS_WEAKREF != 0 {
                    heap.clear_flags(r, FLAG_DYING_WEAKREF);
                }
            }
            self.dying = dying;
        }
        special.clear();
        self.unreachable.special = special;
        &self.resurrections
    }

    /// Steps 1-4 of rule 5 where the dying are exactly the objects `marks` leaves unmarked
    /// (an incremental collector's end of marking): `special` must hold every unmarked
    /// object with weak references or a pending finalizer (others may be there too, marked
    /// ones are skipped), in the order finalizers should run. What a resurrection keeps is
    /// marked, so the marks stay right, and leaves `special`.
    pub fn settle_unmarked(
        &mut self,
        heap: &mut Heap,
        special: &mut Vec<ObjRef>,
        marks: &mut impl Marks,
    ) -> &Resurrections {
        special.retain(|&r| !marks.is_marked(heap, r) && heap.flags(r) & SPECIAL != 0);
        let listed = std::mem::take(special);
        let mut kept = listed.clone();
        self.settle_with(heap, &mut kept, &listed, &mut Unmarked(marks));
        *special = kept;
        &self.resurrections
    }

    /// Steps 1-4 given the objects of `garbage` with weak references or a finalizer, in
    /// order, and how to tell the dying.
    fn settle_with(
        &mut self,
        heap: &mut Heap,
        garbage: &mut Vec<ObjRef>,
        special: &[ObjRef],
        dying: &mut impl Dying,
    ) {
        self.resurrections.clear();
        self.survivors.clear();
        if special.is_empty() {
            return;
        }
        // Steps 1 and 2: weak references to a dying object are cleared, with callbacks only
        // for those not dying themselves, before any finalizer runs. A dying weak reference
        // is cleared when it is freed, with no callback, or below if a resurrection keeps
        // it: the same end state as clearing it first, without a second look-up of each.
        for &r in special {
            if heap.flags(r) & FLAG_HAS_WEAKREFS != 0 {
                heap.clear_weakrefs(r, |heap, w| !dying.is_dying_weakref(heap, w));
            }
        }
        self.run_finalizers(heap, special);
        if !self.written.is_empty() {
            self.note_resurrections(heap);
            self.keep_resurrected(heap, garbage, dying);
        }
    }

    /// Step 3: each pending finalizer runs once, in the set's order; a resurrecting one's
    /// object goes into its slot, and the slot's earlier value is remembered.
    fn run_finalizers(&mut self, heap: &mut Heap, special: &[ObjRef]) {
        self.written.clear();
        for &r in special {
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

    /// Step 4: everything the resurrected objects reach among the dying survives and leaves
    /// `garbage`; a weak reference among the survivors was garbage when the collection found
    /// it, so it is cleared (as CPython clears it before finalizers run).
    fn keep_resurrected(
        &mut self,
        heap: &mut Heap,
        garbage: &mut Vec<ObjRef>,
        dying: &mut impl Dying,
    ) {
        self.stack.clear();
        for &r in &self.resurrections.stored {
            if dying.rescue(heap, r) {
                self.stack.push(r);
            }
        }
        while let Some(parent) = self.stack.pop() {
            self.survivors.push(parent);
            // By index: rescuing a child may write its mark into the heap.
            for i in 0..heap.field_count(parent) {
                if let Some(child) = ObjRef::from_raw(heap.fields(parent)[i]) {
                    if dying.rescue(heap, child) {
                        self.stack.push(child);
                    }
                }
            }
        }
        self.resurrections.scanned = self.survivors.len() as u64;
        garbage.retain(|&r| dying.still_dying(heap, r));
        for &r in &self.survivors {
            if heap.flags(r) & FLAG_IS_WEAKREF != 0 {
                heap.clear_weakref(r);
            }
        }
    }
}

/// Step 6 for a tracing collector that sweeps pool by pool: frees the objects of small-object
/// pool `pool` that `marked` says false of, as [`free_or_save`] would free the list of them
/// (under `DEBUG_SAVEALL` they are saved, under `DEBUG_COLLECTABLE` printed, both by
/// finding them first). Without those flags no list is built: the pool is swept in place
/// ([`Heap::sweep_pool`]). `marked` must say true only of allocated objects; `scratch` is
/// working space, reused across calls.
pub fn sweep_pool_or_save(
    heap: &mut Heap,
    pool: usize,
    mut marked: impl FnMut(ObjRef) -> bool,
    scratch: &mut Vec<ObjRef>,
) -> PoolSweep {
    if heap.debug() & (DEBUG_COLLECTABLE | DEBUG_SAVEALL) == 0 {
        return heap.sweep_pool(pool, marked, scratch);
    }
    scratch.clear();
    let mut kept = 0;
    heap.for_each_object_in_unless(
        pool..pool + 1,
        0..0,
        |r| {
            let m = marked(r);
            kept += usize::from(m);
            m
        },
        |r| scratch.push(r),
    );
    let (freed, bytes) = free_or_save(heap, scratch);
    PoolSweep {
        kept,
        freed: freed as usize,
        bytes: bytes as usize,
        slow: 0,
    }
}

/// Step 6 for a collector without reference counts: frees `garbage`, or under
/// `DEBUG_SAVEALL` appends it to `gc.garbage`; prints it under `DEBUG_COLLECTABLE`.
/// Returns the objects found and the bytes freed.
pub fn free_or_save(heap: &mut Heap, garbage: &[ObjRef]) -> (u64, u64) {
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
    // Runs that share a pool pay off when nearly every dying object is plain. While weak
    // references or finalizers exist the garbage is often interleaved with objects whose
    // freeing forgets side-table entries, which end every run after a cell or two, so it is
    // freed one by one.
    let bytes = if heap.may_need_settling() {
        garbage.iter().map(|&r| heap.free(r) as u64).sum()
    } else {
        heap.free_all(garbage) as u64
    };
    (garbage.len() as u64, bytes)
}
