//! The sweep phase: find the allocated objects the mark phase did not reach and free them.
//!
//! Freeing goes through [`Heap::free`], which returns small cells to their pool's free list
//! (pools that empty are set aside and go back to their arena when the pause ends, releasing
//! arenas that empty) and large objects to the system allocator.

use gc_core::layout::{FLAG_HAS_FINALIZER, FLAG_HAS_WEAKREFS};
use gc_core::{Heap, ObjRef};

use crate::marking::MarkBitmap;

/// Flags that make a dead object need more than freeing: weak references to clear, a
/// finalizer to run.
const SPECIAL: u16 = FLAG_HAS_WEAKREFS | FLAG_HAS_FINALIZER;

/// Appends every allocated, unmarked object to `garbage`, small ones in address order, then
/// large ones (the order [`Heap::for_each_object`] gives, so runs are deterministic), and
/// those among them with weak references or a finalizer also to `special`. The flags are
/// read while the header is in cache, so later phases walk only `special`.
pub fn find_unmarked(
    heap: &Heap,
    bits: &MarkBitmap,
    garbage: &mut Vec<ObjRef>,
    special: &mut Vec<ObjRef>,
) {
    heap.for_each_object(|r| {
        if !bits.is_marked(r) {
            garbage.push(r);
            if heap.flags(r) & SPECIAL != 0 {
                special.push(r);
            }
        }
    });
}

/// Frees every object in `garbage`; returns the bytes freed.
pub fn free_all(heap: &mut Heap, garbage: &[ObjRef]) -> u64 {
    let mut bytes = 0u64;
    for &r in garbage {
        bytes += heap.free(r) as u64;
    }
    bytes
}
