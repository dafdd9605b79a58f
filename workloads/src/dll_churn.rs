//! `dll-churn`: doubly linked lists built and dropped, some kept alive for a while.

use gc_core::{GcResult, Mutator, Shape, Slot};
use rand::{Rng, RngCore};
use serde::{Deserialize, Serialize};

use crate::params::{Params, Size};
use crate::support::{clear_all, rng};
use crate::Expectations;

/// `lists` doubly linked lists of `length` nodes are built one after another and dropped:
/// every list is one big strongly connected cycle, so plain reference counting leaks all of
/// them. Every `keep_every`-th list is instead kept in a ring of `keep_window` places and
/// dies only when a later kept list takes its place. The list is held through a node the
/// seed picks (a reference into its middle, not necessarily the head); payloads are random.
///
/// Ends with the ring and the last `keep_window` kept lists still rooted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DllChurn {
    /// Lists built.
    pub lists: u64,
    /// Nodes per list.
    pub length: u64,
    /// Every this-many-th list is kept (0: none).
    pub keep_every: u64,
    /// Places in the ring of kept lists.
    pub keep_window: u64,
    /// Payload bytes per node.
    pub payload: u32,
}

const PREV: usize = 0;
const NEXT: usize = 1;

impl Params for DllChurn {
    fn preset(size: Size) -> Self {
        match size {
            Size::Default => DllChurn {
                lists: 20_000,
                length: 100,
                keep_every: 10,
                keep_window: 50,
                payload: 8,
            },
            Size::Small => DllChurn {
                lists: 200,
                length: 20,
                keep_every: 10,
                keep_window: 5,
                payload: 8,
            },
        }
    }

    fn docs() -> &'static [(&'static str, &'static str)] {
        &[
            ("lists", "doubly linked lists built and dropped"),
            ("length", "nodes per list"),
            (
                "keep_every",
                "every this-many-th list is kept for a while (0: none)",
            ),
            (
                "keep_window",
                "kept lists alive at once (a ring; a new one evicts the oldest)",
            ),
            ("payload", "payload bytes per node"),
        ]
    }

    fn validate(&self) -> Result<(), (&'static str, String)> {
        if self.length < 2 {
            return Err((
                "length",
                "must be at least 2 (a list of one node has no cycle)".into(),
            ));
        }
        if self.keep_window == 0 || self.keep_window > gc_core::Shape::MAX_FIELDS as u64 {
            return Err((
                "keep_window",
                format!("must be in 1..={}", Shape::MAX_FIELDS),
            ));
        }
        if self.payload > 512 {
            return Err(("payload", "at most 512 bytes".into()));
        }
        Ok(())
    }
}

impl DllChurn {
    fn kept(&self, list: u64) -> bool {
        self.keep_every != 0 && list.is_multiple_of(self.keep_every)
    }

    /// Counts implied by the parameters.
    pub fn expectations(&self) -> Expectations {
        let kept = if self.keep_every == 0 {
            0
        } else {
            self.lists.div_ceil(self.keep_every)
        };
        let live_lists = kept.min(self.keep_window);
        let allocated = 1 + self.lists * self.length;
        let live_at_end = 1 + live_lists * self.length;
        Expectations {
            allocated,
            live_at_end,
            cyclic_garbage: allocated - live_at_end,
        }
    }

    /// Runs the workload.
    pub fn run<M: Mutator + ?Sized>(&self, m: &mut M, seed: u64) -> GcResult<()> {
        const KEPT: Slot = 0;
        const HEAD: Slot = 1;
        const TAIL: Slot = 2;
        const NEW: Slot = 3;
        const HANDLE: Slot = 4;
        m.reserve_slots(5)?;
        let mut rng = rng(seed);
        let shape = Shape::new(2, self.payload);
        m.alloc(KEPT, Shape::new(self.keep_window as u32, 0))?;
        let mut kept_so_far = 0u64;
        for list in 0..self.lists {
            let handle_at = rng.gen_range(0..self.length);
            m.alloc(HEAD, shape)?;
            self.fill(m, HEAD, &mut rng)?;
            m.copy(TAIL, HEAD)?;
            if handle_at == 0 {
                m.copy(HANDLE, HEAD)?;
            }
            for i in 1..self.length {
                m.alloc(NEW, shape)?;
                self.fill(m, NEW, &mut rng)?;
                m.store(TAIL, NEXT, Some(NEW))?;
                m.store(NEW, PREV, Some(TAIL))?;
                m.copy(TAIL, NEW)?;
                if i == handle_at {
                    m.copy(HANDLE, NEW)?;
                }
            }
            if self.kept(list) {
                m.store(
                    KEPT,
                    (kept_so_far % self.keep_window) as usize,
                    Some(HANDLE),
                )?;
                kept_so_far += 1;
            }
            clear_all(m, &[HEAD, TAIL, NEW, HANDLE])?;
        }
        Ok(())
    }

    fn fill<M: Mutator + ?Sized>(
        &self,
        m: &mut M,
        node: Slot,
        rng: &mut impl RngCore,
    ) -> GcResult<()> {
        if self.payload >= 8 {
            m.write_payload(node, 0, &rng.next_u64().to_le_bytes())?;
        }
        Ok(())
    }
}
