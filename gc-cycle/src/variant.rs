//! Variants of [`crate::CycleGc`] (CPython's other collectors): a type per variant that
//! delegates the mechanism (counting, tracking, the trial-deletion passes) to the collector
//! it wraps and answers its own name, so results can set it beside the others. (Presets that
//! only change parameters, like `cycle-313`, are not types: they are values of
//! [`crate::CycleParams`].) One macro, so every variant forwards every hook (a hook a type
//! forgot would silently fall back to the trait's default); what a variant decides itself
//! (when and what to collect, and what the `gc` module says about generations) goes through
//! [`Variant`], whose defaults are `cycle`'s.

use gc_core::{AllocRequest, CollectOutcome, Collector, GcModule, GcResult, Heap, ObjRef};

use crate::CycleGc;

/// The [`CycleGc`] a variant wraps. [`cycle_variant!`] implements it from the field that
/// holds the collector, so no variant writes these accessors itself.
pub(crate) trait WrapsCycle {
    /// The wrapped collector.
    fn cycle(&self) -> &CycleGc;

    /// The wrapped collector, mutably.
    fn cycle_mut(&mut self) -> &mut CycleGc;
}

/// What a variant of [`CycleGc`] decides itself; every default is `cycle`'s answer.
pub(crate) trait Variant: WrapsCycle {
    /// [`Collector::before_alloc`]: counting and triggering.
    #[inline]
    fn schedule(&mut self, heap: &mut Heap, request: AllocRequest) -> GcResult<()> {
        self.cycle_mut().before_alloc(heap, request)
    }

    /// [`Collector::on_heap_full`].
    fn heap_full(&mut self, heap: &mut Heap, bytes: usize) -> GcResult<()> {
        self.cycle_mut().on_heap_full(heap, bytes)
    }

    /// [`Collector::collect`] (`gc.collect(generation)`).
    fn collect_now(&mut self, heap: &mut Heap, generation: Option<u8>) -> GcResult<CollectOutcome> {
        self.cycle_mut().collect(heap, generation)
    }

    /// Generations the capabilities report.
    fn generations(&self) -> u8 {
        self.cycle().capabilities().generations
    }

    /// [`Collector::counters`].
    fn mechanism_counters(&self) -> Vec<(&'static str, u64)> {
        self.cycle().counters()
    }

    /// `gc.get_count()`.
    fn counts(&self) -> Vec<u64> {
        self.cycle().get_count()
    }

    /// `gc.get_objects(generation)`.
    fn objects(&self, heap: &Heap, generation: Option<u8>) -> Vec<ObjRef> {
        self.cycle().tracked_objects(heap, generation)
    }
}

/// Implements [`gc_core::Collector`] and [`gc_core::GcModule`] for the variant `$variant`
/// under the name `$name`: the mechanism by delegation to the [`CycleGc`] in its field
/// `$field` (also its [`WrapsCycle`] accessors), the policy through its [`Variant`] methods.
macro_rules! cycle_variant {
    ($variant:ident, $name:literal, $field:ident) => {
        impl $crate::variant::WrapsCycle for $variant {
            fn cycle(&self) -> &$crate::CycleGc {
                &self.$field
            }

            fn cycle_mut(&mut self) -> &mut $crate::CycleGc {
                &mut self.$field
            }
        }

        impl gc_core::Collector for $variant {
            fn name(&self) -> &'static str {
                $name
            }

            fn capabilities(&self) -> gc_core::Capabilities {
                gc_core::Capabilities {
                    generations: $crate::variant::Variant::generations(self),
                    ..self.$field.capabilities()
                }
            }

            const HEADER_WORDS: usize = <$crate::CycleGc as gc_core::Collector>::HEADER_WORDS;

            const BORN_COUNT_WORD: Option<usize> =
                <$crate::CycleGc as gc_core::Collector>::BORN_COUNT_WORD;

            #[inline]
            fn before_alloc(
                &mut self,
                heap: &mut gc_core::Heap,
                request: gc_core::AllocRequest,
            ) -> gc_core::GcResult<()> {
                $crate::variant::Variant::schedule(self, heap, request)
            }

            fn on_heap_full(
                &mut self,
                heap: &mut gc_core::Heap,
                bytes: usize,
            ) -> gc_core::GcResult<()> {
                $crate::variant::Variant::heap_full(self, heap, bytes)
            }

            #[inline]
            fn on_alloc(&mut self, heap: &mut gc_core::Heap, obj: gc_core::ObjRef) {
                self.$field.on_alloc(heap, obj)
            }

            #[inline]
            fn retain(&mut self, heap: &mut gc_core::Heap, obj: gc_core::ObjRef) {
                self.$field.retain(heap, obj)
            }

            #[inline]
            fn release(&mut self, heap: &mut gc_core::Heap, obj: gc_core::ObjRef) {
                self.$field.release(heap, obj)
            }

            #[inline]
            fn safepoint(&mut self, heap: &mut gc_core::Heap) -> gc_core::GcResult<()> {
                self.$field.safepoint(heap)
            }

            fn collect(
                &mut self,
                heap: &mut gc_core::Heap,
                generation: Option<u8>,
            ) -> gc_core::GcResult<gc_core::CollectOutcome> {
                $crate::variant::Variant::collect_now(self, heap, generation)
            }

            fn refcount(&self, heap: &gc_core::Heap, obj: gc_core::ObjRef) -> Option<u32> {
                self.$field.refcount(heap, obj)
            }

            fn objects_scanned(&self) -> u64 {
                self.$field.objects_scanned()
            }

            fn counters(&self) -> Vec<(&'static str, u64)> {
                $crate::variant::Variant::mechanism_counters(self)
            }
        }

        /// The `gc` module exactly as [`CycleGc`] answers it.
        impl gc_core::GcModule for $variant {
            fn get_count(&self) -> Vec<u64> {
                $crate::variant::Variant::counts(self)
            }

            fn get_threshold(&self) -> Vec<u64> {
                self.$field.get_threshold()
            }

            fn set_threshold(&mut self, thresholds: &[u64]) -> gc_core::GcResult<()> {
                self.$field.set_threshold(thresholds)
            }

            fn is_tracked(&self, heap: &gc_core::Heap, obj: gc_core::ObjRef) -> bool {
                self.$field.is_tracked(heap, obj)
            }

            fn tracked_objects(
                &self,
                heap: &gc_core::Heap,
                generation: Option<u8>,
            ) -> Vec<gc_core::ObjRef> {
                $crate::variant::Variant::objects(self, heap, generation)
            }

            fn freeze(&mut self, heap: &mut gc_core::Heap) -> gc_core::GcResult<()> {
                self.$field.freeze(heap)
            }

            fn unfreeze(&mut self, heap: &mut gc_core::Heap) -> gc_core::GcResult<()> {
                self.$field.unfreeze(heap)
            }

            fn freeze_count(&self) -> u64 {
                self.$field.freeze_count()
            }
        }
    };
}

pub(crate) use cycle_variant;
