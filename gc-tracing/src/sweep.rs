//! The sweep phase: the allocated objects the mark phase did not reach, freed in one of
//! three ways. A pool is swept in place ([`gc_core::reclaim::sweep_pool_or_save`]): one
//! pass over its cells tests each mark bit, reads only the unmarked cells and threads the
//! garbage onto the pool's free list, with no list of it built. [`SweepCursor`] sweeps the
//! pools that way, and then the large objects, all at once (a stop-the-world collection
//! with nothing to settle) or a few per step (the incremental collector's sweep, paced by
//! allocation). When weak references or finalizers must be settled first, the garbage is
//! listed instead: the whole heap ([`find_unmarked`]) or a list of candidates (the young
//! objects of a minor collection, [`find_unmarked_among`]), for gc-core's
//! [`gc_core::reclaim::Reclaimer`] to settle and free; with nothing to settle, a minor
//! collection frees its unmarked young objects a batch at a time ([`free_unmarked_among`]).
//!
//! Freeing returns small cells to their pool's free list (pools that empty go back to their
//! arena at the end of the collection, releasing arenas that empty) and large objects to
//! the system allocator.

use gc_core::layout::{FLAG_HAS_FINALIZER, FLAG_HAS_WEAKREFS, FLAG_IS_WEAKREF};
use gc_core::reclaim::{free_or_save, sweep_pool_or_save, Unreachable};

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

/// How many unmarked candidates [`free_unmarked_among`] gathers before freeing them: a
/// 16 KiB batch stays in L1 between being written and read back.
const FREE_BATCH: usize = 4096;

/// Frees (or saves, under `DEBUG_SAVEALL`, as [`free_or_save`] does) the unmarked objects
/// among `candidates` (all allocated, distinct), in order: a minor collection's end when
/// nothing needs settling. The garbage goes through `scratch` a batch at a time, never
/// listed whole: a list of a nursery's dead (millions of references) would be written out
/// to memory and read back. Returns the objects freed and their bytes.
pub fn free_unmarked_among(
    heap: &mut Heap,
    bits: &MarkBitmap,
    candidates: &[ObjRef],
    scratch: &mut Vec<ObjRef>,
) -> (u64, u64) {
    let (mut freed, mut bytes) = (0, 0);
    scratch.clear();
    for &r in candidates {
        if !bits.is_marked(r) {
            scratch.push(r);
            if scratch.len() == FREE_BATCH {
                let (f, b) = free_or_save(heap, scratch);
                (freed, bytes) = (freed + f, bytes + b);
                scratch.clear();
            }
        }
    }
    let (f, b) = free_or_save(heap, scratch);
    scratch.clear();
    (freed + f, bytes + b)
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

    /// Sweeps everything left at once (a stop-the-world collection's sweep).
    pub fn sweep_all(
        &mut self,
        heap: &mut Heap,
        bits: &MarkBitmap,
        scratch: &mut Vec<ObjRef>,
    ) -> SweepCounts {
        let (pools, large) = self.remaining();
        self.sweep_some(heap, bits, (pools, large, usize::MAX), scratch)
    }

    /// Sweeps the next `pools` pools and `large` large-object indices, freeing their
    /// unmarked objects (pools in place, [`sweep_pool_or_save`]; large objects through
    /// `scratch` and [`free_or_save`]), but stops after the pool (or large object) with
    /// which the work done reaches `work`: a marked object counts 1, a freed one
    /// [`GARBAGE_WEIGHT`], or [`SIDE_TABLE_WEIGHT`] if it had weak references, a finalizer,
    /// or was a weak reference.
    pub fn sweep_some(
        &mut self,
        heap: &mut Heap,
        bits: &MarkBitmap,
        (pools, large, work): (usize, usize, usize),
        scratch: &mut Vec<ObjRef>,
    ) -> SweepCounts {
        let work = work as u64;
        let pool_to = (self.next_pool + pools).min(self.pool_end);
        let large_to = (self.next_large + large).min(self.large_end);
        let mut counts = SweepCounts::default();
        let mut spent = 0;
        while self.next_pool < pool_to && spent < work {
            let swept = sweep_pool_or_save(heap, self.next_pool, |r| bits.is_marked(r), scratch);
            // Side-table frees cost several plain frees each (a weak reference object's
            // referent list is searched).
            let (kept, freed, slow) = (swept.kept as u64, swept.freed as u64, swept.slow as u64);
            spent += kept + GARBAGE_WEIGHT * (freed - slow) + SIDE_TABLE_WEIGHT * slow;
            counts.add(kept + freed, freed, swept.bytes as u64);
            self.next_pool += 1;
        }
        while self.next_large < large_to && spent < work {
            let index = self.next_large;
            scratch.clear();
            let mut kept = 0;
            heap.for_each_object_in_unless(
                0..0,
                index..index + 1,
                |r| {
                    let marked = bits.is_marked(r);
                    kept += u64::from(marked);
                    marked
                },
                |r| scratch.push(r),
            );
            let weighed: u64 = scratch.iter().map(|&r| free_weight(heap, r)).sum();
            let (freed, bytes) = free_or_save(heap, scratch);
            spent += kept + weighed;
            counts.add(kept + freed, freed, bytes);
            self.next_large += 1;
        }
        counts
    }
}

/// What freeing `r` counts for against a sweep step's budget.
fn free_weight(heap: &Heap, r: ObjRef) -> u64 {
    if heap.flags(r) & SIDE_TABLES != 0 {
        SIDE_TABLE_WEIGHT
    } else {
        GARBAGE_WEIGHT
    }
}

/// What one [`SweepCursor::sweep_some`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SweepCounts {
    /// Objects examined: the marked passed over and the unmarked freed.
    pub examined: u64,
    /// Objects freed (or saved, under `DEBUG_SAVEALL`).
    pub freed: u64,
    /// The bytes freed.
    pub bytes_freed: u64,
}

impl SweepCounts {
    fn add(&mut self, examined: u64, freed: u64, bytes: u64) {
        self.examined += examined;
        self.freed += freed;
        self.bytes_freed += bytes;
    }
}
