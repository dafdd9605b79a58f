//! Allocation and freeing: the runtime allocates (through [`crate::Mutator`]); collectors
//! allocate their own objects rarely and free constantly. [`Heap::free`] and
//! [`Heap::free_all`] return memory and forget side-table entries; they do not run
//! finalizers or decide about weak-reference callbacks (rule 5 of [`crate::Collector`]).

use super::*;

impl Heap {
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
    /// [`crate::Collector::BORN_COUNT_WORD`]).
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
    /// runtime has from its collector: a collector's `HEADER_WORDS` is a constant, so for
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
        // object; computing each word by position branches on the position for every word;
        // a template built on the stack just before its copy costs a failed store-to-load
        // forward.
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
        if let Some(bytes) = self.space.free_small_unless(r, (SIDE_TABLES as u32) << 16) {
            return bytes;
        }
        self.free_past_fast_path(r)
    }

    /// [`Heap::free`] for an object its fast path refused: a large one, or one with
    /// side-table entries to forget.
    #[inline(always)]
    fn free_past_fast_path(&mut self, r: ObjRef) -> usize {
        let flags = self.flags(r);
        if flags & SIDE_TABLES != 0 {
            self.forget_side_tables(r, flags);
        }
        self.space.free(r)
    }

    /// Frees every object of `objs` (allocated and distinct), leaving the heap exactly as
    /// [`Heap::free`] on each in turn would. Small objects with no weak reference or
    /// finalizer to forget are freed in runs that share a pool, with one update of the
    /// pool's bookkeeping per run: for a collector that frees a whole garbage set at once.
    /// Returns the bytes freed.
    pub fn free_all(&mut self, objs: &[ObjRef]) -> usize {
        let mut rest = objs;
        let mut bytes = 0;
        while !rest.is_empty() {
            let (freed, run_bytes) = self
                .space
                .free_small_runs_unless(rest, (SIDE_TABLES as u32) << 16);
            bytes += run_bytes;
            // It stopped at a large object or one with side-table entries, or at the end.
            if let Some(&other) = rest.get(freed) {
                bytes += self.free_past_fast_path(other);
                rest = &rest[freed + 1..];
            } else {
                rest = &[];
            }
        }
        bytes
    }

    /// Sweeps small-object pool `pool` in place: frees each allocated object in it that
    /// `marked` says false of, leaving the heap as [`Heap::free`] on each would (plain
    /// objects first, in one pass with one update of the pool's bookkeeping; then, in
    /// address order, those with side-table entries to forget). `marked` must say true
    /// only of allocated objects. `scratch` holds the latter between the two.
    pub fn sweep_pool(
        &mut self,
        pool: usize,
        mut marked: impl FnMut(ObjRef) -> bool,
        scratch: &mut Vec<ObjRef>,
    ) -> crate::alloc::PoolSweep {
        scratch.clear();
        let mut swept = self.space.sweep_small_pool_unless(
            pool,
            |r| marked(ObjRef(r)),
            (SIDE_TABLES as u32) << 16,
            scratch,
        );
        for &r in scratch.iter() {
            swept.bytes += self.free_past_fast_path(r);
        }
        swept.freed += scratch.len();
        swept.slow = scratch.len();
        swept
    }

    /// Returns the pools that freeing emptied, and that the allocator keeps for quick reuse,
    /// to their arenas, releasing arenas left empty. Call it once a collection has freed
    /// what it will (rule 5 of [`crate::Collector`]): otherwise arenas the collection
    /// emptied stay held until the next allocation of their size class needs a pool.
    pub fn flush_pools(&mut self) {
        self.space.flush_empty_pools();
    }

    /// [`Heap::flush_pools`] only if that would release an arena: the end of a
    /// reference-counting cascade, after which a structure of the same shape is usually
    /// built again and reuses the pools and free lists kept.
    pub fn flush_pools_if_releasing(&mut self) {
        self.space.flush_empty_pools_if_releasing();
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
            self.clear_weakrefs(r, |_, _| true);
        }
        if flags & FLAG_HAS_FINALIZER != 0 {
            self.finalizers.remove(&r);
        }
        if flags & FLAG_HAS_ID != 0 {
            self.identities.forget(r);
        }
    }
}

/// Flags of an object whose freeing also updates a side table of the heap.
const SIDE_TABLES: u16 = FLAG_IS_WEAKREF | FLAG_HAS_WEAKREFS | FLAG_HAS_FINALIZER | FLAG_HAS_ID;

/// Moves the references in `slots[sources]` into the first of `fields`, leaving those slots
/// null (every source is a slot: the caller checked).
#[inline(always)]
fn move_slots(slots: &mut [u32], sources: &[Slot], fields: &mut [u32]) {
    for (field, &src) in fields.iter_mut().zip(sources) {
        *field = std::mem::replace(&mut slots[src], NULL);
    }
}

/// Words in a cell template: two granules.
pub(super) const TEMPLATE_WORDS: usize = crate::alloc::HEAD_WORDS;

/// The templates of [`Heap::alloc_valid_object`] for objects whose fields start at word
/// `fields_at`: one per field count that ends within [`TEMPLATE_WORDS`]. An object with
/// more fields than that, or in a larger cell, is initialised word range by word range.
pub(super) fn cell_templates(fields_at: usize) -> [[u32; TEMPLATE_WORDS]; TEMPLATE_WORDS + 1] {
    let mut templates = [[0u32; TEMPLATE_WORDS]; TEMPLATE_WORDS + 1];
    for (n, t) in templates.iter_mut().enumerate() {
        // A collector header this large leaves no room for the fields in two granules.
        if fields_at + n <= TEMPLATE_WORDS {
            t[fields_at..fields_at + n].fill(NULL);
        }
    }
    templates
}
