//! `update_refs` and `subtract_refs` over candidates already in a vector: the passes of the
//! plain path ([`crate::plain`]) and of the re-check after a resurrection.

use gc_core::{Heap, ObjRef};

use crate::fields::for_each_child;
use crate::header::{self, COLLECTING, COUNT, NEXT, PREV};
use crate::region::{choose_region_order, referents_by_region, SubtractScratch};

/// CPython's `update_refs`: each candidate is marked as collecting, with gc_refs = its
/// reference count and its index among the candidates in the next word. Returns how many
/// have gc_refs zero.
pub fn update_refs(heap: &mut Heap, candidates: &[ObjRef]) -> usize {
    let mut zeroed = 0;
    for (index, &obj) in candidates.iter().enumerate() {
        let w = heap.words_mut(obj);
        w[0] = header::with_state(w[0], COLLECTING);
        w[PREV] = w[COUNT];
        w[NEXT] = index as u32;
        zeroed += usize::from(w[PREV] == 0);
    }
    zeroed
}

/// CPython's `subtract_refs`: every reference from one candidate to another is internal,
/// and is subtracted from the referent's gc_refs; what is left counts references from
/// outside the set. Returns how many gc_refs that took to zero.
pub fn subtract_refs(heap: &mut Heap, candidates: &[ObjRef]) -> usize {
    let mut zeroed = 0;
    for &obj in candidates {
        for_each_child(heap, obj, |heap, child| {
            zeroed += decrement_if_collecting(heap, child)
        });
    }
    zeroed
}

/// [`subtract_refs`] for a set of any size, with the same result.
///
/// The decrements can run in any order, and in a large set the referents may be scattered
/// over the whole heap: one cache and TLB miss per reference. So a large set whose sampled
/// references mostly leave their own region first sorts its references by 2 MiB region
/// (one pass over the candidates copies each reference into its region's bucket) and then
/// decrements region by region, where the misses become hits. A set whose references stay
/// local (objects built together, such as pairs) skips the sort.
pub fn subtract_refs_by_region(
    heap: &mut Heap,
    candidates: &[ObjRef],
    scratch: &mut SubtractScratch,
) -> usize {
    choose_region_order(heap, candidates, scratch);
    if !scratch.sort_by_region {
        return subtract_refs(heap, candidates);
    }
    referents_by_region(heap, candidates, scratch);
    subtract_bucketed(heap, scratch)
}

/// Subtracts the references in the buckets (filled by [`referents_by_region`]) from the
/// referents' headers, region by region, emptying them. Returns how many gc_refs that took
/// to zero.
fn subtract_bucketed(heap: &mut Heap, scratch: &mut SubtractScratch) -> usize {
    let mut zeroed = 0;
    for bucket in &mut scratch.buckets {
        for &child in bucket.iter() {
            zeroed += decrement_if_collecting(heap, child);
        }
        bucket.clear();
    }
    zeroed
}

/// Subtracts one reference from `child`'s gc_refs if it is a candidate; returns 1 if that
/// took gc_refs to zero.
#[inline(always)]
pub(crate) fn decrement_if_collecting(heap: &mut Heap, child: ObjRef) -> usize {
    heap.with_head_mut(child, decrement_words)
}

/// [`decrement_if_collecting`] on the referent's words.
#[inline(always)]
fn decrement_words(w: &mut [u32]) -> usize {
    if header::state(w[0]) == COLLECTING {
        w[PREV] -= 1;
        usize::from(w[PREV] == 0)
    } else {
        0
    }
}
