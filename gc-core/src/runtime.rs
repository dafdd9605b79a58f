//! The runtime: a heap plus a collector, implementing the mutator interface and the gc module.

use crate::events::{Callback, CallbackId, CascadeStats, GenerationStats};
use crate::layout::FLAG_IS_WEAKREF;
use crate::oracle::{self, LeakReport};
use crate::{
    AllocRequest, AllocStats, Capabilities, Collector, Finalizer, GcControl, GcError, GcResult,
    Heap, HeapConfig, Mutator, Notice, ObjId, ObjRef, Shape, Slot,
};

/// A heap driven by collector `C`. Every mutator operation goes through here, so every
/// collector sees the same barrier calls in the same order: the new value is retained before
/// the old one is released, so a self-assignment never frees.
#[derive(Debug)]
pub struct Runtime<C: Collector> {
    heap: Heap,
    collector: C,
}

impl<C: Collector> Runtime<C> {
    /// A runtime with a fresh heap configured for `collector`.
    pub fn new(config: HeapConfig, collector: C) -> GcResult<Runtime<C>> {
        let caps = collector.capabilities();
        let heap = Heap::new(
            &config,
            C::HEADER_WORDS,
            caps.generations.max(1) as usize,
            caps.reclaims_cycles(),
            collector.name(),
        )?;
        Ok(Runtime { heap, collector })
    }

    /// The heap (read-only: changes go through the mutator interface).
    pub fn heap(&self) -> &Heap {
        &self.heap
    }

    /// The collector.
    pub fn collector(&self) -> &C {
        &self.collector
    }

    /// The identity of the object in slot `slot` (`None` for a null slot): the same across
    /// every collection, however a moving collector relocates the object (see
    /// [`crate::ObjId`]). Tests compare identities, not references, across collections.
    pub fn object_id(&mut self, slot: Slot) -> GcResult<Option<ObjId>> {
        match self.heap.slot(slot)? {
            Some(r) => {
                self.heap.check(r)?;
                Ok(Some(self.heap.object_id(r)))
            }
            None => Ok(None),
        }
    }

    /// Both halves, for collector-specific tests and tools.
    pub fn parts_mut(&mut self) -> (&mut Heap, &mut C) {
        (&mut self.heap, &mut self.collector)
    }

    #[inline]
    fn set_slot(&mut self, s: Slot, v: Option<ObjRef>) -> GcResult<()> {
        self.set_slot_retaining(s, v, true)
    }

    /// Stores `v` into slot `s`: retains it (unless `retain` is false: a new object born
    /// with its count, see [`Collector::BORN_COUNT_WORD`]) before releasing the old value.
    #[inline]
    fn set_slot_retaining(&mut self, s: Slot, v: Option<ObjRef>, retain: bool) -> GcResult<()> {
        let old = self.heap.replace_slot(s, v)?;
        if let (Some(new), true) = (v, retain) {
            self.collector.retain(&mut self.heap, new);
        }
        if let Some(old) = old {
            self.collector.release(&mut self.heap, old);
        }
        Ok(())
    }

    #[inline]
    fn check_slot(&self, s: Slot) -> GcResult<()> {
        if s < self.heap.slot_count() {
            Ok(())
        } else {
            Err(GcError::BadSlot {
                slot: s,
                count: self.heap.slot_count(),
            })
        }
    }

    /// Reports a verification failure recorded during the operation (verify mode only).
    #[inline]
    fn settle(&mut self) -> GcResult<()> {
        if self.heap.verifying() {
            if let Some(e) = self.heap.take_verify_failure() {
                return Err(e);
            }
        }
        Ok(())
    }

    /// Allocates an object (`born_count`: see [`Collector::BORN_COUNT_WORD`]) and moves the
    /// references in slots `sources` (checked) into its first fields.
    #[inline(always)]
    fn alloc_with_flags(
        &mut self,
        shape: Shape,
        flags: u16,
        born_count: Option<usize>,
        sources: &[Slot],
    ) -> GcResult<ObjRef> {
        shape.validate()?;
        // The heap was laid out with this value (see `Heap::alloc_laid_out`).
        let header_words = C::HEADER_WORDS;
        let bytes = self.heap.charge_laid_out(shape, header_words);
        // The sources are still in their slots: a collection made here sees them as roots.
        let request = AllocRequest {
            shape,
            flags,
            bytes,
        };
        self.collector.before_alloc(&mut self.heap, request)?;
        let obj =
            match self
                .heap
                .alloc_laid_out_moving(shape, flags, born_count, header_words, sources)
            {
                Ok(obj) => obj,
                Err(e) => self.alloc_after_refusal(shape, flags, born_count, bytes, e, sources)?,
            };
        self.collector.on_alloc(&mut self.heap, obj);
        Ok(obj)
    }

    /// The heap refused an allocation: if for want of room, the collector may make some and
    /// the allocation is retried once. Out of line: the common allocation stays small.
    #[cold]
    #[inline(never)]
    fn alloc_after_refusal(
        &mut self,
        shape: Shape,
        flags: u16,
        born: Option<usize>,
        bytes: usize,
        refusal: GcError,
        sources: &[Slot],
    ) -> GcResult<ObjRef> {
        if !matches!(refusal, GcError::OutOfMemory { .. }) {
            return Err(refusal);
        }
        self.collector.on_heap_full(&mut self.heap, bytes)?;
        let obj = self.heap.alloc_valid_object(shape, flags, born)?;
        self.heap.move_slots_into_fields(obj, sources)?;
        Ok(obj)
    }

    /// A store's value was bad: report a freed target first, as checking the target
    /// before the value would.
    #[cold]
    fn target_error_first(&self, target: ObjRef, value_error: GcError) -> GcError {
        match self.heap.check(target) {
            Ok(_) => value_error,
            Err(e) => e,
        }
    }

    /// [`Mutator::alloc_moving`] into a slot that holds an object: that object's release,
    /// first in the operations the call stands for, may run a finalizer that stores into a
    /// source slot, so they are taken in order. Out of line: building into a null slot is
    /// the common case.
    #[cold]
    #[inline(never)]
    fn alloc_moving_replacing(
        &mut self,
        dst: Slot,
        shape: Shape,
        sources: &[Slot],
    ) -> GcResult<()> {
        crate::mutator::alloc_moving_by_parts(self, dst, shape, sources)
    }

    fn checked_object(&self, obj: ObjRef) -> GcResult<ObjRef> {
        if self.heap.is_allocated(obj) {
            Ok(obj)
        } else {
            Err(GcError::UseAfterFree { obj: obj.raw() })
        }
    }
}

impl<C: Collector> Mutator for Runtime<C> {
    fn reserve_slots(&mut self, count: usize) -> GcResult<()> {
        self.heap.reserve_slots(count)
    }

    fn slot_count(&self) -> usize {
        self.heap.slot_count()
    }

    #[inline(always)]
    fn alloc(&mut self, dst: Slot, shape: Shape) -> GcResult<()> {
        self.check_slot(dst)?;
        // A collector that names its count word gets the object born with count 1 for the
        // slot's reference; any other is asked to retain it.
        let born = C::BORN_COUNT_WORD;
        let obj = self.alloc_with_flags(shape, 0, born, &[])?;
        self.set_slot_retaining(dst, Some(obj), born.is_none())?;
        self.settle()
    }

    #[inline]
    fn alloc_moving(&mut self, dst: Slot, shape: Shape, sources: &[Slot]) -> GcResult<()> {
        crate::mutator::check_moving(dst, shape, sources)?;
        for &src in sources {
            self.check_slot(src)?;
        }
        if self.heap.slot(dst)?.is_some() {
            return self.alloc_moving_replacing(dst, shape, sources);
        }
        // Each slot's reference becomes a field's: no count changes.
        let born = C::BORN_COUNT_WORD;
        let obj = self.alloc_with_flags(shape, 0, born, sources)?;
        for field in 0..sources.len() {
            // A read that cannot panic, so a collector without a barrier pays nothing here.
            let value = self.heap.try_field(obj, field);
            self.collector.write_barrier(&mut self.heap, obj, value);
        }
        self.set_slot_retaining(dst, Some(obj), born.is_none())?;
        self.settle()
    }

    #[inline]
    fn load(&mut self, dst: Slot, src: Slot, field: usize) -> GcResult<()> {
        self.check_slot(dst)?;
        let obj = self.heap.slot_object(src)?;
        let value = self.heap.field(obj, field)?;
        self.set_slot(dst, value)
    }

    #[inline]
    fn store(&mut self, obj: Slot, field: usize, value: Option<Slot>) -> GcResult<()> {
        let target = match self.heap.slot(obj)? {
            Some(r) => r,
            None => return Err(GcError::NullSlot { slot: obj }),
        };
        let new = match value {
            Some(s) => match self.heap.slot(s) {
                Ok(Some(r)) => match self.heap.check(r) {
                    Ok(r) => Some(r),
                    Err(e) => return Err(self.target_error_first(target, e)),
                },
                Ok(None) => None,
                Err(e) => return Err(self.target_error_first(target, e)),
            },
            None => None,
        };
        // The target is checked here, with the store, in one look-up of the object.
        let old = self.heap.check_replace_field(target, field, new)?;
        if let Some(new) = new {
            self.collector.retain(&mut self.heap, new);
        }
        self.collector.write_barrier(&mut self.heap, target, new);
        if let Some(old) = old {
            self.collector.release(&mut self.heap, old);
        }
        Ok(())
    }

    #[inline]
    fn copy(&mut self, dst: Slot, src: Slot) -> GcResult<()> {
        self.check_slot(dst)?;
        let value = self.heap.slot(src)?;
        self.set_slot(dst, value)
    }

    #[inline]
    fn clear(&mut self, slot: Slot) -> GcResult<()> {
        self.set_slot(slot, None)
    }

    fn same(&self, a: Slot, b: Slot) -> GcResult<bool> {
        Ok(self.heap.slot(a)? == self.heap.slot(b)?)
    }

    fn is_null(&self, slot: Slot) -> GcResult<bool> {
        Ok(self.heap.slot(slot)?.is_none())
    }

    fn slot_ref(&self, slot: Slot) -> GcResult<Option<ObjRef>> {
        self.heap.slot(slot)
    }

    fn shape(&self, slot: Slot) -> GcResult<Shape> {
        Ok(self.heap.shape(self.heap.slot_object(slot)?))
    }

    fn read_payload(&self, slot: Slot, offset: usize, out: &mut [u8]) -> GcResult<()> {
        let obj = self.heap.slot_object(slot)?;
        self.heap.read_payload(obj, offset, out)
    }

    fn write_payload(&mut self, slot: Slot, offset: usize, data: &[u8]) -> GcResult<()> {
        let obj = self.heap.slot_object(slot)?;
        self.heap.write_payload(obj, offset, data)
    }

    fn new_weak(&mut self, dst: Slot, target: Slot, callback: Option<u32>) -> GcResult<()> {
        self.check_slot(dst)?;
        self.heap.slot_object(target)?;
        let weak = self.alloc_with_flags(Shape::new(0, 0), FLAG_IS_WEAKREF, None, &[])?;
        // The allocation may have collected; the target is rooted in its slot, so it is
        // still there, but re-read it rather than assume.
        let referent = self.heap.slot_object(target)?;
        self.heap.register_weakref(weak, referent, callback);
        self.set_slot(dst, Some(weak))?;
        self.settle()
    }

    fn upgrade(&mut self, dst: Slot, weak: Slot) -> GcResult<bool> {
        self.check_slot(dst)?;
        let w = self.heap.slot_object(weak)?;
        if self.heap.flags(w) & FLAG_IS_WEAKREF == 0 {
            return Err(GcError::NotWeak { obj: w.raw() });
        }
        let referent = self.heap.weak_entry(w)?.referent;
        self.set_slot(dst, referent)?;
        Ok(referent.is_some())
    }

    fn set_finalizer(&mut self, obj: Slot, finalizer: Finalizer) -> GcResult<()> {
        let target = self.heap.slot_object(obj)?;
        if let Some(s) = finalizer.resurrect_into {
            self.check_slot(s)?;
        }
        self.heap.set_finalizer(target, finalizer);
        Ok(())
    }

    fn collect(&mut self, generation: Option<u8>) -> GcResult<u64> {
        let generations = self.collector.capabilities().generations;
        if let Some(g) = generation {
            if g >= generations.max(1) {
                return Err(GcError::BadGeneration {
                    generation: g,
                    generations: generations.max(1),
                });
            }
        }
        let outcome = self.collector.collect(&mut self.heap, generation)?;
        self.settle()?;
        Ok(outcome.collected + outcome.uncollectable)
    }

    fn set_auto_collect(&mut self, enabled: bool) {
        self.heap.set_enabled(enabled)
    }

    fn safepoint(&mut self) -> GcResult<()> {
        self.collector.safepoint(&mut self.heap)?;
        self.settle()
    }

    fn drain_notices(&mut self, out: &mut Vec<Notice>) {
        self.heap.drain_notices(out)
    }
}

impl<C: Collector> GcControl for Runtime<C> {
    fn collector_name(&self) -> &'static str {
        self.collector.name()
    }

    fn capabilities(&self) -> Capabilities {
        self.collector.capabilities()
    }

    fn enable(&mut self) {
        self.heap.set_enabled(true)
    }

    fn disable(&mut self) {
        self.heap.set_enabled(false)
    }

    fn is_enabled(&self) -> bool {
        self.heap.is_enabled()
    }

    fn get_count(&self) -> Vec<u64> {
        self.collector.get_count()
    }

    fn get_threshold(&self) -> Vec<u64> {
        self.collector.get_threshold()
    }

    fn set_threshold(&mut self, thresholds: &[u64]) -> GcResult<()> {
        let name = self.collector.name();
        self.collector
            .set_threshold(thresholds)
            .map_err(|e| named(e, name))
    }

    fn get_objects(&self, generation: Option<u8>) -> Vec<ObjRef> {
        self.collector.tracked_objects(&self.heap, generation)
    }

    fn get_stats(&self) -> Vec<GenerationStats> {
        self.heap.generation_stats().to_vec()
    }

    fn get_referrers(&self, obj: ObjRef) -> GcResult<Vec<ObjRef>> {
        let obj = self.checked_object(obj)?;
        let mut v = Vec::new();
        self.heap.for_each_object(|r| {
            if self.heap.fields(r).contains(&obj.raw()) {
                v.push(r);
            }
        });
        Ok(v)
    }

    fn get_referents(&self, obj: ObjRef) -> GcResult<Vec<ObjRef>> {
        let obj = self.checked_object(obj)?;
        Ok(self
            .heap
            .fields(obj)
            .iter()
            .filter_map(|&raw| ObjRef::from_raw(raw))
            .collect())
    }

    fn is_tracked(&self, obj: ObjRef) -> GcResult<bool> {
        let obj = self.checked_object(obj)?;
        Ok(self.collector.is_tracked(&self.heap, obj))
    }

    fn is_finalized(&self, obj: ObjRef) -> GcResult<bool> {
        let obj = self.checked_object(obj)?;
        Ok(self.heap.is_finalized(obj))
    }

    fn freeze(&mut self) -> GcResult<()> {
        let name = self.collector.name();
        self.collector
            .freeze(&mut self.heap)
            .map_err(|e| named(e, name))
    }

    fn unfreeze(&mut self) -> GcResult<()> {
        let name = self.collector.name();
        self.collector
            .unfreeze(&mut self.heap)
            .map_err(|e| named(e, name))
    }

    fn get_freeze_count(&self) -> u64 {
        self.collector.freeze_count()
    }

    fn garbage(&self) -> Vec<ObjRef> {
        self.heap.garbage().to_vec()
    }

    fn clear_garbage(&mut self) {
        for r in self.heap.take_garbage() {
            self.collector.release(&mut self.heap, r);
        }
    }

    fn add_callback(&mut self, cb: Callback) -> CallbackId {
        self.heap.subscribe(cb)
    }

    fn remove_callback(&mut self, id: CallbackId) -> bool {
        self.heap.unsubscribe(id)
    }

    fn set_debug(&mut self, flags: u32) {
        self.heap.set_debug(flags)
    }

    fn get_debug(&self) -> u32 {
        self.heap.debug()
    }

    fn heap_stats(&self) -> AllocStats {
        self.heap.alloc_stats()
    }

    fn cascade_stats(&self) -> CascadeStats {
        self.heap.cascade_stats()
    }

    fn objects_scanned(&self) -> u64 {
        self.collector.objects_scanned()
    }

    fn leak_report(&self) -> GcResult<LeakReport> {
        oracle::leaks(&self.heap)
    }

    fn verify_now(&self) -> GcResult<()> {
        oracle::verify_no_dangling(&self.heap)?;
        if self.collector.capabilities().reference_counting {
            oracle::verify_refcounts(&self.heap, |r| self.collector.refcount(&self.heap, r))?;
        }
        Ok(())
    }
}

/// An [`GcError::Unsupported`] from a [`crate::GcModule`] default names no collector: name it.
fn named(e: GcError, name: &'static str) -> GcError {
    match e {
        GcError::Unsupported {
            collector: "",
            what,
        } => GcError::Unsupported {
            collector: name,
            what,
        },
        e => e,
    }
}
