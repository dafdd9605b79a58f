//! `cycle-bounded`: [`CycleGc`] with a cascade budget, as a named preset.

use gc_core::{
    AllocRequest, Capabilities, CollectOutcome, Collector, GcModule, GcResult, Heap, ObjRef,
};
use gc_refcount::DEFAULT_CASCADE_BUDGET;

use crate::CycleGc;

/// `cycle-bounded`: CPython's collector whose cascades free at most
/// [`DEFAULT_CASCADE_BUDGET`] objects per mutator operation (a preset until collector
/// parameters reach the command line; see gc-refcount's `Counting` for what waits and in
/// which order). A collection first frees the whole to-free list, as its own cascade pause,
/// then frees its garbage without a budget.
#[derive(Debug)]
pub struct BoundedCycleGc(pub CycleGc);

impl Default for BoundedCycleGc {
    fn default() -> Self {
        let mut gc = CycleGc::default();
        gc.set_cascade_budget(DEFAULT_CASCADE_BUDGET);
        BoundedCycleGc(gc)
    }
}

impl Collector for BoundedCycleGc {
    fn name(&self) -> &'static str {
        "cycle-bounded"
    }

    fn capabilities(&self) -> Capabilities {
        self.0.capabilities()
    }

    const HEADER_WORDS: usize = CycleGc::HEADER_WORDS;

    const BORN_COUNT_WORD: Option<usize> = CycleGc::BORN_COUNT_WORD;

    #[inline]
    fn before_alloc(&mut self, heap: &mut Heap, request: AllocRequest) -> GcResult<()> {
        self.0.before_alloc(heap, request)
    }

    fn on_heap_full(&mut self, heap: &mut Heap, bytes: usize) -> GcResult<()> {
        self.0.on_heap_full(heap, bytes)
    }

    #[inline]
    fn on_alloc(&mut self, heap: &mut Heap, obj: ObjRef) {
        self.0.on_alloc(heap, obj)
    }

    #[inline]
    fn retain(&mut self, heap: &mut Heap, obj: ObjRef) {
        self.0.retain(heap, obj)
    }

    #[inline]
    fn release(&mut self, heap: &mut Heap, obj: ObjRef) {
        self.0.release(heap, obj)
    }

    #[inline]
    fn safepoint(&mut self, heap: &mut Heap) -> GcResult<()> {
        self.0.safepoint(heap)
    }

    fn collect(&mut self, heap: &mut Heap, generation: Option<u8>) -> GcResult<CollectOutcome> {
        self.0.collect(heap, generation)
    }

    fn refcount(&self, heap: &Heap, obj: ObjRef) -> Option<u32> {
        self.0.refcount(heap, obj)
    }

    fn objects_scanned(&self) -> u64 {
        self.0.objects_scanned()
    }
}

/// The `gc` module exactly as [`CycleGc`] answers it.
impl GcModule for BoundedCycleGc {
    fn get_count(&self) -> Vec<u64> {
        self.0.get_count()
    }

    fn get_threshold(&self) -> Vec<u64> {
        self.0.get_threshold()
    }

    fn set_threshold(&mut self, thresholds: &[u64]) -> GcResult<()> {
        self.0.set_threshold(thresholds)
    }

    fn is_tracked(&self, heap: &Heap, obj: ObjRef) -> bool {
        self.0.is_tracked(heap, obj)
    }

    fn tracked_objects(&self, heap: &Heap, generation: Option<u8>) -> Vec<ObjRef> {
        self.0.tracked_objects(heap, generation)
    }

    fn freeze(&mut self, heap: &mut Heap) -> GcResult<()> {
        self.0.freeze(heap)
    }

    fn unfreeze(&mut self, heap: &mut Heap) -> GcResult<()> {
        self.0.unfreeze(heap)
    }

    fn freeze_count(&self) -> u64 {
        self.0.freeze_count()
    }
}
