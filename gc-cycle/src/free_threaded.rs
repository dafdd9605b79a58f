//! `cycle-ft`: the scheduling and scan of the free-threaded build's cycle collector
//! (`Python/gc_free_threading.c`, 3.13t and 3.14t), on [`CycleGc`]'s counting, lists and
//! trial-deletion passes.
//!
//! Modelled: there are no generations, so every collection, automatic or `gc.collect(g)`
//! for any `g`, is trial deletion over every tracked object; and `gc_should_collect`'s
//! schedule: count 0 (tracked allocations minus tracked frees) past threshold 0 *and* past a
//! quarter of the objects that survived the last collection (`long_lived_total`), which keeps
//! a growing heap from being scanned quadratically (unless the old threshold is 0, which
//! CPython's tests use to collect at once).
//!
//! Not modelled, because one simulated thread cannot show them: stopping the world (one
//! thread is always stopped), the per-thread batching of the allocation count (512
//! allocations), biased reference counting (a thread-local and a shared count; here one
//! count), deferred reference counting (counts of some objects kept on the stacks and
//! settled only by the collector), immortal objects (never counted, never collected;
//! gclab's workloads make none), finding objects by walking mimalloc's heaps (here the
//! lists), the "mark alive" pre-pass from the roots, and the memory-usage check 3.14t adds
//! to the schedule. Which objects die is unaffected by any of them.

use gc_core::{AllocRequest, CollectOutcome, GcModule, GcResult, Heap, ObjRef};

use crate::incremental::THRESHOLDS_314;
use crate::lists::Generation;
use crate::variant::Variant;
use crate::CycleGc;

/// `cycle-ft`: reference counting plus the free-threaded build's non-generational cycle
/// collector.
#[derive(Debug)]
pub struct FreeThreadedCycleGc {
    gc: CycleGc,
    /// Objects that survived the last collection (CPython's `long_lived_total`).
    long_lived_total: u64,
}

impl Default for FreeThreadedCycleGc {
    /// The free-threaded build's thresholds, those of 3.14: (2000, 10, 0).
    fn default() -> Self {
        FreeThreadedCycleGc::with_thresholds(THRESHOLDS_314)
    }
}

impl FreeThreadedCycleGc {
    /// A collector with the given thresholds: threshold 0, an old threshold whose only
    /// effect is that 0 collects as soon as threshold 0 is passed, and a third it ignores.
    pub fn with_thresholds(thresholds: [u64; 3]) -> Self {
        FreeThreadedCycleGc {
            gc: CycleGc::with_thresholds(thresholds),
            long_lived_total: 0,
        }
    }

    /// Objects that survived the last collection.
    pub fn long_lived_total(&self) -> u64 {
        self.long_lived_total
    }

    /// `gc_should_collect` after count 0 passed threshold 0: past a quarter of the live
    /// objects too, unless the old threshold is 0.
    fn should_collect(&self) -> bool {
        self.gc.lists().count[0] > self.long_lived_total / 4
            || self.gc.get_threshold_values()[1] == 0
    }

    /// One collection of every tracked object, labelled `label` (the generation asked
    /// for; the free-threaded build reports it but scans everything anyway).
    fn collect_all(&mut self, heap: &mut Heap, label: u8) -> CollectOutcome {
        let bracket = self.gc.begin_collection(heap, label);
        let lists = self.gc.lists_mut();
        let settled = lists.len(Generation::Old) as usize;
        lists.merge(heap, Generation::Young, Generation::Old);
        lists.merge(heap, Generation::Middle, Generation::Old);
        lists.count[0] = 0;
        let region = self.gc.collect_region(heap, 2, Generation::Old, settled);
        self.long_lived_total = region.survivors;
        self.gc.end_collection(heap, bracket, region)
    }
}

impl Variant for FreeThreadedCycleGc {
    #[inline]
    fn schedule(&mut self, heap: &mut Heap, request: AllocRequest) -> GcResult<()> {
        if self.gc.count_allocation(heap, request) && self.should_collect() {
            self.collect_all(heap, 0);
        }
        Ok(())
    }

    fn heap_full(&mut self, heap: &mut Heap, _bytes: usize) -> GcResult<()> {
        if heap.is_enabled() && !self.gc.is_collecting() {
            self.collect_all(heap, 2);
        }
        Ok(())
    }

    fn collect_now(&mut self, heap: &mut Heap, generation: Option<u8>) -> GcResult<CollectOutcome> {
        if self.gc.is_collecting() {
            return Ok(CollectOutcome::default());
        }
        Ok(self.collect_all(heap, generation.unwrap_or(2).min(2)))
    }

    fn generations(&self) -> u8 {
        1
    }

    /// `gc.get_count()`: count 0; the free-threaded build keeps no other.
    fn counts(&self) -> Vec<u64> {
        vec![self.gc.lists().count[0], 0, 0]
    }

    /// `gc.get_objects(g)`: every tracked object, whatever `g` (there is one generation).
    fn objects(&self, heap: &Heap, _generation: Option<u8>) -> Vec<ObjRef> {
        self.gc.tracked_objects(heap, None)
    }
}

crate::variant::cycle_variant!(FreeThreadedCycleGc, "cycle-ft", gc);
