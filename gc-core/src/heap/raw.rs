//! The raw view collectors' hot loops use: object words, flags, fields, headers, the
//! object walk and the root slots, without per-access error values. A reference that is not
//! a live object's makes these panic (a bounds check, never undefined behaviour): a
//! collector reads only references it took from the heap, and the oracle and the
//! conformance kit catch one that does not. Use the [`crate::Heap::check`]ed forms for
//! references of unknown origin.

use super::*;

impl Heap {
    /// The words of `r` if it addresses memory the heap holds (the cell may be free, or in
    /// a released arena whose words are kept: test its allocated flag); `None` or an empty
    /// slice, never a panic, for a reference beyond the memory.
    #[inline]
    pub fn try_words(&self, r: ObjRef) -> Option<&[u32]> {
        self.space.try_words(r)
    }

    /// The words of `r` from its first if `r` addresses memory the heap holds, without
    /// panicking on a stale reference (whether the cell holds an object is the caller's
    /// test of [`crate::layout::FLAG_ALLOCATED`]): a check and a mutable access in one
    /// look-up.
    #[inline]
    pub fn try_words_mut(&mut self, r: ObjRef) -> Option<&mut [u32]> {
        self.space.try_words_mut(r)
    }

    /// The [`crate::alloc::HEAD_WORDS`] words from the first of small object `r` as a
    /// fixed-size view, or `None` if `r` is large or too close to the end of small-object
    /// memory (then use [`Heap::words_mut`]). Indexing the view needs no bounds check, so a
    /// collector's per-object loop can take it first. Like [`Heap::words_mut`], the view is
    /// not bounded by the object: past the object's own words (its cell may be 16 bytes)
    /// lie the next cell's, so index only words the object has.
    #[inline(always)]
    pub fn head_mut(&mut self, r: ObjRef) -> Option<&mut [u32; crate::alloc::HEAD_WORDS]> {
        self.space.small_head_mut(r)
    }

    /// [`Heap::head_mut`] for reading.
    #[inline(always)]
    pub fn head(&self, r: ObjRef) -> Option<&[u32; crate::alloc::HEAD_WORDS]> {
        self.space.small_head(r)
    }

    /// Calls `f` with words of `r` from its first: the [`Heap::head_mut`] view when there is
    /// one, else [`Heap::words_mut`]. `f` is compiled for both, and for the view the length
    /// is a constant, so its reads of the header and first fields need no bounds checks.
    /// `f` sees every word of the object up to the [`crate::alloc::HEAD_WORDS`]th, and
    /// perhaps words beyond the object's end (another cell's): it must index only words the
    /// object has, and reach fields past the first few with `get` or through `words`.
    #[inline(always)]
    pub fn with_head_mut<R>(&mut self, r: ObjRef, mut f: impl FnMut(&mut [u32]) -> R) -> R {
        if let Some(w) = self.space.small_head_mut(r) {
            return f(&mut w[..]);
        }
        f(self.space.words_mut(r))
    }

    /// [`Heap::with_head_mut`] for reading.
    #[inline(always)]
    pub fn with_head<R>(&self, r: ObjRef, mut f: impl FnMut(&[u32]) -> R) -> R {
        if let Some(w) = self.space.small_head(r) {
            return f(&w[..]);
        }
        f(self.space.words(r))
    }

    /// The object's words from its first (see [`crate::layout`]).
    #[inline]
    pub fn words(&self, r: ObjRef) -> &[u32] {
        self.space.words(r)
    }

    /// Mutable words of the object.
    #[inline]
    pub fn words_mut(&mut self, r: ObjRef) -> &mut [u32] {
        self.space.words_mut(r)
    }

    /// The object's flags.
    #[inline]
    pub fn flags(&self, r: ObjRef) -> u16 {
        layout::flags_of(self.space.words(r)[0])
    }

    /// Sets flag bits.
    #[inline]
    pub fn set_flags(&mut self, r: ObjRef, flags: u16) {
        self.space.words_mut(r)[0] |= (flags as u32) << 16;
    }

    /// Clears flag bits.
    #[inline]
    pub fn clear_flags(&mut self, r: ObjRef, flags: u16) {
        self.space.words_mut(r)[0] &= !((flags as u32) << 16);
    }

    /// The object's shape.
    pub fn shape(&self, r: ObjRef) -> Shape {
        let w = self.space.words(r);
        Shape::new(layout::fields_of(w[0]) as u32, w[1])
    }

    /// Number of reference fields.
    #[inline]
    pub fn field_count(&self, r: ObjRef) -> usize {
        layout::fields_of(self.space.words(r)[0])
    }

    /// The raw reference fields.
    #[inline]
    pub fn fields(&self, r: ObjRef) -> &[u32] {
        let w = self.space.words(r);
        let n = layout::fields_of(w[0]);
        &w[self.fields_at..self.fields_at + n]
    }

    /// Field `i` of `r`, or `None` if it is null or `r` has no such word (never panics).
    #[inline]
    pub fn try_field(&self, r: ObjRef, i: usize) -> Option<ObjRef> {
        let raw = *self.space.try_words(r)?.get(self.fields_at + i)?;
        ObjRef::from_raw(raw)
    }

    /// Mutable raw reference fields (the caller keeps counts and barriers right).
    #[inline]
    pub fn fields_mut(&mut self, r: ObjRef) -> &mut [u32] {
        let fa = self.fields_at;
        let w = self.space.words_mut(r);
        let n = layout::fields_of(w[0]);
        &mut w[fa..fa + n]
    }

    /// Collector header word `k`.
    #[inline]
    pub fn header(&self, r: ObjRef, k: usize) -> u32 {
        self.space.words(r)[layout::BASE_WORDS + k]
    }

    /// Mutable collector header word `k`.
    #[inline]
    pub fn header_mut(&mut self, r: ObjRef, k: usize) -> &mut u32 {
        &mut self.space.words_mut(r)[layout::BASE_WORDS + k]
    }

    /// Bytes the object occupies.
    pub fn object_bytes(&self, r: ObjRef) -> usize {
        self.space.object_bytes(r)
    }

    /// Calls `f` with every allocated object (small ones in address order, then large).
    pub fn for_each_object(&self, f: impl FnMut(ObjRef)) {
        self.space.for_each_object(f)
    }

    /// [`Heap::for_each_object`] in parts that can stop and resume: calls `f` with every
    /// allocated small object in pools `pools` (numbered in address order, below
    /// [`Heap::pool_bound`]; a pool is [`crate::alloc::Geometry::pool_bytes`] of one size
    /// class) and every allocated large object with a table index in `large` (below
    /// [`Heap::reference_bounds`]`.1`). Numbers stay fixed while memory comes and goes, so
    /// a collector can sweep a few pools per step while the mutator allocates.
    pub fn for_each_object_in(
        &self,
        pools: std::ops::Range<usize>,
        large: std::ops::Range<usize>,
        mut f: impl FnMut(ObjRef),
    ) {
        self.space
            .small
            .for_each_object_in_pools(pools, |r| f(ObjRef(r)));
        self.space
            .large
            .for_each_object_in(large, |i| f(ObjRef(i | ObjRef::LARGE_BIT)));
    }

    /// [`Heap::for_each_object_in`], but objects for which `skip` says true are passed over
    /// before their memory is read, and `f` gets the rest. `skip` must say true only of
    /// allocated objects (mark bits do: only allocated objects are ever marked), so a sweep
    /// reads the headers of the unmarked cells alone instead of every live object's.
    pub fn for_each_object_in_unless(
        &self,
        pools: std::ops::Range<usize>,
        large: std::ops::Range<usize>,
        mut skip: impl FnMut(ObjRef) -> bool,
        mut f: impl FnMut(ObjRef),
    ) {
        self.space.small.for_each_object_in_pools_unless(
            pools,
            |r| skip(ObjRef(r)),
            |r| f(ObjRef(r)),
        );
        self.space.large.for_each_object_in(large, |i| {
            let r = ObjRef(i | ObjRef::LARGE_BIT);
            if !skip(r) {
                f(r)
            }
        });
    }

    /// One past the largest pool number [`Heap::for_each_object_in`] can visit now.
    pub fn pool_bound(&self) -> usize {
        self.space.small.pool_bound()
    }

    /// Every allocated object, in [`Heap::for_each_object`] order.
    pub fn objects(&self) -> Vec<ObjRef> {
        let mut v = Vec::new();
        self.for_each_object(|r| v.push(r));
        v
    }

    /// Sizes for side bitmaps over all objects (see [`crate::ObjSet::with_bounds`]).
    pub fn reference_bounds(&self) -> (usize, usize) {
        self.space.reference_bounds()
    }

    /// How a small (not [`ObjRef::is_large`]) reference `r` splits: its arena is
    /// `r >> shift` and its first word is at `(r & mask) * GRANULE_WORDS` in that arena's
    /// words ([`Heap::small_arena`]). For scan loops that visit runs of objects in one arena
    /// and look the arena up once per run rather than once per object.
    #[inline]
    pub fn small_ref_layout(&self) -> (u32, u32) {
        (self.space.small.shift, self.space.small.mask)
    }

    /// The words of small-object arena `arena` (empty once the arena is released, or if
    /// there is no such arena); see [`Heap::small_ref_layout`].
    #[inline]
    pub fn small_arena(&self, arena: usize) -> &[u32] {
        self.space.small.arena_memory(arena)
    }

    /// Bytes in use.
    #[inline]
    pub fn bytes_in_use(&self) -> usize {
        self.space.bytes_in_use()
    }

    /// Bytes held from the system now: live arenas plus large objects (what
    /// [`crate::AllocStats::bytes_held`] reports, without computing the other statistics).
    #[inline]
    pub fn bytes_held(&self) -> usize {
        self.space.bytes_held()
    }

    /// The heap limit, if any.
    pub fn limit(&self) -> Option<usize> {
        self.space.limit()
    }

    /// Whether `bytes` more fit under the limit.
    #[inline]
    pub fn fits(&self, bytes: usize) -> bool {
        self.space.fits(bytes)
    }

    /// Allocator statistics.
    pub fn alloc_stats(&self) -> AllocStats {
        self.space.stats()
    }

    /// The raw slots.
    pub fn slots(&self) -> &[u32] {
        &self.slots
    }

    /// Every root: non-null slots, then `gc.garbage`, then the permanent roots.
    pub fn roots(&self) -> impl Iterator<Item = ObjRef> + '_ {
        self.slots
            .iter()
            .filter_map(|&raw| ObjRef::from_raw(raw))
            .chain(self.garbage.iter().copied())
            .chain(self.pinned.iter().copied())
    }
}
