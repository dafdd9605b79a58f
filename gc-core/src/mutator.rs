//! The mutator interface: the only way a workload touches a heap.
//!
//! The mutator holds references only in numbered root slots (a shadow stack), so no collector
//! can miss a root and no Rust variable can dangle. Every operation names slots, field
//! indices and byte offsets; every one is checked and returns an error naming the problem.

use crate::{Finalizer, GcResult, Notice, ObjRef, Shape, Slot};

/// Operations a program performs on a garbage-collected heap.
pub trait Mutator {
    /// Ensures at least `count` root slots exist (new ones are null).
    fn reserve_slots(&mut self, count: usize) -> GcResult<()>;

    /// Root slots reserved.
    fn slot_count(&self) -> usize;

    /// Allocates an object of `shape` (fields null, payload zero) into slot `dst`.
    fn alloc(&mut self, dst: Slot, shape: Shape) -> GcResult<()>;

    /// Allocates an object of `shape` into slot `dst` whose first fields take the references
    /// held by slots `sources` (a null slot gives a null field), moving them: each source
    /// slot is left null and no count changes, as CPython's `BUILD_TUPLE` steals its items
    /// from the stack. `dst` must not be a source. The effect is that of [`Mutator::alloc`]
    /// and, for each source, [`Mutator::store`] then [`Mutator::clear`], which is what the
    /// default does ([`alloc_moving_by_parts`]; it reads every slot first, so a `Mutator`
    /// that cannot read slots must override this).
    fn alloc_moving(&mut self, dst: Slot, shape: Shape, sources: &[Slot]) -> GcResult<()> {
        alloc_moving_by_parts(self, dst, shape, sources)
    }

    /// `dst = src.field`.
    fn load(&mut self, dst: Slot, src: Slot, field: usize) -> GcResult<()>;

    /// `obj.field = value` (a slot's reference, or null).
    fn store(&mut self, obj: Slot, field: usize, value: Option<Slot>) -> GcResult<()>;

    /// `dst = src`.
    fn copy(&mut self, dst: Slot, src: Slot) -> GcResult<()>;

    /// `slot = null`.
    fn clear(&mut self, slot: Slot) -> GcResult<()>;

    /// Whether two slots hold the same object (or are both null).
    fn same(&self, a: Slot, b: Slot) -> GcResult<bool>;

    /// Whether a slot is null.
    fn is_null(&self, slot: Slot) -> GcResult<bool>;

    /// The object in a slot, for identity and inspection (the reference stays owned by the slot).
    fn slot_ref(&self, slot: Slot) -> GcResult<Option<ObjRef>>;

    /// The shape of the object in a slot.
    fn shape(&self, slot: Slot) -> GcResult<Shape>;

    /// Reads payload bytes of the object in `slot` starting at `offset`.
    fn read_payload(&self, slot: Slot, offset: usize, out: &mut [u8]) -> GcResult<()>;

    /// Writes payload bytes of the object in `slot` at `offset`.
    fn write_payload(&mut self, slot: Slot, offset: usize, data: &[u8]) -> GcResult<()>;

    /// Creates a weak reference object to the object in `target`, stores it in `dst`. If
    /// `callback` is given, a [`Notice::WeakCallback`] with that tag is queued when the
    /// referent dies while the weak reference is alive.
    fn new_weak(&mut self, dst: Slot, target: Slot, callback: Option<u32>) -> GcResult<()>;

    /// Loads the referent of the weak reference in `weak` into `dst` (null if it died);
    /// returns whether it was alive.
    fn upgrade(&mut self, dst: Slot, weak: Slot) -> GcResult<bool>;

    /// Attaches a finalizer to the object in `obj`.
    fn set_finalizer(&mut self, obj: Slot, finalizer: Finalizer) -> GcResult<()>;

    /// Asks for a collection of `generation` (or the whole heap if `None`); returns the
    /// number of objects collected plus uncollectable, as `gc.collect()` does.
    fn collect(&mut self, generation: Option<u8>) -> GcResult<u64>;

    /// Turns automatic collection on or off (`gc.enable()` / `gc.disable()`); explicit
    /// [`Mutator::collect`] calls still run.
    fn set_auto_collect(&mut self, enabled: bool);

    /// A safe point (incremental collectors may do work here).
    fn safepoint(&mut self) -> GcResult<()>;

    /// Moves queued finalizer and weak-callback notices into `out`, oldest first.
    fn drain_notices(&mut self, out: &mut Vec<Notice>);
}

/// [`Mutator::alloc_moving`] as the operations it stands for: every slot is checked (the
/// sources, then the destination) before anything changes, then [`Mutator::alloc`] and,
/// for each source, [`Mutator::store`] and [`Mutator::clear`].
pub fn alloc_moving_by_parts<M: Mutator + ?Sized>(
    m: &mut M,
    dst: Slot,
    shape: Shape,
    sources: &[Slot],
) -> GcResult<()> {
    check_moving(dst, shape, sources)?;
    for &slot in sources.iter().chain([&dst]) {
        m.is_null(slot)?;
    }
    m.alloc(dst, shape)?;
    for (field, &src) in sources.iter().enumerate() {
        m.store(dst, field, Some(src))?;
        m.clear(src)?;
    }
    Ok(())
}

/// The argument checks of [`Mutator::alloc_moving`] that need no heap: the sources fit the
/// shape's fields and none of them is the destination.
#[inline]
pub fn check_moving(dst: Slot, shape: Shape, sources: &[Slot]) -> GcResult<()> {
    if sources.len() > shape.fields as usize {
        return Err(crate::GcError::BadShape(format!(
            "alloc_moving: {} sources for an object of {} reference fields",
            sources.len(),
            shape.fields
        )));
    }
    if sources.contains(&dst) {
        return Err(crate::GcError::BadShape(format!(
            "alloc_moving: destination slot {dst} is also a source"
        )));
    }
    Ok(())
}
