//! Baseline objects: the long-lived tracked objects an interpreter's start-up leaves behind,
//! put into a fresh heap before a workload runs.
//!
//! A real CPython program never starts on an empty heap: the interpreter, its modules and
//! the program's own code are tens of thousands of tracked containers that survive every
//! collection. They matter to the generational policy because a full collection runs only
//! when the objects promoted since the last one exceed a quarter of the long-lived total
//! (`long_lived_pending > long_lived_total / 4`): on an empty heap that rule fires on every
//! tenth generation-1 collection, under an interpreter it rarely does. [`Runtime::add_baseline`]
//! recreates that state the way gclab's CPython peer leaves it before replaying a trace:
//! the objects are built, one full collection runs (setting the long-lived total), and they
//! are frozen (`gc.freeze()`) where the collector has a permanent generation.

use crate::{Collector, GcControl, GcError, GcResult, Mutator, Runtime, Shape};

/// The shape of a baseline object: one reference field (the link holding the next one).
pub const BASELINE_SHAPE: Shape = Shape {
    fields: 1,
    payload: 0,
};

impl<C: Collector> Runtime<C> {
    /// Adds `objects` long-lived objects held by a permanent root ([`crate::Heap::pinned`]),
    /// outside the root slots, so a workload's slots and expectations are untouched: they are
    /// counted in the heap's statistics (allocated, in use) and a caller comparing those with
    /// a workload's expectations subtracts `objects`. Slots 0 and 1 are used while building
    /// and left empty; call it on a fresh runtime, before the workload. Automatic collection
    /// is off while building; one full collection follows, then `gc.freeze()` if the
    /// collector offers it.
    pub fn add_baseline(&mut self, objects: u64) -> GcResult<()> {
        if objects == 0 {
            return Ok(());
        }
        let enabled = self.is_enabled();
        self.set_auto_collect(false);
        self.reserve_slots(2)?;
        self.alloc(0, BASELINE_SHAPE)?;
        for _ in 1..objects {
            self.alloc(1, BASELINE_SHAPE)?;
            self.store(1, 0, Some(0))?;
            self.copy(0, 1)?;
        }
        self.clear(1)?;
        // The slot's reference (counted, for a counting collector) moves to the permanent root.
        let (heap, _) = self.parts_mut();
        if let Some(head) = heap.replace_slot(0, None)? {
            heap.pin(head);
        }
        self.set_auto_collect(enabled);
        self.collect(None)?;
        match self.freeze() {
            Ok(()) | Err(GcError::Unsupported { .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }
}
