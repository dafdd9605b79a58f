//! The shared heap: object memory, root slots, weak references, finalizers, notices and the
//! event stream. Collectors own policy; the heap owns mechanism.

use std::collections::HashMap;
use std::time::Instant;

use crate::alloc::{AllocStats, Geometry, Space};
use crate::events::{
    Callback, CallbackId, CascadeStats, EventBus, GcEvent, GenerationStats, PauseCounts, PauseKind,
    PauseStart, Phase,
};
use crate::layout::{
    self, FLAG_ALLOCATED, FLAG_FINALIZED, FLAG_HAS_FINALIZER, FLAG_HAS_WEAKREFS, FLAG_IS_WEAKREF,
};
use crate::weak::{WeakEntry, WeakTable};
use crate::{oracle, Finalizer, GcError, GcResult, Notice, ObjRef, Shape, NULL};

/// A root slot number: the mutator's only way to hold a reference (a shadow stack entry).
pub type Slot = usize;

/// `gc.DEBUG_STATS`: print one line per collection to stderr.
pub const DEBUG_STATS: u32 = 1;
/// `gc.DEBUG_COLLECTABLE`: print each collectable object found.
pub const DEBUG_COLLECTABLE: u32 = 2;
/// `gc.DEBUG_UNCOLLECTABLE`: print each uncollectable object found.
pub const DEBUG_UNCOLLECTABLE: u32 = 4;
/// `gc.DEBUG_SAVEALL`: put garbage in `gc.garbage` instead of freeing it.
pub const DEBUG_SAVEALL: u32 = 32;
/// `gc.DEBUG_LEAK`: COLLECTABLE | UNCOLLECTABLE | SAVEALL.
pub const DEBUG_LEAK: u32 = DEBUG_COLLECTABLE | DEBUG_UNCOLLECTABLE | DEBUG_SAVEALL;

/// How to build a heap.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeapConfig {
    /// Pool allocator geometry.
    pub geometry: Geometry,
    /// Limit on bytes in use; `None` for no limit.
    pub heap_limit: Option<usize>,
    /// Root slots reserved at the start (more can be reserved later).
    pub initial_slots: usize,
    /// The most root slots the mutator may reserve.
    pub max_slots: usize,
    /// Check every collection against the reachability oracle (slow; for tests).
    pub verify: bool,
}

impl Default for HeapConfig {
    fn default() -> Self {
        HeapConfig {
            geometry: Geometry::default(),
            heap_limit: None,
            initial_slots: 64,
            max_slots: 1 << 24,
            verify: false,
        }
    }
}

impl HeapConfig {
    /// The default configuration with the oracle checking every collection.
    pub fn verified() -> HeapConfig {
        HeapConfig {
            verify: true,
            ..HeapConfig::default()
        }
    }

    /// This configuration with a heap limit.
    pub fn with_limit(mut self, bytes: usize) -> HeapConfig {
        self.heap_limit = Some(bytes);
        self
    }
}

/// The simulated heap every collector shares.
#[derive(Debug)]
pub struct Heap {
    space: Space,
    header_words: usize,
    fields_at: usize,
    /// `cell_templates[n]`: the first two granules of a fresh object with `n` reference
    /// fields (collector header zero, fields null, payload zero), for every `n` whose fields
    /// end within them (the others unused). Built once, so initialising a small object is a
    /// copy of 32 bytes from memory no store is still pending on, plus the shape and
    /// payload-length words; an array, so a field count known at compile time picks its
    /// template with no bounds check.
    cell_templates: [[u32; TEMPLATE_WORDS]; TEMPLATE_WORDS + 1],
    slots: Vec<u32>,
    max_slots: usize,
    weak: WeakTable,
    finalizers: HashMap<ObjRef, Finalizer>,
    notices: Vec<Notice>,
    events: EventBus,
    garbage: Vec<ObjRef>,
    enabled: bool,
    debug: u32,
    verify: bool,
    complete: bool,
    collections: u64,
    verify_failure: Option<GcError>,
    collector_name: &'static str,
}

impl Heap {
    /// A heap whose objects carry `header_words` collector words, for a collector with
    /// `generations` generations (1 if it has none) that, if `complete`, frees every
    /// unreachable object in a full collection.
    pub fn new(
        config: &HeapConfig,
        header_words: usize,
        generations: usize,
        complete: bool,
        collector_name: &'static str,
    ) -> GcResult<Heap> {
        if let Some(limit) = config.heap_limit {
            if limit < crate::alloc::GRANULE_BYTES {
                return Err(GcError::BadConfig(format!(
                    "heap limit {limit} bytes is too small to hold one object"
                )));
            }
        }
        if config.initial_slots > config.max_slots {
            return Err(GcError::BadConfig(format!(
                "initial_slots {} exceeds max_slots {}",
                config.initial_slots, config.max_slots
            )));
        }
        if header_words > 16 {
            return Err(GcError::BadConfig(format!(
                "collector header of {header_words} words exceeds 16"
            )));
        }
        let mut events = EventBus::default();
        events.generations = vec![GenerationStats::default(); generations.max(1)];
        Ok(Heap {
            space: Space::new(config.geometry, config.heap_limit)?,
            header_words,
            fields_at: layout::fields_offset(header_words),
            cell_templates: cell_templates(layout::fields_offset(header_words)),
            slots: vec![NULL; config.initial_slots],
            max_slots: config.max_slots,
            weak: WeakTable::default(),
            finalizers: HashMap::new(),
            notices: Vec::new(),
            events,
            garbage: Vec::new(),
            enabled: true,
            debug: 0,
            verify: config.verify,
            complete,
            collections: 0,
            verify_failure: None,
            collector_name,
        })
    }

    // ---- objects -------------------------------------------------------------------------

    /// Collector header words per object.
    pub fn header_words(&self) -> usize {
        self.header_words
    }

    /// Bytes an object of `shape` is charged (its size-class cell, or exact if large).
    pub fn charge_for(&self, shape: Shape) -> usize {
        self.space.charge_for(layout::object_words(
            self.header_words,
            shape.fields,
            shape.payload,
        ))
    }

    /// Allocates and initialises an object: flags as given plus allocated, collector header
    /// zeroed, fields null, payload zeroed. Collectors call this; mutators go through
    /// [`crate::Mutator::alloc`].
    #[inline]
    pub fn alloc_object(&mut self, shape: Shape, flags: u16) -> GcResult<ObjRef> {
        shape.validate()?;
        self.alloc_valid_object(shape, flags, None)
    }

    /// [`Heap::alloc_object`] for a shape the caller has validated (the runtime validates
    /// once per allocation, before asking the collector for room). With `born_count`, that
    /// collector header word starts at 1 instead of 0 (see
    /// [`crate::Collector::born_count_word`]).
    #[inline(always)]
    pub(crate) fn alloc_valid_object(
        &mut self,
        shape: Shape,
        flags: u16,
        born_count: Option<usize>,
    ) -> GcResult<ObjRef> {
        self.alloc_laid_out(shape, flags, born_count, self.header_words)
    }

    /// Bytes an object of `shape` is charged, for objects of `header_words` collector
    /// words (this heap's: see [`Heap::alloc_laid_out`]).
    #[inline(always)]
    pub(crate) fn charge_laid_out(&self, shape: Shape, header_words: usize) -> usize {
        debug_assert_eq!(header_words, self.header_words);
        self.space.charge_for(layout::object_words(
            header_words,
            shape.fields,
            shape.payload,
        ))
    }

    /// [`Heap::alloc_valid_object`] given the heap's collector header words, which the
    /// runtime has from its collector: a collector's `header_words()` is a constant, so for
    /// a shape known at compile time the object's size, size class and template compile to
    /// constants, where the heap's own field is read and computed with on every allocation.
    #[inline(always)]
    pub(crate) fn alloc_laid_out(
        &mut self,
        shape: Shape,
        flags: u16,
        born_count: Option<usize>,
        header_words: usize,
    ) -> GcResult<ObjRef> {
        self.alloc_laid_out_moving(shape, flags, born_count, header_words, &[])
    }

    /// [`Heap::alloc_laid_out`] that also moves the references in slots `sources` into the
    /// new object's first fields, leaving the slots null (see [`crate::Mutator::alloc_moving`];
    /// counts and barriers are the caller's): the cell is looked up once, to initialise it
    /// and to fill its fields. The caller has checked that `sources` are slots and no more
    /// than the shape's fields. Nothing moves if the allocation is refused.
    #[inline(always)]
    pub(crate) fn alloc_laid_out_moving(
        &mut self,
        shape: Shape,
        flags: u16,
        born_count: Option<usize>,
        header_words: usize,
        sources: &[Slot],
    ) -> GcResult<ObjRef> {
        debug_assert_eq!(header_words, self.header_words);
        debug_assert!(sources.len() <= shape.fields as usize);
        let words = layout::object_words(header_words, shape.fields, shape.payload);
        let (r, cell_bytes) = self.space.alloc_charged(words)?;
        let fa = layout::fields_offset(header_words);
        // Small cells of one or two granules (most objects) are written whole from a
        // template: three `fill` calls would be memset calls, each more costly than the
        // object; computing each word by position took 33 instructions; a template built
        // on the stack just before its copy costs a failed store-to-load forward.
        let cell_words = cell_bytes / 4;
        let n = shape.fields as usize;
        let head = if (cell_words == 4 || cell_words == 8) && fa + n <= TEMPLATE_WORDS {
            self.space.small_head_mut(r)
        } else {
            None
        };
        if let Some(head) = head {
            // Copies of a constant length, which compile to a few moves (a length known only
            // at run time is a call to memcpy), into a fixed-size view of the cell: one
            // bounds check for all of it.
            let template = &self.cell_templates[n];
            let w: &mut [u32] = if cell_words == 4 {
                head[..4].copy_from_slice(&template[..4]);
                &mut head[..4]
            } else {
                *head = *template;
                &mut head[..]
            };
            w[0] = layout::shape_word(shape.fields, flags | FLAG_ALLOCATED);
            w[1] = shape.payload;
            if let Some(k) = born_count {
                w[layout::BASE_WORDS + k] = 1;
            }
            move_slots(&mut self.slots, sources, &mut w[fa..]);
            return Ok(r);
        }
        let w = &mut self.space.words_mut(r)[..words];
        w[0] = layout::shape_word(shape.fields, flags | FLAG_ALLOCATED);
        w[1] = shape.payload;
        w[2..fa].fill(0);
        let (fields, payload) = w[fa..].split_at_mut(shape.fields as usize);
        fields.fill(NULL);
        payload.fill(0);
        move_slots(&mut self.slots, sources, fields);
        if let Some(k) = born_count {
            w[layout::BASE_WORDS + k] = 1;
        }
        Ok(r)
    }

    /// Frees object `r`: forgets its finalizer, clears weak references to it (queuing the
    /// callbacks of those still alive) and returns its memory. Returns the bytes freed.
    #[inline(always)]
    pub fn free(&mut self, r: ObjRef) -> usize {
        // Most objects are small with no side-table entries: test the flags and free in
        // one look-up of the cell.
        let side_tables = (FLAG_IS_WEAKREF | FLAG_HAS_WEAKREFS | FLAG_HAS_FINALIZER) as u32;
        if let Some(bytes) = self.space.free_small_unless(r, side_tables << 16) {
            return bytes;
        }
        let flags = self.flags(r);
        if flags & (FLAG_IS_WEAKREF | FLAG_HAS_WEAKREFS | FLAG_HAS_FINALIZER) != 0 {
            self.forget_side_tables(r, flags);
        }
        self.space.free(r)
    }

    /// Frees every object of `objs` (allocated and distinct), leaving the heap exactly as
    /// [`Heap::free`] on each in turn would. Small objects with no weak reference or
    /// finalizer to forget are freed in runs that share a pool, with one update of the
    /// pool's bookkeeping per run: for a collector that frees a whole garbage set at once.
    pub fn free_all(&mut self, objs: &[ObjRef]) {
        let side_tables = (FLAG_IS_WEAKREF | FLAG_HAS_WEAKREFS | FLAG_HAS_FINALIZER) as u32;
        let mut rest = objs;
        while !rest.is_empty() {
            let freed = self.space.free_small_runs_unless(rest, side_tables << 16);
            // It stopped at a large object or one with side-table entries, or at the end.
            if let Some(&other) = rest.get(freed) {
                self.free(other);
                rest = &rest[freed + 1..];
            } else {
                rest = &[];
            }
        }
    }

    /// The rare part of [`Heap::free`], out of line so the common free stays small enough
    /// to inline into collectors' freeing loops.
    #[cold]
    #[inline(never)]
    fn forget_side_tables(&mut self, r: ObjRef, flags: u16) {
        if flags & FLAG_IS_WEAKREF != 0 {
            self.weak.remove_weakref(r);
        }
        if flags & FLAG_HAS_WEAKREFS != 0 {
            self.clear_weakrefs(r, |_| true);
        }
        if flags & FLAG_HAS_FINALIZER != 0 {
            self.finalizers.remove(&r);
        }
    }

    /// Whether `r` is an allocated object.
    #[inline]
    pub fn is_allocated(&self, r: ObjRef) -> bool {
        self.space.is_allocated(r)
    }

    /// `Ok(r)` if `r` addresses an allocated object, else the use-after-free error naming
    /// it. This is the cheap check the mutator operations use on references taken from slots
    /// and fields (which always point at cell starts); [`Heap::is_allocated`] is the exact
    /// test for references of unknown origin.
    #[inline]
    pub fn check(&self, r: ObjRef) -> GcResult<ObjRef> {
        match self.space.try_words(r) {
            Some(w) if !w.is_empty() && layout::flags_of(w[0]) & FLAG_ALLOCATED != 0 => Ok(r),
            _ => Err(GcError::UseAfterFree { obj: r.raw() }),
        }
    }

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

    /// Moves the references in slots `sources` into the first fields of the new object `r`
    /// (which has at least that many fields, all null), leaving the slots null: one look-up
    /// of the object for all of them. Counts and barriers are the caller's.
    #[inline]
    pub fn move_slots_into_fields(&mut self, r: ObjRef, sources: &[Slot]) -> GcResult<()> {
        let fa = self.fields_at;
        let count = self.slots.len();
        let fields = &mut self.space.words_mut(r)[fa..fa + sources.len()];
        for (field, &src) in fields.iter_mut().zip(sources) {
            match self.slots.get_mut(src) {
                Some(slot) => *field = std::mem::replace(slot, NULL),
                None => return Err(GcError::BadSlot { slot: src, count }),
            }
        }
        Ok(())
    }

    /// Mutable raw reference fields (the caller keeps counts and barriers right).
    #[inline]
    pub fn fields_mut(&mut self, r: ObjRef) -> &mut [u32] {
        let fa = self.fields_at;
        let w = self.space.words_mut(r);
        let n = layout::fields_of(w[0]);
        &mut w[fa..fa + n]
    }

    /// Field `i` (checked against the shape).
    #[inline]
    pub fn field(&self, r: ObjRef, i: usize) -> GcResult<Option<ObjRef>> {
        let f = self.fields(r);
        match f.get(i) {
            Some(&raw) => Ok(ObjRef::from_raw(raw)),
            None => Err(GcError::BadField {
                obj: r.raw(),
                field: i,
                fields: f.len(),
            }),
        }
    }

    /// Stores into field `i` without barriers; returns the old value.
    #[inline]
    pub fn replace_field(
        &mut self,
        r: ObjRef,
        i: usize,
        v: Option<ObjRef>,
    ) -> GcResult<Option<ObjRef>> {
        let f = self.fields_mut(r);
        let fields = f.len();
        match f.get_mut(i) {
            Some(slot) => Ok(ObjRef::from_raw(std::mem::replace(slot, crate::raw_of(v)))),
            None => Err(GcError::BadField {
                obj: r.raw(),
                field: i,
                fields,
            }),
        }
    }

    /// Checks `r` is allocated and stores into its field `i` without barriers, with one
    /// look-up of the object; returns the old value. Errors as [`Heap::check`] and then
    /// [`Heap::replace_field`] would.
    #[inline]
    pub fn check_replace_field(
        &mut self,
        r: ObjRef,
        i: usize,
        v: Option<ObjRef>,
    ) -> GcResult<Option<ObjRef>> {
        let fa = self.fields_at;
        let w = match self.space.try_words_mut(r) {
            Some(w) if !w.is_empty() && layout::flags_of(w[0]) & FLAG_ALLOCATED != 0 => w,
            _ => return Err(GcError::UseAfterFree { obj: r.raw() }),
        };
        let fields = layout::fields_of(w[0]);
        if i >= fields {
            return Err(GcError::BadField {
                obj: r.raw(),
                field: i,
                fields,
            });
        }
        Ok(ObjRef::from_raw(std::mem::replace(
            &mut w[fa + i],
            crate::raw_of(v),
        )))
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

    /// Reads payload bytes `offset..offset + out.len()`.
    pub fn read_payload(&self, r: ObjRef, offset: usize, out: &mut [u8]) -> GcResult<()> {
        let w = self.space.words(r);
        let len = w[1] as usize;
        let end = offset.saturating_add(out.len());
        if end > len {
            return Err(GcError::BadPayload {
                obj: r.raw(),
                offset,
                end,
                len,
            });
        }
        let base = self.fields_at + layout::fields_of(w[0]);
        for (i, byte) in out.iter_mut().enumerate() {
            let b = offset + i;
            *byte = (w[base + b / 4] >> (8 * (b % 4))) as u8;
        }
        Ok(())
    }

    /// Writes payload bytes at `offset`.
    pub fn write_payload(&mut self, r: ObjRef, offset: usize, data: &[u8]) -> GcResult<()> {
        let fa = self.fields_at;
        let w = self.space.words_mut(r);
        let len = w[1] as usize;
        let end = offset.saturating_add(data.len());
        if end > len {
            return Err(GcError::BadPayload {
                obj: r.raw(),
                offset,
                end,
                len,
            });
        }
        let base = fa + layout::fields_of(w[0]);
        for (i, &byte) in data.iter().enumerate() {
            let b = offset + i;
            let word = &mut w[base + b / 4];
            let shift = 8 * (b % 4);
            *word = (*word & !(0xFF << shift)) | ((byte as u32) << shift);
        }
        Ok(())
    }

    /// Bytes the object occupies.
    pub fn object_bytes(&self, r: ObjRef) -> usize {
        self.space.object_bytes(r)
    }

    /// Calls `f` with every allocated object (small ones in address order, then large).
    pub fn for_each_object(&self, f: impl FnMut(ObjRef)) {
        self.space.for_each_object(f)
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

    // ---- root slots ----------------------------------------------------------------------

    /// Root slots reserved.
    #[inline]
    pub fn slot_count(&self) -> usize {
        self.slots.len()
    }

    /// Reserves slots so that at least `count` exist (new ones are null).
    pub fn reserve_slots(&mut self, count: usize) -> GcResult<()> {
        if count > self.max_slots {
            return Err(GcError::BadConfig(format!(
                "{count} root slots requested, at most {} allowed",
                self.max_slots
            )));
        }
        if count > self.slots.len() {
            self.slots.resize(count, NULL);
        }
        Ok(())
    }

    /// The reference in slot `s`.
    #[inline]
    pub fn slot(&self, s: Slot) -> GcResult<Option<ObjRef>> {
        match self.slots.get(s) {
            Some(&raw) => Ok(ObjRef::from_raw(raw)),
            None => Err(GcError::BadSlot {
                slot: s,
                count: self.slots.len(),
            }),
        }
    }

    /// The non-null object in slot `s`, checked to be allocated.
    #[inline]
    pub fn slot_object(&self, s: Slot) -> GcResult<ObjRef> {
        match self.slot(s)? {
            Some(r) => self.check(r),
            None => Err(GcError::NullSlot { slot: s }),
        }
    }

    /// Stores into slot `s` without barriers; returns the old value.
    #[inline]
    pub fn replace_slot(&mut self, s: Slot, v: Option<ObjRef>) -> GcResult<Option<ObjRef>> {
        let count = self.slots.len();
        match self.slots.get_mut(s) {
            Some(slot) => Ok(ObjRef::from_raw(std::mem::replace(slot, crate::raw_of(v)))),
            None => Err(GcError::BadSlot { slot: s, count }),
        }
    }

    /// The raw slots.
    pub fn slots(&self) -> &[u32] {
        &self.slots
    }

    /// Every root: non-null slots, then `gc.garbage`.
    pub fn roots(&self) -> impl Iterator<Item = ObjRef> + '_ {
        self.slots
            .iter()
            .filter_map(|&raw| ObjRef::from_raw(raw))
            .chain(self.garbage.iter().copied())
    }

    // ---- gc.garbage ----------------------------------------------------------------------

    /// `gc.garbage`: objects set aside instead of freed. They are roots.
    pub fn garbage(&self) -> &[ObjRef] {
        &self.garbage
    }

    /// Appends to `gc.garbage` (a reference-counting collector counts this reference).
    pub fn push_garbage(&mut self, r: ObjRef) {
        self.garbage.push(r);
    }

    /// Empties `gc.garbage`, returning what it held (the caller drops those references).
    pub fn take_garbage(&mut self) -> Vec<ObjRef> {
        std::mem::take(&mut self.garbage)
    }

    // ---- weak references -----------------------------------------------------------------

    /// Registers `weak` (allocated with [`crate::layout::FLAG_IS_WEAKREF`]) as a weak
    /// reference to `referent`.
    pub fn register_weakref(&mut self, weak: ObjRef, referent: ObjRef, callback: Option<u32>) {
        self.weak.insert(weak, referent, callback);
        self.set_flags(referent, FLAG_HAS_WEAKREFS);
    }

    /// The weak reference object's entry.
    pub fn weak_entry(&self, weak: ObjRef) -> GcResult<WeakEntry> {
        self.weak
            .get(weak)
            .ok_or(GcError::NotWeak { obj: weak.raw() })
    }

    /// Weak references pointing at `r`.
    pub fn weakrefs_to(&self, r: ObjRef) -> &[ObjRef] {
        self.weak.weakrefs_to(r)
    }

    /// Clears every weak reference to `referent`; for each with a callback for which `alive`
    /// says true, queues a [`Notice::WeakCallback`]. Returns how many were cleared.
    pub fn clear_weakrefs(
        &mut self,
        referent: ObjRef,
        mut alive: impl FnMut(ObjRef) -> bool,
    ) -> usize {
        let cleared = self.weak.clear_referent(referent);
        for &w in &cleared {
            if let Some(WeakEntry {
                callback: Some(tag),
                ..
            }) = self.weak.get(w)
            {
                if alive(w) {
                    self.notices.push(Notice::WeakCallback { weak: w, tag });
                }
            }
        }
        self.clear_flags(referent, FLAG_HAS_WEAKREFS);
        cleared.len()
    }

    /// Clears the weak reference object `weak` itself (CPython clears weak references that
    /// are garbage before finalizers run): it stops pointing at its referent and no callback
    /// is queued. Returns whether it was pointing at something.
    pub fn clear_weakref(&mut self, weak: ObjRef) -> bool {
        match self.weak.clear_one(weak) {
            Some(referent) => {
                if self.weak.weakrefs_to(referent).is_empty() && self.is_allocated(referent) {
                    self.clear_flags(referent, FLAG_HAS_WEAKREFS);
                }
                true
            }
            None => false,
        }
    }

    /// Number of weak reference objects alive.
    pub fn weakref_count(&self) -> usize {
        self.weak.len()
    }

    // ---- finalizers and notices -----------------------------------------------------------

    /// Attaches a finalizer (replacing any earlier one). It runs at most once in the object's
    /// life: if the object was already finalized, it never runs.
    pub fn set_finalizer(&mut self, r: ObjRef, f: Finalizer) {
        self.finalizers.insert(r, f);
        self.set_flags(r, FLAG_HAS_FINALIZER);
    }

    /// Whether `r` has a finalizer that has not run yet.
    #[inline]
    pub fn has_pending_finalizer(&self, r: ObjRef) -> bool {
        self.flags(r) & (FLAG_HAS_FINALIZER | FLAG_FINALIZED) == FLAG_HAS_FINALIZER
    }

    /// Whether `r`'s finalizer has run.
    pub fn is_finalized(&self, r: ObjRef) -> bool {
        self.flags(r) & FLAG_FINALIZED != 0
    }

    /// Runs `r`'s pending finalizer: marks it finalized and queues the notice. Returns the
    /// slot it resurrects into, if any; the collector then stores `r` there with its barrier.
    pub fn run_finalizer(&mut self, r: ObjRef) -> Option<Slot> {
        if !self.has_pending_finalizer(r) {
            return None;
        }
        self.set_flags(r, FLAG_FINALIZED);
        let f = self.finalizers.get(&r).copied()?;
        self.notices.push(Notice::Finalized { obj: r, tag: f.tag });
        f.resurrect_into.filter(|&s| s < self.slots.len())
    }

    /// Queues a notice.
    pub fn push_notice(&mut self, n: Notice) {
        self.notices.push(n);
    }

    /// Moves every queued notice into `out`, oldest first.
    pub fn drain_notices(&mut self, out: &mut Vec<Notice>) {
        out.append(&mut self.notices);
    }

    // ---- the gc-module switches ------------------------------------------------------------

    /// `gc.isenabled()`: whether automatic collection is on.
    #[inline]
    pub fn is_enabled(&self) -> bool {
        self.enabled
    }

    /// `gc.enable()` / `gc.disable()`.
    pub fn set_enabled(&mut self, on: bool) {
        self.enabled = on;
    }

    /// `gc.get_debug()`.
    pub fn debug(&self) -> u32 {
        self.debug
    }

    /// `gc.set_debug(flags)`.
    pub fn set_debug(&mut self, flags: u32) {
        self.debug = flags;
    }

    // ---- events -----------------------------------------------------------------------------

    /// Whether anyone listens to events (a collector may skip timing cascades otherwise).
    #[inline]
    pub fn has_subscribers(&self) -> bool {
        self.events.has_subscribers()
    }

    /// Adds a subscriber (`gc.callbacks.append`).
    pub fn subscribe(&mut self, cb: Callback) -> CallbackId {
        self.events.subscribe(cb)
    }

    /// Removes a subscriber; false if it was not there.
    pub fn unsubscribe(&mut self, id: CallbackId) -> bool {
        self.events.unsubscribe(id)
    }

    /// Starts a pause. Collections are always timed (for `get_stats`); cascades only when
    /// someone listens.
    pub fn begin_pause(&mut self, kind: PauseKind, generation: Option<u8>) -> PauseStart {
        let listening = self.events.has_subscribers();
        let at = (kind == PauseKind::Collection || listening).then(Instant::now);
        let heap_before = self.space.bytes_in_use() as u64;
        if listening {
            let event = GcEvent {
                phase: Phase::Start,
                kind,
                generation,
                at: at.unwrap_or_else(Instant::now),
                heap_before,
                heap_after: heap_before,
                counts: PauseCounts::default(),
            };
            self.events.emit(&event);
        }
        PauseStart {
            kind,
            generation,
            at,
            heap_before,
        }
    }

    /// Ends a pause: updates statistics, tells subscribers, prints under DEBUG_STATS, and in
    /// verify mode checks a full collection against the oracle.
    pub fn end_pause(&mut self, start: PauseStart, counts: PauseCounts) {
        let now = start.at.map(|_| Instant::now());
        let duration_ns = match (start.at, now) {
            (Some(a), Some(b)) => b.duration_since(a).as_nanos() as u64,
            _ => 0,
        };
        let generations = self.events.generations.len();
        match start.kind {
            PauseKind::Collection => {
                let g = start
                    .generation
                    .map_or(generations - 1, |g| (g as usize).min(generations - 1));
                let s = &mut self.events.generations[g];
                s.collections += 1;
                s.collected += counts.freed;
                s.uncollectable += counts.uncollectable;
                s.candidates += counts.candidates;
                s.scanned += counts.scanned;
                s.duration_ns += duration_ns;
                self.collections += 1;
            }
            PauseKind::Cascade => {
                let c = &mut self.events.cascades;
                c.cascades += 1;
                c.freed += counts.freed;
                c.largest = c.largest.max(counts.freed);
            }
        }
        // Pools kept for quick reuse go back to their arenas once a collection is over, so
        // arenas it emptied are released; after a cascade only if that releases an arena
        // (a small structure dropped is usually followed by the next one built).
        match start.kind {
            PauseKind::Collection => self.space.flush_empty_pools(),
            PauseKind::Cascade => self.space.flush_empty_pools_if_releasing(),
        }
        let heap_after = self.space.bytes_in_use() as u64;
        if self.events.has_subscribers() {
            let event = GcEvent {
                phase: Phase::Stop,
                kind: start.kind,
                generation: start.generation,
                at: now.unwrap_or_else(Instant::now),
                heap_before: start.heap_before,
                heap_after,
                counts,
            };
            self.events.emit(&event);
        }
        if start.kind == PauseKind::Collection {
            if self.debug & DEBUG_STATS != 0 {
                eprintln!(
                    "gc[{}]: generation {}: {} candidates, {} collected, {} uncollectable, {} bytes freed, {:.3} ms",
                    self.collector_name,
                    start.generation.map_or_else(|| "full".to_string(), |g| g.to_string()),
                    counts.candidates,
                    counts.freed,
                    counts.uncollectable,
                    counts.bytes_freed,
                    duration_ns as f64 / 1e6
                );
            }
            let full = start
                .generation
                .is_none_or(|g| g as usize + 1 >= generations);
            if self.verify && self.verify_failure.is_none() {
                let result = if full && self.complete {
                    oracle::verify_complete(self)
                } else {
                    oracle::verify_no_dangling(self).map(|_| ())
                };
                if let Err(e) = result {
                    self.verify_failure = Some(e);
                }
            }
        }
    }

    /// Per-generation statistics (one entry for collectors without generations).
    pub fn generation_stats(&self) -> &[GenerationStats] {
        &self.events.generations
    }

    /// Cascade totals.
    pub fn cascade_stats(&self) -> CascadeStats {
        self.events.cascades
    }

    /// Collections completed so far (all generations).
    pub fn collections(&self) -> u64 {
        self.collections
    }

    /// Whether this heap checks collections against the oracle.
    pub fn verifying(&self) -> bool {
        self.verify
    }

    /// Takes the first verification failure recorded, if any.
    pub fn take_verify_failure(&mut self) -> Option<GcError> {
        self.verify_failure.take()
    }

    /// The collector's name, for messages.
    pub fn collector_name(&self) -> &'static str {
        self.collector_name
    }
}

/// Moves the references in `slots[sources]` into the first of `fields`, leaving those slots
/// null (every source is a slot: the caller checked).
#[inline(always)]
fn move_slots(slots: &mut [u32], sources: &[Slot], fields: &mut [u32]) {
    for (field, &src) in fields.iter_mut().zip(sources) {
        *field = std::mem::replace(&mut slots[src], NULL);
    }
}

/// Words in a cell template: two granules.
const TEMPLATE_WORDS: usize = crate::alloc::HEAD_WORDS;

/// The templates of [`Heap::alloc_valid_object`] for objects whose fields start at word
/// `fields_at`: one per field count that ends within [`TEMPLATE_WORDS`]. An object with
/// more fields than that, or in a larger cell, is initialised word range by word range.
fn cell_templates(fields_at: usize) -> [[u32; TEMPLATE_WORDS]; TEMPLATE_WORDS + 1] {
    let mut templates = [[0u32; TEMPLATE_WORDS]; TEMPLATE_WORDS + 1];
    for (n, t) in templates.iter_mut().enumerate() {
        // A collector header this large leaves no room for the fields in two granules.
        if fields_at + n <= TEMPLATE_WORDS {
            t[fields_at..fields_at + n].fill(NULL);
        }
    }
    templates
}
