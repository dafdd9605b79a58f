//! gc_refs of a large scattered collection in a dense table beside the heap.
//!
//! In a large set whose references are scattered (a random graph), `subtract_refs` and
//! `move_unreachable` each touch the referent of every reference: the region buckets of
//! [`crate::collect`] keep those touches inside 2 MiB of heap at a time, but each one still
//! loads a 64-byte line of objects for four bytes of gc_refs. So when the walk of such a set
//! switches to the buckets, each small candidate's gc_refs is also entered in a table
//! indexed by its reference (one `u32` per 16-byte granule): a region's entries are 512 KiB,
//! which stay in the L2 cache while its bucket streams by. Subtraction then decrements
//! entries and never reads the heap; marking reads the heap once per reachable object (for
//! its fields) instead of once per reference. Large objects, which the table does not
//! cover, keep gc_refs and the mark in their header as before.
//!
//! An entry is 0 for an object that is not a small candidate, and gc_refs + 1 for one that
//! is. After marking, an entry of 2 or more is reachable: the roots (gc_refs > 0) already
//! are, and marking raises a reached candidate's 1 (gc_refs 0) to 2. [`finish`] turns the
//! entries into the header marks the later passes read and zeroes them: between
//! collections the table is all zero, so a stale entry can never make an object look like
//! a candidate.

use gc_core::{Heap, ObjRef};

use crate::collect::{self, SubtractScratch, REGIONS, REGION_SORT_MIN};
use crate::header::{PREV, REACHABLE};

/// The table (kept between collections for its capacity; all zero between them).
#[derive(Debug, Default)]
pub struct RefsTable {
    entries: Vec<u32>,
}

impl RefsTable {
    /// Makes room for every small reference the heap has handed out (`bound`, see
    /// [`Heap::reference_bounds`]). Entries are never shrunk: the table is 4 bytes per
    /// granule of the largest heap a scattered collection has seen.
    pub fn cover(&mut self, bound: usize) {
        if self.entries.len() < bound {
            self.entries.resize(bound, 0);
        }
    }

    /// Enters candidate `obj` with `gc_refs` (nothing for a large object). A count of
    /// `u32::MAX` (saturated, immortal) is entered as `u32::MAX - 1` references, still far
    /// more than any set can subtract.
    #[inline(always)]
    pub fn enter(&mut self, obj: ObjRef, gc_refs: u32) {
        if !obj.is_large() {
            let entry = &mut self.entries[obj.raw() as usize];
            debug_assert_eq!(*entry, 0, "the table is zero between collections");
            *entry = gc_refs.saturating_add(1);
        }
    }

    /// Marks small object `obj` reachable if it is an unmarked candidate (entry 1, gc_refs
    /// zero); true if it was.
    #[inline(always)]
    fn mark(&mut self, obj: ObjRef) -> bool {
        let entry = &mut self.entries[obj.raw() as usize];
        let unmarked = *entry == 1;
        if unmarked {
            *entry = 2;
        }
        unmarked
    }
}

/// `subtract_refs` for the references the walk put in the region buckets: small referents
/// are decremented in the table, large ones in their header. Empties the buckets; returns
/// how many gc_refs that took to zero.
pub fn subtract_bucketed(heap: &mut Heap, scratch: &mut SubtractScratch) -> usize {
    let (buckets, table) = scratch.buckets_and_table();
    let (small, large) = buckets.split_at_mut(REGIONS);
    let mut zeroed = 0;
    for bucket in small {
        for &child in bucket.iter() {
            let entry = &mut table.entries[child.raw() as usize];
            // Not a candidate (older, untracked): its entry is zero and stays so. A
            // candidate's gc_refs never drops below zero while every count is exact.
            if *entry != 0 {
                debug_assert!(*entry >= 2, "gc_refs below zero");
                *entry -= 1;
                zeroed += usize::from(*entry == 1);
            }
        }
        bucket.clear();
    }
    for bucket in large {
        for &child in bucket.iter() {
            zeroed += collect::decrement_if_collecting(heap, child);
        }
        bucket.clear();
    }
    zeroed
}

/// `move_unreachable` for a set entered in the table: marks every candidate reachable from
/// one of the `roots` (candidates with gc_refs > 0) and returns how many it marked. Breadth
/// first, each large level's references sorted by region, as
/// [`collect::mark_reachable_by_region`] does; a small candidate's mark is its entry.
pub fn mark_reachable(
    heap: &mut Heap,
    candidates: &[ObjRef],
    roots: usize,
    scratch: &mut SubtractScratch,
) -> usize {
    let mut frontier = std::mem::take(&mut scratch.frontier);
    let mut next = std::mem::take(&mut scratch.next);
    frontier.clear();
    for &obj in candidates {
        if frontier.len() == roots {
            break;
        }
        let root = if obj.is_large() {
            let w = heap.words_mut(obj);
            let root = w[PREV] != 0;
            if root {
                w[0] |= REACHABLE;
            }
            root
        } else {
            scratch.table.entries[obj.raw() as usize] >= 2
        };
        if root {
            frontier.push(obj);
        }
    }
    let mut marked = 0;
    while !frontier.is_empty() {
        marked += frontier.len();
        next.clear();
        if frontier.len() < REGION_SORT_MIN {
            // Few objects (though maybe many references: the arrays holding a graph's
            // nodes): their references are checked as they are read. Large referents,
            // whose marks are in their headers, are marked after each object.
            let (table, large) = (&mut scratch.table, &mut scratch.large);
            for &obj in &frontier {
                let head = heap.with_head(obj, collect::head_of);
                collect::for_each_referent(heap, obj, head, |child| {
                    if child.is_large() {
                        large.push(child);
                    } else if table.mark(child) {
                        next.push(child);
                    }
                });
                for child in large.drain(..) {
                    if collect::mark_new(heap, child) {
                        next.push(child);
                    }
                }
            }
        } else {
            collect::referents_by_region(heap, &frontier, scratch);
            let (buckets, table) = scratch.buckets_and_table();
            for bucket in buckets.iter_mut() {
                for &child in bucket.iter() {
                    if mark_new(heap, table, child) {
                        next.push(child);
                    }
                }
                bucket.clear();
            }
        }
        std::mem::swap(&mut frontier, &mut next);
    }
    scratch.frontier = frontier;
    scratch.next = next;
    marked
}

/// Marks `child` reachable if it is an unmarked candidate; true if it was.
#[inline(always)]
fn mark_new(heap: &mut Heap, table: &mut RefsTable, child: ObjRef) -> bool {
    if child.is_large() {
        collect::mark_new(heap, child)
    } else {
        table.mark(child)
    }
}

/// Ends the table's part in a collection: each small candidate found reachable gets the
/// header mark the later passes read, and every entry goes back to zero. When
/// `all_reachable` (the caller keeps the whole set as it is and reads no mark), release
/// builds only zero the entries.
pub fn finish(
    heap: &mut Heap,
    candidates: &[ObjRef],
    all_reachable: bool,
    scratch: &mut SubtractScratch,
) {
    let table = &mut scratch.table.entries;
    let set_marks = !all_reachable || cfg!(debug_assertions);
    for &obj in candidates {
        if obj.is_large() {
            continue;
        }
        let entry = std::mem::take(&mut table[obj.raw() as usize]);
        if set_marks && entry >= 2 {
            heap.with_head_mut(obj, |w| w[0] |= REACHABLE);
        }
    }
    debug_assert!(
        table.iter().all(|&e| e == 0),
        "every entry was a candidate's"
    );
}
