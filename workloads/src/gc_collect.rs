//! `gc-collect`: pyperformance's `gc_collect` benchmark.

use gc_core::{GcResult, Mutator, Shape, Slot};

use crate::Expectations;

crate::workload! {
    name: "gc-collect",
    description: "pyperformance gc_collect: 100 rings of 21 nodes per round, freed by one \
        collection",
    /// pyperformance `gc_collect`: each of `loops` rounds collects, builds a list of `cycles`
    /// rings of `links` + 1 nodes (next and prev pointers), drops the list and collects once:
    /// that collection frees `cycles` x (`links` + 1) nodes of pure cyclic garbage. The seed is
    /// unused.
    ///
    /// Ends with everything dropped (live at end: 0).
    pub struct GcCollect {
        /// Rounds, each ending with one collection (pyperformance's loops).
        loops: u64 = 2_000, small 5;
        /// Rings built per round (pyperformance: 100).
        cycles: u32 = 100, in ..=Shape::MAX_FIELDS;
        /// Nodes per ring after the first (pyperformance: 20, so 21-node rings).
        links: u32 = 20;
    }
}

const NEXT: usize = 0;
const PREV: usize = 1;

impl GcCollect {
    /// Counts implied by the parameters.
    pub fn expectations(&self) -> Expectations {
        let nodes = self.loops * self.cycles as u64 * (self.links as u64 + 1);
        Expectations {
            allocated: self.loops + nodes,
            live_at_end: 0,
            cyclic_garbage: nodes,
        }
    }

    /// Runs the workload (the seed is unused).
    pub fn run<M: Mutator + ?Sized>(&self, m: &mut M, _seed: u64) -> GcResult<()> {
        const LIST: Slot = 0;
        const FIRST: Slot = 1;
        const CURRENT: Slot = 2;
        const NEXT_NODE: Slot = 3;
        m.reserve_slots(4)?;
        let node = Shape::new(2, 0);
        for _ in 0..self.loops {
            m.collect(None)?;
            m.alloc(LIST, Shape::new(self.cycles, 0))?;
            for c in 0..self.cycles as usize {
                m.alloc(FIRST, node)?;
                m.store(LIST, c, Some(FIRST))?;
                m.copy(CURRENT, FIRST)?;
                for _ in 0..self.links {
                    m.alloc(NEXT_NODE, node)?;
                    m.store(CURRENT, NEXT, Some(NEXT_NODE))?;
                    m.store(NEXT_NODE, PREV, Some(CURRENT))?;
                    m.copy(CURRENT, NEXT_NODE)?;
                }
                m.store(CURRENT, NEXT, Some(FIRST))?;
                m.store(FIRST, PREV, Some(CURRENT))?;
            }
            for s in [FIRST, CURRENT, NEXT_NODE, LIST] {
                m.clear(s)?;
            }
            m.collect(None)?;
        }
        Ok(())
    }
}
