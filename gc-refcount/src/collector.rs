//! `refcount`: the collector that only counts.

use gc_core::{
    Capabilities, CollectOutcome, Collector, GcModule, GcResult, Heap, LeakReport, ObjRef, Reclaims,
};

use crate::counting::{CountHooks, Counting, PlainCount, SATURATED};

/// Plain reference counting: prompt, precise for acyclic garbage, blind to cycles.
#[derive(Debug, Default)]
pub struct RefCount {
    counting: Counting<PlainCount>,
}

impl RefCount {
    /// A reference-counting collector.
    pub fn new() -> RefCount {
        RefCount::default()
    }

    /// Increments lost to saturated counts (objects whose count hit [`SATURATED`] are
    /// immortal; this says how often that mattered).
    pub fn count_overflows(&self) -> u64 {
        self.counting.overflows()
    }

    /// What reference counting leaks: objects unreachable from the roots but still
    /// allocated (cycles and what they reach), computed by gc-core's independent oracle.
    pub fn leak_report(heap: &Heap) -> GcResult<LeakReport> {
        gc_core::oracle::leaks(heap)
    }
}

impl Collector for RefCount {
    fn name(&self) -> &'static str {
        "refcount"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            reclaims: Reclaims::AcyclicOnly,
            generations: 0,
            moves_objects: false,
            reference_counting: true,
            prompt: true,
            // Cascades free promptly, but nothing is ever a collection.
            auto_collects: false,
            save_all: false,
        }
    }

    const HEADER_WORDS: usize = <PlainCount as CountHooks>::HEADER_WORDS;

    const BORN_COUNT_WORD: Option<usize> = Some(<PlainCount as CountHooks>::COUNT_WORD);

    #[inline]
    fn retain(&mut self, heap: &mut Heap, obj: ObjRef) {
        self.counting.retain(heap, obj)
    }

    #[inline]
    fn release(&mut self, heap: &mut Heap, obj: ObjRef) {
        self.counting.release(heap, obj)
    }

    /// Nothing to find: what counting did not free is cyclic, and counting never frees it.
    fn collect(&mut self, _heap: &mut Heap, _generation: Option<u8>) -> GcResult<CollectOutcome> {
        Ok(CollectOutcome::default())
    }

    fn refcount(&self, heap: &Heap, obj: ObjRef) -> Option<u32> {
        Some(self.counting.count(heap, obj)).filter(|&c| c != SATURATED)
    }
}

/// The gc module's defaults: no generations, no thresholds, containers tracked.
impl GcModule for RefCount {}
