//! The sweep phase's search: the allocated objects the mark phase did not reach.
//!
//! Freeing them is gc-core's [`gc_core::reclaim::Reclaimer`], which returns small cells to
//! their pool's free list (pools that empty go back to their arena at the end of the
//! collection, releasing arenas that empty) and large objects to the system allocator.

use gc_core::reclaim::Unreachable;
use gc_core::Heap;

use crate::marking::MarkBitmap;

/// Pushes every allocated, unmarked object into `garbage`, small ones in address order, then
/// large ones (the order [`Heap::for_each_object`] gives, so runs are deterministic).
pub fn find_unmarked(heap: &Heap, bits: &MarkBitmap, garbage: &mut Unreachable) {
    heap.for_each_object(|r| {
        if !bits.is_marked(r) {
            garbage.push(heap, r);
        }
    });
}
