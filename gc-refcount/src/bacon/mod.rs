//! `rc-bacon`: reference counting with Bacon and Rajan's synchronous cycle collection, the
//! design of PHP's collector (`Zend/zend_gc.c`).
//!
//! It is gc-refcount's counting engine with [`Roots`] as its hooks, so it lives in this
//! crate beside the engine rather than in a crate of its own: it needs nothing but the
//! engine and gc-core, and no copy of the engine. A release that leaves a count above zero
//! makes the object a possible root (purple, buffered once); an increment turns a purple
//! object black. When the buffer holds the threshold of roots (PHP's 10,000), the next
//! allocation collects: MarkRoots (purple roots are marked gray, their referents' counts
//! trial-decremented; the others leave the buffer), ScanRoots (what still has a count is
//! black again with all it reaches, its references counted back; the rest is white, and
//! Scan's walk lists it in the order CollectWhite would gather it), then the white set is
//! the garbage. Only the subgraphs reachable from possible roots are examined, never a
//! whole generation. PHP checks the threshold as it adds a root; here the check is at the
//! next allocation, where the runtime holds no reference outside the slots (a collection
//! inside a release could see a reference the runtime has not yet released, e.g. while
//! `gc.garbage` is emptied). After an automatic collection the threshold adapts as PHP's
//! `gc_adjust_threshold` does: raised by 10,000 (up to 1,000,000,000) if the collection
//! freed fewer than 100 objects or the buffer is still full, lowered by 10,000 (not below
//! 10,000) otherwise.
//!
//! An object freed by counting while buffered leaves the buffer at once, through its
//! index in header word 3 (PHP stores the same index in its header). The end of a
//! collection is the contract's rule 5 through [`gc_core::reclaim::Reclaimer::settle`],
//! as for `cycle`: weak references in and to the garbage are cleared, finalizers run once,
//! resurrected objects and all they reach leave the garbage (their references are counted
//! again), and a slot value a resurrection overwrote is released, after which the
//! collection runs again over the roots that release buffered, in the same pause. A set
//! in which no object has a finalizer or weak references to it skips the reclaimer (a
//! dying weak reference is cleared as it is freed). The garbage is then freed in one
//! [`Heap::free_all`] with no count changes: MarkGray already subtracted every reference
//! from it. Under `DEBUG_SAVEALL` its references are counted again and it goes to
//! `gc.garbage`.
//!
//! Completeness: garbage that counting does not free lost its last outside reference by a
//! release that left a count above zero, in it or in what it reaches, so one of its
//! objects is purple and buffered; a collection (automatic or `collect(None)`) examines
//! every buffered root and so leaves no unreachable object (the verified heap checks this
//! after every collection, and the conformance kit's random operations exercise it).

mod params;
mod roots;
mod trial;

use gc_core::layout::{self, FLAG_HAS_FINALIZER, FLAG_HAS_WEAKREFS};
use gc_core::reclaim::Reclaimer;
use gc_core::{
    AllocRequest, Capabilities, CollectOutcome, Collector, GcModule, GcResult, Heap, ObjRef,
    PauseCounts, PauseKind, Reclaims, DEBUG_COLLECTABLE, DEBUG_SAVEALL,
};

use crate::counting::{CountHooks, Counting, SATURATED};
pub use params::BaconParams;
pub use roots::Roots;
use roots::GARBAGE;

/// PHP's `GC_THRESHOLD_DEFAULT` (in roots; PHP counts one unused buffer slot more).
pub const THRESHOLD_DEFAULT: u64 = 10_000;
/// PHP's `GC_THRESHOLD_STEP`.
pub const THRESHOLD_STEP: u64 = 10_000;
/// PHP's `GC_THRESHOLD_MAX`.
pub const THRESHOLD_MAX: u64 = 1_000_000_000;
/// PHP's `GC_THRESHOLD_TRIGGER`: a collection that frees fewer objects raises the threshold.
pub const THRESHOLD_TRIGGER: u64 = 100;

/// Flags that give the end of a collection work before the free: weak references to the
/// object to clear, a finalizer to run (the [`Reclaimer`]'s test).
const SPECIAL: u16 = FLAG_HAS_WEAKREFS | FLAG_HAS_FINALIZER;

/// Reference counting plus Bacon and Rajan's synchronous cycle collection over the
/// possible roots.
#[derive(Debug)]
pub struct RcBacon {
    counting: Counting<Roots>,
    threshold: u64,
    adaptive: bool,
    collecting: bool,
    scanned: u64,
    scratch: Scratch,
}

/// Vectors reused from one collection to the next.
#[derive(Debug, Default)]
struct Scratch {
    roots: Vec<ObjRef>,
    stack: Vec<ObjRef>,
    /// MarkGray's and ScanBlack's work list: objects with their fields read.
    marking: Vec<(ObjRef, trial::Head)>,
    garbage: Vec<ObjRef>,
    gathered: Vec<ObjRef>,
    reclaimer: Reclaimer,
}

impl Default for RcBacon {
    /// PHP's defaults: 10,000 roots, adapted after each automatic collection.
    fn default() -> Self {
        RcBacon {
            counting: Counting::new(Roots::default()),
            threshold: THRESHOLD_DEFAULT,
            adaptive: true,
            collecting: false,
            scanned: 0,
            scratch: Scratch::default(),
        }
    }
}

impl RcBacon {
    /// A collector that collects whenever `threshold` roots are buffered, never adapting
    /// it (0 disables automatic collection).
    pub fn with_fixed_threshold(threshold: u64) -> RcBacon {
        RcBacon::with_threshold(threshold, false)
    }

    /// A collector that first collects when `threshold` roots are buffered (0 disables
    /// automatic collection), adapting the threshold as PHP does if `adaptive`.
    pub fn with_threshold(threshold: u64, adaptive: bool) -> RcBacon {
        RcBacon {
            threshold,
            adaptive,
            ..RcBacon::default()
        }
    }

    /// Whether the threshold adapts after each automatic collection.
    pub fn is_adaptive(&self) -> bool {
        self.adaptive
    }

    /// The current threshold, in buffered roots.
    pub fn threshold(&self) -> u64 {
        self.threshold
    }

    /// Possible roots buffered now.
    pub fn buffered(&self) -> usize {
        self.counting.hooks().buffer.len()
    }

    /// PHP's `gc_adjust_threshold`, after an automatic collection that freed `freed`.
    fn adjust_threshold(&mut self, freed: u64) {
        if !self.adaptive {
            return;
        }
        if freed < THRESHOLD_TRIGGER || self.buffered() as u64 >= self.threshold {
            self.threshold = (self.threshold + THRESHOLD_STEP).min(THRESHOLD_MAX);
        } else if self.threshold > THRESHOLD_DEFAULT {
            self.threshold = (self.threshold - THRESHOLD_STEP).max(THRESHOLD_DEFAULT);
        }
    }

    /// One collection (one pause) over the buffered roots, repeated within the pause while
    /// a resurrection's overwritten slot value was released.
    fn collect_cycles(&mut self, heap: &mut Heap) -> CollectOutcome {
        self.collecting = true;
        let start = heap.begin_pause(PauseKind::Collection, None);
        let bytes_before = heap.bytes_in_use();
        let mut counts = PauseCounts::default();
        let mut s = std::mem::take(&mut self.scratch);
        self.counting.set_cascade_pauses(false);
        loop {
            // The buffer is taken whole; roots buffered from here on wait for a next pass.
            s.roots.clear();
            std::mem::swap(&mut s.roots, &mut self.counting.hooks_mut().buffer);
            if s.roots.is_empty() {
                break;
            }
            counts.candidates += s.roots.len() as u64;
            counts.scanned += trial::mark_roots(heap, &mut s.roots, &mut s.marking);
            s.garbage.clear();
            let scanned =
                trial::scan_roots(heap, &s.roots, &mut s.stack, &mut s.marking, &mut s.garbage);
            // The white list is the garbage as it stands unless an object in it turned
            // black again; the settling of weak references and finalizers and
            // `DEBUG_SAVEALL` read the garbage marks.
            let special = layout::flags_of(scanned.shape_union) & SPECIAL != 0;
            if scanned.reblackened > 0 || special || heap.debug() & DEBUG_SAVEALL != 0 {
                trial::keep_white(heap, &mut s.garbage);
            }
            if s.garbage.is_empty() {
                continue;
            }
            if !special {
                // No weak reference to clear and no finalizer to run: nothing can keep or
                // resurrect any of the garbage, and nothing is released after it.
                let (found, bytes) = self.free_or_save(heap, &s.garbage);
                counts.freed += found;
                counts.bytes_freed += bytes;
                break;
            }
            let found = s.garbage.len();
            s.gathered.clear();
            s.gathered.extend_from_slice(&s.garbage);
            let resurrections = s.reclaimer.settle(heap, &mut s.garbage).clone();
            if s.garbage.len() < found {
                // Survivors of a resurrection: still marked, unlike the garbage left.
                for &obj in &s.garbage {
                    heap.words_mut(obj)[0] &= !GARBAGE;
                }
                s.stack.clear();
                for &obj in &s.gathered {
                    let w = heap.words_mut(obj);
                    if w[0] & GARBAGE != 0 {
                        s.stack.push(obj);
                    }
                }
                trial::recount_references(heap, &s.stack);
                for &obj in &s.stack {
                    heap.words_mut(obj)[0] &= !GARBAGE;
                }
                s.stack.clear();
            }
            let (found, bytes) = self.free_or_save(heap, &s.garbage);
            counts.freed += found;
            counts.bytes_freed += bytes;
            for &obj in &resurrections.stored {
                self.counting.retain(heap, obj);
            }
            self.counting
                .release_all(heap, resurrections.overwritten.iter().copied());
            if resurrections.overwritten.is_empty() {
                break;
            }
        }
        s.roots.clear();
        self.scratch = s;
        self.counting.set_cascade_pauses(true);
        self.scanned += counts.scanned;
        heap.flush_pools();
        counts.bytes_freed = counts
            .bytes_freed
            .max(bytes_before.saturating_sub(heap.bytes_in_use()) as u64);
        heap.end_pause(start, counts);
        self.collecting = false;
        CollectOutcome {
            collected: counts.freed,
            uncollectable: 0,
        }
    }

    /// Frees the garbage (no count changes: MarkGray subtracted every reference from it,
    /// those between garbage objects and those leaving the set alike), or under
    /// `DEBUG_SAVEALL` counts its references again and puts it in `gc.garbage`. Returns the
    /// objects found and the bytes freed.
    fn free_or_save(&mut self, heap: &mut Heap, garbage: &[ObjRef]) -> (u64, u64) {
        if heap.debug() & DEBUG_COLLECTABLE != 0 {
            for r in garbage {
                eprintln!("gc[rc-bacon]: collectable {r}");
            }
        }
        let save_all = heap.debug() & DEBUG_SAVEALL != 0;
        // MarkRoots took every buffered object out of the buffer, so one of the garbage
        // can be buffered only if something was buffered since. A freed object's marks
        // go with its memory.
        if save_all || !self.counting.hooks().buffer.is_empty() {
            for &obj in garbage {
                heap.words_mut(obj)[0] &= !GARBAGE;
                self.counting.hooks_mut().forget(heap, obj);
            }
        }
        if save_all {
            trial::recount_references(heap, garbage);
            for &obj in garbage {
                heap.push_garbage(obj);
                self.counting.retain(heap, obj);
            }
            return (garbage.len() as u64, 0);
        }
        let before = heap.bytes_in_use();
        heap.free_all(garbage);
        (
            garbage.len() as u64,
            before.saturating_sub(heap.bytes_in_use()) as u64,
        )
    }
}

impl Collector for RcBacon {
    fn name(&self) -> &'static str {
        "rc-bacon"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            reclaims: Reclaims::Everything,
            generations: 0,
            moves_objects: false,
            reference_counting: true,
            prompt: true,
            auto_collects: true,
            save_all: true,
        }
    }

    const HEADER_WORDS: usize = <Roots as CountHooks>::HEADER_WORDS;

    const BORN_COUNT_WORD: Option<usize> = Some(<Roots as CountHooks>::COUNT_WORD);

    /// Collects when the buffer holds the threshold of roots (rule 6: not while disabled).
    #[inline]
    fn before_alloc(&mut self, heap: &mut Heap, _request: AllocRequest) -> GcResult<()> {
        if self.threshold != 0
            && self.buffered() as u64 >= self.threshold
            && heap.is_enabled()
            && !self.collecting
        {
            let freed = self.collect_cycles(heap).collected;
            self.adjust_threshold(freed);
        }
        Ok(())
    }

    fn on_heap_full(&mut self, heap: &mut Heap, _bytes: usize) -> GcResult<()> {
        if heap.is_enabled() && !self.collecting {
            self.collect_cycles(heap);
        }
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

    fn collect(&mut self, heap: &mut Heap, _generation: Option<u8>) -> GcResult<CollectOutcome> {
        if self.collecting {
            return Ok(CollectOutcome::default());
        }
        Ok(self.collect_cycles(heap))
    }

    fn refcount(&self, heap: &Heap, obj: ObjRef) -> Option<u32> {
        Some(self.counting.count(heap, obj)).filter(|&c| c != SATURATED)
    }

    fn objects_scanned(&self) -> u64 {
        self.scanned
    }
}

/// The gc module's defaults: no generations, containers tracked.
impl GcModule for RcBacon {}
