//! A complete collector in one file: depth-first mark-sweep, written only against the
//! `Collector` contract (its numbered rules are in `gc_core::Collector`'s documentation).
//!
//! It passes the whole conformance kit (`gc-core/tests/minimal_collector.rs`), weak
//! references, finalizers, resurrection, `gc.disable()`, `DEBUG_SAVEALL` and the heap limit
//! included, because the end of a collection is gc-core's `Reclaimer`: this file only
//! decides *when* to collect and *what is reachable*. `gclab new-collector NAME` starts a new
//! collector crate from this file. Run it: `cargo run -p gc-core --example minimal_collector`.

use gc_core::reclaim::Reclaimer;
use gc_core::{
    AllocRequest, Capabilities, CollectOutcome, Collector, GcModule, GcResult, Heap, ObjRef,
    ObjSet, PauseKind, Reclaims,
};

/// Collect after this many bytes were allocated since the last collection.
const TRIGGER_BYTES: usize = 1 << 20;

/// Stop-the-world mark-sweep with a side mark set and an explicit mark stack.
#[derive(Debug, Default)]
pub struct MinimalMarkSweep {
    /// Bytes allocated since the last collection.
    allocated: usize,
    /// The marking work list: never recursion, so a ten-million-long list is one loop.
    mark_stack: Vec<ObjRef>,
    /// Scratch for the unreachable objects, kept for its capacity.
    garbage: Vec<ObjRef>,
    /// Weak references, finalizers, resurrection, freeing: rule 5, done for us.
    reclaimer: Reclaimer,
    /// Objects marked in all collections (reported as `objects_scanned`).
    scanned: u64,
}

impl MinimalMarkSweep {
    /// One full collection, as one pause (rule 4).
    fn run(&mut self, heap: &mut Heap) -> CollectOutcome {
        self.allocated = 0;
        let Self {
            mark_stack,
            garbage,
            reclaimer,
            ..
        } = self;
        let counts = heap.pause(PauseKind::Collection, None, |heap| {
            let candidates = heap.alloc_stats().objects_in_use;
            let mut counts = reclaimer.collect_unreachable(heap, garbage, |heap, unreachable| {
                let (marks, marked) = mark(heap, mark_stack);
                heap.for_each_object(|r| {
                    if !marks.contains(r) {
                        unreachable.push(r);
                    }
                });
                marked
            });
            counts.candidates = candidates;
            counts
        });
        self.scanned += counts.scanned;
        CollectOutcome {
            collected: counts.freed,
            uncollectable: counts.uncollectable,
        }
    }
}

/// Marks everything reachable from the roots (the slots and `gc.garbage`, rule 1), depth
/// first; returns the marks and how many objects were marked (and so scanned).
fn mark(heap: &Heap, stack: &mut Vec<ObjRef>) -> (ObjSet, u64) {
    let mut marks = ObjSet::with_bounds(heap.reference_bounds());
    let mut marked = 0;
    stack.extend(heap.roots().filter(|&r| marks.insert(r)));
    while let Some(obj) = stack.pop() {
        marked += 1;
        for &raw in heap.fields(obj) {
            if let Some(child) = ObjRef::from_raw(raw) {
                if marks.insert(child) {
                    stack.push(child);
                }
            }
        }
    }
    (marks, marked)
}

impl Collector for MinimalMarkSweep {
    fn name(&self) -> &'static str {
        "minimal"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            reclaims: Reclaims::Everything,
            generations: 0,
            moves_objects: false,
            reference_counting: false,
            prompt: false,
            auto_collects: true,
            save_all: true,
        }
    }

    // Marks live in a side set, so objects need no header words (HEADER_WORDS = 0).

    fn before_alloc(&mut self, heap: &mut Heap, request: AllocRequest) -> GcResult<()> {
        self.allocated += request.bytes;
        // Rule 6: no collection of our own while gc.disable() is in force.
        if self.allocated > TRIGGER_BYTES && heap.is_enabled() {
            self.run(heap);
        }
        Ok(())
    }

    /// Rule 10: the heap is full; collect, and the runtime retries the allocation once.
    fn on_heap_full(&mut self, heap: &mut Heap, _bytes: usize) -> GcResult<()> {
        self.run(heap);
        Ok(())
    }

    fn collect(&mut self, heap: &mut Heap, _generation: Option<u8>) -> GcResult<CollectOutcome> {
        Ok(self.run(heap))
    }

    fn objects_scanned(&self) -> u64 {
        self.scanned
    }
}

/// The gc module's defaults: no generations, no thresholds, no freeze.
impl GcModule for MinimalMarkSweep {}

/// Frees the seed's example: cycles of two objects, outside references dropped.
pub fn main() -> GcResult<()> {
    use gc_core::{GcControl, HeapConfig, Mutator, Runtime, Shape};
    let mut m = Runtime::new(HeapConfig::verified(), MinimalMarkSweep::default())?;
    m.reserve_slots(2)?;
    for _ in 0..100_000 {
        m.alloc(0, Shape::new(1, 8))?;
        m.alloc(1, Shape::new(1, 8))?;
        m.store(0, 0, Some(1))?;
        m.store(1, 0, Some(0))?;
    }
    m.clear(0)?;
    m.clear(1)?;
    let collected = m.collect(None)?;
    let (runs, left) = (m.get_stats()[0].collections, m.heap_stats().objects_in_use);
    println!("{collected} collected last; {runs} collections; {left} objects left");
    Ok(())
}
