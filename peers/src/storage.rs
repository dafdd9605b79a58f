//! Node storage without extra allocations for the common shapes.
//!
//! A node keeps up to [`INLINE_FIELDS`] reference fields and [`INLINE_PAYLOAD`] payload bytes
//! inline, and only larger ones in a boxed slice, so the usual gclab object (two fields, an
//! 8-byte payload) is one allocation in every crate, as a hand-written node struct would be.
//! A `Vec` per field list and per payload would triple the allocations and add a pointer
//! chase to every trace, which measured 2-3x slower collections than the crates' own
//! benchmarks.

/// Reference fields kept inline.
pub(crate) const INLINE_FIELDS: usize = 2;
/// Payload bytes kept inline.
pub(crate) const INLINE_PAYLOAD: usize = 8;

/// Null fields for a node with `count` of them: (inline part, spilled part).
pub(crate) fn new_fields<P>(count: u32) -> ([Option<P>; INLINE_FIELDS], Box<[Option<P>]>) {
    let spill = if count as usize > INLINE_FIELDS {
        (0..count).map(|_| None).collect()
    } else {
        Box::default()
    };
    ([None, None], spill)
}

/// A zeroed payload of `len` bytes: (inline part, spilled part).
pub(crate) fn new_payload(len: u32) -> ([u8; INLINE_PAYLOAD], Box<[u8]>) {
    let spill = if len as usize > INLINE_PAYLOAD {
        vec![0; len as usize].into_boxed_slice()
    } else {
        Box::default()
    };
    ([0; INLINE_PAYLOAD], spill)
}

/// The `len` live elements: inline when they fit, else the spilled slice.
#[inline]
pub(crate) fn view<'a, T>(inline: &'a [T], spill: &'a [T], len: u32) -> &'a [T] {
    if len as usize <= inline.len() {
        &inline[..len as usize]
    } else {
        spill
    }
}

/// [`view`], mutably.
#[inline]
pub(crate) fn view_mut<'a, T>(inline: &'a mut [T], spill: &'a mut [T], len: u32) -> &'a mut [T] {
    if len as usize <= inline.len() {
        &mut inline[..len as usize]
    } else {
        spill
    }
}
