//! `gc-traversal`: pyperformance's `gc_traversal` benchmark.

use gc_core::{GcResult, Mutator, Shape, Slot};

use crate::Expectations;

crate::workload! {
    name: "gc-traversal",
    description: "pyperformance gc_traversal: 1000 nested lists (~500k edges), collections that free \
        nothing",
    /// pyperformance `gc_traversal`: `levels` nested lists, list n holding n references to list
    /// n - 1 (1000 levels: 499,500 edges), then `collections` full collections that free
    /// nothing: pure traversal cost. The seed is unused.
    ///
    /// Ends with the outermost list (and so every list of levels 0..`levels`) still rooted.
    pub struct GcTraversal {
        /// Nested lists; list n holds n references to list n-1.
        levels: u32 = 1_000, small 100, in ..=Shape::MAX_FIELDS + 1;
        /// Full collections that traverse the structure and free nothing.
        collections: u32 = 300, small 3;
    }
}

impl GcTraversal {
    /// Counts implied by the parameters.
    pub fn expectations(&self) -> Expectations {
        // As in pyperformance, the first list made at level 0 is empty, so the initial
        // empty list it replaces is dropped.
        Expectations {
            allocated: self.levels as u64 + 1,
            live_at_end: (self.levels as u64).max(1),
            cyclic_garbage: 0,
        }
    }

    /// Runs the workload (the seed is unused).
    pub fn run<M: Mutator + ?Sized>(&self, m: &mut M, _seed: u64) -> GcResult<()> {
        const CURRENT: Slot = 0;
        const NEW: Slot = 1;
        m.reserve_slots(2)?;
        m.alloc(CURRENT, Shape::new(0, 0))?;
        for n in 0..self.levels {
            m.alloc(NEW, Shape::new(n, 0))?;
            for index in 0..n as usize {
                m.store(NEW, index, Some(CURRENT))?;
            }
            m.copy(CURRENT, NEW)?;
        }
        m.clear(NEW)?;
        for _ in 0..self.collections {
            m.collect(None)?;
        }
        Ok(())
    }
}
