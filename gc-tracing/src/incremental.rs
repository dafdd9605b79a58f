//! Incremental mark-sweep: tri-colour marking with Yuasa's snapshot-at-the-beginning
//! deletion barrier and a sweep of a few pools per step (collector name `marksweep-incr`).
//!
//! A cycle starts when marksweep's growth trigger fires ([`crate::pacing::Pacer`]): one
//! short pause clears the mark bits and shades the roots (the root slots and `gc.garbage`:
//! a few thousand references at most) and runs half a marking step. From then on, every
//! [`MarkSweepIncr::STEP_BYTES`] of allocation (or less, see below) runs one step, each its
//! own [`gc_core::PauseKind::Increment`] pause: a marking step scans grey objects up to a
//! budget of work, at most [`MarkSweepIncr::MAX_MARK_WORK`], with the same loop marksweep
//! uses ([`crate::marking::mark_queued`]). Work counts fields as well as objects
//! ([`crate::marking::OBJECT_WORK`] per object, one per field), so a step over arrays of
//! references is as short as a step over small nodes.
//!
//! **The end of marking runs in chunks.** Once the queue is empty, the steps settle rule 5
//! on the unmarked objects, a bounded chunk per step, with the phase still
//! [`CyclePhase::Marking`] (both barriers on) and whatever the barriers shaded in between
//! drained first: one step lists the special objects ([`gc_core::Heap::special_objects`]:
//! pending finalizers and weak referents, from the side tables); then steps clear the weak
//! references to the unmarked ones ([`MarkSweepIncr::MAX_SETTLE`] objects plus weak
//! references per step; callbacks only for marked weak references, as the reclaimer does);
//! then steps run their pending finalizers, [`MarkSweepIncr::MAX_FINALIZE`] per step,
//! through [`gc_core::reclaim::Reclaimer::settle_unmarked`], which marks what a finalizer
//! resurrects with all it reaches. Every weak reference to a dying object is cleared before
//! any finalizer runs, as in one pause. Why the mutator may run between chunks: an object
//! unmarked when its chunk is settled was unreachable at the snapshot, so only an upgrade of
//! one of its weak references could reach it, and those are cleared in that chunk. An
//! object in a chunk not yet settled can still be upgraded; `retain` then shades it, the
//! next step marks from it before settling more, and it survives (with anything it reaches,
//! including objects of earlier chunks: they live on with their weak references cleared,
//! as an object a finalizer resurrects does). Finalizers run only once all weak
//! references are settled, so no weak reference can reach a dying object by then.
//!
//! Sweeping steps then visit the pools (and large-object indices) that existed when marking
//! ended, in address order, freeing the unmarked objects, at most
//! [`MarkSweepIncr::MAX_SWEEP_POOLS`] pools and [`MarkSweepIncr::MAX_SWEEP_WORK`] units of
//! work per step (a marked object passed over counts 1, a freed one
//! [`crate::sweep::GARBAGE_WEIGHT`], one with side-table entries, a weak reference object
//! above all, [`crate::sweep::SIDE_TABLE_WEIGHT`]): a sweep paced by allocation, the
//! "sweep in increments" form of lazy sweeping, which needs no hook in gc-core's
//! allocation paths. The cycle counts the objects it marks by every route (roots, tracing,
//! the barriers, birth, resurrection); when that count is every object in use, there is no
//! garbage and the cycle ends without sweeping, as marksweep skips its sweep then.
//!
//! What bounds a pause: every step's work is capped (marking and sweeping in units weighed
//! by what they cost, settling and finalizing in objects), so a step's time is the time of
//! that much work; the probe
//! ([`crate::probe`]) records each pause's work beside its CPU and wall time, and
//! results/LOG.md keeps what it measured. Not bounded: root
//! shading (one pass over the slots), listing the special objects (a walk of the side tables
//! and a sort), and the re-marking from what a finalizer resurrects (all it reaches).
//!
//! **The barrier: Yuasa's deletion barrier**, through the `release` hook, which the runtime
//! calls for every overwritten or cleared strong reference, root slots included. While
//! marking, the old value of every such store is shaded grey, so every object reachable
//! when the cycle began is marked (the snapshot), whatever the mutator moves. Slots
//! change without any other barrier, and this is why SATB is chosen over Dijkstra's
//! insertion barrier: with SATB, marking ends when the queue is empty, with no rescan of
//! the roots, so the last step is as short as any other. Dijkstra's barrier would leave
//! slots unprotected (or need `retain` on every slot store) and a final pause rescanning
//! every slot and tracing whatever hangs only from them, unbounded. The price is floating
//! garbage: what dies during marking survives until the next cycle.
//!
//! Colouring the rest: objects allocated while a cycle is running are born black (marked,
//! never scanned: their fields were null or, from `alloc_moving`, values from slots, which
//! the snapshot covers), so the sweep never frees them. The one way to reach an object that
//! was unreachable at the snapshot is upgrading a weak reference; `retain` therefore shades
//! an unmarked object that weak references point at (the keep-alive barrier Java's SATB
//! collectors put on `Reference.get`).
//!
//! A full `collect(None)`, and a full heap, abandon any cycle in progress and run
//! marksweep's stop-the-world collection: the snapshot keeps what died during marking, and
//! a full collection must leave nothing unreachable (rule 3). An automatic cycle keeps
//! rule 5 except its step 5: a slot value overwritten by a resurrecting finalizer is
//! floating garbage until the next cycle, like everything else the snapshot kept.

use gc_core::layout::FLAG_HAS_WEAKREFS;
use gc_core::{
    AllocRequest, Capabilities, CollectOutcome, Collector, GcError, GcModule, GcResult, Heap,
    ObjRef, PauseCounts, PauseKind,
};

use crate::collection::{Marking, Tracer};
use crate::marking::{mark_queued, shade, OBJECT_WORK};
use crate::pacing::Pacer;
use crate::probe::{PauseProbe, PauseWork};
use crate::sweep::{expected_sweep_work, SweepCursor};

/// Where an incremental cycle is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CyclePhase {
    /// No cycle: allocation is charged to the growth trigger.
    #[default]
    Idle,
    /// Marking, a budget of grey objects per step; the deletion barrier is on.
    Marking,
    /// Sweeping, a few pools per step.
    Sweeping(SweepCursor),
}

/// How far the end of marking has gone: it runs in chunks, a step at a time, once the grey
/// queue is empty (and, between chunks, drains whatever the barriers shaded first).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Settle {
    /// Still tracing: the special objects are listed when the queue first empties.
    #[default]
    Listing,
    /// Clearing the weak references to the unmarked objects in `specials`, from this index.
    Weak(usize),
    /// Running the pending finalizers in `finalizable`, from this index.
    Finalizers(usize),
}

/// Incremental mark-sweep (collector name `marksweep-incr`); see the [module
/// docs](crate::incremental) for the design.
///
/// Parameters, shown by `gc.get_threshold()` as `[growth percent, floor bytes, step bytes,
/// window percent]` (defaults `[200, 1 MiB, 64 KiB, 25]`): a cycle starts once the bytes
/// allocated since the last one began exceed growth x the bytes its snapshot found live (at
/// least the floor), as marksweep collects once the bytes allocated since its last
/// collection exceed growth x what that left live; a step runs every step bytes of allocation during a cycle; marking and then
/// sweeping are each paced to finish within an allocation of window percent of the bytes
/// the last cycle found live (at least 256 KiB): each marking step scans
/// `objects x step / window` objects, each sweeping step visits `pools x step / window`
/// pools, and when that passes a step's bound ([`MarkSweepIncr::MAX_MARK_WORK`],
/// [`MarkSweepIncr::MAX_SWEEP_POOLS`]) steps come more often instead. `gc.set_threshold()` takes `[growth percent]` or `[growth percent, floor bytes]`;
/// the step and window are constructor arguments ([`MarkSweepIncr::with_steps`]).
/// `gc.get_count()` is `[bytes counted toward the next cycle]`: between cycles, what was
/// allocated since the last one began; 0 while one runs.
#[derive(Debug)]
pub struct MarkSweepIncr {
    tracer: Tracer,
    phase: CyclePhase,
    pacer: Pacer,
    step_bytes: u64,
    window_percent: u64,
    since_step: u64,
    /// Bytes between steps in this phase: `step_bytes`, or less if a step's work would
    /// otherwise pass its bound.
    cycle_step_bytes: u64,
    /// Marking work a step does, set when the cycle starts.
    mark_budget: u64,
    /// Objects scanned so far in this cycle.
    cycle_scanned: u64,
    /// Objects marked so far in this cycle, by any route (roots, tracing, the barriers,
    /// birth, resurrection): when marking ends with all of them marked, there is no
    /// garbage to sweep for.
    cycle_marked: u64,
    /// Pools, large-object indices and units of work a sweeping step does at most, set when
    /// marking ends.
    sweep_budget: (usize, usize, usize),
    /// How far the end of marking has gone.
    settle: Settle,
    /// The allocation within which marking, and then sweeping, should finish.
    window_bytes: u64,
    /// The objects the end of marking may have to settle, listed when the queue empties.
    specials: Vec<ObjRef>,
    /// The unmarked among them with a pending finalizer, in order.
    finalizable: Vec<ObjRef>,
    /// One chunk of `finalizable`, handed to the reclaimer.
    chunk: Vec<ObjRef>,
    /// Bytes the snapshot found live in the last cycle (the window's base).
    last_live_bytes: u64,
    /// The heap's allocation total when the cycle began.
    allocated_at_start: u64,
    scanned_total: u64,
    stats: IncrStats,
    /// What the pause in progress did, for the probe.
    work: PauseWork,
    /// The per-pause diagnostic record, if [`crate::probe::PROBE_ENV`] asked for one.
    probe: Option<PauseProbe>,
}

/// Counts of what the incremental collector did, for tests and reports.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IncrStats {
    /// Cycles completed (marked and swept).
    pub cycles: u64,
    /// Increment pauses (cycle starts, marking and sweeping steps).
    pub increments: u64,
    /// Marking steps.
    pub mark_steps: u64,
    /// Objects the barriers shaded grey.
    pub shaded_by_barrier: u64,
    /// Steps that cleared a chunk of weak references at the end of marking.
    pub weak_settle_steps: u64,
    /// Steps that ran a chunk of finalizers at the end of marking.
    pub finalizer_steps: u64,
    /// Full stop-the-world collections (explicit or forced by the heap limit).
    pub full_collections: u64,
    /// Cycles whose marking left every object marked, so they did not sweep.
    pub sweeps_skipped: u64,
}

impl Default for MarkSweepIncr {
    fn default() -> Self {
        MarkSweepIncr::with_steps(
            Pacer::DEFAULT_GROWTH_FACTOR,
            Pacer::DEFAULT_FLOOR_BYTES,
            MarkSweepIncr::STEP_BYTES,
            MarkSweepIncr::WINDOW_PERCENT,
        )
        .expect("the default policy is valid")
    }
}

impl MarkSweepIncr {
    /// Bytes of allocation between two steps of a cycle: 64 KiB.
    pub const STEP_BYTES: u64 = 64 << 10;
    /// Marking, and then sweeping, each finish within an allocation of this percentage of
    /// the bytes the last cycle found live.
    pub const WINDOW_PERCENT: u64 = 25;
    /// The smallest window, so a tiny heap still takes a few steps rather than one.
    pub const MIN_WINDOW_BYTES: u64 = 256 << 10;
    /// The least marking work a step does (256 objects without fields).
    pub const MIN_MARK_WORK: u64 = 256 * OBJECT_WORK;
    /// The most marking work a step does: 4,096 objects without fields (the old bound in
    /// objects, which held a step under a millisecond on a heap of cache misses), fewer with
    /// fields: 3,276 nodes of four, 819 arrays of 64 references (results/LOG.md).
    pub const MAX_MARK_WORK: u64 = 64 * 1024;
    /// The most pools a sweeping step visits (16 KiB each).
    pub const MAX_SWEEP_POOLS: u64 = 128;
    /// The most large-object indices a sweeping step visits.
    pub const MAX_SWEEP_LARGE: u64 = 256;
    /// The most sweeping work a step does (it stops after the pool that reaches this, so a
    /// step does less than this plus one pool's work): 32,768 marked objects passed over,
    /// or 8,192 freed.
    pub const MAX_SWEEP_WORK: u64 = 32 * 1024;
    /// The least sweeping work a step does (unless the pools run out).
    pub const MIN_SWEEP_WORK: u64 = 1024;
    /// The most units of settling work in one step at the end of marking: special objects
    /// looked at plus weak references cleared.
    pub const MAX_SETTLE: usize = 4 * 1024;
    /// The most finalizers one step at the end of marking runs.
    pub const MAX_FINALIZE: usize = 1024;

    /// A collector with the given growth trigger, step and window (see the type's docs).
    pub fn with_steps(
        growth_factor: f64,
        floor_bytes: u64,
        step_bytes: u64,
        window_percent: u64,
    ) -> GcResult<MarkSweepIncr> {
        if step_bytes == 0 || window_percent == 0 {
            return Err(GcError::BadConfig(
                "marksweep-incr needs a positive step and window".into(),
            ));
        }
        Ok(MarkSweepIncr {
            tracer: Tracer::default(),
            phase: CyclePhase::Idle,
            pacer: Pacer::new(growth_factor, floor_bytes)?,
            step_bytes,
            window_percent,
            since_step: 0,
            cycle_step_bytes: step_bytes,
            mark_budget: 0,
            cycle_scanned: 0,
            cycle_marked: 0,
            sweep_budget: (0, 0, 0),
            settle: Settle::Listing,
            window_bytes: 0,
            specials: Vec::new(),
            finalizable: Vec::new(),
            chunk: Vec::new(),
            last_live_bytes: 0,
            allocated_at_start: 0,
            scanned_total: 0,
            stats: IncrStats::default(),
            work: PauseWork::default(),
            probe: PauseProbe::from_env(),
        })
    }

    /// Where the current cycle is.
    pub fn phase(&self) -> CyclePhase {
        self.phase
    }

    /// What the collector has done so far.
    pub fn stats(&self) -> IncrStats {
        self.stats
    }

    /// Starts a cycle now, as one pause (clear the bits, shade the roots, one marking
    /// step), unless one is running. For tests and tools; the growth trigger calls it too.
    pub fn start_cycle(&mut self, heap: &mut Heap) {
        if self.phase != CyclePhase::Idle {
            return;
        }
        self.since_step = 0;
        self.stats.increments += 1;
        // The growth budget runs from the start of the cycle, so what the mutator allocates
        // while the cycle runs counts toward the next one (see `end_cycle`).
        self.pacer.collected(self.last_live_bytes);
        self.allocated_at_start = heap.alloc_stats().total_bytes_allocated;
        let probe = self.probe.as_ref().map(|_| PauseProbe::start());
        self.work = PauseWork {
            what: "start",
            ..PauseWork::default()
        };
        heap.pause(PauseKind::Increment, None, |heap| {
            let objects = heap.alloc_stats().objects_in_use;
            self.window_bytes = self.window(self.last_live_bytes);
            // The most marking work there can be: every object scanned, every word of every
            // object read as a field (payload words are not, so this errs toward finishing
            // early, never late, whatever mix of objects the heap holds).
            let words = heap.bytes_in_use() as u64 / 4;
            let work = objects.saturating_mul(OBJECT_WORK).saturating_add(words);
            (self.mark_budget, self.cycle_step_bytes) =
                self.pace(work, Self::MAX_MARK_WORK, Self::MIN_MARK_WORK);
            self.cycle_scanned = 0;
            let Marking { bits, queue } = &mut self.tracer.marking;
            bits.reset(heap);
            queue.clear();
            let mut marked = 0;
            for root in heap.roots() {
                marked += u64::from(shade(bits, queue, root));
            }
            self.cycle_marked = marked;
            self.work.roots = queue.len() as u64;
            self.phase = CyclePhase::Marking;
            self.settle = Settle::Listing;
            // Half a step's marking: with the bitmap to clear, the roots to shade and the
            // caches cold after the mutator's run, a whole step's made this the longest pause
            // of a cycle; none at all would leave a small heap's marking, often done here
            // entirely, a step later, and the heap grows by a step's allocation meanwhile.
            let mut counts = self.mark_step(heap, self.mark_budget.div_ceil(2));
            counts.candidates = objects;
            counts
        });
        self.probe_record(probe);
    }

    /// Writes the probe's record of the pause that began at `start` (if probing).
    fn probe_record(&mut self, start: Option<crate::probe::ProbeStart>) {
        if let (Some(probe), Some(start)) = (&mut self.probe, start) {
            probe.record(start, &self.work);
        }
    }

    /// Runs one step of the cycle in progress, as one pause (nothing if none is running).
    pub fn step(&mut self, heap: &mut Heap) {
        if self.phase == CyclePhase::Idle {
            return;
        }
        self.since_step = 0;
        self.stats.increments += 1;
        let probe = self.probe.as_ref().map(|_| PauseProbe::start());
        self.work = PauseWork::default();
        heap.pause(PauseKind::Increment, None, |heap| match self.phase {
            CyclePhase::Marking => self.mark_step(heap, self.mark_budget),
            _ => self.sweep_step(heap),
        });
        self.probe_record(probe);
    }

    /// Work per step and bytes between steps for `total` units of work in this cycle's
    /// window: `step bytes` apart and `total x step / window` units each, but never more
    /// than `max` units in one step (a pause's bound): steps come more often instead.
    fn pace(&self, total: u64, max: u64, min: u64) -> (u64, u64) {
        let budget = per_step(total, self.step_bytes, self.window_bytes).max(min);
        if budget <= max {
            return (budget, self.step_bytes);
        }
        let step = (self.window_bytes as u128 * max as u128 / total as u128) as u64;
        (max, step.max(1))
    }

    /// The allocation within which marking, and then sweeping, should finish.
    fn window(&self, live_bytes: u64) -> u64 {
        (live_bytes * self.window_percent / 100).max(Self::MIN_WINDOW_BYTES)
    }

    /// Scans grey objects up to `budget` work; once none are left, settles the next chunk of
    /// the end of marking (see [`Settle`]).
    fn mark_step(&mut self, heap: &mut Heap, budget: u64) -> PauseCounts {
        self.stats.mark_steps += 1;
        let Marking { bits, queue } = &mut self.tracer.marking;
        let progress = mark_queued(heap, bits, queue, budget);
        self.cycle_scanned += progress.scanned;
        self.cycle_marked += progress.marked;
        if self.work.what.is_empty() {
            self.work.what = "mark";
        }
        self.work.scanned += progress.scanned;
        let mut counts = PauseCounts {
            scanned: progress.scanned,
            ..PauseCounts::default()
        };
        if queue.is_empty() {
            counts.scanned += self.settle_step(heap);
        }
        self.scanned_total += counts.scanned;
        counts
    }

    /// One chunk of the end of marking, with the barriers still on (the phase stays
    /// [`CyclePhase::Marking`]): the first lists the special objects; then weak references
    /// to unmarked objects are cleared, [`MarkSweepIncr::MAX_SETTLE`] units of work per
    /// step; then pending finalizers of unmarked objects run, at most
    /// [`MarkSweepIncr::MAX_FINALIZE`] per step, what they resurrect marked with all it
    /// reaches; then the sweep is set up. Returns objects re-marked.
    fn settle_step(&mut self, heap: &mut Heap) -> u64 {
        if matches!(self.work.what, "" | "mark") {
            self.work.what = "settle";
        }
        match self.settle {
            Settle::Listing => {
                // A step of its own: a walk of the side tables and a sort.
                self.specials.clear();
                self.finalizable.clear();
                heap.special_objects(&mut self.specials);
                self.work.specials_listed = self.specials.len() as u64;
                self.settle = Settle::Weak(0);
                // The settle is part of marking and the snapshot's floating garbage grows
                // while it runs: its chunks (about two units per special object) come
                // often enough to finish within an eighth of the window.
                let chunks = (2 * self.specials.len()).div_ceil(Self::MAX_SETTLE).max(1);
                let spacing = (self.window_bytes / 8 / chunks as u64).max(1);
                self.cycle_step_bytes = self.cycle_step_bytes.min(spacing);
                0
            }
            Settle::Weak(from) => {
                self.stats.weak_settle_steps += 1;
                let bits = &self.tracer.marking.bits;
                let (mut at, mut spent) = (from, 0usize);
                while at < self.specials.len() && spent < Self::MAX_SETTLE {
                    let r = self.specials[at];
                    at += 1;
                    spent += 1;
                    if bits.is_marked(r) {
                        continue;
                    }
                    // Steps 1 and 2 of rule 5, as the reclaimer does them: callbacks only
                    // for weak references that are themselves marked.
                    if heap.flags(r) & FLAG_HAS_WEAKREFS != 0 {
                        spent += heap.clear_weakrefs(r, |_, w| bits.is_marked(w));
                        self.work.specials_settled += 1;
                    }
                    if heap.has_pending_finalizer(r) {
                        self.finalizable.push(r);
                    }
                }
                self.settle = if at < self.specials.len() {
                    Settle::Weak(at)
                } else {
                    Settle::Finalizers(0)
                };
                self.work.settle_left = (self.specials.len() - at) as u64;
                0
            }
            Settle::Finalizers(from) => {
                self.stats.finalizer_steps += 1;
                let to = (from + Self::MAX_FINALIZE).min(self.finalizable.len());
                let Tracer {
                    marking, reclaimer, ..
                } = &mut self.tracer;
                let chunk = &mut self.chunk;
                chunk.clear();
                chunk.extend_from_slice(&self.finalizable[from..to]);
                self.work.specials_settled += chunk.len() as u64;
                self.work.settle_left = (self.finalizable.len() - to) as u64;
                // Their weak references are cleared already; this runs the finalizers, and
                // what a finalizer resurrects is marked, with all it reaches.
                let remarked = reclaimer.settle_unmarked(heap, chunk, marking).scanned;
                self.work.scanned += remarked;
                self.cycle_marked += remarked;
                if to < self.finalizable.len() {
                    self.settle = Settle::Finalizers(to);
                } else {
                    self.begin_sweep(heap);
                }
                remarked
            }
        }
    }

    /// Marking and its end are over: sets up the sweep of everything allocated now, or
    /// ends the cycle if every object is marked (as marksweep skips its sweep then).
    fn begin_sweep(&mut self, heap: &Heap) {
        self.settle = Settle::Listing;
        let objects = heap.alloc_stats().objects_in_use;
        debug_assert!(
            self.cycle_marked <= objects,
            "marked more objects than exist"
        );
        if self.cycle_marked == objects {
            debug_assert!(
                heap.objects()
                    .iter()
                    .all(|&r| self.tracer.marking.bits.is_marked(r)),
                "every object counted marked, yet one is not"
            );
            self.stats.sweeps_skipped += 1;
            self.end_cycle(heap);
            return;
        }
        let cursor = SweepCursor::new(heap);
        let (pools, large) = cursor.remaining();
        // Everything the marking scanned is marked; the rest is mostly garbage (objects
        // born black during the cycle are marked too, so this errs toward more work).
        let work = expected_sweep_work(objects, self.cycle_scanned, heap.weakref_count() as u64);
        let (pool_budget, pool_step) = self.pace(pools as u64, Self::MAX_SWEEP_POOLS, 1);
        let (large_budget, large_step) = self.pace(large as u64, Self::MAX_SWEEP_LARGE, 1);
        let (work_budget, work_step) = self.pace(work, Self::MAX_SWEEP_WORK, Self::MIN_SWEEP_WORK);
        self.sweep_budget = (
            pool_budget as usize,
            large_budget as usize,
            work_budget as usize,
        );
        self.cycle_step_bytes = pool_step.min(large_step).min(work_step);
        self.phase = CyclePhase::Sweeping(cursor);
    }

    /// Sweeps the next pools; ends the cycle after the last.
    fn sweep_step(&mut self, heap: &mut Heap) -> PauseCounts {
        let CyclePhase::Sweeping(mut cursor) = self.phase else {
            return PauseCounts::default();
        };
        let Tracer {
            marking, garbage, ..
        } = &mut self.tracer;
        let before = cursor.remaining();
        let swept = cursor.sweep_some(heap, &marking.bits, self.sweep_budget, garbage);
        let after = cursor.remaining();
        self.work.what = "sweep";
        self.work.pools = (before.0 - after.0) as u64;
        self.work.large = (before.1 - after.1) as u64;
        self.work.examined = swept.examined;
        self.work.freed = swept.freed;
        garbage.clear();
        if cursor.is_done() {
            heap.flush_pools();
            self.end_cycle(heap);
        } else {
            self.phase = CyclePhase::Sweeping(cursor);
        }
        PauseCounts {
            candidates: swept.examined,
            freed: swept.freed,
            bytes_freed: swept.bytes_freed,
            ..PauseCounts::default()
        }
    }

    /// The cycle is over. What the snapshot kept is the bytes in use less what was
    /// allocated during the cycle (born black, dead or not): counting those as live would
    /// grow every budget from the one before, without bound. The new budget is charged with
    /// what the cycle's steps saw allocated, so the next cycle starts growth x live bytes
    /// after this one began, as marksweep's next collection comes that long after its last.
    fn end_cycle(&mut self, heap: &Heap) {
        self.phase = CyclePhase::Idle;
        self.stats.cycles += 1;
        let during = heap.alloc_stats().total_bytes_allocated - self.allocated_at_start;
        self.last_live_bytes = (heap.bytes_in_use() as u64).saturating_sub(during);
        let (growth, floor) = (self.pacer.growth_factor(), self.pacer.floor_bytes());
        // The policy is unchanged and valid, so this cannot fail.
        let _ = self.pacer.set_policy(growth, floor, self.last_live_bytes);
        self.pacer.charge(during as usize);
    }

    /// A stop-the-world full collection, abandoning any cycle in progress.
    fn full(&mut self, heap: &mut Heap) -> CollectOutcome {
        self.phase = CyclePhase::Idle;
        self.settle = Settle::Listing;
        self.tracer.marking.queue.clear();
        self.stats.full_collections += 1;
        let probe = self.probe.as_ref().map(|_| PauseProbe::start());
        let counts = self.tracer.collect(heap);
        self.work = PauseWork {
            what: "full",
            scanned: counts.scanned,
            freed: counts.freed,
            ..PauseWork::default()
        };
        self.probe_record(probe);
        self.scanned_total += counts.scanned;
        self.last_live_bytes = heap.bytes_in_use() as u64;
        self.pacer.collected(self.last_live_bytes);
        CollectOutcome {
            collected: counts.freed,
            uncollectable: counts.uncollectable,
        }
    }
}

/// The share of `total` units one step of `step_bytes` does in a window of `window_bytes`.
fn per_step(total: u64, step_bytes: u64, window_bytes: u64) -> u64 {
    (total as u128 * step_bytes as u128).div_ceil(window_bytes.max(1) as u128) as u64
}

impl Collector for MarkSweepIncr {
    fn name(&self) -> &'static str {
        "marksweep-incr"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::tracing(0)
    }

    #[inline]
    fn before_alloc(&mut self, heap: &mut Heap, request: AllocRequest) -> GcResult<()> {
        if self.phase == CyclePhase::Idle {
            if self.pacer.charge(request.bytes) && heap.is_enabled() {
                self.start_cycle(heap);
            }
        } else {
            self.since_step += request.bytes as u64;
            if self.since_step >= self.cycle_step_bytes && heap.is_enabled() {
                self.step(heap);
            }
        }
        Ok(())
    }

    fn on_heap_full(&mut self, heap: &mut Heap, _bytes: usize) -> GcResult<()> {
        self.full(heap);
        Ok(())
    }

    #[inline]
    fn on_alloc(&mut self, _heap: &mut Heap, obj: ObjRef) {
        // Born black: the sweep of this cycle must not take it for garbage.
        if self.phase != CyclePhase::Idle {
            let born = self.tracer.marking.bits.mark_growing(obj);
            self.cycle_marked += u64::from(born);
        } else {
            // The bitmap grows with the heap, so a cycle's first pause clears memory already
            // paged in instead of faulting in what the heap grew by since the last cycle.
            self.tracer.marking.bits.cover(obj);
        }
    }

    #[inline]
    fn retain(&mut self, heap: &mut Heap, obj: ObjRef) {
        // An unmarked object with weak references may have been unreachable at the
        // snapshot and be reachable again by an upgrade: keep it alive.
        if self.phase == CyclePhase::Marking
            && !self.tracer.marking.bits.is_marked(obj)
            && heap.flags(obj) & FLAG_HAS_WEAKREFS != 0
        {
            shade(
                &mut self.tracer.marking.bits,
                &mut self.tracer.marking.queue,
                obj,
            );
            self.cycle_marked += 1;
            self.stats.shaded_by_barrier += 1;
        }
    }

    #[inline]
    fn release(&mut self, _heap: &mut Heap, obj: ObjRef) {
        // Yuasa's deletion barrier: the overwritten reference may have been the snapshot's
        // only path to `obj`.
        if self.phase == CyclePhase::Marking
            && shade(
                &mut self.tracer.marking.bits,
                &mut self.tracer.marking.queue,
                obj,
            )
        {
            self.cycle_marked += 1;
            self.stats.shaded_by_barrier += 1;
        }
    }

    fn collect(&mut self, heap: &mut Heap, _generation: Option<u8>) -> GcResult<CollectOutcome> {
        Ok(self.full(heap))
    }

    fn objects_scanned(&self) -> u64 {
        self.scanned_total
    }
}

impl GcModule for MarkSweepIncr {
    fn get_count(&self) -> Vec<u64> {
        vec![self.pacer.allocated_since()]
    }

    fn get_threshold(&self) -> Vec<u64> {
        vec![
            (self.pacer.growth_factor() * 100.0).round() as u64,
            self.pacer.floor_bytes(),
            self.step_bytes,
            self.window_percent,
        ]
    }

    /// `[growth percent]`, `[growth percent, floor bytes]`, or all four values
    /// `gc.get_threshold()` returns (adding bytes between steps and the window percent).
    fn set_threshold(&mut self, thresholds: &[u64]) -> GcResult<()> {
        let (percent, floor) = match *thresholds {
            [percent] => (percent, self.pacer.floor_bytes()),
            [percent, floor] | [percent, floor, _, _] => (percent, floor),
            _ => {
                let got = thresholds.len();
                return Err(GcError::BadConfig(format!(
                    "marksweep-incr takes [growth percent], [growth percent, floor bytes] or \
                     [growth percent, floor bytes, step bytes, window percent], not {got} values"
                )));
            }
        };
        if let [_, _, step, window] = *thresholds {
            if step == 0 || window == 0 {
                return Err(GcError::BadConfig(
                    "marksweep-incr's step bytes and window percent must be above 0".into(),
                ));
            }
        }
        self.pacer
            .set_policy(percent as f64 / 100.0, floor, self.last_live_bytes)?;
        if let [_, _, step, window] = *thresholds {
            self.step_bytes = step;
            self.window_percent = window;
        }
        Ok(())
    }

    fn is_tracked(&self, _heap: &Heap, _obj: ObjRef) -> bool {
        true
    }
}
