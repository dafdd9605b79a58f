//! `dll-churn`: doubly linked lists built and dropped, some kept alive for a while.

use gc_core::{GcResult, Mutator, Shape, Slot};
use rand::{Rng, RngCore};

use crate::support::{clear_all, rng};
use crate::Expectations;

crate::workload! {
    name: "dll-churn",
    description: "doubly linked lists built and dropped (every list one big cycle), every k-th kept \
        alive for a while",
    /// `lists` doubly linked lists of `length` nodes are built one after another and dropped:
    /// every list is one big strongly connected cycle, so plain reference counting leaks all of
    /// them. Every `keep_every`-th list is instead kept in a ring of `keep_window` places and
    /// dies only when a later kept list takes its place. The list is held through a node the
    /// seed picks (a reference into its middle, not necessarily the head); payloads are random.
    ///
    /// Ends with the ring and the last `keep_window` kept lists still rooted.
    pub struct DllChurn {
        /// Doubly linked lists built and dropped.
        lists: u64 = 20_000, small 200;
        /// Nodes per list (a list of one node has no cycle).
        length: u64 = 100, small 20, in 2..;
        /// Every this-many-th list is kept for a while (0: none).
        keep_every: u64 = 10;
        /// Kept lists alive at once (a ring; a new one evicts the oldest).
        keep_window: u64 = 50, small 5, in 1..=Shape::MAX_FIELDS as u64;
        /// Payload bytes per node.
        payload: u32 = 8, in ..=512;
    }
}

const PREV: usize = 0;
const NEXT: usize = 1;

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
