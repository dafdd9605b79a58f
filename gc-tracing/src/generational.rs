//! Generational mark-sweep on the non-moving heap with sticky mark bits (Demers, Weiser,
//! Hayes, Boehm, Bobrow and Shenker, "Combining generational and conservative garbage
//! collection", POPL 1990): collector name `marksweep-gen`.
//!
//! Nothing moves, so an object's generation is its mark bit: marked is old. A major
//! collection clears every bit and marks the whole live heap, as marksweep does; the bits
//! then stay set. A minor collection marks from the roots and the remembered set without
//! clearing anything, so the loop stops at every old object at once and traces only what
//! was allocated since the last collection; the young objects it leaves unmarked are the
//! garbage, found in the list of young objects (`on_alloc` appends each new object) rather
//! than by walking the heap. Survivors keep their bits: they are promoted by being marked.
//! While the heap has no finalizer and no weakly referenced object, the end of a collection
//! is only freeing: a minor one then frees its dead young a batch at a time
//! ([`crate::sweep::free_unmarked_among`]) and a major one is marksweep's collection, which
//! sweeps the pools in place; neither lists the garbage (on binary-trees that list was
//! 15 million references written and read back, a fifth of the GC time).
//!
//! The write barrier (`Collector::write_barrier`) remembers an old object the first time a
//! young value is stored into it. Slots need no barrier: they are roots of every minor
//! collection. After any collection no young object is left, so the remembered set empties.
//!
//! Invariant: every allocated object that is not in the young list is marked (or a root in
//! `gc.garbage`, which the next collection marks). A finalizer's
//! resurrection would break it (the reclaimer keeps the resurrected objects without marking
//! them), so the end of a collection here marks them: the reclaimer's re-marking with these marks ([`gc_core::reclaim::Marks`]).
//! Minor and major collections both run rule 5 in full (weak references cleared, finalizers
//! run, resurrection kept) on the garbage they find; a minor one cannot find old garbage,
//! which waits for the next major collection.
//!
//! What triggers what: a minor collection after [`MarkSweepGen::DEFAULT_NURSERY_BYTES`]
//! of allocation; a major one when, after a minor collection, the bytes in use exceed the
//! growth policy's budget over what the last major collection left (the same
//! [`crate::pacing::Pacer`] as marksweep, charged with promoted bytes).
//!
//! Where it loses: when the generational hypothesis is false (most objects survive their
//! first collection: random-graph's long-lived mutated graph, `generational` with
//! `violate=true`), each minor collection marks nearly everything allocated since the last
//! one and frees little, the remembered set grows with every old-to-young store, and the
//! old garbage still needs major collections: the same work as marksweep plus the minor
//! collections' and the barrier's. large-objects loses the same way: its objects outlive a
//! nursery, so minor collections mark and promote them (twice marksweep's objects scanned)
//! and they die old. Where nearly everything dies young and a collection is mostly freeing
//! (seed-cycles; weak-cache, whose weakly referenced objects also take the reclaimer's
//! listing path), it loses to the nursery's size: marksweep collects after about 1 MiB of
//! allocation (its floor), while a nursery of 8 MiB is twice this machine's 4 MiB L2, so
//! a minor collection frees cells that have left the cache. With a 1 MiB nursery
//! (`--set marksweep-gen.nursery_bytes=1048576`) seed-cycles is even with marksweep, but
//! binary-trees' short-lived trees outlive such a nursery and it loses there (1.13x), so
//! the default serves the workloads whose young objects live longer than a megabyte of
//! allocation.

use gc_core::{
    AllocRequest, Capabilities, CollectOutcome, Collector, GcError, GcModule, GcResult, Heap,
    ObjRef, PauseCounts, PauseKind,
};

use gc_core::reclaim::{Marks, Trace, Unreachable};

use crate::collection::{Marking, Tracer};
use crate::marking::mark_from;
use crate::pacing::Pacer;
use crate::remembered::RememberedSet;
use crate::sweep;

/// Generational mark-sweep with sticky mark bits (collector name `marksweep-gen`).
///
/// Generation 0 is the young objects (allocated since the last collection), generation 1
/// the whole heap. `gc.get_threshold()` is `[nursery bytes, growth percent, floor bytes]`
/// (defaults `[8 MiB, 200, 1 MiB]`): a minor collection after each nursery's worth of
/// allocation, a major one once the bytes promoted since the last major collection exceed
/// growth x the bytes it left live (at least the floor). `gc.set_threshold()` takes one to
/// three of them. `gc.get_count()` is `[bytes allocated since the last collection, bytes
/// promoted since the last major collection]`. `collect(Some(0))` is a minor collection,
/// `collect(Some(1))` and `collect(None)` a major one.
#[derive(Debug)]
pub struct MarkSweepGen {
    tracer: Tracer,
    /// Objects allocated since the last collection, in allocation order.
    young: Vec<ObjRef>,
    remembered: RememberedSet,
    nursery: Pacer,
    major: Pacer,
    last_live_bytes: u64,
    /// Bytes in use when the last collection ended, and what the last minor one added to
    /// it (its survivors: the bytes it promoted).
    in_use_after_last: u64,
    promoted_by_last_minor: u64,
    scanned_total: u64,
    minors: u64,
    remembered_total: u64,
}

impl Default for MarkSweepGen {
    fn default() -> Self {
        MarkSweepGen::with_policy(
            MarkSweepGen::DEFAULT_NURSERY_BYTES,
            Pacer::DEFAULT_GROWTH_FACTOR,
            Pacer::DEFAULT_FLOOR_BYTES,
        )
        .expect("the default policy is valid")
    }
}

impl MarkSweepGen {
    /// Bytes allocated between minor collections by default: 8 MiB, twice GCBench's
    /// biggest short-lived tree (depth 16: 131,071 nodes in 32-byte cells, 4 MiB). A nursery
    /// no bigger than that tree catches one half-built at nearly every minor collection and
    /// promotes it, and promoted garbage is what brings on major collections.
    pub const DEFAULT_NURSERY_BYTES: u64 = 8 << 20;

    /// A collector with the given nursery size and major-collection growth policy.
    pub fn with_policy(
        nursery_bytes: u64,
        growth_factor: f64,
        floor_bytes: u64,
    ) -> GcResult<MarkSweepGen> {
        if nursery_bytes == 0 {
            return Err(GcError::BadConfig(
                "the nursery must be at least one byte".into(),
            ));
        }
        Ok(MarkSweepGen {
            tracer: Tracer::default(),
            young: Vec::new(),
            remembered: RememberedSet::default(),
            // A fixed budget: the factor never applies, as `collected(0)` keeps the floor.
            nursery: Pacer::new(1.0, nursery_bytes)?,
            major: Pacer::new(growth_factor, floor_bytes)?,
            last_live_bytes: 0,
            in_use_after_last: 0,
            promoted_by_last_minor: 0,
            scanned_total: 0,
            minors: 0,
            remembered_total: 0,
        })
    }

    /// Minor collections run so far.
    pub fn minor_collections(&self) -> u64 {
        self.minors
    }

    /// Objects remembered by the write barrier so far, summed over collections.
    pub fn remembered_total(&self) -> u64 {
        self.remembered_total
    }

    /// Objects in the remembered set now.
    pub fn remembered_now(&self) -> usize {
        self.remembered.len()
    }

    /// A minor collection, then a major one if the promoted bytes passed the budget.
    fn minor_then_maybe_major(&mut self, heap: &mut Heap) -> CollectOutcome {
        let minor = self.minor(heap);
        if self.major.charge(self.promoted_by_last_minor as usize) {
            let major = self.major(heap);
            return CollectOutcome {
                collected: minor.collected + major.collected,
                uncollectable: minor.uncollectable + major.uncollectable,
            };
        }
        minor
    }

    /// Traces the young objects reachable from the roots and the remembered set and
    /// frees the rest of them.
    fn minor(&mut self, heap: &mut Heap) -> CollectOutcome {
        self.remembered_total += self.remembered.len() as u64;
        let MarkSweepGen {
            tracer,
            young,
            remembered,
            ..
        } = self;
        let counts = heap.pause(PauseKind::Collection, Some(0), |heap| {
            let Tracer {
                marking,
                reclaimer,
                garbage,
            } = tracer;
            marking.bits.grow(heap);
            let counts = if heap.may_need_settling() {
                let mut minor = MinorTrace {
                    marking,
                    young,
                    remembered,
                    first: true,
                };
                reclaimer.collect_unreachable(heap, &mut minor)
            } else {
                // Nothing to settle, so the end is only freeing (as marksweep sweeps in
                // place then): the dead young are freed a batch at a time, not listed.
                let roots = heap.roots().chain(remembered.referents(heap));
                let Marking { bits, queue } = marking;
                let scanned = mark_from(heap, bits, queue, roots);
                let (freed, bytes_freed) = sweep::free_unmarked_among(heap, bits, young, garbage);
                heap.flush_pools();
                PauseCounts {
                    scanned,
                    freed,
                    bytes_freed,
                    ..PauseCounts::default()
                }
            };
            // Survivors are promoted by the marks they have. (Garbage saved under
            // DEBUG_SAVEALL stays unmarked, but it is a root now: the next collection marks
            // it, and a store into it needs no barrier until then.)
            PauseCounts {
                candidates: young.len() as u64,
                ..counts
            }
        });
        young.clear();
        remembered.clear();
        self.minors += 1;
        self.nursery.collected(0);
        let in_use = heap.bytes_in_use() as u64;
        self.promoted_by_last_minor = in_use.saturating_sub(self.in_use_after_last);
        self.in_use_after_last = in_use;
        self.finish(counts)
    }

    /// Marks the whole heap afresh and frees everything unmarked.
    fn major(&mut self, heap: &mut Heap) -> CollectOutcome {
        // marksweep's collection: in place when nothing needs settling.
        let counts = self.tracer.collect(heap);
        self.young.clear();
        self.remembered.clear();
        self.nursery.collected(0);
        self.last_live_bytes = heap.bytes_in_use() as u64;
        self.in_use_after_last = self.last_live_bytes;
        self.major.collected(self.last_live_bytes);
        self.finish(counts)
    }

    fn finish(&mut self, counts: PauseCounts) -> CollectOutcome {
        self.scanned_total += counts.scanned;
        CollectOutcome {
            collected: counts.freed,
            uncollectable: counts.uncollectable,
        }
    }
}

impl Collector for MarkSweepGen {
    fn name(&self) -> &'static str {
        "marksweep-gen"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::tracing(2)
    }

    #[inline]
    fn before_alloc(&mut self, heap: &mut Heap, request: AllocRequest) -> GcResult<()> {
        if self.nursery.charge(request.bytes) && heap.is_enabled() {
            self.minor_then_maybe_major(heap);
        }
        Ok(())
    }

    fn on_heap_full(&mut self, heap: &mut Heap, _bytes: usize) -> GcResult<()> {
        self.major(heap);
        Ok(())
    }

    #[inline]
    fn on_alloc(&mut self, _heap: &mut Heap, obj: ObjRef) {
        self.young.push(obj);
    }

    #[inline]
    fn write_barrier(&mut self, _heap: &mut Heap, obj: ObjRef, value: Option<ObjRef>) {
        if let Some(value) = value {
            self.remembered
                .note_store(&self.tracer.marking.bits, obj, value);
        }
    }

    fn collect(&mut self, heap: &mut Heap, generation: Option<u8>) -> GcResult<CollectOutcome> {
        Ok(match generation {
            Some(0) => {
                let outcome = self.minor(heap);
                self.major.charge(self.promoted_by_last_minor as usize);
                outcome
            }
            _ => self.major(heap),
        })
    }

    fn objects_scanned(&self) -> u64 {
        self.scanned_total
    }
}

impl GcModule for MarkSweepGen {
    fn get_count(&self) -> Vec<u64> {
        vec![self.nursery.allocated_since(), self.major.allocated_since()]
    }

    fn get_threshold(&self) -> Vec<u64> {
        vec![
            self.nursery.floor_bytes(),
            (self.major.growth_factor() * 100.0).round() as u64,
            self.major.floor_bytes(),
        ]
    }

    fn set_threshold(&mut self, thresholds: &[u64]) -> GcResult<()> {
        if thresholds.is_empty() || thresholds.len() > 3 {
            return Err(GcError::BadConfig(format!(
                "marksweep-gen takes [nursery bytes, growth percent, floor bytes] (one to three), not {} values",
                thresholds.len()
            )));
        }
        let current = self.get_threshold();
        let value = |i: usize| thresholds.get(i).copied().unwrap_or(current[i]);
        if value(0) == 0 {
            return Err(GcError::BadConfig(
                "the nursery must be at least one byte".into(),
            ));
        }
        let mut nursery = self.nursery;
        nursery.set_policy(1.0, value(0), 0)?;
        self.major
            .set_policy(value(1) as f64 / 100.0, value(2), self.last_live_bytes)?;
        self.nursery = nursery;
        Ok(())
    }

    fn is_tracked(&self, _heap: &Heap, _obj: ObjRef) -> bool {
        true
    }

    fn tracked_objects(&self, heap: &Heap, generation: Option<u8>) -> Vec<ObjRef> {
        match generation {
            Some(0) => self
                .young
                .iter()
                .copied()
                .filter(|&r| heap.is_allocated(r))
                .collect(),
            _ => heap.objects(),
        }
    }
}

/// A minor collection's search: the young objects reachable from the roots and the
/// remembered old objects are marked (old objects are marked already: the marks are
/// sticky), and the unmarked young are listed.
struct MinorTrace<'a> {
    marking: &'a mut Marking,
    young: &'a [ObjRef],
    remembered: &'a RememberedSet,
    /// Whether no search has run yet in this collection.
    first: bool,
}

impl Marks for MinorTrace<'_> {
    fn mark(&mut self, heap: &mut Heap, r: ObjRef) -> bool {
        self.marking.mark(heap, r)
    }

    fn is_marked(&self, heap: &Heap, r: ObjRef) -> bool {
        self.marking.is_marked(heap, r)
    }
}

impl Trace for MinorTrace<'_> {
    fn mark_and_find(&mut self, heap: &mut Heap, unreachable: &mut Unreachable) -> u64 {
        // Found again after a resurrection overwrote a slot: start the young over.
        if !std::mem::take(&mut self.first) {
            for &r in self.young {
                self.marking.bits.unmark(r);
            }
        }
        let roots = heap.roots().chain(self.remembered.referents(heap));
        let marking = &mut *self.marking;
        let marked = mark_from(heap, &mut marking.bits, &mut marking.queue, roots);
        sweep::find_unmarked_among(heap, &marking.bits, self.young, unreachable);
        marked
    }
}
