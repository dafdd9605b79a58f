//! `gc-collect`: pyperformance's `gc_collect` benchmark.

use gc_core::{GcResult, Mutator, Shape, Slot};
use serde::{Deserialize, Serialize};

use crate::params::{Params, Size};
use crate::Expectations;

/// pyperformance `gc_collect`: each of `loops` rounds collects, builds a list of `cycles`
/// rings of `links` + 1 nodes (next and prev pointers), drops the list and collects once:
/// that collection frees `cycles` x (`links` + 1) nodes of pure cyclic garbage. The seed is
/// unused.
///
/// Ends with everything dropped (live at end: 0).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GcCollect {
    /// Rounds (pyperformance's loops).
    pub loops: u64,
    /// Rings per round (pyperformance: 100).
    pub cycles: u32,
    /// Nodes per ring after the first (pyperformance: 20, so 21-node rings).
    pub links: u32,
}

const NEXT: usize = 0;
const PREV: usize = 1;

impl Params for GcCollect {
    fn preset(size: Size) -> Self {
        match size {
            Size::Default => GcCollect {
                loops: 2_000,
                cycles: 100,
                links: 20,
            },
            Size::Small => GcCollect {
                loops: 5,
                cycles: 100,
                links: 20,
            },
        }
    }

    fn docs() -> &'static [(&'static str, &'static str)] {
        &[
            ("loops", "rounds, each ending with one collection"),
            ("cycles", "rings built per round"),
            ("links", "nodes per ring after the first"),
        ]
    }

    fn validate(&self) -> Result<(), (&'static str, String)> {
        if self.cycles > Shape::MAX_FIELDS {
            return Err(("cycles", format!("at most {}", Shape::MAX_FIELDS)));
        }
        Ok(())
    }
}

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
