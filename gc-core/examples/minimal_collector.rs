//! A complete collector in one file: depth-first mark-sweep, written only against the
//! `Collector` contract (its numbered rules are in `gc_core::Collector`'s documentation).
//!
//! It passes the whole conformance kit (`gc-core/tests/minimal_collector.rs`) because the
//! end of a collection (weak references, finalizers, resurrection, freeing) is gc-core's
//! `Reclaimer`: this file only decides *when* to collect and *what is reachable*.
//! `gclab new-collector NAME` starts a collector crate from this file.

use gc_core::reclaim::{Marks, Reclaimer, Trace, Unreachable};
use gc_core::{
    AllocRequest, Capabilities, CollectOutcome, Collector, GcModule, GcResult, Heap, ObjRef,
    ObjSet, PauseKind,
};

/// Collect after this many bytes were allocated since the last collection.
const TRIGGER_BYTES: usize = 1 << 20;

/// Stop-the-world mark-sweep with a side mark set and an explicit mark stack.
#[derive(Debug, Default)]
pub struct MinimalMarkSweep {
    /// Bytes allocated since the last collection.
    allocated: usize,
    /// What is reachable, and how to find it.
    marking: DepthFirst,
    /// Weak references, finalizers, resurrection, freeing: rule 5, done for us.
    reclaimer: Reclaimer,
    /// Objects marked in all collections (reported as `objects_scanned`).
    scanned: u64,
}

impl MinimalMarkSweep {
    /// One full collection, as one pause (rule 4).
    fn run(&mut self, heap: &mut Heap) -> CollectOutcome {
        self.allocated = 0;
        let counts = heap.pause(PauseKind::Collection, None, |heap| {
            let candidates = heap.alloc_stats().objects_in_use;
            let mut counts = self.reclaimer.collect_unreachable(heap, &mut self.marking);
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

/// Depth-first marking into a side set, lent to the reclaimer (which also re-marks from
/// objects a finalizer resurrects).
#[derive(Debug, Default)]
struct DepthFirst {
    marks: ObjSet,
    /// The marking work list: never recursion, so a ten-million-long list is one loop.
    stack: Vec<ObjRef>,
}

impl Marks for DepthFirst {
    fn mark(&mut self, _heap: &mut Heap, r: ObjRef) -> bool {
        self.marks.insert(r)
    }
    fn is_marked(&self, _heap: &Heap, r: ObjRef) -> bool {
        self.marks.contains(r)
    }
}

impl Trace for DepthFirst {
    /// Marks what the roots (the slots and `gc.garbage`, rule 1) reach; lists the rest.
    fn mark_and_find(&mut self, heap: &mut Heap, unreachable: &mut Unreachable) -> u64 {
        self.marks = ObjSet::with_bounds(heap.reference_bounds());
        let mut marked = 0;
        self.stack
            .extend(heap.roots().filter(|&r| self.marks.insert(r)));
        while let Some(obj) = self.stack.pop() {
            marked += 1;
            for child in heap
                .fields(obj)
                .iter()
                .filter_map(|&raw| ObjRef::from_raw(raw))
            {
                if self.marks.insert(child) {
                    self.stack.push(child);
                }
            }
        }
        heap.for_each_object(|r| {
            if !self.marks.contains(r) {
                unreachable.push(heap, r);
            }
        });
        marked
    }
}

impl Collector for MinimalMarkSweep {
    fn name(&self) -> &'static str {
        "minimal"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::tracing(0)
    }

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
    use gc_core::{GcControl, HeapConfig, Mutator, Runtime};
    let mut m = Runtime::new(HeapConfig::verified(), MinimalMarkSweep::default())?;
    m.reserve_slots(2)?;
    gc_core::fixtures::cycle_pairs(&mut m, 0, 1, 100_000)?;
    let collected = m.collect(None)?;
    let (runs, left) = (m.get_stats()[0].collections, m.heap_stats().objects_in_use);
    println!("{collected} collected last; {runs} collections; {left} objects left");
    Ok(())
}
