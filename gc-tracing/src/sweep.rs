//! The sweep phase's search: the allocated objects the mark phase did not reach, found in
//! one of three ways: the whole heap at once (a stop-the-world collection), a list of
//! candidates (the young objects of a minor collection), or a few pools at a time (the
//! incremental collector's sweep, paced by allocation).
//!
//! Freeing them is gc-core's [`gc_core::reclaim::Reclaimer`], which returns small cells to
//! their pool's free list (pools that empty go back to their arena at the end of the
//! collection, releasing arenas that empty) and large objects to the system allocator.

use gc_core::layout::{FLAG_HAS_FINALIZER, FLAG_HAS_WEAKREFS, FLAG_IS_WEAKREF};
use gc_core::reclaim::Unreachable;
use std::cell::Cell;

use gc_core::{Heap, ObjRef};

use crate::marking::MarkBitmap;

/// Flags of an object whose freeing also updates the heap's side tables.
const SIDE_TABLES: u16 = FLAG_IS_WEAKREF | FLAG_HAS_WEAKREFS | FLAG_HAS_FINALIZER;

/// What freeing a plain object counts for against an incremental sweep step's budget,
/// where passing over a marked one counts 1: freeing reads the cell and puts it on a free
/// list, a marked object costs a test of its bit.
pub const GARBAGE_WEIGHT: u64 = 4;

/// What freeing an object with side-table entries (a weak reference object above all: its
/// referent's list is searched) counts for against an incremental sweep step's budget.
pub const SIDE_TABLE_WEIGHT: u64 = 16;

/// The work a sweep of `objects` objects is expected to be, `marked` of them marked and
/// `weakrefs` of them weak reference objects (counted as garbage: the worst case), in the
/// units of [`SweepCursor::sweep_some`]'s budget.
pub fn expected_sweep_work(objects: u64, marked: u64, weakrefs: u64) -> u64 {
    let garbage = objects.saturating_sub(marked);
    objects + (GARBAGE_WEIGHT - 1) * garbage + (SIDE_TABLE_WEIGHT - GARBAGE_WEIGHT) * weakrefs
}

/// Pushes every allocated, unmarked object into `garbage`, small ones in address order, then
/// large ones (the order [`Heap::for_each_object`] gives, so runs are deterministic).
pub fn find_unmarked(heap: &Heap, bits: &MarkBitmap, garbage: &mut Unreachable) {
    let large = heap.reference_bounds().1;
    heap.for_each_object_in_unless(
        0..heap.pool_bound(),
        0..large,
        |r| bits.is_marked(r),
        |r| garbage.push(heap, r),
    );
}

/// Pushes the unmarked objects among `candidates` (all allocated) into `garbage`, in order.
pub fn find_unmarked_among(
    heap: &Heap,
    bits: &MarkBitmap,
    candidates: &[ObjRef],
    garbage: &mut Unreachable,
) {
    for &r in candidates {
        if !bits.is_marked(r) {
            garbage.push(heap, r);
        }
    }
}

/// How far an incremental sweep has gone: the pools and large-object indices that existed
/// when marking ended, visited in order a few per step. Objects allocated since are marked
/// when they are born, so cells reused or pools added behind the cursor are never taken
/// for garbage.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SweepCursor {
    next_pool: usize,
    pool_end: usize,
    next_large: usize,
    large_end: usize,
}

impl SweepCursor {
    /// A sweep of everything `heap` holds now.
    pub fn new(heap: &Heap) -> SweepCursor {
        SweepCursor {
            next_pool: 0,
            pool_end: heap.pool_bound(),
            next_large: 0,
            large_end: heap.reference_bounds().1,
        }
    }

    /// Pools and large-object indices still to visit.
    pub fn remaining(&self) -> (usize, usize) {
        (
            self.pool_end - self.next_pool,
            self.large_end - self.next_large,
        )
    }

    /// Whether everything has been visited.
    pub fn is_done(&self) -> bool {
        self.remaining() == (0, 0)
    }

    /// Visits the next `pools` pools and `large` large-object indices, appending their
    /// unmarked objects to `garbage`, but stops after the pool (or large object) with which
    /// the work done reaches `work` (a marked object counts 1, an unmarked one
    /// [`GARBAGE_WEIGHT`], or [`SIDE_TABLE_WEIGHT`] if it has weak references, a finalizer,
    /// or is a weak reference); returns the objects examined.
    pub fn sweep_some(
        &mut self,
        heap: &Heap,
        bits: &MarkBitmap,
        pools: usize,
        large: usize,
        work: usize,
        garbage: &mut Vec<ObjRef>,
    ) -> u64 {
        let work = work as u64;
        let garbage_before = garbage.len() as u64;
        let pool_to = (self.next_pool + pools).min(self.pool_end);
        let large_to = (self.next_large + large).min(self.large_end);
        // Objects examined, and the budget spent (side-table frees weigh more). Marked
        // objects are counted by the skip test, which spares reading their memory.
        let examined = Cell::new(0u64);
        let spent = Cell::new(0u64);
        let skip = |r: ObjRef| {
            let marked = bits.is_marked(r);
            examined.set(examined.get() + u64::from(marked));
            marked
        };
        // Without weak references or finalizers no object has side-table entries to weigh:
        // the cell is then read once, when it is freed, not also here.
        let weigh = heap.weakref_count() > 0 || heap.may_need_settling();
        let mut visit = |r: ObjRef| {
            garbage.push(r);
            // Freeing one with side-table entries (a weak reference object above all: its
            // referent's list is searched) costs several plain frees.
            let weight = if weigh && heap.flags(r) & SIDE_TABLES != 0 {
                SIDE_TABLE_WEIGHT
            } else {
                GARBAGE_WEIGHT
            };
            spent.set(spent.get() + weight);
        };
        while self.next_pool < pool_to && examined.get() + spent.get() < work {
            let pool = self.next_pool;
            heap.for_each_object_in_unless(pool..pool + 1, 0..0, skip, &mut visit);
            self.next_pool += 1;
        }
        while self.next_large < large_to && examined.get() + spent.get() < work {
            let index = self.next_large;
            heap.for_each_object_in_unless(0..0, index..index + 1, skip, &mut visit);
            self.next_large += 1;
        }
        examined.get() + garbage.len() as u64 - garbage_before
    }
}
