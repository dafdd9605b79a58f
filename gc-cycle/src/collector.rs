//! `cycle` and `cycle-bounded`: the collector, its triggers and the gc-module surface.

use gc_core::layout::{
    self, FLAG_ALLOCATED, FLAG_HAS_FINALIZER, FLAG_HAS_WEAKREFS, FLAG_IS_WEAKREF,
};
use gc_core::{
    AllocRequest, Capabilities, CollectOutcome, Collector, GcError, GcModule, GcResult, Heap,
    ObjRef, PauseCounts, PauseKind, Reclaims, DEBUG_COLLECTABLE, DEBUG_SAVEALL,
};
use gc_refcount::{Counting, SATURATED};

use crate::header::{self, COLLECTING, FIELDS, HEADER_WORDS, REACHABLE, UNREACHABLE};
use crate::lists::{Generation, Lists};
use crate::{collect, dense};

const GENERATIONS: usize = 3;

/// Reference counting plus CPython's generational cycle collector.
///
/// The engine is the bounded one with no budget (`u64::MAX`) unless [`crate::BoundedCycleGc`] sets
/// one: a non-generic collector keeps its collection code compiled in this crate (a const
/// parameter here moved it into every user's and changed its code generation), and its
/// cascades pay one comparison per object freed.
#[derive(Debug)]
pub struct CycleGc {
    counting: Counting<Lists, true>,
    thresholds: [u64; GENERATIONS],
    long_lived_pending: u64,
    long_lived_total: u64,
    collecting: bool,
    scanned: u64,
    scratch: Scratch,
}

/// An open collection ([`CycleGc::begin_collection`]).
#[derive(Debug)]
pub(crate) struct Bracket {
    start: gc_core::events::PauseStart,
    budget: u64,
    bytes_before: usize,
}

/// What one trial deletion over a region did: the pause's counts and the survivors.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Region {
    /// Objects in the region.
    pub(crate) candidates: u64,
    /// Objects scanned (the region, plus the garbage again after a resurrection).
    pub(crate) scanned: u64,
    /// Objects that survived into the older list.
    pub(crate) survivors: u64,
    /// Objects collected.
    pub(crate) collected: u64,
}

/// Vectors reused from one collection to the next.
#[derive(Debug, Default)]
struct Scratch {
    candidates: Vec<ObjRef>,
    garbage: Vec<ObjRef>,
    survivors: Vec<ObjRef>,
    stack: Vec<ObjRef>,
    children: Vec<ObjRef>,
    /// References from the candidates to objects outside the collection.
    outside: Vec<ObjRef>,
    subtract: collect::SubtractScratch,
}

impl Default for CycleGc {
    /// CPython 3.11/3.12's thresholds: (700, 10, 10).
    fn default() -> Self {
        Self::with_thresholds([700, 10, 10])
    }
}

impl CycleGc {
    /// Dead objects waiting on the to-free list (always none without a budget).
    pub fn deferred(&self) -> usize {
        self.counting.deferred()
    }

    /// Sets the cascade budget: objects freed at most per mutator operation (`u64::MAX`,
    /// the default, for none). See [`Counting`]'s bounded cascades.
    pub fn set_cascade_budget(&mut self, budget: u64) {
        self.counting.set_cascade_budget(budget);
    }

    /// A collector with thresholds (700, 10, 10), as CPython 3.11 and 3.12.
    pub fn python_311() -> Self {
        Self::default()
    }

    /// A collector with thresholds (2000, 10, 10), as CPython 3.13.
    pub fn python_313() -> Self {
        Self::with_thresholds([2000, 10, 10])
    }

    /// A collector with the given thresholds (threshold 0 = 0 disables automatic collection).
    pub fn with_thresholds(thresholds: [u64; 3]) -> Self {
        CycleGc {
            counting: unbounded(Counting::new(Lists::default())),
            thresholds,
            long_lived_pending: 0,
            long_lived_total: 0,
            collecting: false,
            scanned: 0,
            scratch: Scratch::default(),
        }
    }

    /// The thresholds (as `gc.get_threshold()`).
    pub fn get_threshold_values(&self) -> [u64; 3] {
        self.thresholds
    }

    /// Survivors of generation-1 collections since the last full one (CPython's
    /// `long_lived_pending`).
    pub fn long_lived_pending(&self) -> u64 {
        self.long_lived_pending
    }

    /// Survivors of the last full collection (CPython's `long_lived_total`).
    pub fn long_lived_total(&self) -> u64 {
        self.long_lived_total
    }

    /// Increments lost to saturated reference counts.
    pub fn count_overflows(&self) -> u64 {
        self.counting.overflows()
    }

    /// The part of CPython's `gc_alloc` every variant shares: a tracked allocation bumps
    /// count 0; returns whether a collection is due (count 0 past threshold 0, automatic
    /// collection on, none running). Also a drain point of the to-free list.
    #[inline]
    pub(crate) fn count_allocation(&mut self, heap: &mut Heap, request: AllocRequest) -> bool {
        // A drain point of the to-free list (compiled away without a budget).
        self.counting.drain(heap);
        if !tracked_request(request) {
            return false;
        }
        let count = &mut self.counting.hooks_mut().count[0];
        *count += 1;
        *count > self.thresholds[0]
            && self.thresholds[0] != 0
            && heap.is_enabled()
            && !self.collecting
    }

    /// Whether a collection is running (a variant's trigger must not start another).
    pub(crate) fn is_collecting(&self) -> bool {
        self.collecting
    }

    /// The generation lists and counts (for the variants that schedule differently).
    pub(crate) fn lists(&self) -> &Lists {
        self.counting.hooks()
    }

    /// The generation lists and counts, to move objects between them.
    pub(crate) fn lists_mut(&mut self) -> &mut Lists {
        self.counting.hooks_mut()
    }

    /// CPython's `gc_collect_generations`: the oldest generation whose count exceeds its
    /// threshold, except that a full collection waits until `long_lived_pending` reaches a
    /// quarter of `long_lived_total` (CPython skips it while pending < total / 4).
    fn select_generation(&self) -> Option<usize> {
        let count = &self.counting.hooks().count;
        (0..GENERATIONS).rev().find(|&g| {
            count[g] > self.thresholds[g]
                && !(g == GENERATIONS - 1 && self.long_lived_pending < self.long_lived_total / 4)
        })
    }

    /// Collects generation `generation` and the younger ones: CPython's `gc_collect_main`.
    fn collect_generation(&mut self, heap: &mut Heap, generation: usize) -> CollectOutcome {
        let bracket = self.begin_collection(heap, generation as u8);
        let survivors = {
            let lists = self.counting.hooks_mut();
            if generation + 1 < GENERATIONS {
                lists.count[generation + 1] += 1;
            }
            for g in 0..=generation {
                lists.count[g] = 0;
            }
            let young = Generation::of(generation);
            let old = Generation::of((generation + 1).min(GENERATIONS - 1));
            // A full collection's survivors stay in the oldest generation: those already
            // there (the list's first objects) have the state it names.
            let settled = if young == old {
                lists.len(young) as usize
            } else {
                0
            };
            for g in 0..generation {
                lists.merge(heap, Generation::of(g), young);
            }
            self.collect_region(heap, generation, old, settled)
        };
        let outcome = self.end_collection(heap, bracket, survivors);
        let survivors = survivors.survivors;
        if generation == GENERATIONS - 2 {
            self.long_lived_pending += survivors;
        } else if generation == GENERATIONS - 1 {
            self.long_lived_pending = 0;
            self.long_lived_total = survivors;
        }
        outcome
    }

    /// Opens one collection as a pause labelled `label`: the to-free list is drained first
    /// (its own cascade pause). Every variant's collections (generational, incremental,
    /// free-threaded) open with this and close with [`CycleGc::end_collection`].
    pub(crate) fn begin_collection(&mut self, heap: &mut Heap, label: u8) -> Bracket {
        self.collecting = true;
        // Bounded: the dead waiting on the to-free list are freed first (their own cascade
        // pause), and nothing waits during the collection, whose candidates must not include
        // the dead.
        let budget = self.counting.cascade_budget();
        self.counting.set_cascade_budget(u64::MAX);
        self.counting.drain(heap);
        let start = heap.begin_pause(PauseKind::Collection, Some(label));
        Bracket {
            start,
            budget,
            bytes_before: heap.bytes_in_use(),
        }
    }

    /// Closes the collection `bracket` opened: the pools are flushed and the pause ends
    /// with `region`'s counts.
    pub(crate) fn end_collection(
        &mut self,
        heap: &mut Heap,
        bracket: Bracket,
        region: Region,
    ) -> CollectOutcome {
        self.scanned += region.scanned;
        heap.flush_pools();
        heap.end_pause(
            bracket.start,
            PauseCounts {
                candidates: region.candidates,
                scanned: region.scanned,
                freed: region.collected,
                bytes_freed: bracket.bytes_before.saturating_sub(heap.bytes_in_use()) as u64,
                uncollectable: 0,
            },
        );
        self.counting.set_cascade_budget(bracket.budget);
        self.collecting = false;
        CollectOutcome {
            collected: region.collected,
            uncollectable: 0,
        }
    }

    /// Trial deletion over the list of generation `generation` (younger lists already merged
    /// into it, every member's state within [`header::in_collection`] of `generation`):
    /// CPython's `gc_collect_region`. Survivors are linked at the end of `old`; when `old` is
    /// the collected list itself, its first `settled` objects already have `old`'s state.
    /// Runs inside a collection ([`CycleGc::begin_collection`]).
    pub(crate) fn collect_region(
        &mut self,
        heap: &mut Heap,
        generation: usize,
        old: Generation,
        settled: usize,
    ) -> Region {
        let mut scratch = std::mem::take(&mut self.scratch);
        let young = Generation::of(generation);
        let lists = self.counting.hooks_mut();

        // Trial deletion over the merged generation. A large set whose references are
        // scattered keeps gc_refs in the dense table (see `dense`) and its list in place
        // until it is known whether anything dies; any other is detached and walked once.
        scratch.candidates.clear();
        let set_len = lists.len(young) as usize;
        let first = lists.first(young);
        let in_table = collect::scattered_list(heap, first, set_len);
        let gathered = if in_table {
            dense::gather(
                heap,
                first,
                set_len,
                &mut scratch.candidates,
                &mut scratch.subtract,
            )
        } else {
            lists.take(young);
            collect::gather_and_subtract(
                heap,
                first,
                set_len,
                generation,
                &mut scratch.candidates,
                &mut scratch.outside,
            )
        };
        debug_assert_eq!(scratch.candidates.len(), set_len, "list length kept");
        let candidates = scratch.candidates.len() as u64;
        let mut scanned = candidates;
        let mut zeroed = gathered.zeroed;
        // Only a wrong reference count makes the table's subtraction fail: then nothing is
        // taken for garbage.
        let mut keep_set = false;
        if in_table {
            match dense::subtract_bucketed(&mut scratch.subtract) {
                Some(z) => zeroed += z,
                None => keep_set = true,
            }
        }
        // Candidates whose gc_refs stayed above zero are referred to from outside the set:
        // the roots of `move_unreachable`. With none, nothing is reachable.
        // Exact while every count is (a candidate's gc_refs never drops below zero).
        debug_assert!(zeroed <= scratch.candidates.len());
        let roots = scratch.candidates.len() - zeroed;
        let reachable = if keep_set {
            scratch.candidates.len()
        } else if roots == 0 {
            0
        } else if in_table {
            dense::mark_reachable(heap, &scratch.candidates, roots, &mut scratch.subtract)
        } else {
            collect::choose_region_order(heap, &scratch.candidates, &mut scratch.subtract);
            collect::mark_reachable_by_region(
                heap,
                &scratch.candidates,
                roots,
                &mut scratch.stack,
                &mut scratch.subtract,
            )
        };
        let all_reachable = reachable == scratch.candidates.len();
        if in_table {
            dense::finish(
                heap,
                &scratch.candidates,
                all_reachable,
                &mut scratch.subtract,
            );
            if !all_reachable {
                self.counting.hooks_mut().take(young);
            }
        }
        let plain = layout::flags_of(gathered.shape_union)
            & (FLAG_HAS_WEAKREFS | FLAG_IS_WEAKREF | FLAG_HAS_FINALIZER)
            == 0
            && heap.debug() & (DEBUG_COLLECTABLE | DEBUG_SAVEALL) == 0;
        let (survivors, collected) = if all_reachable && in_table {
            let restate = if young == old {
                &scratch.candidates[settled..]
            } else {
                &scratch.candidates[..]
            };
            self.keep_in_place(heap, restate, young, old);
            (scratch.candidates.len() as u64, 0)
        } else if all_reachable {
            self.keep_all(heap, &scratch, old)
        } else if plain && roots == 0 && gathered.outside_complete {
            self.free_closed_set(heap, &mut scratch)
        } else if plain {
            self.split_and_free(heap, &mut scratch, old)
        } else {
            self.split_then_delete(heap, &mut scratch, old, &mut scanned)
        };
        self.scratch = scratch;
        Region {
            candidates,
            scanned,
            survivors,
            collected,
        }
    }

    /// Every candidate was found reachable (a full collection of a live heap): there is
    /// nothing to split or free, so the candidates, in their order, are simply linked into
    /// the older generation. Returns the survivors and no objects collected.
    fn keep_all(&mut self, heap: &mut Heap, scratch: &Scratch, old: Generation) -> (u64, u64) {
        debug_assert!(
            scratch
                .candidates
                .iter()
                .all(|&obj| heap.words(obj)[0] & REACHABLE != 0),
            "every candidate is marked"
        );
        let lists = self.counting.hooks_mut();
        lists.append_all(heap, old, &scratch.candidates);
        (scratch.candidates.len() as u64, 0)
    }

    /// Every candidate of a set gathered in place ([`dense::gather`]) was found reachable:
    /// `young`'s list, still linked in its order, becomes part of `old`, and `restate`, the
    /// candidates whose state does not name `old` yet, are restated.
    fn keep_in_place(
        &mut self,
        heap: &mut Heap,
        restate: &[ObjRef],
        young: Generation,
        old: Generation,
    ) {
        let state = header::linked(old.index());
        for &obj in restate {
            heap.with_head_mut(obj, |w| w[0] = header::with_state(w[0], state));
        }
        self.counting.hooks_mut().merge(heap, young, old);
    }

    /// The whole set is garbage (no candidate has references from outside it), with no weak
    /// reference, finalizer or debug flag to attend to: every candidate is freed, and the
    /// references leaving the set, which the gather pass collected, are released after.
    /// Returns no survivors and the objects collected.
    fn free_closed_set(&mut self, heap: &mut Heap, scratch: &mut Scratch) -> (u64, u64) {
        heap.free_all(&scratch.candidates);
        let freed = scratch.candidates.len() as u64;
        let lists = self.counting.hooks_mut();
        lists.unreachable_freed = 0;
        lists.unreachable_freed_now(freed);
        self.counting.set_cascade_pauses(false);
        self.counting.release_all(heap, scratch.outside.drain(..));
        self.counting.set_cascade_pauses(true);
        (0, freed)
    }

    /// `split` and `delete_garbage` in one pass, for a collection where no candidate has a
    /// weak reference or a finalizer and no debug flag asks to see the garbage: nothing can
    /// happen between finding the garbage and freeing it, so each candidate is kept or
    /// freed as the pass reaches it. A candidate without the reachable mark is garbage
    /// whether the pass has reached it yet or not (it has not, and reads as collecting
    /// and unmarked; it has, and reads as free), so references between garbage objects are
    /// dropped and only those leaving the garbage are released, after the pass, as in
    /// [`CycleGc::delete_garbage`]. Returns the survivors and the objects collected.
    fn split_and_free(
        &mut self,
        heap: &mut Heap,
        scratch: &mut Scratch,
        old: Generation,
    ) -> (u64, u64) {
        scratch.survivors.clear();
        scratch.children.clear();
        let mut freed = 0;
        for &obj in &scratch.candidates {
            let w = heap.words(obj);
            let shape_word = w[0];
            if shape_word & REACHABLE != 0 {
                // Its mark is cleared when it is linked into the older generation.
                scratch.survivors.push(obj);
                continue;
            }
            let n = header::field_count(shape_word);
            // Garbage not yet reached reads as collecting and unmarked.
            queue_references_out(
                heap,
                &w[FIELDS..FIELDS + n],
                |c0| header::state(c0) == COLLECTING && c0 & REACHABLE == 0,
                &mut scratch.children,
            );
            heap.free(obj);
            freed += 1;
        }
        let lists = self.counting.hooks_mut();
        // Linked before any release, so a cascade that frees a survivor finds it listed.
        lists.append_all(heap, old, &scratch.survivors);
        lists.unreachable_freed = 0;
        lists.unreachable_freed_now(freed);
        self.counting.set_cascade_pauses(false);
        self.counting.release_all(heap, scratch.children.drain(..));
        self.counting.set_cascade_pauses(true);
        (scratch.survivors.len() as u64, freed)
    }

    /// The general path: split the candidates, clear weak references, run finalizers and
    /// re-check resurrection, then delete the garbage. Returns the survivors of the first
    /// split and the objects collected; adds what the re-check scanned to `scanned`.
    fn split_then_delete(
        &mut self,
        heap: &mut Heap,
        scratch: &mut Scratch,
        old: Generation,
        scanned: &mut u64,
    ) -> (u64, u64) {
        let (survivors, special) = split(
            heap,
            &scratch.candidates,
            &mut scratch.survivors,
            &mut scratch.garbage,
        );
        self.counting
            .hooks_mut()
            .append_all(heap, old, &scratch.survivors);

        if heap.debug() & DEBUG_COLLECTABLE != 0 {
            for &obj in &scratch.garbage {
                eprintln!("gc: collectable {obj}");
            }
        }
        if special & (FLAG_HAS_WEAKREFS | FLAG_IS_WEAKREF) != 0 {
            clear_weakrefs(heap, &scratch.garbage);
        }
        if special & FLAG_HAS_FINALIZER != 0 && self.finalize(heap, &scratch.garbage) {
            // A finalizer resurrected something: redo the analysis over the garbage; what is
            // reachable again now survives with everything it reaches.
            let garbage = std::mem::take(&mut scratch.garbage);
            let zeroed = collect::mark_candidates(heap, &garbage)
                + collect::subtract_refs(heap, &garbage, &mut scratch.subtract);
            debug_assert!(zeroed <= garbage.len());
            *scanned += garbage.len() as u64;
            collect::mark_reachable_by_region(
                heap,
                &garbage,
                garbage.len() - zeroed,
                &mut scratch.stack,
                &mut scratch.subtract,
            );
            split(heap, &garbage, &mut scratch.survivors, &mut scratch.garbage);
            self.counting
                .hooks_mut()
                .append_all(heap, old, &scratch.survivors);
        }

        let collected = scratch.garbage.len() as u64;
        self.delete_garbage(heap, scratch, old);
        (survivors, collected)
    }

    /// Runs the pending finalizers of the garbage, in order (PEP 442: once per object, the
    /// heap's finalized flag persists). Returns whether any resurrected its object.
    fn finalize(&mut self, heap: &mut Heap, garbage: &[ObjRef]) -> bool {
        let mut resurrected = false;
        for &obj in garbage {
            if !heap.has_pending_finalizer(obj) {
                continue;
            }
            if let Some(slot) = heap.run_finalizer(obj) {
                if let Ok(old) = heap.replace_slot(slot, Some(obj)) {
                    self.counting.retain(heap, obj);
                    if let Some(old) = old {
                        self.counting.release(heap, old);
                    }
                    resurrected = true;
                }
            }
        }
        resurrected
    }

    /// CPython's `delete_garbage`: the garbage dies (or, under DEBUG_SAVEALL, is appended to
    /// `gc.garbage`, a counted reference). Whatever is still alive afterwards moves to the
    /// older generation.
    ///
    /// CPython clears each object's fields and lets counting free the set one object at a
    /// time. Everything left in the garbage dies here (finalizers have run and resurrection
    /// was re-checked, and no object outside the set refers into it), so the end state is the
    /// same when references between garbage objects are simply dropped, both ends dying, and
    /// only references leaving the set are released through counting, after the set is
    /// freed. Each garbage object then costs one look-up and a free, instead of a decrement,
    /// a queueing and a free through the cascade; the same objects die and the same counts
    /// are reported.
    fn delete_garbage(&mut self, heap: &mut Heap, scratch: &mut Scratch, old: Generation) {
        let save_all = heap.debug() & DEBUG_SAVEALL != 0;
        self.counting.hooks_mut().unreachable_freed = 0;
        self.counting.set_cascade_pauses(false);
        scratch.children.clear();
        if save_all {
            for &obj in &scratch.garbage {
                if heap.check(obj).is_ok() {
                    heap.push_garbage(obj);
                    self.counting.retain(heap, obj);
                }
            }
        } else {
            let mut freed = 0;
            for &obj in &scratch.garbage {
                // One look-up: the allocated test and the read of the fields.
                let Some(w) = heap.try_words(obj) else {
                    continue;
                };
                let Some(&shape_word) = w.first() else {
                    continue;
                };
                if layout::flags_of(shape_word) & FLAG_ALLOCATED == 0 {
                    continue;
                }
                debug_assert_eq!(header::state(shape_word), UNREACHABLE);
                let n = header::field_count(shape_word);
                queue_references_out(
                    heap,
                    &w[FIELDS..FIELDS + n],
                    |c0| header::state(c0) == UNREACHABLE,
                    &mut scratch.children,
                );
                heap.free(obj);
                freed += 1;
            }
            // What `on_free` does for each object found unreachable, for all of them at once.
            self.counting.hooks_mut().unreachable_freed_now(freed);
        }
        self.counting.release_all(heap, scratch.children.drain(..));
        self.counting.set_cascade_pauses(true);
        let lists = self.counting.hooks_mut();
        if lists.unreachable_freed < scratch.garbage.len() as u64 {
            for &obj in &scratch.garbage {
                if heap.check(obj).is_ok() && header::state(heap.words(obj)[0]) == UNREACHABLE {
                    lists.append(heap, old, obj);
                }
            }
        }
        scratch.garbage.clear();
    }
}

/// Queues onto `out` each referent in `fields` that outlives the garbage being freed: one
/// that is allocated and whose shape word `is_garbage` does not claim. A referent that is
/// garbage dies with the referrer, or was freed already (its cell reads as free, or its
/// memory is gone), so its count does not matter.
#[inline(always)]
fn queue_references_out(
    heap: &Heap,
    fields: &[u32],
    is_garbage: impl Fn(u32) -> bool,
    out: &mut Vec<ObjRef>,
) {
    for &raw in fields {
        if let Some(child) = ObjRef::from_raw(raw) {
            match allocated_shape_word(heap, child) {
                Some(w0) if !is_garbage(w0) => out.push(child),
                _ => {}
            }
        }
    }
}

/// The shape word of `obj` if it is an allocated object (a cheap check that never panics,
/// for references into a set being freed).
#[inline]
fn allocated_shape_word(heap: &Heap, obj: ObjRef) -> Option<u32> {
    let w0 = *heap.try_words(obj)?.first()?;
    (layout::flags_of(w0) & FLAG_ALLOCATED != 0).then_some(w0)
}

/// Splits candidates into `survivors` (reachable mark cleared) and `garbage` (state
/// unreachable), both in candidate order. Returns the survivor count and the union of the garbage's weakref/finalizer flags.
fn split(
    heap: &mut Heap,
    candidates: &[ObjRef],
    survivors: &mut Vec<ObjRef>,
    garbage: &mut Vec<ObjRef>,
) -> (u64, u16) {
    survivors.clear();
    garbage.clear();
    let mut special = 0u32;
    for &obj in candidates {
        let w = heap.words_mut(obj);
        if w[0] & REACHABLE != 0 {
            w[0] &= !REACHABLE;
            survivors.push(obj);
        } else {
            w[0] = header::with_state(w[0], UNREACHABLE);
            special |= w[0];
            garbage.push(obj);
        }
    }
    (survivors.len() as u64, gc_core::layout::flags_of(special))
}

/// CPython's `handle_weakrefs`: weak references that are garbage are cleared, and so are
/// weak references to garbage; a callback is queued only for a weak reference that is not
/// itself garbage. All of this happens before any finalizer runs.
fn clear_weakrefs(heap: &mut Heap, garbage: &[ObjRef]) {
    for &obj in garbage {
        let flags = heap.flags(obj);
        if flags & FLAG_IS_WEAKREF != 0 {
            heap.clear_weakref(obj);
        }
        if flags & FLAG_HAS_WEAKREFS != 0 {
            heap.clear_weakrefs(obj, |heap, w| {
                header::state(heap.words(w)[0]) != UNREACHABLE
            });
        }
    }
}

/// Whether an allocation makes a tracked object: one with reference fields, or a weak
/// reference.
#[inline]
pub(crate) fn tracked_request(request: AllocRequest) -> bool {
    request.shape.fields != 0 || request.flags & FLAG_IS_WEAKREF != 0
}

/// The engine with no budget.
fn unbounded(mut counting: Counting<Lists, true>) -> Counting<Lists, true> {
    counting.set_cascade_budget(u64::MAX);
    counting
}

impl Collector for CycleGc {
    fn name(&self) -> &'static str {
        "cycle"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            reclaims: Reclaims::Everything,
            generations: GENERATIONS as u8,
            moves_objects: false,
            reference_counting: true,
            prompt: true,
            auto_collects: true,
            save_all: true,
        }
    }

    const HEADER_WORDS: usize = HEADER_WORDS;

    const BORN_COUNT_WORD: Option<usize> = Some(header::COUNT_HEADER);

    /// CPython's `gc_alloc`: a tracked allocation bumps count 0 and, past threshold 0,
    /// collects before the new object exists (so it is not a candidate, and after the
    /// collection reset it is not counted either, exactly as in CPython 3.11).
    #[inline]
    fn before_alloc(&mut self, heap: &mut Heap, request: AllocRequest) -> GcResult<()> {
        if self.count_allocation(heap, request) {
            if let Some(g) = self.select_generation() {
                self.collect_generation(heap, g);
            }
        }
        Ok(())
    }

    /// A drain point of the to-free list (compiled away without a budget).
    #[inline]
    fn safepoint(&mut self, heap: &mut Heap) -> GcResult<()> {
        self.counting.drain(heap);
        Ok(())
    }

    fn on_heap_full(&mut self, heap: &mut Heap, _bytes: usize) -> GcResult<()> {
        if heap.is_enabled() && !self.collecting {
            self.collect_generation(heap, GENERATIONS - 1);
        }
        Ok(())
    }

    #[inline]
    fn on_alloc(&mut self, heap: &mut Heap, obj: ObjRef) {
        if header::trackable(heap.words(obj)[0]) {
            self.counting
                .hooks_mut()
                .append(heap, Generation::Young, obj);
        }
    }

    #[inline]
    fn retain(&mut self, heap: &mut Heap, obj: ObjRef) {
        self.counting.retain(heap, obj)
    }

    #[inline]
    fn release(&mut self, heap: &mut Heap, obj: ObjRef) {
        self.counting.release(heap, obj)
    }

    fn collect(&mut self, heap: &mut Heap, generation: Option<u8>) -> GcResult<CollectOutcome> {
        if self.collecting {
            return Ok(CollectOutcome::default());
        }
        let g = generation.map_or(GENERATIONS - 1, |g| (g as usize).min(GENERATIONS - 1));
        Ok(self.collect_generation(heap, g))
    }

    fn refcount(&self, heap: &Heap, obj: ObjRef) -> Option<u32> {
        Some(self.counting.count(heap, obj)).filter(|&c| c != SATURATED)
    }

    fn objects_scanned(&self) -> u64 {
        self.scanned
    }
}

/// The whole `gc` module as CPython 3.11/3.12 answers it.
impl GcModule for CycleGc {
    fn get_count(&self) -> Vec<u64> {
        self.counting.hooks().count.to_vec()
    }

    fn get_threshold(&self) -> Vec<u64> {
        self.thresholds.to_vec()
    }

    /// `gc.set_threshold(threshold0[, threshold1[, threshold2]])`: the ones given change.
    fn set_threshold(&mut self, thresholds: &[u64]) -> GcResult<()> {
        if thresholds.is_empty() || thresholds.len() > GENERATIONS {
            return Err(GcError::BadConfig(format!(
                "set_threshold takes 1 to {GENERATIONS} thresholds, got {}",
                thresholds.len()
            )));
        }
        self.thresholds[..thresholds.len()].copy_from_slice(thresholds);
        Ok(())
    }

    fn is_tracked(&self, heap: &Heap, obj: ObjRef) -> bool {
        header::state(heap.words(obj)[0]) != header::UNTRACKED
    }

    /// `gc.get_objects(generation)`: the generation's list in order; `None` gives all three
    /// generations (not the permanent one, as in CPython).
    fn tracked_objects(&self, heap: &Heap, generation: Option<u8>) -> Vec<ObjRef> {
        let mut v = Vec::new();
        let gens = match generation {
            Some(g) => vec![Generation::of(g as usize)],
            None => vec![Generation::Young, Generation::Middle, Generation::Old],
        };
        for g in gens {
            self.counting.hooks().for_each(heap, g, |r| v.push(r));
        }
        v
    }

    /// `gc.freeze()`: every generation into the permanent one, and count 0 reset.
    fn freeze(&mut self, heap: &mut Heap) -> GcResult<()> {
        let lists = self.counting.hooks_mut();
        lists.freeze(heap);
        lists.count[0] = 0;
        Ok(())
    }

    /// `gc.unfreeze()`: the permanent generation back into the oldest.
    fn unfreeze(&mut self, heap: &mut Heap) -> GcResult<()> {
        self.counting.hooks_mut().unfreeze(heap);
        Ok(())
    }

    fn freeze_count(&self) -> u64 {
        self.counting.hooks().frozen()
    }
}
