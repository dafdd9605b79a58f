//! A large scattered set's collection, with gc_refs in a dense table beside the heap.
//!
//! In a large set whose references are scattered (a random graph), `subtract_refs` and
//! `move_unreachable` each touch the referent of every reference: the region buckets of
//! [`crate::region`] keep those touches inside 2 MiB of heap at a time, but each one still
//! loads a 64-byte line of objects for four bytes of gc_refs. So such a set keeps gc_refs in
//! a table indexed by reference, one `u32` per 16-byte granule (and one per large object):
//! a region's entries are 512 KiB, which stay in the L2 cache while its bucket streams by.
//! Subtraction decrements entries and never reads the heap; marking reads the heap once per
//! reachable object (for its fields) instead of once per reference; and the walk that
//! gathers the set only reads the heap, so the list links stay as they are: when every
//! candidate is reachable (a full collection of a live heap), the list is kept in place
//! and only objects merged in from younger generations are restated.
//!
//! An entry is 0 for an object that is not a candidate, and gc_refs + 1 for one that is.
//! After marking, an entry of 2 or more is reachable: the roots (gc_refs > 0) already are,
//! and marking raises a reached candidate's 1 (gc_refs 0) to 2. [`finish`] turns the
//! entries into the header states and marks the later passes read (unless the whole set
//! is kept) and zeroes them: between collections the table is all zero, so a stale entry
//! can never make an object look like a candidate.

use gc_core::{Heap, ObjRef};

use crate::fields::head_of;
use crate::header::{self, COLLECTING, COUNT, NEXT, REACHABLE};
use crate::mark::mark_levels;
use crate::region::{push_by_region, SubtractScratch, REGIONS};
use crate::walk::{list_next, Gathered};

/// The table (kept between collections for its capacity; all zero between them).
#[derive(Debug, Default)]
pub struct RefsTable {
    /// Entries of small objects, by reference (granule index).
    small: Vec<u32>,
    /// Entries of large objects, by index.
    large: Vec<u32>,
}

impl RefsTable {
    /// Makes room for every reference the heap has handed out (`bounds`, see
    /// [`Heap::reference_bounds`]): 4 bytes per 16-byte granule, so a quarter of the small
    /// objects' memory, beside the heap and not charged to its limit. Cut back when the heap
    /// has shrunk to less than half of what the table covers (every entry is zero).
    fn cover(&mut self, (small, large): (usize, usize)) {
        for (entries, bound) in [(&mut self.small, small), (&mut self.large, large)] {
            if entries.len() < bound || entries.len() > 2 * bound {
                entries.resize(bound, 0);
                entries.shrink_to_fit();
            }
        }
    }

    /// The entry of `obj`.
    #[inline(always)]
    fn entry(&mut self, obj: ObjRef) -> &mut u32 {
        if obj.is_large() {
            &mut self.large[index(obj)]
        } else {
            &mut self.small[index(obj)]
        }
    }

    /// Enters candidate `obj` with `gc_refs`. A count of `u32::MAX` (saturated, immortal)
    /// is entered as `u32::MAX - 1` references, still far more than any set can subtract.
    #[inline(always)]
    fn enter(&mut self, obj: ObjRef, gc_refs: u32) {
        let entry = self.entry(obj);
        debug_assert_eq!(*entry, 0, "the table is zero between collections");
        *entry = gc_refs.saturating_add(1);
    }

    /// Marks `obj` reachable if it is an unmarked candidate; true if it was.
    #[inline(always)]
    fn mark(&mut self, obj: ObjRef) -> bool {
        mark_entry(self.entry(obj))
    }

    /// The entries the references in bucket `b` index (with [`index`]): every reference
    /// in the last bucket is large, and none in the others is, so a bucket's loop needs
    /// no test per reference.
    #[inline(always)]
    fn of_bucket(&mut self, b: usize) -> &mut [u32] {
        if b == REGIONS {
            &mut self.large
        } else {
            &mut self.small
        }
    }
}

/// The index of `obj`'s entry among those of its kind (small or large).
#[inline(always)]
fn index(obj: ObjRef) -> usize {
    (obj.raw() & !ObjRef::LARGE_BIT) as usize
}

/// Marks the candidate with `entry` reachable if it is not marked yet (entry 1, gc_refs
/// zero); true if it was.
#[inline(always)]
fn mark_entry(entry: &mut u32) -> bool {
    let unmarked = *entry == 1;
    if unmarked {
        *entry = 2;
    }
    unmarked
}

/// `update_refs` for a scattered set: walks the list from `first` (`set_len` objects, the
/// merged generations being collected) without writing to the heap, appending each object
/// to `out`, entering it in the table with gc_refs = its count, and putting each of its
/// references in the bucket of its region, for [`subtract_bucketed`].
pub fn gather(
    heap: &Heap,
    first: Option<ObjRef>,
    set_len: usize,
    out: &mut Vec<ObjRef>,
    scratch: &mut SubtractScratch,
) -> Gathered {
    out.reserve(set_len);
    scratch.table.cover(heap.reference_bounds());
    scratch.empty_buckets();
    let (buckets, table) = scratch.buckets_and_table();
    let (mut shape_union, mut zeroed) = (0, 0);
    let mut at = first;
    while let Some(obj) = at {
        let (w0, count, next, head) =
            heap.with_head(obj, |w| (w[0], w[COUNT], w[NEXT], head_of(w)));
        shape_union |= w0;
        zeroed += usize::from(count == 0);
        table.enter(obj, count);
        out.push(obj);
        push_by_region(heap, obj, head, buckets);
        at = list_next(next);
    }
    Gathered {
        shape_union,
        zeroed,
        outside_complete: false,
    }
}

/// `subtract_refs` for the references [`gather`] put in the region buckets, decrementing
/// the table region by region. Empties the buckets; returns how many gc_refs that took to
/// zero, or None if one would have gone below zero, which exact counts never allow: the
/// caller then keeps the whole set rather than risk freeing an object still referenced
/// (where gc_refs in the header would wrap round and make the object a root).
pub fn subtract_bucketed(scratch: &mut SubtractScratch) -> Option<usize> {
    let (buckets, table) = scratch.buckets_and_table();
    let mut zeroed = 0;
    let mut below_zero = false;
    for (b, bucket) in buckets.iter_mut().enumerate() {
        let entries = table.of_bucket(b);
        for &child in bucket.iter() {
            let entry = &mut entries[index(child)];
            match *entry {
                // Not a candidate (older, untracked): its entry is zero and stays so.
                0 => {}
                1 => below_zero = true,
                _ => {
                    *entry -= 1;
                    zeroed += usize::from(*entry == 1);
                }
            }
        }
        bucket.clear();
    }
    debug_assert!(
        !below_zero,
        "gc_refs below zero: a reference count is wrong"
    );
    (!below_zero).then_some(zeroed)
}

/// `move_unreachable` for a set in the table: marks every candidate reachable from one of
/// the `roots` (candidates with gc_refs > 0) and returns how many it marked. Breadth first:
/// a level of many objects has its references sorted by region, as
/// [`crate::mark::mark_reachable_by_region`] does, and a level of few (though maybe with many
/// references: the arrays holding a graph's nodes) is checked as it is read.
pub fn mark_reachable(
    heap: &mut Heap,
    candidates: &[ObjRef],
    roots: usize,
    scratch: &mut SubtractScratch,
) -> usize {
    scratch.frontier.clear();
    for &obj in candidates {
        if scratch.frontier.len() == roots {
            break;
        }
        if *scratch.table.entry(obj) >= 2 {
            scratch.frontier.push(obj);
        }
    }
    mark_levels(heap, candidates.len(), scratch, |_, table, child| {
        table.mark(child)
    })
}

/// Ends the table's part in a collection, zeroing every candidate's entry. Unless
/// `all_reachable` (the caller keeps the whole set in place and reads no state), each
/// candidate gets the state the later passes read: collecting, with the reachable mark if
/// its entry says so.
pub fn finish(
    heap: &mut Heap,
    candidates: &[ObjRef],
    all_reachable: bool,
    scratch: &mut SubtractScratch,
) {
    let table = &mut scratch.table;
    if all_reachable {
        for &obj in candidates {
            let entry = std::mem::take(table.entry(obj));
            debug_assert!(entry >= 2, "every candidate is marked");
        }
    } else {
        for &obj in candidates {
            let reachable = std::mem::take(table.entry(obj)) >= 2;
            heap.with_head_mut(obj, |w| {
                w[0] = header::with_state(w[0], COLLECTING) | if reachable { REACHABLE } else { 0 };
            });
        }
    }
    debug_assert!(
        table.small.iter().chain(&table.large).all(|&e| e == 0),
        "every entry was a candidate's"
    );
}
