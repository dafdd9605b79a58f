//! `cycle-313`: [`CycleGc`] with CPython 3.13's thresholds, as a named preset, so results
//! can set it beside the CPython 3.13 and 3.14 peers (whose `gc.get_threshold()` is
//! (2000, 10, 10)) as `cycle` stands beside 3.11's (700, 10, 10).

use gc_core::{
    AllocRequest, Capabilities, CollectOutcome, Collector, GcModule, GcResult, Heap, ObjRef,
};

use crate::CycleGc;

/// `cycle-313`: [`CycleGc::python_313`], thresholds (2000, 10, 10); everything else is
/// `cycle`'s model (CPython 3.11/3.12's passes). A preset until collector parameters reach
/// the command line.
#[derive(Debug)]
pub struct CycleGc313(pub CycleGc);

impl Default for CycleGc313 {
    fn default() -> Self {
        CycleGc313(CycleGc::python_313())
    }
}

impl Collector for CycleGc313 {
    fn name(&self) -> &'static str {
        "cycle-313"
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
impl GcModule for CycleGc313 {
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
