//! Named presets of [`crate::CycleGc`]: a type per preset that delegates everything to the
//! collector it wraps and answers its own name, so results can set it beside the others
//! until collector parameters reach the command line. One macro, so every preset forwards
//! every hook (a hook a preset forgot would silently fall back to the trait's default).

/// Implements [`Default`] (the collector `$make` builds), [`gc_core::Collector`] and
/// [`gc_core::GcModule`] for `$preset`, a newtype around [`crate::CycleGc`], by delegation,
/// under the name `$name`.
macro_rules! cycle_preset {
    ($preset:ident, $name:literal, $make:expr) => {
        impl Default for $preset {
            fn default() -> Self {
                $preset($make)
            }
        }

        impl gc_core::Collector for $preset {
            fn name(&self) -> &'static str {
                $name
            }

            fn capabilities(&self) -> gc_core::Capabilities {
                self.0.capabilities()
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
                self.0.before_alloc(heap, request)
            }

            fn on_heap_full(
                &mut self,
                heap: &mut gc_core::Heap,
                bytes: usize,
            ) -> gc_core::GcResult<()> {
                self.0.on_heap_full(heap, bytes)
            }

            #[inline]
            fn on_alloc(&mut self, heap: &mut gc_core::Heap, obj: gc_core::ObjRef) {
                self.0.on_alloc(heap, obj)
            }

            #[inline]
            fn retain(&mut self, heap: &mut gc_core::Heap, obj: gc_core::ObjRef) {
                self.0.retain(heap, obj)
            }

            #[inline]
            fn release(&mut self, heap: &mut gc_core::Heap, obj: gc_core::ObjRef) {
                self.0.release(heap, obj)
            }

            #[inline]
            fn safepoint(&mut self, heap: &mut gc_core::Heap) -> gc_core::GcResult<()> {
                self.0.safepoint(heap)
            }

            fn collect(
                &mut self,
                heap: &mut gc_core::Heap,
                generation: Option<u8>,
            ) -> gc_core::GcResult<gc_core::CollectOutcome> {
                self.0.collect(heap, generation)
            }

            fn refcount(&self, heap: &gc_core::Heap, obj: gc_core::ObjRef) -> Option<u32> {
                self.0.refcount(heap, obj)
            }

            fn objects_scanned(&self) -> u64 {
                self.0.objects_scanned()
            }
        }

        /// The `gc` module exactly as [`CycleGc`] answers it.
        impl gc_core::GcModule for $preset {
            fn get_count(&self) -> Vec<u64> {
                self.0.get_count()
            }

            fn get_threshold(&self) -> Vec<u64> {
                self.0.get_threshold()
            }

            fn set_threshold(&mut self, thresholds: &[u64]) -> gc_core::GcResult<()> {
                self.0.set_threshold(thresholds)
            }

            fn is_tracked(&self, heap: &gc_core::Heap, obj: gc_core::ObjRef) -> bool {
                self.0.is_tracked(heap, obj)
            }

            fn tracked_objects(
                &self,
                heap: &gc_core::Heap,
                generation: Option<u8>,
            ) -> Vec<gc_core::ObjRef> {
                self.0.tracked_objects(heap, generation)
            }

            fn freeze(&mut self, heap: &mut gc_core::Heap) -> gc_core::GcResult<()> {
                self.0.freeze(heap)
            }

            fn unfreeze(&mut self, heap: &mut gc_core::Heap) -> gc_core::GcResult<()> {
                self.0.unfreeze(heap)
            }

            fn freeze_count(&self) -> u64 {
                self.0.freeze_count()
            }
        }
    };
}

pub(crate) use cycle_preset;
