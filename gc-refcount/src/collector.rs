//! `refcount` and `refcount-bounded`: the collectors that only count.

use gc_core::{
    AllocRequest, Capabilities, CollectOutcome, Collector, GcModule, GcResult, Heap, LeakReport,
    ObjRef, Reclaims,
};

use crate::counting::{CountHooks, Counting, PlainCount, SATURATED};

/// Plain reference counting: prompt, precise for acyclic garbage, blind to cycles.
/// `BOUNDED` selects the engine's bounded cascades (see [`Counting`]); the two presets are
/// [`RefCount`] and [`BoundedRefCount`].
#[derive(Debug)]
pub struct RefCounting<const BOUNDED: bool> {
    counting: Counting<PlainCount, BOUNDED>,
}

/// `refcount`: cascades free everything at once.
pub type RefCount = RefCounting<false>;

/// `refcount-bounded`: cascades free at most
/// [`DEFAULT_CASCADE_BUDGET`](crate::DEFAULT_CASCADE_BUDGET) objects per mutator operation
/// (`cascade_budget` of [`BoundedParams`]).
pub type BoundedRefCount = RefCounting<true>;

impl<const BOUNDED: bool> Default for RefCounting<BOUNDED> {
    fn default() -> Self {
        RefCounting {
            counting: Counting::default(),
        }
    }
}

impl RefCount {
    /// A reference-counting collector.
    pub fn new() -> RefCount {
        RefCount::default()
    }
}

impl BoundedRefCount {
    /// A reference-counting collector whose cascades free at most `budget` objects per
    /// mutator operation.
    pub fn with_cascade_budget(budget: u64) -> BoundedRefCount {
        let mut rc = BoundedRefCount::default();
        rc.counting.set_cascade_budget(budget);
        rc
    }

    /// Dead objects waiting on the to-free list.
    pub fn deferred(&self) -> usize {
        self.counting.deferred()
    }
}

impl<const BOUNDED: bool> RefCounting<BOUNDED> {
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

impl<const BOUNDED: bool> Collector for RefCounting<BOUNDED> {
    fn name(&self) -> &'static str {
        if BOUNDED {
            "refcount-bounded"
        } else {
            "refcount"
        }
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

    /// A drain point of the to-free list (compiled away without a budget).
    #[inline]
    fn before_alloc(&mut self, heap: &mut Heap, _request: AllocRequest) -> GcResult<()> {
        self.counting.drain(heap);
        Ok(())
    }

    #[inline]
    fn safepoint(&mut self, heap: &mut Heap) -> GcResult<()> {
        self.counting.drain(heap);
        Ok(())
    }

    #[inline]
    fn retain(&mut self, heap: &mut Heap, obj: ObjRef) {
        self.counting.retain(heap, obj)
    }

    #[inline]
    fn release(&mut self, heap: &mut Heap, obj: ObjRef) {
        self.counting.release(heap, obj)
    }

    /// Nothing to find: what counting did not free is cyclic, and counting never frees it.
    /// Dead objects waiting on the to-free list are freed.
    fn collect(&mut self, heap: &mut Heap, _generation: Option<u8>) -> GcResult<CollectOutcome> {
        self.counting.drain_all(heap);
        Ok(CollectOutcome::default())
    }

    fn refcount(&self, heap: &Heap, obj: ObjRef) -> Option<u32> {
        Some(self.counting.count(heap, obj)).filter(|&c| c != SATURATED)
    }
}

/// The gc module's defaults: no generations, no thresholds, containers tracked.
impl<const BOUNDED: bool> GcModule for RefCounting<BOUNDED> {}

gc_core::declare_params! {
    /// The parameters of [`BoundedRefCount`].
    pub struct BoundedParams {
        /// Most objects a cascade frees per mutator operation; the rest wait, count 0, on a
        /// to-free list.
        cascade_budget: u64 = crate::DEFAULT_CASCADE_BUDGET, in 1..;
    }
}

impl gc_core::params::Configured for BoundedRefCount {
    type Params = BoundedParams;

    fn from_params(p: &BoundedParams) -> Self {
        BoundedRefCount::with_cascade_budget(p.cascade_budget)
    }
}
