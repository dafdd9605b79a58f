//! The collector contract: the hooks a memory-management strategy implements.
//!
//! A collector is policy over the shared [`Heap`]'s mechanism. The [`crate::Runtime`] calls its
//! hooks from every mutator operation: before and after each allocation, on every new and
//! every dropped strong reference (slots and fields alike), and when a collection is asked
//! for. Hooks a strategy does not need have empty defaults that compile away, so tracing
//! pays nothing for reference counting's barriers. The gc-module surface (thresholds, counts,
//! freeze, ...) is also here, with defaults that report "unsupported" or derive the answer
//! from the heap.

use crate::{GcError, GcResult, Heap, ObjRef, Shape};

/// What a collector reclaims.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reclaims {
    /// Nothing, ever (NoGC).
    Nothing,
    /// Garbage without cycles only (plain reference counting).
    AcyclicOnly,
    /// All garbage, cycles included, by the end of a full collection.
    Everything,
}

/// What a collector promises; the conformance kit and the harness read these instead of
/// special-casing names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Capabilities {
    /// What garbage it reclaims.
    pub reclaims: Reclaims,
    /// Generations (0 for none).
    pub generations: u8,
    /// Whether objects move (none here do; references would change).
    pub moves_objects: bool,
    /// Whether it keeps reference counts (checked by the oracle when it does).
    pub reference_counting: bool,
    /// Whether unreachable garbage is freed without a collection (on the last release).
    pub prompt: bool,
}

impl Capabilities {
    /// Whether cyclic garbage is reclaimed.
    pub fn reclaims_cycles(&self) -> bool {
        self.reclaims == Reclaims::Everything
    }

    /// A one-line description, as `gclab list` shows it.
    pub fn describe(&self) -> String {
        let reclaims = match self.reclaims {
            Reclaims::Nothing => "reclaims nothing",
            Reclaims::AcyclicOnly => "does not reclaim cycles",
            Reclaims::Everything => "reclaims cycles",
        };
        let generations = match self.generations {
            0 => "no generations".to_string(),
            n => format!("{n} generations"),
        };
        let mut parts = vec![reclaims.to_string(), generations];
        if self.reference_counting {
            parts.push("reference counts".into());
        }
        if self.moves_objects {
            parts.push("moves objects".into());
        }
        parts.join(", ")
    }
}

/// What one explicit collection did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CollectOutcome {
    /// Objects freed.
    pub collected: u64,
    /// Garbage found but set aside (gc.garbage).
    pub uncollectable: u64,
}

/// A memory-management strategy. Implement this, run the conformance kit, register the type
/// in the harness: that is a new collector.
pub trait Collector {
    /// The name users type (`refcount`, `cycle`, ...).
    fn name(&self) -> &'static str;

    /// What this collector promises.
    fn capabilities(&self) -> Capabilities;

    /// Words of header each object needs for this collector (see [`crate::layout`]): the
    /// same value every time (the heap is laid out with it), best a constant the compiler
    /// can see, which makes each allocation's size computation fold away.
    #[inline]
    fn header_words(&self) -> usize {
        0
    }

    /// Called before an object of `shape` (charged `bytes`) is allocated: the place to trigger
    /// a collection.
    #[inline]
    fn before_alloc(&mut self, _heap: &mut Heap, _shape: Shape, _bytes: usize) -> GcResult<()> {
        Ok(())
    }

    /// Like [`Collector::before_alloc`], also told the flags the object will carry (e.g.
    /// [`crate::layout::FLAG_IS_WEAKREF`]): a collector that tracks some objects without
    /// reference fields (CPython tracks weak references) decides here. The runtime calls
    /// this one; by default it forwards to [`Collector::before_alloc`].
    #[inline]
    fn before_alloc_flagged(
        &mut self,
        heap: &mut Heap,
        shape: Shape,
        flags: u16,
        bytes: usize,
    ) -> GcResult<()> {
        let _ = flags;
        self.before_alloc(heap, shape, bytes)
    }

    /// Called when the heap limit refused `bytes`; collect here to make room. The allocation is
    /// retried once afterwards.
    fn on_heap_full(&mut self, _heap: &mut Heap, _bytes: usize) -> GcResult<()> {
        Ok(())
    }

    /// The collector header word holding a reference count that [`Collector::retain`]
    /// raises by one, if the collector counts that way. The runtime then writes a new
    /// object's count as 1 while it initialises the object and stores it into its slot
    /// without calling `retain`: the same result, one look-up of the object fewer on every
    /// allocation. `None` (the default) means every reference is retained through the hook.
    #[inline]
    fn born_count_word(&self) -> Option<usize> {
        None
    }

    /// Called after `obj` is allocated, before any reference to it is stored (its fields hold
    /// what [`crate::Mutator::alloc_moving`] moved into them, if it came from there).
    #[inline]
    fn on_alloc(&mut self, _heap: &mut Heap, _obj: ObjRef) {}

    /// A new strong reference to `obj` was stored (slot or field). Called before the matching
    /// [`Collector::release`] of the value it replaced.
    #[inline]
    fn retain(&mut self, _heap: &mut Heap, _obj: ObjRef) {}

    /// A strong reference to `obj` was overwritten or cleared.
    #[inline]
    fn release(&mut self, _heap: &mut Heap, _obj: ObjRef) {}

    /// `value` was stored into a field of `obj` (for generational or incremental barriers).
    #[inline]
    fn write_barrier(&mut self, _heap: &mut Heap, _obj: ObjRef, _value: Option<ObjRef>) {}

    /// A safe point: the mutator holds no reference outside slots.
    #[inline]
    fn safepoint(&mut self, _heap: &mut Heap) -> GcResult<()> {
        Ok(())
    }

    /// Collects generation `generation` (and the younger ones), or everything if `None`.
    /// The generation has been checked against [`Capabilities::generations`].
    fn collect(&mut self, heap: &mut Heap, generation: Option<u8>) -> GcResult<CollectOutcome>;

    /// The reference count of `obj`, for collectors that keep one (the oracle checks it).
    fn refcount(&self, _heap: &Heap, _obj: ObjRef) -> Option<u32> {
        None
    }

    /// `gc.get_count()`: allocation counts per generation.
    fn get_count(&self) -> Vec<u64> {
        Vec::new()
    }

    /// `gc.get_threshold()`.
    fn get_threshold(&self) -> Vec<u64> {
        Vec::new()
    }

    /// `gc.set_threshold(...)`.
    fn set_threshold(&mut self, _thresholds: &[u64]) -> GcResult<()> {
        Err(GcError::Unsupported {
            collector: self.name(),
            what: "thresholds",
        })
    }

    /// Whether `obj` is tracked by the collector (`gc.is_tracked`). By default: containers.
    fn is_tracked(&self, heap: &Heap, obj: ObjRef) -> bool {
        heap.field_count(obj) > 0
    }

    /// `gc.get_objects(generation)`. By default every tracked object, ignoring generations.
    fn tracked_objects(&self, heap: &Heap, _generation: Option<u8>) -> Vec<ObjRef> {
        let mut v = Vec::new();
        heap.for_each_object(|r| {
            if self.is_tracked(heap, r) {
                v.push(r)
            }
        });
        v
    }

    /// `gc.freeze()`.
    fn freeze(&mut self, _heap: &mut Heap) -> GcResult<()> {
        Err(GcError::Unsupported {
            collector: self.name(),
            what: "freeze",
        })
    }

    /// `gc.unfreeze()`.
    fn unfreeze(&mut self, _heap: &mut Heap) -> GcResult<()> {
        Err(GcError::Unsupported {
            collector: self.name(),
            what: "unfreeze",
        })
    }

    /// `gc.get_freeze_count()`.
    fn freeze_count(&self) -> u64 {
        0
    }

    /// Objects the collector scanned in total (a noise-free work count).
    fn objects_scanned(&self) -> u64 {
        0
    }
}
