//! Memory for objects: a pymalloc-style pool allocator for small objects beside a system
//! allocator for large ones, under one optional heap limit.

mod evacuate;
mod geometry;
mod large;
mod pools;
mod stats;
mod usable;

pub use geometry::{Geometry, GRANULE_BYTES, GRANULE_WORDS};
pub use large::LargeSpace;
pub use pools::{PoolSweep, SmallSpace};
pub use stats::AllocStats;

use crate::{GcError, ObjRef};

/// Words in the view [`Space::small_head_mut`] gives: two granules.
pub const HEAD_WORDS: usize = 8;

/// Both spaces and their shared accounting.
#[derive(Debug)]
pub struct Space {
    pub(crate) small: SmallSpace,
    pub(crate) large: LargeSpace,
    limit: Option<usize>,
    /// The limit as a plain number (`usize::MAX` for none), for a branch-light check.
    limit_bytes: usize,
    // Bytes in use are `bytes_allocated - bytes_freed`: two counters that only grow, rather
    // than one that goes up on allocation and down on free, so a back-to-back allocation and
    // free chain no store-to-load forward through one word (each adds one to its own).
    bytes_allocated: usize,
    bytes_freed: usize,
    peak_bytes_in_use: usize,
    large_bytes: usize,
    peak_bytes_held: usize,
    arenas_seen: usize,
    total_allocated: u64,
    objects_moved: u64,
    // No count of objects freed: it is `total_allocated` less the objects the pools and the
    // large space hold, and not counting it keeps a read-modify-write off every free.
}

impl Space {
    /// A space with the given geometry and optional limit on bytes in use.
    pub fn new(geometry: Geometry, limit: Option<usize>) -> Result<Space, GcError> {
        geometry.validate()?;
        Ok(Space {
            small: SmallSpace::new(geometry),
            large: LargeSpace::default(),
            limit,
            limit_bytes: limit.unwrap_or(usize::MAX),
            bytes_allocated: 0,
            bytes_freed: 0,
            peak_bytes_in_use: 0,
            large_bytes: 0,
            peak_bytes_held: 0,
            arenas_seen: 0,
            total_allocated: 0,
            objects_moved: 0,
        })
    }

    /// The geometry in force.
    pub fn geometry(&self) -> &Geometry {
        &self.small.geometry
    }

    /// The heap limit, if any.
    pub fn limit(&self) -> Option<usize> {
        self.limit
    }

    /// Changes the heap limit (a collector may lower or raise it between runs).
    pub fn set_limit(&mut self, limit: Option<usize>) {
        self.limit = limit;
        self.limit_bytes = limit.unwrap_or(usize::MAX);
    }

    /// Bytes in use now.
    #[inline]
    pub fn bytes_in_use(&self) -> usize {
        self.bytes_allocated - self.bytes_freed
    }

    /// The bytes an allocation of `words` words takes against the limit.
    #[inline]
    pub fn charge_for(&self, words: usize) -> usize {
        let bytes = words * 4;
        if bytes <= self.small.geometry.small_limit {
            bytes.div_ceil(GRANULE_BYTES) * GRANULE_BYTES
        } else {
            bytes
        }
    }

    /// Whether an allocation of `bytes` (as charged) fits under the limit.
    #[inline]
    pub fn fits(&self, bytes: usize) -> bool {
        self.bytes_in_use() + bytes <= self.limit_bytes
    }

    /// Allocates memory for an object of `words` words (its contents are stale: the caller
    /// initialises every word it uses).
    #[inline(always)]
    pub fn alloc(&mut self, words: usize) -> Result<ObjRef, GcError> {
        self.alloc_charged(words).map(|(r, _)| r)
    }

    /// [`Space::alloc`] that also returns the bytes charged (the cell size for a small
    /// object), which the caller would otherwise compute again.
    #[inline(always)]
    pub fn alloc_charged(&mut self, words: usize) -> Result<(ObjRef, usize), GcError> {
        let bytes = self.charge_for(words);
        let in_use = self.bytes_in_use();
        if in_use + bytes > self.limit_bytes {
            return Err(self.exhausted(bytes));
        }
        let r = if bytes <= self.small.geometry.small_limit {
            let class = (bytes - 1) / GRANULE_BYTES;
            match self.small.alloc_fast(class) {
                Some(r) => ObjRef(r),
                None => self.alloc_small_slow(class, bytes)?,
            }
        } else {
            self.alloc_large(words, bytes)?
        };
        self.bytes_allocated += bytes;
        self.total_allocated += 1;
        if in_use + bytes > self.peak_bytes_in_use {
            self.peak_bytes_in_use = in_use + bytes;
        }
        Ok((r, bytes))
    }

    /// A small allocation that changes a pool's state, and may add an arena (memory held
    /// grows only here and on the large path, so only they update its peak).
    #[inline(never)]
    fn alloc_small_slow(&mut self, class: usize, bytes: usize) -> Result<ObjRef, GcError> {
        match self.small.alloc_slow(class) {
            Some(r) => {
                if self.small.arenas_held != self.arenas_seen {
                    self.note_held();
                }
                Ok(ObjRef(r))
            }
            None => Err(self.exhausted(bytes)),
        }
    }

    #[inline(never)]
    fn alloc_large(&mut self, words: usize, bytes: usize) -> Result<ObjRef, GcError> {
        match self.large.alloc(words) {
            Some(i) => {
                self.large_bytes += bytes;
                let r = ObjRef(i | ObjRef::LARGE_BIT);
                self.note_held();
                Ok(r)
            }
            None => Err(self.exhausted(bytes)),
        }
    }

    #[cold]
    fn note_held(&mut self) {
        self.arenas_seen = self.small.arenas_held;
        self.peak_bytes_held = self.peak_bytes_held.max(self.bytes_held());
    }

    #[cold]
    fn exhausted(&self, requested: usize) -> GcError {
        GcError::OutOfMemory {
            requested,
            in_use: self.bytes_in_use(),
            limit: self.limit.unwrap_or(usize::MAX),
        }
    }

    /// Frees an allocated object; returns the bytes it was charged.
    #[inline(always)]
    pub fn free(&mut self, r: ObjRef) -> usize {
        // A large reference lies beyond every arena, so the small path turns it away.
        let bytes = match self.small.free_unless(r.0, 0) {
            Some(bytes) => bytes,
            None => self.free_large(r),
        };
        self.bytes_freed += bytes;
        bytes
    }

    #[inline(never)]
    fn free_large(&mut self, r: ObjRef) -> usize {
        let bytes = self.large.free(r.0 & !ObjRef::LARGE_BIT);
        self.large_bytes -= bytes;
        bytes
    }

    /// Frees the allocated small object `r` unless its shape word has any of `refuse_bits`
    /// set; returns the bytes freed, or `None` (nothing changed) if refused or large.
    #[inline(always)]
    pub fn free_small_unless(&mut self, r: ObjRef, refuse_bits: u32) -> Option<usize> {
        let bytes = self.small.free_unless(r.0, refuse_bits)?;
        self.bytes_freed += bytes;
        Some(bytes)
    }

    /// Sweeps small-object pool `p` in place (see [`SmallSpace::sweep_pool_unless`]).
    pub fn sweep_small_pool_unless(
        &mut self,
        p: usize,
        keep: impl FnMut(u32) -> bool,
        refuse_bits: u32,
        refused: &mut Vec<ObjRef>,
    ) -> PoolSweep {
        let swept = self.small.sweep_pool_unless(p, keep, refuse_bits, refused);
        self.bytes_freed += swept.bytes;
        swept
    }

    /// Frees the allocated objects `refs` in order, as [`Space::free`] on each would, until
    /// one is large or its shape word has any of `refuse_bits`; returns how many it freed.
    /// Runs of cells sharing a pool update the pool's bookkeeping once per run. Returns how
    /// many it freed and their bytes.
    pub fn free_small_runs_unless(&mut self, refs: &[ObjRef], refuse_bits: u32) -> (usize, usize) {
        let (freed, bytes) = self.small.free_runs_unless(refs, refuse_bits);
        self.bytes_freed += bytes;
        (freed, bytes)
    }

    /// Returns kept empty pools to their arenas (releasing arenas that become empty).
    pub fn flush_empty_pools(&mut self) {
        self.small.flush_empty_pools();
    }

    /// [`Space::flush_empty_pools`] only if that would release an arena (see
    /// [`SmallSpace::flush_empty_pools_if_releasing`]).
    pub fn flush_empty_pools_if_releasing(&mut self) {
        self.small.flush_empty_pools_if_releasing();
    }

    /// Bytes the object occupies (its cell size, or its exact size if large).
    pub fn object_bytes(&self, r: ObjRef) -> usize {
        if r.is_large() {
            self.large.bytes(r.0 & !ObjRef::LARGE_BIT)
        } else {
            self.small.cell_bytes(r.0)
        }
    }

    /// Whether `r` refers to a currently allocated object.
    pub fn is_allocated(&self, r: ObjRef) -> bool {
        if r.is_large() {
            match self.large.get(r.0 & !ObjRef::LARGE_BIT) {
                Some(w) => (w[0] >> 16) as u16 & crate::layout::FLAG_ALLOCATED != 0,
                None => false,
            }
        } else {
            self.small.is_allocated(r.0)
        }
    }

    /// The words of object `r`, from its first word (to the end of the small-object memory
    /// for small objects). Panics on a reference outside it: callers pass checked references.
    #[inline]
    pub fn words(&self, r: ObjRef) -> &[u32] {
        if r.0 & ObjRef::LARGE_BIT == 0 {
            &self.small.words[SmallSpace::word_of(r.0)..]
        } else {
            &self.large.objects[(r.0 & !ObjRef::LARGE_BIT) as usize]
        }
    }

    /// [`HEAD_WORDS`] words from the first of small object `r`: `None` for a large object,
    /// or a small one too close to the end of small-object memory. A fixed-size view, so a
    /// hot loop reading the header and first fields checks bounds once, not per word; past
    /// a small object's own words it shows the next cell's.
    #[inline(always)]
    pub fn small_head_mut(&mut self, r: ObjRef) -> Option<&mut [u32; HEAD_WORDS]> {
        if r.0 & ObjRef::LARGE_BIT != 0 {
            return None;
        }
        let w = SmallSpace::word_of(r.0);
        self.small.words.get_mut(w..w + HEAD_WORDS)?.try_into().ok()
    }

    /// [`Space::small_head_mut`] for reading.
    #[inline(always)]
    pub fn small_head(&self, r: ObjRef) -> Option<&[u32; HEAD_WORDS]> {
        if r.0 & ObjRef::LARGE_BIT != 0 {
            return None;
        }
        let w = SmallSpace::word_of(r.0);
        self.small.words.get(w..w + HEAD_WORDS)?.try_into().ok()
    }

    /// The words of object `r` if `r` addresses memory the space holds (a cheap check that
    /// never panics; whether the cell holds an object is the caller's flag test).
    #[inline]
    pub fn try_words(&self, r: ObjRef) -> Option<&[u32]> {
        if r.0 & ObjRef::LARGE_BIT == 0 {
            self.small.words.get(SmallSpace::word_of(r.0)..)
        } else {
            self.large
                .objects
                .get((r.0 & !ObjRef::LARGE_BIT) as usize)
                .map(|b| &b[..])
        }
    }

    /// Mutable words of object `r` if `r` addresses memory the space holds; see
    /// [`Space::try_words`].
    #[inline]
    pub fn try_words_mut(&mut self, r: ObjRef) -> Option<&mut [u32]> {
        if r.0 & ObjRef::LARGE_BIT == 0 {
            self.small.words.get_mut(SmallSpace::word_of(r.0)..)
        } else {
            self.large
                .objects
                .get_mut((r.0 & !ObjRef::LARGE_BIT) as usize)
                .map(|b| &mut b[..])
        }
    }

    /// Mutable words of object `r`; see [`Space::words`].
    #[inline]
    pub fn words_mut(&mut self, r: ObjRef) -> &mut [u32] {
        if r.0 & ObjRef::LARGE_BIT == 0 {
            &mut self.small.words[SmallSpace::word_of(r.0)..]
        } else {
            &mut self.large.objects[(r.0 & !ObjRef::LARGE_BIT) as usize]
        }
    }

    /// Calls `f` with every allocated object: small ones in address order, then large ones.
    pub fn for_each_object(&self, mut f: impl FnMut(ObjRef)) {
        self.small.for_each_object(|r| f(ObjRef(r)));
        self.large
            .for_each_object(|i| f(ObjRef(i | ObjRef::LARGE_BIT)));
    }

    /// Bytes held from the system now.
    pub fn bytes_held(&self) -> usize {
        self.small.arenas_held * self.small.geometry.arena_bytes + self.large_bytes
    }

    /// A snapshot of every counter.
    pub fn stats(&self) -> AllocStats {
        let class_objects = self.small.class_objects();
        let objects_in_use = class_objects.iter().sum::<u64>() + self.large.count as u64;
        AllocStats {
            objects_in_use,
            bytes_in_use: self.bytes_in_use() as u64,
            peak_bytes_in_use: self.peak_bytes_in_use as u64,
            bytes_held: self.bytes_held() as u64,
            peak_bytes_held: self.peak_bytes_held.max(self.bytes_held()) as u64,
            bytes_reserved: (self.small.bytes_reserved() + self.large_bytes) as u64,
            arenas_held: self.small.arenas_held as u64,
            arenas_released: self.small.arenas_released,
            pools_in_use: self.small.pools_in_use as u64,
            large_objects: self.large.count as u64,
            total_allocated: self.total_allocated,
            total_bytes_allocated: self.bytes_allocated as u64,
            total_freed: self.total_allocated - objects_in_use,
            total_bytes_freed: self.bytes_freed as u64,
            class_objects,
            objects_moved: self.objects_moved,
        }
    }

    /// Bytes in allocated cells per live arena, as `(arena, bytes)` in arena order.
    pub fn arena_live_bytes(&self) -> Vec<(usize, usize)> {
        self.small.arena_live_bytes()
    }

    /// Starts an evacuation of `arenas` (see `evacuate.rs`): flushes, takes them off the
    /// allocation lists and copies their objects out, leaving forwarding references.
    /// Returns the objects moved, or `None` (nothing changed) if there might be no room.
    pub(crate) fn begin_evacuation(&mut self, arenas: &[usize]) -> Option<u64> {
        self.flush_empty_pools();
        let moved = self.small.begin_evacuation(arenas)?;
        self.objects_moved += moved;
        // The copies may have added arenas before the emptied ones go.
        self.note_held();
        Some(moved)
    }

    /// Where the object `raw` (a raw reference or `NULL`) is during an evacuation.
    #[inline(always)]
    pub(crate) fn forwarded(&self, raw: u32) -> u32 {
        self.small.forwarded(raw)
    }

    /// [`Space::forwarded`] for a holder that may name freed objects: only a moved object's
    /// reference is rewritten.
    pub(crate) fn forwarded_if_moved(&self, raw: u32) -> u32 {
        self.small.forwarded_if_moved(raw)
    }

    /// Rewrites every allocated object's reference fields during an evacuation (objects'
    /// fields start at word `fields_at`).
    pub(crate) fn rewrite_fields(&mut self, fields_at: usize) {
        self.small.rewrite_small_fields(fields_at);
        let small = &self.small;
        for object in self.large.objects.iter_mut().filter(|o| !o.is_empty()) {
            let n = crate::layout::fields_of(object[0]);
            for field in &mut object[fields_at..fields_at + n] {
                *field = small.forwarded(*field);
            }
        }
    }

    /// Ends an evacuation: the emptied arenas are released. Returns how many.
    pub(crate) fn end_evacuation(&mut self) -> u64 {
        self.small.end_evacuation()
    }

    /// One past the largest small reference handed out, and one past the largest large index:
    /// the sizes a side bitmap over all objects needs.
    pub fn reference_bounds(&self) -> (usize, usize) {
        (self.small.reference_bound(), self.large.index_bound())
    }
}
