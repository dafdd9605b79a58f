//! The end of a collection, once marking has found the garbage: the five paths
//! [`crate::policy::choose_path`] chooses among, and CPython's steps they are built from
//! ([`split`], [`handle_weakrefs`], [`finalize`], [`delete_garbage`]).
//!
//! Each takes the counting engine (whose hooks are the generation lists), the candidates in
//! [`Scratch`] and the older generation survivors go to, and returns the survivors and the
//! objects collected.

use gc_core::layout::{
    self, FLAG_ALLOCATED, FLAG_HAS_FINALIZER, FLAG_HAS_WEAKREFS, FLAG_IS_WEAKREF,
};
use gc_core::{Heap, ObjRef, DEBUG_COLLECTABLE, DEBUG_SAVEALL};
use gc_refcount::Counting;

use crate::header::{self, COLLECTING, FIELDS, REACHABLE, UNREACHABLE};
use crate::lists::{Generation, Lists};
use crate::mark::{mark_reachable_by_region, move_unreachable};
use crate::policy::Passes;
use crate::region::SubtractScratch;
use crate::subtract::{subtract_refs, subtract_refs_by_region, update_refs};

/// The counting engine every path releases references through.
pub type Engine = Counting<Lists, true>;

/// Vectors reused from one collection to the next.
#[derive(Debug, Default)]
pub struct Scratch {
    /// The set being collected, in list order.
    pub candidates: Vec<ObjRef>,
    /// The candidates found unreachable, in candidate order.
    pub garbage: Vec<ObjRef>,
    /// The candidates found reachable, in candidate order.
    pub survivors: Vec<ObjRef>,
    /// Marking's work stack.
    pub stack: Vec<ObjRef>,
    /// References leaving the garbage, released once it is freed.
    pub children: Vec<ObjRef>,
    /// References from the candidates to objects outside the collection.
    pub outside: Vec<ObjRef>,
    /// The region-ordered passes' buffers and the gc_refs table.
    pub subtract: SubtractScratch,
}

/// Every candidate was found reachable (a full collection of a live heap): there is
/// nothing to split or free, so the candidates, in their order, are simply linked into
/// the older generation. Returns the survivors and no objects collected.
pub fn keep_all(
    counting: &mut Engine,
    heap: &mut Heap,
    scratch: &Scratch,
    old: Generation,
) -> (u64, u64) {
    debug_assert!(
        scratch
            .candidates
            .iter()
            .all(|&obj| heap.words(obj)[0] & REACHABLE != 0),
        "every candidate is marked"
    );
    counting
        .hooks_mut()
        .append_all(heap, old, &scratch.candidates);
    (scratch.candidates.len() as u64, 0)
}

/// Every candidate of a set gathered in place ([`crate::dense::gather`]) was found
/// reachable: `young`'s list, still linked in its order, becomes part of `old`, and
/// `restate`, the candidates whose state does not name `old` yet, are restated.
#[inline]
pub fn keep_in_place(
    counting: &mut Engine,
    heap: &mut Heap,
    restate: &[ObjRef],
    young: Generation,
    old: Generation,
) {
    let state = header::linked(old.index());
    for &obj in restate {
        heap.with_head_mut(obj, |w| w[0] = header::with_state(w[0], state));
    }
    counting.hooks_mut().merge(heap, young, old);
}

/// The whole set is garbage (no candidate has references from outside it), with no weak
/// reference, finalizer or debug flag to attend to: every candidate is freed, and the
/// references leaving the set, which the gather pass collected, are released after.
/// Returns no survivors and the objects collected.
pub fn free_closed_set(
    counting: &mut Engine,
    heap: &mut Heap,
    scratch: &mut Scratch,
) -> (u64, u64) {
    heap.free_all(&scratch.candidates);
    let freed = scratch.candidates.len() as u64;
    let lists = counting.hooks_mut();
    lists.unreachable_freed = 0;
    lists.unreachable_freed_now(freed);
    counting.set_cascade_pauses(false);
    counting.release_all(heap, scratch.outside.drain(..));
    counting.set_cascade_pauses(true);
    (0, freed)
}

/// `split` and `delete_garbage` in one pass, for a collection where no candidate has a
/// weak reference or a finalizer and no debug flag asks to see the garbage: nothing can
/// happen between finding the garbage and freeing it, so each candidate is kept or
/// freed as the pass reaches it. A candidate without the reachable mark is garbage
/// whether the pass has reached it yet or not (it has not, and reads as collecting
/// and unmarked; it has, and reads as free), so references between garbage objects are
/// dropped and only those leaving the garbage are released, after the pass, as in
/// [`delete_garbage`]. Returns the survivors and the objects collected.
pub fn split_and_free(
    counting: &mut Engine,
    heap: &mut Heap,
    scratch: &mut Scratch,
    old: Generation,
) -> (u64, u64) {
    scratch.survivors.clear();
    scratch.children.clear();
    let mut freed = 0;
    for &obj in &scratch.candidates {
        let w = heap.words(obj);
        let shape_word = w[0];
        if shape_word & REACHABLE != 0 {
            // Its mark is cleared when it is linked into the older generation.
            scratch.survivors.push(obj);
            continue;
        }
        let n = header::field_count(shape_word);
        // Garbage not yet reached reads as collecting and unmarked.
        queue_references_out(
            heap,
            &w[FIELDS..FIELDS + n],
            |c0| header::state(c0) == COLLECTING && c0 & REACHABLE == 0,
            &mut scratch.children,
        );
        heap.free(obj);
        freed += 1;
    }
    let lists = counting.hooks_mut();
    // Linked before any release, so a cascade that frees a survivor finds it listed.
    lists.append_all(heap, old, &scratch.survivors);
    lists.unreachable_freed = 0;
    lists.unreachable_freed_now(freed);
    counting.set_cascade_pauses(false);
    counting.release_all(heap, scratch.children.drain(..));
    counting.set_cascade_pauses(true);
    (scratch.survivors.len() as u64, freed)
}

/// CPython's steps after `move_unreachable`, in its order: split the candidates, clear
/// weak references, run finalizers and re-check resurrection (by trial deletion over the
/// garbage with `passes`' passes), then delete the garbage. Returns the survivors of the
/// first split and the objects collected; adds what the re-check scanned to `scanned`.
pub fn split_then_delete(
    counting: &mut Engine,
    heap: &mut Heap,
    scratch: &mut Scratch,
    old: Generation,
    passes: Passes,
    scanned: &mut u64,
) -> (u64, u64) {
    let (survivors, special) = split(
        heap,
        &scratch.candidates,
        &mut scratch.survivors,
        &mut scratch.garbage,
    );
    counting
        .hooks_mut()
        .append_all(heap, old, &scratch.survivors);

    if heap.debug() & DEBUG_COLLECTABLE != 0 {
        for &obj in &scratch.garbage {
            eprintln!("gc: collectable {obj}");
        }
    }
    if special & (FLAG_HAS_WEAKREFS | FLAG_IS_WEAKREF) != 0 {
        handle_weakrefs(heap, &scratch.garbage);
    }
    if special & FLAG_HAS_FINALIZER != 0 && finalize(counting, heap, &scratch.garbage) {
        // A finalizer resurrected something: redo the analysis over the garbage; what is
        // reachable again now survives with everything it reaches.
        let garbage = std::mem::take(&mut scratch.garbage);
        *scanned += garbage.len() as u64;
        let zeroed = update_refs(heap, &garbage);
        match passes {
            Passes::Fast => {
                let zeroed =
                    zeroed + subtract_refs_by_region(heap, &garbage, &mut scratch.subtract);
                debug_assert!(zeroed <= garbage.len());
                mark_reachable_by_region(
                    heap,
                    &garbage,
                    garbage.len() - zeroed,
                    &mut scratch.stack,
                    &mut scratch.subtract,
                );
            }
            Passes::Plain => {
                subtract_refs(heap, &garbage);
                move_unreachable(heap, &garbage, &mut scratch.stack);
            }
        }
        split(heap, &garbage, &mut scratch.survivors, &mut scratch.garbage);
        counting
            .hooks_mut()
            .append_all(heap, old, &scratch.survivors);
    }

    let collected = scratch.garbage.len() as u64;
    delete_garbage(counting, heap, scratch, old);
    (survivors, collected)
}

/// Runs the pending finalizers of the garbage, in order (PEP 442: once per object, the
/// heap's finalized flag persists). Returns whether any resurrected its object.
pub fn finalize(counting: &mut Engine, heap: &mut Heap, garbage: &[ObjRef]) -> bool {
    let mut resurrected = false;
    for &obj in garbage {
        if !heap.has_pending_finalizer(obj) {
            continue;
        }
        if let Some(slot) = heap.run_finalizer(obj) {
            if let Ok(old) = heap.replace_slot(slot, Some(obj)) {
                counting.retain(heap, obj);
                if let Some(old) = old {
                    counting.release(heap, old);
                }
                resurrected = true;
            }
        }
    }
    resurrected
}

/// CPython's `delete_garbage`: the garbage dies (or, under DEBUG_SAVEALL, is appended to
/// `gc.garbage`, a counted reference). Whatever is still alive afterwards moves to the
/// older generation.
///
/// CPython clears each object's fields and lets counting free the set one object at a
/// time. Everything left in the garbage dies here (finalizers have run and resurrection
/// was re-checked, and no object outside the set refers into it), so the end state is the
/// same when references between garbage objects are simply dropped, both ends dying, and
/// only references leaving the set are released through counting, after the set is
/// freed. Each garbage object then costs one look-up and a free, instead of a decrement,
/// a queueing and a free through the cascade; the same objects die and the same counts
/// are reported.
pub fn delete_garbage(
    counting: &mut Engine,
    heap: &mut Heap,
    scratch: &mut Scratch,
    old: Generation,
) {
    let save_all = heap.debug() & DEBUG_SAVEALL != 0;
    counting.hooks_mut().unreachable_freed = 0;
    counting.set_cascade_pauses(false);
    scratch.children.clear();
    if save_all {
        for &obj in &scratch.garbage {
            if heap.check(obj).is_ok() {
                heap.push_garbage(obj);
                counting.retain(heap, obj);
            }
        }
    } else {
        let mut freed = 0;
        for &obj in &scratch.garbage {
            // One look-up: the allocated test and the read of the fields.
            let Some(w) = heap.try_words(obj) else {
                continue;
            };
            let Some(&shape_word) = w.first() else {
                continue;
            };
            if layout::flags_of(shape_word) & FLAG_ALLOCATED == 0 {
                continue;
            }
            debug_assert_eq!(header::state(shape_word), UNREACHABLE);
            let n = header::field_count(shape_word);
            queue_references_out(
                heap,
                &w[FIELDS..FIELDS + n],
                |c0| header::state(c0) == UNREACHABLE,
                &mut scratch.children,
            );
            heap.free(obj);
            freed += 1;
        }
        // What `on_free` does for each object found unreachable, for all of them at once.
        counting.hooks_mut().unreachable_freed_now(freed);
    }
    counting.release_all(heap, scratch.children.drain(..));
    counting.set_cascade_pauses(true);
    let lists = counting.hooks_mut();
    if lists.unreachable_freed < scratch.garbage.len() as u64 {
        for &obj in &scratch.garbage {
            if heap.check(obj).is_ok() && header::state(heap.words(obj)[0]) == UNREACHABLE {
                lists.append(heap, old, obj);
            }
        }
    }
    scratch.garbage.clear();
}

/// Queues onto `out` each referent in `fields` that outlives the garbage being freed: one
/// that is allocated and whose shape word `is_garbage` does not claim. A referent that is
/// garbage dies with the referrer, or was freed already (its cell reads as free, or its
/// memory is gone), so its count does not matter.
#[inline(always)]
fn queue_references_out(
    heap: &Heap,
    fields: &[u32],
    is_garbage: impl Fn(u32) -> bool,
    out: &mut Vec<ObjRef>,
) {
    for &raw in fields {
        if let Some(child) = ObjRef::from_raw(raw) {
            match allocated_shape_word(heap, child) {
                Some(w0) if !is_garbage(w0) => out.push(child),
                _ => {}
            }
        }
    }
}

/// The shape word of `obj` if it is an allocated object (a cheap check that never panics,
/// for references into a set being freed).
#[inline]
fn allocated_shape_word(heap: &Heap, obj: ObjRef) -> Option<u32> {
    let w0 = *heap.try_words(obj)?.first()?;
    (layout::flags_of(w0) & FLAG_ALLOCATED != 0).then_some(w0)
}

/// Splits candidates into `survivors` (reachable mark cleared) and `garbage` (state
/// unreachable), both in candidate order. Returns the survivor count and the union of the
/// garbage's weakref/finalizer flags.
pub fn split(
    heap: &mut Heap,
    candidates: &[ObjRef],
    survivors: &mut Vec<ObjRef>,
    garbage: &mut Vec<ObjRef>,
) -> (u64, u16) {
    survivors.clear();
    garbage.clear();
    let mut special = 0u32;
    for &obj in candidates {
        let w = heap.words_mut(obj);
        if w[0] & REACHABLE != 0 {
            w[0] &= !REACHABLE;
            survivors.push(obj);
        } else {
            w[0] = header::with_state(w[0], UNREACHABLE);
            special |= w[0];
            garbage.push(obj);
        }
    }
    (survivors.len() as u64, layout::flags_of(special))
}

/// CPython's `handle_weakrefs`: weak references that are garbage are cleared, and so are
/// weak references to garbage; a callback is queued only for a weak reference that is not
/// itself garbage. All of this happens before any finalizer runs.
pub fn handle_weakrefs(heap: &mut Heap, garbage: &[ObjRef]) {
    for &obj in garbage {
        let flags = heap.flags(obj);
        if flags & FLAG_IS_WEAKREF != 0 {
            heap.clear_weakref(obj);
        }
        if flags & FLAG_HAS_WEAKREFS != 0 {
            heap.clear_weakrefs(obj, |heap, w| {
                header::state(heap.words(w)[0]) != UNREACHABLE
            });
        }
    }
}
