//! The collector contract: what a memory-management strategy decides, stated once.
//!
//! A collector is policy over the shared [`Heap`]'s mechanism. The [`crate::Runtime`] calls
//! its hooks from every mutator operation: before and after each allocation, on every new and
//! every dropped strong reference (slots and fields alike), and when a collection is asked
//! for. Hooks a strategy does not need have empty defaults that compile away, so tracing
//! pays nothing for reference counting's barriers. What the `gc` module answers (thresholds,
//! counts, freeze, tracked objects) is the separate trait [`GcModule`], all defaults.
//! The rules every collector keeps are numbered in [`Collector`]'s documentation.

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
/// special-casing names, and the kit checks every promise made here.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Capabilities {
    /// What garbage it reclaims.
    pub reclaims: Reclaims,
    /// Generations (0 for none).
    pub generations: u8,
    /// Whether objects move: the collector calls [`Heap::evacuate`] (rule 12 of
    /// [`Collector`]), so the reference in a slot or field can change across a collection
    /// while the object's identity ([`Heap::object_id`]) does not.
    pub moves_objects: bool,
    /// Whether it keeps reference counts (checked by the oracle when it does).
    pub reference_counting: bool,
    /// Whether unreachable garbage is freed without a collection (on the last release).
    pub prompt: bool,
    /// Whether it collects on its own as the mutator allocates; if so, `gc.disable()` stops
    /// that (rule 6 of [`Collector`]).
    pub auto_collects: bool,
    /// Whether it honours `gc.DEBUG_SAVEALL`: garbage a collection finds goes to
    /// `gc.garbage` instead of being freed (rule 7 of [`Collector`]).
    pub save_all: bool,
}

impl Capabilities {
    /// What a complete tracing collector without reference counts promises: it reclaims
    /// everything, by collections only (not prompt), collects on its own as the mutator
    /// allocates (so `gc.disable()` applies) and honours `DEBUG_SAVEALL`; objects do not move.
    pub const fn tracing(generations: u8) -> Capabilities {
        Capabilities {
            reclaims: Reclaims::Everything,
            generations,
            moves_objects: false,
            reference_counting: false,
            prompt: false,
            auto_collects: true,
            save_all: true,
        }
    }

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
    /// Garbage found and disposed of: freed, or appended to `gc.garbage` under
    /// `DEBUG_SAVEALL` (rule 7). `gc.collect()` returns `collected + uncollectable`.
    pub collected: u64,
    /// Garbage that could not be collected: 0 for every collector here (CPython's
    /// legacy-finalizer case); saved `DEBUG_SAVEALL` garbage counts in `collected`.
    pub uncollectable: u64,
}

/// One allocation, as [`Collector::before_alloc`] is told of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AllocRequest {
    /// The object's shape.
    pub shape: Shape,
    /// The flags it will carry (e.g. [`crate::layout::FLAG_IS_WEAKREF`]; CPython tracks weak
    /// references though they have no reference fields).
    pub flags: u16,
    /// Bytes it is charged: its size-class cell, or its exact size if large.
    pub bytes: usize,
}

/// A memory-management strategy. Implement this (and [`GcModule`], whose methods all have
/// defaults), run the conformance kit, register the type in the harness: that is a new
/// collector. `gc-core/examples/minimal_collector.rs` is a complete one in under 150 lines.
///
/// # The contract
///
/// 1. **Roots.** The roots are exactly the root slots ([`Heap::roots`]) and `gc.garbage`.
///    An object is *reachable* if a chain of reference fields leads to it from a root;
///    nothing else (no collector state, no weak reference) keeps an object alive.
/// 2. **Never free the reachable.** Freeing a reachable object is the one unforgivable bug;
///    the heap turns any later use into [`GcError::UseAfterFree`], and the oracle reports it.
/// 3. **Complete means exact.** A collector that promises [`Reclaims::Everything`] leaves
///    *no* unreachable object allocated when a full collection (`collect(None)`) ends; the
///    verified heap checks this at the end of every full collection pause. One that
///    promises [`Reclaims::AcyclicOnly`] frees exactly the garbage no cycle keeps.
/// 4. **Every collection is one pause.** Wrap it in [`Heap::begin_pause`] /
///    [`Heap::end_pause`] (or the closure form [`Heap::pause`], which cannot be left
///    open), kind [`crate::PauseKind::Collection`], with the generation collected (`None`
///    for the whole heap). A reference-counting cascade that frees more than one object is
///    a [`crate::PauseKind::Cascade`] pause; each step of an incremental collection is a
///    [`crate::PauseKind::Increment`] pause (a full `collect(None)` is still one
///    `Collection`). Ending the pause records statistics, tells
///    `gc.callbacks` subscribers, prints under `DEBUG_STATS` and, on a verified heap, runs
///    the oracle. Pauses do not nest.
/// 5. **The end of a collection**, in CPython's order (PEP 442), for the set `U` of
///    objects it found unreachable:
///    1. weak reference objects in `U` are cleared, with no callback;
///    2. weak references *to* objects in `U` are cleared; a callback is queued
///       ([`crate::Notice::WeakCallback`]) only for a weak reference that is not in `U`;
///    3. every object in `U` with a pending finalizer is finalized, once in its life
///       ([`Heap::run_finalizer`]); a finalizer that resurrects stores its object into a
///       root slot;
///    4. objects a resurrection made reachable again (the resurrected ones and all they
///       reach) leave `U` and survive, their finalizers never to run again;
///    5. **the value a resurrecting store overwrote** was reachable before and may not be
///       now: a complete collector finds and frees what became unreachable in the *same*
///       collection (weak references and finalizers of those too);
///    6. the rest of `U` is freed (or, under `DEBUG_SAVEALL`, appended to `gc.garbage`).
///
///    [`crate::reclaim::Reclaimer`] does all six given a function that lists the
///    unreachable objects: a tracing collector is then "mark, then call it". Do *not* just
///    call [`Heap::free`] on the dead: it forgets a finalizer without running it and
///    queues callbacks for weak references that are themselves garbage.
///    [`Heap::free`] and [`Heap::free_all`] are right only for objects without weak
///    references or finalizers (a counting collector's prompt frees test the flags first).
///    Then return emptied pools with [`Heap::flush_pools`], so arenas the collection
///    emptied go back to the system (the reclaimer does this too).
/// 6. **`gc.disable()`**: a collector with [`Capabilities::auto_collects`] starts no
///    collection of its own while [`Heap::is_enabled`] is false. Explicit `collect` calls
///    still run, and so may a collection forced by the heap limit
///    ([`Collector::on_heap_full`]: a full heap is when any user expects the collector).
///    Prompt frees by reference counting are not collections and go on.
/// 7. **`gc.DEBUG_SAVEALL`** ([`Heap::debug`]): a collector with
///    [`Capabilities::save_all`] puts the garbage a collection finds into `gc.garbage`
///    ([`Heap::push_garbage`]; a counting collector counts that reference) instead of
///    freeing it. As CPython counts them, those objects are *collected*:
///    [`CollectOutcome::collected`] and the pause's [`crate::PauseCounts::freed`] count them
///    (so `gc.collect()` returns them), `uncollectable` stays 0, `bytes_freed` counts only
///    what was freed.
/// 8. **Pause counts** ([`crate::PauseCounts`]): `candidates` is the objects the
///    collection considered (a generation's list; for a whole-heap tracer, every object in
///    use); `scanned` the objects whose fields it read (a tracer's marked objects, plus any
///    it re-marked after a resurrection; a cascade's freed objects); `freed` the garbage it
///    disposed of (rule 7) and `bytes_freed` the bytes it freed; `uncollectable` 0. All are
///    exact and deterministic: the harness compares them across runs and machines.
/// 9. **Header words** ([`Collector::HEADER_WORDS`]): a constant; the heap is laid out
///    with it and the allocation path folds it into each object's size. They are the
///    collector's alone: zeroed when the object is allocated, never read or written by the
///    heap afterwards; word `k` is [`Heap::header`]`(obj, k)` / [`Heap::header_mut`].
///    Marks kept there work with the reclaimer too: [`crate::reclaim::Marks`] is given
///    the heap.
/// 10. **Out of memory is a result.** When an allocation does not fit under the heap limit
///     the runtime calls [`Collector::on_heap_full`] once and retries; if it still does not
///     fit the mutator gets [`GcError::OutOfMemory`] and the heap keeps working once
///     references are dropped. Never panic or abort for it.
/// 11. **No recursion over object graphs**: marking, freeing and scanning use explicit
///     work lists (the kit builds a ten-million-object list).
/// 12. **Who may move, and when references are rewritten.** Only a collector that promises
///     [`Capabilities::moves_objects`] moves objects, only inside a collection pause, and
///     only through [`Heap::evacuate`], which copies the objects of the arenas it names and
///     rewrites every reference to them (slots, `gc.garbage`, fields, the weak-reference,
///     finalizer and identity tables, queued notices) before it returns. Between
///     evacuations references are stable; an object's identity ([`Heap::object_id`]) is
///     stable always. The collector's own per-object state (marks in a side bitmap) refers
///     to the old cells afterwards: forget or rewrite it.
pub trait Collector: GcModule {
    /// The name users type (`refcount`, `cycle`, ...).
    fn name(&self) -> &'static str;

    /// What this collector promises.
    fn capabilities(&self) -> Capabilities;

    /// Words of header each object needs for this collector (rule 9; the layout is in
    /// [`crate::layout`]): zeroed at allocation, then the collector's alone.
    const HEADER_WORDS: usize = 0;

    /// The collector header word holding a reference count that [`Collector::retain`]
    /// raises by one, if the collector counts that way. The runtime then writes a new
    /// object's count as 1 while it initialises the object and stores it into its slot
    /// without calling `retain`: the same result, one look-up of the object fewer on every
    /// allocation. `None` (the default) means every reference is retained through the hook.
    const BORN_COUNT_WORD: Option<usize> = None;

    /// Called before every allocation: the place to trigger a collection (if
    /// [`Heap::is_enabled`]: rule 6).
    #[inline]
    fn before_alloc(&mut self, _heap: &mut Heap, _request: AllocRequest) -> GcResult<()> {
        Ok(())
    }

    /// Called when the heap limit refused `bytes`; collect here to make room. The allocation is
    /// retried once afterwards.
    fn on_heap_full(&mut self, _heap: &mut Heap, _bytes: usize) -> GcResult<()> {
        Ok(())
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

    /// Objects the collector scanned in total (a noise-free work count).
    fn objects_scanned(&self) -> u64 {
        0
    }

    /// Counters of the collector's own mechanism, by name (for example an incremental
    /// collector's increment sizes): the harness records them with each run.
    fn counters(&self) -> Vec<(&'static str, u64)> {
        Vec::new()
    }
}

/// The `gc` module's answers that depend on the collector. Every method has a default, so
/// `impl GcModule for MyCollector {}` is a complete implementation for a collector without
/// generations or thresholds. What the defaults answer, and what a collector without
/// generations should answer if it overrides them:
///
/// - `gc.get_count()` / `gc.get_threshold()`: empty (no counts, no thresholds). A collector
///   with a trigger of its own says what it counts and what it compares that with, as a
///   few numbers it documents: marksweep answers `get_count() = [bytes allocated since the
///   last collection]` and `get_threshold() = [growth factor in percent, floor in bytes]`.
///   The kit checks only that `set_threshold` accepts what `get_threshold` returned.
/// - `gc.set_threshold()`: [`GcError::Unsupported`].
/// - `gc.is_tracked(obj)`: whether `obj` has reference fields (CPython tracks containers).
/// - `gc.get_objects(generation)`: every tracked object, whatever the generation.
/// - `gc.freeze()` / `gc.unfreeze()`: [`GcError::Unsupported`]; `gc.get_freeze_count()`: 0.
///
/// `gc.get_stats()` needs nothing here: the heap keeps one entry per generation (one in all
/// without generations) from the pauses it records.
pub trait GcModule {
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
        Err(unsupported("thresholds"))
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
        Err(unsupported("freeze"))
    }

    /// `gc.unfreeze()`.
    fn unfreeze(&mut self, _heap: &mut Heap) -> GcResult<()> {
        Err(unsupported("unfreeze"))
    }

    /// `gc.get_freeze_count()`.
    fn freeze_count(&self) -> u64 {
        0
    }
}

/// The default answer for a `gc` operation a collector does not offer; the runtime fills in
/// the collector's name.
fn unsupported(what: &'static str) -> GcError {
    GcError::Unsupported {
        collector: "",
        what,
    }
}
