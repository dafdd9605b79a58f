//! The possible-roots buffer and the colours: Bacon and Rajan's bookkeeping, kept through
//! the counting engine's hooks.
//!
//! ```text
//! word 2  reference count (the engine's)
//! word 3  the object's index in the roots buffer, while it is buffered
//! ```
//!
//! The colour (two bits) and the buffered bit are collector flag bits of the shape word.
//! The index lets an object freed by counting while buffered leave the buffer at once
//! (PHP's `GC_REMOVE_FROM_BUFFER`), so the buffer never names a freed object.

use gc_core::layout::{BASE_WORDS, FLAG_COLLECTOR_0};
use gc_core::{Heap, ObjRef};

use crate::counting::CountHooks;

const SHIFT: u32 = 16 + FLAG_COLLECTOR_0.trailing_zeros();
/// The colour bits of the shape word.
pub const COLOUR: u32 = 0b11 << SHIFT;
/// In use or in no collection: neither garbage nor a possible root.
pub const BLACK: u32 = 0;
/// Visited by MarkGray: its referents' counts are trial-decremented.
pub const GRAY: u32 = 1 << SHIFT;
/// Found garbage by Scan (its count is zero once internal references are subtracted).
pub const WHITE: u32 = 2 << SHIFT;
/// A possible root: decremented to a nonzero count since it was last black.
pub const PURPLE: u32 = 3 << SHIFT;
/// In the roots buffer.
pub const BUFFERED: u32 = 4 << SHIFT;
/// Gathered into a collection's garbage (between CollectWhite and the free).
pub const GARBAGE: u32 = 8 << SHIFT;

/// Collector header words: the count and the buffer index.
pub const HEADER_WORDS: usize = 2;
/// Absolute word of the reference count.
pub const COUNT: usize = BASE_WORDS;
/// Absolute word of the buffer index.
const INDEX: usize = BASE_WORDS + 1;

/// The colour of a shape word.
#[inline]
pub fn colour(shape_word: u32) -> u32 {
    shape_word & COLOUR
}

/// `shape_word` with colour `c`.
#[inline]
pub fn with_colour(shape_word: u32, c: u32) -> u32 {
    (shape_word & !COLOUR) | c
}

/// The possible roots, as the engine's hooks.
#[derive(Debug, Default)]
pub struct Roots {
    /// Objects buffered (each once, with [`BUFFERED`] set and its index in word 3).
    pub buffer: Vec<ObjRef>,
}

impl Roots {
    /// Removes buffered `obj` (its buffered bit already read) from the buffer: the last
    /// entry takes its place.
    fn unbuffer(&mut self, heap: &mut Heap, obj: ObjRef) {
        let at = heap.words(obj)[INDEX] as usize;
        debug_assert_eq!(
            self.buffer.get(at),
            Some(&obj),
            "index word names the entry"
        );
        self.buffer.swap_remove(at);
        if let Some(&moved) = self.buffer.get(at) {
            heap.words_mut(moved)[INDEX] = at as u32;
        }
    }

    /// Takes `obj` out of the buffer if it is there (a garbage object a collection frees).
    pub fn forget(&mut self, heap: &mut Heap, obj: ObjRef) {
        let w = heap.words_mut(obj);
        if w[0] & BUFFERED != 0 {
            w[0] &= !BUFFERED;
            self.unbuffer(heap, obj);
        }
    }
}

impl CountHooks for Roots {
    const COUNT_WORD: usize = 0;
    const HEADER_WORDS: usize = HEADER_WORDS;

    /// Bacon and Rajan's PossibleRoot: a black object turns purple and is buffered, once.
    /// Objects in a running collection (gray, white) keep their colour.
    #[inline]
    fn on_decrement_to_nonzero(&mut self, heap: &mut Heap, obj: ObjRef) {
        let w = heap.words_mut(obj);
        let s = w[0];
        if colour(s) != BLACK {
            return;
        }
        if s & BUFFERED != 0 {
            w[0] = with_colour(s, PURPLE);
        } else {
            w[0] = with_colour(s, PURPLE) | BUFFERED;
            w[INDEX] = self.buffer.len() as u32;
            self.buffer.push(obj);
        }
    }

    /// Increment: a purple object turns black (a collection drops it from the roots if it
    /// is not decremented again before).
    #[inline]
    fn on_increment(&mut self, heap: &mut Heap, obj: ObjRef) {
        let w = heap.words_mut(obj);
        if colour(w[0]) == PURPLE {
            w[0] = with_colour(w[0], BLACK);
        }
    }

    /// An object freed by counting while buffered leaves the buffer.
    #[inline]
    fn on_free(&mut self, heap: &mut Heap, obj: ObjRef, shape_word: u32) {
        if shape_word & BUFFERED != 0 {
            self.unbuffer(heap, obj);
        }
    }
}
