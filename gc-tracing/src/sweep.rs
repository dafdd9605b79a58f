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

/// What freeing an object with side-table entries counts for, in plain objects, against
/// an incremental sweep step's budget.
pub const SIDE_TABLE_WEIGHT: u64 = 4;

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
    /// the objects examined reach `objects` (an unmarked object with weak references, a
    /// finalizer, or that is a weak reference counts [`SIDE_TABLE_WEIGHT`]); returns the
    /// objects examined.
    pub fn sweep_some(
        &mut self,
        heap: &Heap,
        bits: &MarkBitmap,
        pools: usize,
        large: usize,
        objects: usize,
        garbage: &mut Vec<ObjRef>,
    ) -> u64 {
        let objects = objects as u64;
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
        let mut visit = |r: ObjRef| {
            garbage.push(r);
            // Freeing one with side-table entries (a weak reference object above all: its
            // referent's list is searched) costs several plain frees.
            let weight = if heap.flags(r) & SIDE_TABLES != 0 {
                SIDE_TABLE_WEIGHT
            } else {
                1
            };
            spent.set(spent.get() + weight);
        };
        while self.next_pool < pool_to && examined.get() + spent.get() < objects {
            let pool = self.next_pool;
            heap.for_each_object_in_unless(pool..pool + 1, 0..0, skip, &mut visit);
            self.next_pool += 1;
        }
        while self.next_large < large_to && examined.get() + spent.get() < objects {
            let index = self.next_large;
            heap.for_each_object_in_unless(0..0, index..index + 1, skip, &mut visit);
            self.next_large += 1;
        }
        examined.get() + garbage.len() as u64 - garbage_before
    }
}
