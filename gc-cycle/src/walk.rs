//! `update_refs` and `subtract_refs` in one walk of the list being collected (the usual
//! gather path; a large scattered set takes [`crate::dense`]'s instead).
//!
//! CPython makes two passes over the set: one copies each count into gc_refs, the next
//! subtracts each reference from one member to another. The walk here does both as it
//! reaches each object, gathering the candidates into a vector in list order (the later
//! passes run over the vector: gc_refs lives in the prev word and the candidate's index in
//! the next word while the collection runs). It counts the gc_refs that reach zero, so the
//! number of roots (candidates with references from outside the set) is known before
//! marking, and it collects the references leaving the set, which are what the set's death
//! releases when none of it is reachable.

use gc_core::{Heap, ObjRef};

use crate::fields::{for_each_child_batched, head_of, Head};
use crate::header::{self, COLLECTING, COUNT, NEXT, PREV, TOUCHED};

/// What [`gather_and_subtract`] found besides the candidates.
#[derive(Clone, Copy, Debug)]
pub struct Gathered {
    /// The union of the candidates' shape words (whose flags tell whether any has a weak
    /// reference or a finalizer).
    pub shape_union: u32,
    /// Candidates whose gc_refs reached zero so far.
    pub zeroed: usize,
    /// Whether `outside` holds every reference from the candidates to objects outside the
    /// set: it stayed shorter than the set (it stops growing there, so it never holds more
    /// memory than the candidate vector does).
    pub outside_complete: bool,
}

/// `update_refs` and `subtract_refs` in one walk of the detached list from `first`, the
/// merged generations up to `generation`: each object is marked as collecting, with
/// gc_refs = its count and its index in `out`, and appended to `out`; then each reference
/// it holds to a member of the set is subtracted from the referent's gc_refs.
///
/// A referent the walk has not gathered yet is recognised by its list state (generation
/// `generation` or younger), gets gc_refs = count − 1 and the state touched, and keeps its
/// list link so the walk still reaches it; gathering it later keeps the gc_refs it has.
/// CPython makes two passes over the set; one walk reads each object once and, in objects
/// built together (pairs, lists, trees made in order), finds most referents in the cache
/// lines just read. Each reference to an object outside the set (untracked, older or
/// frozen) is pushed onto `outside`: when the whole set turns out to be garbage, these are
/// exactly the references its death releases.
///
/// A large set whose references are scattered over the heap (see [`scattered_list`](crate::region::scattered_list)) is
/// gathered by [`crate::dense::gather`] instead.
pub fn gather_and_subtract(
    heap: &mut Heap,
    first: Option<ObjRef>,
    set_len: usize,
    generation: usize,
    out: &mut Vec<ObjRef>,
    outside: &mut Vec<ObjRef>,
) -> Gathered {
    outside.clear();
    out.reserve(set_len);
    let mut walk = Walk {
        at: first,
        generation,
        shape_union: 0,
        zeroed: 0,
        outside_cap: set_len,
    };
    while walk.gather_and_subtract_one(heap, out, outside).is_some() {}
    Gathered {
        shape_union: walk.shape_union,
        zeroed: walk.zeroed,
        outside_complete: outside.len() < set_len,
    }
}

/// The object after one whose next word is `next`, None at the end of the list: the list
/// ends at a boundary mark, which is never a small or realistic large reference
/// (`from_raw` maps NULL to None and the mark check stops at the end).
#[inline(always)]
pub(crate) fn list_next(next: u32) -> Option<ObjRef> {
    ObjRef::from_raw(next).filter(|_| next < 0xFFFF_FFF0)
}

/// [`subtract_referent`] for each field of an object with more than two: returns how many
/// gc_refs that took to zero. Out of line, so the walk's own counts stay in registers.
#[inline(never)]
fn subtract_many(
    heap: &mut Heap,
    obj: ObjRef,
    fields: usize,
    generation: usize,
    outside: &mut Vec<ObjRef>,
    outside_cap: usize,
) -> usize {
    let mut zeroed = 0;
    for_each_child_batched(heap, obj, fields, &mut |heap, child| {
        zeroed += subtract_referent(heap, child.raw(), generation, outside, outside_cap);
    });
    zeroed
}

/// The state of [`gather_and_subtract`]'s walk of a list.
struct Walk {
    at: Option<ObjRef>,
    generation: usize,
    shape_union: u32,
    zeroed: usize,
    /// The most references `outside` takes (the set's size).
    outside_cap: usize,
}

impl Walk {
    /// Gathers the next object of the list and subtracts its references; returns it with
    /// its [`Head`], or None at the end of the list.
    #[inline(always)]
    fn gather_and_subtract_one(
        &mut self,
        heap: &mut Heap,
        out: &mut Vec<ObjRef>,
        outside: &mut Vec<ObjRef>,
    ) -> Option<(ObjRef, Head)> {
        let obj = self.at?;
        let head = self.gather_one(heap, obj, out);
        let (generation, cap) = (self.generation, self.outside_cap);
        // One or two fields (most objects) are handled here, without a closure call each.
        if head.fields <= 2 {
            if head.fields >= 1 {
                self.zeroed += subtract_referent(heap, head.first, generation, outside, cap);
            }
            if head.fields == 2 {
                self.zeroed += subtract_referent(heap, head.second, generation, outside, cap);
            }
        } else {
            self.zeroed += subtract_many(heap, obj, head.fields, generation, outside, cap);
        }
        Some((obj, head))
    }

    /// Gathers `obj`, the object at the walk's position, and moves the walk on: state
    /// collecting, gc_refs = its count (unless it was touched), its index in the next word.
    #[inline(always)]
    fn gather_one(&mut self, heap: &mut Heap, obj: ObjRef, out: &mut Vec<ObjRef>) -> Head {
        heap.with_head_mut(obj, |w| self.gather_words(w, obj, out))
    }

    /// [`Walk::gather_one`] on the object's words.
    #[inline(always)]
    fn gather_words(&mut self, w: &mut [u32], obj: ObjRef, out: &mut Vec<ObjRef>) -> Head {
        let index = out.len() as u32;
        let next = w[NEXT];
        let w0 = w[0];
        self.shape_union |= w0;
        if header::state(w0) != TOUCHED {
            w[PREV] = w[COUNT];
            self.zeroed += usize::from(w[PREV] == 0);
        }
        w[0] = header::with_state(w0, COLLECTING);
        w[NEXT] = index;
        let head = head_of(w);
        out.push(obj);
        self.at = list_next(next);
        head
    }
}

/// Subtracts one reference (raw, possibly null) from its referent's gc_refs if the referent
/// belongs to a collection of `generation` (see [`gather_and_subtract`]); returns 1 if
/// that took gc_refs to zero. A referent outside the collection is pushed onto `outside`
/// while it holds fewer than `outside_cap`.
#[inline(always)]
fn subtract_referent(
    heap: &mut Heap,
    raw: u32,
    generation: usize,
    outside: &mut Vec<ObjRef>,
    outside_cap: usize,
) -> usize {
    let Some(child) = ObjRef::from_raw(raw) else {
        return 0;
    };
    // Matched here rather than through `Heap::with_head_mut`: with `outside` captured by a
    // closure, the walk kept less in registers (14 instructions more per object).
    match heap.head_mut(child) {
        Some(w) => subtract_from_words(&mut w[..], child, generation, outside, outside_cap),
        None => subtract_from_words(
            heap.words_mut(child),
            child,
            generation,
            outside,
            outside_cap,
        ),
    }
}

/// [`subtract_referent`] on the referent's words.
#[inline(always)]
fn subtract_from_words(
    w: &mut [u32],
    child: ObjRef,
    generation: usize,
    outside: &mut Vec<ObjRef>,
    outside_cap: usize,
) -> usize {
    let s = header::state(w[0]);
    if s == COLLECTING || s == TOUCHED {
        w[PREV] -= 1;
    } else if header::in_collection(s, generation) {
        w[PREV] = w[COUNT].wrapping_sub(1);
        w[0] = header::with_state(w[0], TOUCHED);
    } else {
        if outside.len() < outside_cap {
            outside.push(child);
        }
        return 0;
    }
    usize::from(w[PREV] == 0)
}
