//! The sweep phase's search: the allocated objects the mark phase did not reach.
//!
//! Freeing them is gc-core's [`gc_core::reclaim::Reclaimer`], which returns small cells to
//! their pool's free list (pools that empty go back to their arena at the end of the
//! collection, releasing arenas that empty) and large objects to the system allocator.

use gc_core::{Heap, ObjRef};

use crate::marking::MarkBitmap;

/// Appends every allocated, unmarked object to `garbage`, small ones in address order, then
/// large ones (the order [`Heap::for_each_object`] gives, so runs are deterministic).
pub fn find_unmarked(heap: &Heap, bits: &MarkBitmap, garbage: &mut Vec<ObjRef>) {
    heap.for_each_object(|r| {
        if !bits.is_marked(r) {
            garbage.push(r);
        }
    });
}
