//! The cycle collector's header words and state bits.
//!
//! Three collector header words follow gc-core's two base words, so for small objects the
//! count, both links and the first fields sit in the object's first 32 bytes:
//!
//! ```text
//! word 2  reference count (gc-refcount's engine)
//! word 3  prev link; during a collection: gc_refs
//! word 4  next link; during a collection: the object's index among the candidates
//! ```
//!
//! The object's tracking state and the reachable mark live in the collector's flag bits of
//! the shape word, which every pass reads anyway. The state of a listed object names its
//! list (generation 0, 1, 2 or the permanent one), so a collection tells its members from
//! objects of older generations by one comparison, without walking any list; while a
//! collection runs, its members are touched (referred to, not yet gathered) or collecting.

use gc_core::layout::{self, FLAG_COLLECTOR_0};

/// Collector header words per object.
pub const HEADER_WORDS: usize = 3;
/// Header word (collector-relative) of the reference count.
pub const COUNT_HEADER: usize = 0;
/// Absolute word of the reference count.
pub const COUNT: usize = layout::BASE_WORDS + COUNT_HEADER;
/// Absolute word of the prev link (gc_refs during a collection).
pub const PREV: usize = layout::BASE_WORDS + 1;
/// Absolute word of the next link (candidate index during a collection).
pub const NEXT: usize = layout::BASE_WORDS + 2;
/// Absolute word of the first reference field.
pub const FIELDS: usize = layout::fields_offset(HEADER_WORDS);

const STATE_SHIFT: u32 = 16 + FLAG_COLLECTOR_0.trailing_zeros();
const STATE_MASK: u32 = 0b111 << STATE_SHIFT;
/// Set on candidates found reachable (CPython: gc_refs > 0 after move_unreachable).
pub const REACHABLE: u32 = 1 << (STATE_SHIFT + 3);

/// Never tracked (no reference fields, not a weak reference).
pub const UNTRACKED: u32 = 0;
/// In the set being collected, gathered: gc_refs in the prev word, the candidate's index in
/// the next word.
pub const COLLECTING: u32 = 1;
/// In the set being collected, reached through a reference before the walk of the list
/// gathered it: gc_refs in the prev word, the next word still the list link.
pub const TOUCHED: u32 = 2;
/// In generation 0's list; generations 1 and 2 and the permanent generation follow, so an
/// object's state names its list ([`linked`]) and whether it belongs to a collection of
/// generation `g` is one comparison ([`in_collection`]).
pub const LINKED_YOUNG: u32 = 3;
/// In the permanent generation (`gc.freeze()`): the list after generation 2.
pub const FROZEN: u32 = LINKED_YOUNG + 3;
/// Found unreachable by the running collection.
pub const UNREACHABLE: u32 = 7;

/// The state of an object in list `list` (0, 1, 2 for the generations, 3 for the
/// permanent one).
#[inline]
pub const fn linked(list: usize) -> u32 {
    LINKED_YOUNG + list as u32
}

/// Whether an object in state `s` belongs to a running collection of generation
/// `generation` (gathered, touched, or still in one of the lists being collected).
#[inline]
pub fn in_collection(s: u32, generation: usize) -> bool {
    s.wrapping_sub(COLLECTING) <= linked(generation) - COLLECTING
}

/// Whether state `s` is one of the four lists'.
#[inline]
pub fn is_linked(s: u32) -> bool {
    (LINKED_YOUNG..=FROZEN).contains(&s)
}

/// The tracking state stored in shape word `w0`.
#[inline]
pub fn state(w0: u32) -> u32 {
    (w0 & STATE_MASK) >> STATE_SHIFT
}

/// Shape word `w0` with its state set to `s` and the reachable mark cleared.
#[inline]
pub fn with_state(w0: u32, s: u32) -> u32 {
    (w0 & !(STATE_MASK | REACHABLE)) | (s << STATE_SHIFT)
}

/// Reference fields of the object whose shape word is `w0`.
#[inline]
pub fn field_count(w0: u32) -> usize {
    layout::fields_of(w0)
}

/// Whether an object with shape word `w0` is tracked from birth: it has reference fields or
/// is a weak reference (CPython tracks weakref objects; they can sit in cycles).
#[inline]
pub fn trackable(w0: u32) -> bool {
    layout::fields_of(w0) > 0 || layout::flags_of(w0) & layout::FLAG_IS_WEAKREF != 0
}
