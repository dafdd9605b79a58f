//! Node storage without extra allocations for the common shapes.
//!
//! A node keeps up to [`INLINE_FIELDS`] reference fields and [`INLINE_PAYLOAD`] payload bytes
//! inline, and only larger ones in a boxed slice, so the usual gclab object (two fields, an
//! 8-byte payload) is one allocation in every crate, as a hand-written node struct would be.
//! A `Vec` per field list and per payload would triple the allocations and add a pointer
//! chase to every trace and make the peers' collections slower than the crates' own
//! benchmarks show them.

// gc_derive's generated impls trip this lint on current compilers.
#![allow(non_local_definitions)]

use gc_core::Shape;

/// Reference fields kept inline.
pub(crate) const INLINE_FIELDS: usize = 2;
/// Payload bytes kept inline.
pub(crate) const INLINE_PAYLOAD: usize = 8;

/// A node's reference fields and payload, inline when they fit. Every peer's node embeds
/// one; the crates' tracing derives (rust-gc, dumpster) and bacon_rajan_cc's `Trace` impl
/// see its pointer fields. rust-gc's derive also gives it a `Drop` that asks
/// `gc::finalizer_safe()` (a thread-local read) in every peer; callgrind found the `rc`
/// and bacon_rajan_cc adapters no more expensive with it than with a node type per crate,
/// so no peer pays for sharing it.
#[derive(gc::Trace, gc::Finalize, dumpster::Trace)]
pub(crate) struct Storage<P> {
    inline_fields: [Option<P>; INLINE_FIELDS],
    spill_fields: Box<[Option<P>]>,
    field_count: u32,
    inline_payload: [u8; INLINE_PAYLOAD],
    spill_payload: Box<[u8]>,
    payload_len: u32,
}

impl<P> Storage<P> {
    /// Null fields and a zeroed payload for `shape`.
    pub(crate) fn new(shape: Shape) -> Self {
        let spill_fields = if shape.fields as usize > INLINE_FIELDS {
            (0..shape.fields).map(|_| None).collect()
        } else {
            Box::default()
        };
        let spill_payload = if shape.payload as usize > INLINE_PAYLOAD {
            vec![0; shape.payload as usize].into_boxed_slice()
        } else {
            Box::default()
        };
        Storage {
            inline_fields: [None, None],
            spill_fields,
            field_count: shape.fields,
            inline_payload: [0; INLINE_PAYLOAD],
            spill_payload,
            payload_len: shape.payload,
        }
    }

    /// No fields and no payload (a weak reference node).
    pub(crate) fn empty() -> Self {
        Self::new(Shape::new(0, 0))
    }

    /// The reference fields.
    #[inline]
    pub(crate) fn fields(&self) -> &[Option<P>] {
        view(&self.inline_fields, &self.spill_fields, self.field_count)
    }

    /// The reference fields, mutably.
    #[inline]
    pub(crate) fn fields_mut(&mut self) -> &mut [Option<P>] {
        view_mut(
            &mut self.inline_fields,
            &mut self.spill_fields,
            self.field_count,
        )
    }

    /// The payload bytes.
    #[inline]
    pub(crate) fn payload(&self) -> &[u8] {
        view(&self.inline_payload, &self.spill_payload, self.payload_len)
    }

    /// The payload bytes, mutably.
    #[inline]
    pub(crate) fn payload_mut(&mut self) -> &mut [u8] {
        view_mut(
            &mut self.inline_payload,
            &mut self.spill_payload,
            self.payload_len,
        )
    }
}

/// The `len` live elements: inline when they fit, else the spilled slice.
#[inline]
fn view<'a, T>(inline: &'a [T], spill: &'a [T], len: u32) -> &'a [T] {
    if len as usize <= inline.len() {
        &inline[..len as usize]
    } else {
        spill
    }
}

/// [`view`], mutably.
#[inline]
fn view_mut<'a, T>(inline: &'a mut [T], spill: &'a mut [T], len: u32) -> &'a mut [T] {
    if len as usize <= inline.len() {
        &mut inline[..len as usize]
    } else {
        spill
    }
}
