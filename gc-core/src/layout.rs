//! Where things live inside an object: the word layout every collector shares.
//!
//! An object is a run of 32-bit words:
//!
//! ```text
//! word 0            shape word: reference-field count (low 16 bits) | flags (high 16 bits)
//! word 1            payload length in bytes
//! words 2 .. 2+H    the collector's own header (H words, chosen by the collector: 0 for
//!                   tracing with a side mark bitmap, 1 for a reference count, ...)
//! then n words      reference fields (raw [`crate::ObjRef`] encodings, `NULL` for none)
//! then              payload bytes, packed little-endian into words
//! ```
//!
//! Keeping the count, the collector's word and the fields within the first 16-32 bytes is
//! what makes trial deletion and marking fast: each object's hot data is one cache line.
//! A collector pays only for the header words it asks for.

/// Words every object has before the collector header: the shape word and the payload length.
pub const BASE_WORDS: usize = 2;

/// The object is allocated (a free cell has this bit clear: how use-after-free is caught).
pub const FLAG_ALLOCATED: u16 = 1 << 0;
/// A finalizer is attached.
pub const FLAG_HAS_FINALIZER: u16 = 1 << 1;
/// The finalizer has run (it never runs twice, as in PEP 442).
pub const FLAG_FINALIZED: u16 = 1 << 2;
/// At least one weak reference points here.
pub const FLAG_HAS_WEAKREFS: u16 = 1 << 3;
/// The object is itself a weak reference.
pub const FLAG_IS_WEAKREF: u16 = 1 << 4;
/// The object is a weak reference in a set [`crate::reclaim::Reclaimer`] is settling; set
/// only while it clears the weak references to that set, so that the callback test is one
/// read of the weak reference's flags (it gets no callback: it is dying too).
pub const FLAG_DYING_WEAKREF: u16 = 1 << 5;
/// The heap's identity table names this object (see [`crate::Heap::object_id`]): freeing
/// it forgets the entry, moving it carries the entry along.
pub const FLAG_HAS_ID: u16 = 1 << 6;
/// The cell's object was copied elsewhere during an evacuation
/// ([`crate::Heap::evacuate`]) and its second word holds the new reference; set only
/// inside that one call, never seen by collectors or mutators.
pub const FLAG_FORWARDED: u16 = 1 << 7;
/// First flag bit a collector may use for its own purposes (bits 8..16 are the collector's).
pub const FLAG_COLLECTOR_0: u16 = 1 << 8;

/// The word index of an object's first reference field, given the collector header size.
#[inline]
pub const fn fields_offset(header_words: usize) -> usize {
    BASE_WORDS + header_words
}

/// Words an object of this shape occupies (before rounding to its size class).
#[inline]
pub fn object_words(header_words: usize, fields: u32, payload: u32) -> usize {
    BASE_WORDS + header_words + fields as usize + (payload as usize).div_ceil(4)
}

/// Packs the shape word.
#[inline]
pub fn shape_word(fields: u32, flags: u16) -> u32 {
    (fields & 0xFFFF) | ((flags as u32) << 16)
}

/// The reference-field count stored in a shape word.
#[inline]
pub fn fields_of(shape_word: u32) -> usize {
    (shape_word & 0xFFFF) as usize
}

/// The flags stored in a shape word.
#[inline]
pub fn flags_of(shape_word: u32) -> u16 {
    (shape_word >> 16) as u16
}
