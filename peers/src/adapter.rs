//! The generic adapter: gc-core's [`Mutator`] over any crate's smart pointers.
//!
//! Root slots are a `Vec<Option<Ptr>>` of the crate's strong pointers, so what keeps an
//! object alive is exactly what the crate sees. Every explicit collection and every
//! automatic collection the adapter can observe is timed into a [`PeerPause`].

use std::time::Instant;

use gc_core::{Finalizer, GcError, GcResult, Mutator, Notice, ObjRef, Shape, Slot};

use crate::census::{self, obj_ref, Census};
use crate::heap::{Node, PeerHeap};
use crate::PeerPause;

/// A mutator over one crate's heap.
pub(crate) struct Adapter<H: PeerHeap> {
    pub(crate) heap: H,
    slots: Vec<Option<H::Ptr>>,
    next_id: u32,
    /// Nodes allocated by this adapter (weak reference nodes included).
    pub(crate) allocated: u64,
    dropped_base: u64,
    origin: Instant,
    /// Every timed collection, in order.
    pub(crate) pauses: Vec<PeerPause>,
    /// Explicit collections run.
    pub(crate) explicit_collections: u64,
    /// Automatic collections observed and timed.
    pub(crate) automatic_collections: u64,
}

impl<H: PeerHeap> Adapter<H> {
    /// A fresh adapter; pause times count from `origin`.
    pub(crate) fn new(origin: Instant) -> Self {
        Adapter {
            heap: H::new(),
            slots: Vec::new(),
            next_id: 0,
            allocated: 0,
            dropped_base: census::dropped(),
            origin,
            pauses: Vec::new(),
            explicit_collections: 0,
            automatic_collections: 0,
        }
    }

    /// Nodes this adapter allocated that the crate has dropped.
    pub(crate) fn dropped(&self) -> u64 {
        census::dropped() - self.dropped_base
    }

    /// Nodes the crate still holds.
    pub(crate) fn alive(&self) -> u64 {
        self.allocated - self.dropped()
    }

    /// Drops every root (the program's end).
    pub(crate) fn clear_roots(&mut self) {
        // Dropped one by one, outside any borrow of the slot vector.
        while let Some(slot) = self.slots.pop() {
            drop(slot);
        }
        self.check_due();
    }

    /// Runs the crate's full collection, timed; returns the nodes it freed.
    pub(crate) fn timed_collect(&mut self, automatic: bool) -> u64 {
        let before = self.dropped();
        let start = Instant::now();
        self.heap.collect();
        let end = Instant::now();
        let freed = self.dropped() - before;
        self.record_pause(start, end, automatic, freed);
        freed
    }

    fn record_pause(&mut self, start: Instant, end: Instant, automatic: bool, freed: u64) {
        let ns = |at: Instant| at.saturating_duration_since(self.origin).as_nanos() as u64;
        self.pauses.push(PeerPause {
            start_ns: ns(start),
            end_ns: ns(end),
            automatic,
            freed,
            generation: None,
            uncollectable: 0,
        });
        if automatic {
            self.automatic_collections += 1;
        } else {
            self.explicit_collections += 1;
        }
    }

    /// Runs a collection the crate's own trigger asked for during the last operation.
    #[inline]
    fn check_due(&mut self) {
        if self.heap.take_due_collection() {
            self.timed_collect(true);
        }
    }

    fn slot(&self, s: Slot) -> GcResult<&Option<H::Ptr>> {
        self.slots.get(s).ok_or(GcError::BadSlot {
            slot: s,
            count: self.slots.len(),
        })
    }

    fn object(&self, s: Slot) -> GcResult<&H::Ptr> {
        self.slot(s)?.as_ref().ok_or(GcError::NullSlot { slot: s })
    }

    /// Puts `value` in slot `s`, dropping the old pointer after the slot is updated.
    fn set_slot(&mut self, s: Slot, value: Option<H::Ptr>) -> GcResult<()> {
        let count = self.slots.len();
        let place = self
            .slots
            .get_mut(s)
            .ok_or(GcError::BadSlot { slot: s, count })?;
        let old = std::mem::replace(place, value);
        drop(old);
        self.check_due();
        Ok(())
    }

    fn new_census(&mut self) -> Census {
        let id = self.next_id;
        self.next_id = self.next_id.wrapping_add(1) & !ObjRef::LARGE_BIT;
        self.allocated += 1;
        Census::new(id)
    }
}

fn bad_field(id: u32, field: usize, fields: usize) -> GcError {
    GcError::BadField {
        obj: id,
        field,
        fields,
    }
}

fn bad_payload(id: u32, offset: usize, len: usize, payload: usize) -> GcError {
    GcError::BadPayload {
        obj: id,
        offset,
        end: offset.saturating_add(len),
        len: payload,
    }
}

impl<H: PeerHeap> Mutator for Adapter<H> {
    fn reserve_slots(&mut self, count: usize) -> GcResult<()> {
        if self.slots.len() < count {
            self.slots.resize_with(count, || None);
        }
        Ok(())
    }

    fn slot_count(&self) -> usize {
        self.slots.len()
    }

    fn alloc(&mut self, dst: Slot, shape: Shape) -> GcResult<()> {
        shape.validate()?;
        self.slot(dst)?;
        let census = self.new_census();
        let node = if self.heap.alloc_will_collect() {
            let before = self.dropped();
            let start = Instant::now();
            let node = self.heap.alloc(census, shape);
            let end = Instant::now();
            let freed = self.dropped() - before;
            self.record_pause(start, end, true, freed);
            node
        } else {
            self.heap.alloc(census, shape)
        };
        self.set_slot(dst, Some(node))
    }

    fn load(&mut self, dst: Slot, src: Slot, field: usize) -> GcResult<()> {
        self.slot(dst)?;
        let value = H::with(self.object(src)?, |n| {
            n.fields()
                .get(field)
                .cloned()
                .ok_or_else(|| bad_field(n.id(), field, n.fields().len()))
        })?;
        self.set_slot(dst, value)
    }

    fn store(&mut self, obj: Slot, field: usize, value: Option<Slot>) -> GcResult<()> {
        let value = match value {
            Some(v) => self.slot(v)?.clone(),
            None => None,
        };
        let old = H::with_mut(self.object(obj)?, |n| {
            let (id, len) = (n.id(), n.fields().len());
            n.fields_mut()
                .get_mut(field)
                .map(|place| std::mem::replace(place, value))
                .ok_or_else(|| bad_field(id, field, len))
        })?;
        // Dropped outside the node's borrow: it may free a structure that reaches back.
        drop(old);
        self.check_due();
        Ok(())
    }

    fn copy(&mut self, dst: Slot, src: Slot) -> GcResult<()> {
        self.slot(dst)?;
        let value = self.slot(src)?.clone();
        self.set_slot(dst, value)
    }

    fn clear(&mut self, slot: Slot) -> GcResult<()> {
        self.set_slot(slot, None)
    }

    fn same(&self, a: Slot, b: Slot) -> GcResult<bool> {
        Ok(match (self.slot(a)?, self.slot(b)?) {
            (Some(x), Some(y)) => H::ptr_eq(x, y),
            (None, None) => true,
            _ => false,
        })
    }

    fn is_null(&self, slot: Slot) -> GcResult<bool> {
        Ok(self.slot(slot)?.is_none())
    }

    fn slot_ref(&self, slot: Slot) -> GcResult<Option<ObjRef>> {
        Ok(self
            .slot(slot)?
            .as_ref()
            .map(|p| obj_ref(H::with(p, |n| n.id()))))
    }

    fn shape(&self, slot: Slot) -> GcResult<Shape> {
        Ok(H::with(self.object(slot)?, |n| {
            Shape::new(n.fields().len() as u32, n.payload().len() as u32)
        }))
    }

    fn read_payload(&self, slot: Slot, offset: usize, out: &mut [u8]) -> GcResult<()> {
        H::with(self.object(slot)?, |n| {
            let payload = n.payload();
            let bytes = offset
                .checked_add(out.len())
                .and_then(|end| payload.get(offset..end))
                .ok_or_else(|| bad_payload(n.id(), offset, out.len(), payload.len()))?;
            out.copy_from_slice(bytes);
            Ok(())
        })
    }

    fn write_payload(&mut self, slot: Slot, offset: usize, data: &[u8]) -> GcResult<()> {
        H::with_mut(self.object(slot)?, |n| {
            let (id, len) = (n.id(), n.payload().len());
            let bytes = offset
                .checked_add(data.len())
                .and_then(|end| n.payload_mut().get_mut(offset..end))
                .ok_or_else(|| bad_payload(id, offset, data.len(), len))?;
            bytes.copy_from_slice(data);
            Ok(())
        })
    }

    fn new_weak(&mut self, dst: Slot, target: Slot, callback: Option<u32>) -> GcResult<()> {
        self.slot(dst)?;
        let target = self.object(target)?.clone();
        let referent = H::with(&target, |n| n.id());
        let mut census = self.new_census();
        let weak_id = census.id;
        census.watching = callback.map(|_| referent);
        let weak = match self.heap.new_weak(census, &target) {
            Ok(weak) => weak,
            Err(e) => {
                // Not allocated after all (the census record was dropped with the error).
                self.allocated -= 1;
                self.dropped_base += 1;
                return Err(e);
            }
        };
        if let Some(tag) = callback {
            census::watch(referent, weak_id, tag);
        }
        drop(target);
        self.set_slot(dst, Some(weak))
    }

    fn upgrade(&mut self, dst: Slot, weak: Slot) -> GcResult<bool> {
        self.slot(dst)?;
        let p = self.object(weak)?;
        let referent = H::upgrade(p).map_err(|()| GcError::NotWeak {
            obj: H::with(p, |n| n.id()),
        })?;
        let alive = referent.is_some();
        self.set_slot(dst, referent)?;
        Ok(alive)
    }

    fn set_finalizer(&mut self, obj: Slot, finalizer: Finalizer) -> GcResult<()> {
        let p = self.object(obj)?;
        if finalizer.resurrect_into.is_some() && !H::can_resurrect() {
            return Err(GcError::Unsupported {
                collector: H::NAME,
                what: "resurrecting finalizers (Drop cannot store its object anywhere)",
            });
        }
        H::with_mut(p, |n| n.set_finalizer(finalizer.tag));
        Ok(())
    }

    fn collect(&mut self, generation: Option<u8>) -> GcResult<u64> {
        if let Some(g) = generation.filter(|&g| g > 0) {
            return Err(GcError::BadGeneration {
                generation: g,
                generations: 1,
            });
        }
        Ok(self.timed_collect(false))
    }

    fn set_auto_collect(&mut self, enabled: bool) {
        self.heap.set_auto_collect(enabled);
    }

    fn safepoint(&mut self) -> GcResult<()> {
        Ok(())
    }

    fn drain_notices(&mut self, out: &mut Vec<Notice>) {
        census::drain_notices(out);
    }
}
