//! gc-tracing: tracing collectors on gclab's shared heap, the strategies CPython does not use
//! beside the ones it does: full-heap stop-the-world mark-sweep ([`MarkSweep`],
//! `marksweep`), generational mark-sweep with sticky mark bits ([`MarkSweepGen`],
//! `marksweep-gen`) and incremental mark-sweep ([`MarkSweepIncr`], `marksweep-incr`).
//!
//! No reference counts at all: stores cost nothing (or a barrier test), and a collection
//! traces the live heap from the roots (the root slots and `gc.garbage`). All three share
//! one mark loop ([`marking::mark_queued`]): an explicit breadth-first work queue (touched
//! ahead of the scan so cache misses overlap) and a side bitmap (one bit per 16-byte
//! granule), so marking never writes object memory and a ten-million-long list is just a
//! loop; it runs to the end, or stops after a budget of objects and resumes. They share the
//! sweep ([`sweep`]: pools swept in place, all at once or a few at a time, or a list of
//! candidates searched) and gc-core's end of a collection ([`gc_core::reclaim::Reclaimer`]): weak
//! references to unmarked objects are cleared before anything is freed, finalizers run in
//! the same collection, CPython-style (PEP 442), and resurrected objects are marked again
//! ([`collection`] explains the choice and its cost). Freeing returns cells to their pools'
//! free lists and large objects to the system allocator; pools and arenas that empty are
//! released at the end.
//!
//! - `marksweep` collects the whole heap in one pause when the bytes allocated since the
//!   last collection exceed a growth factor (default 2.0) times the bytes that survived it,
//!   with a 1 MiB floor ([`pacing`]).
//! - `marksweep-gen` ([`generational`]) keeps mark bits between collections: marked is
//!   old. Minor collections trace only the objects allocated since the last collection,
//!   from the roots and a remembered set the write barrier keeps; a major collection (the
//!   growth trigger, charged with promoted bytes) marks everything afresh.
//! - `marksweep-incr` ([`incremental`]) marks in steps paced by allocation, with Yuasa's
//!   snapshot-at-the-beginning deletion barrier on `release`, and sweeps a few pools per
//!   step; each step is its own pause.
//!
//! Running into the heap limit always collects the whole heap, even when automatic
//! collection is disabled, because a full heap is exactly when any user expects the
//! collector to run; if that frees too little, the allocation fails with `OutOfMemory` and
//! the heap keeps working once references are dropped.
#![forbid(unsafe_code)]

pub mod collection;
pub mod compact;
pub mod generational;
pub mod incremental;
pub mod marking;
pub mod pacing;
mod params;
pub mod probe;
pub mod remembered;
pub mod sweep;

pub use compact::Compact;
pub use generational::MarkSweepGen;
pub use incremental::MarkSweepIncr;
pub use params::{CompactParams, MarkSweepGenParams, MarkSweepIncrParams, MarkSweepParams};

use gc_core::{
    AllocRequest, Capabilities, CollectOutcome, Collector, Evacuation, GcError, GcModule, GcResult,
    Heap, ObjRef,
};

use crate::collection::Tracer;
use crate::pacing::Pacer;

/// Stop-the-world mark-sweep over the whole heap (collector name `marksweep`).
///
/// The gc-module surface maps as follows: every object is tracked (`gc.get_objects()` lists
/// the whole heap); there is one "generation", the whole heap; `gc.get_threshold()` is
/// `[growth factor in percent, floor in bytes]` and `gc.set_threshold()` takes one or both
/// (`[200]` is the default 2.0x growth); `gc.get_count()` is `[bytes allocated since the last
/// collection]`. `gc.disable()` stops growth-triggered collections but not those forced by
/// the heap limit.
#[derive(Debug, Default)]
pub struct MarkSweep {
    tracer: Tracer,
    pacer: Pacer,
    last_live_bytes: u64,
    scanned_total: u64,
    /// For the compacting collector ([`Compact`]): evacuate the arenas survivors fill less
    /// than this fraction of, at the end of every collection. `None` for `marksweep`.
    evacuate_below: Option<f64>,
    /// Objects moved and arenas released by evacuations so far.
    evacuated: Evacuation,
}

impl MarkSweep {
    /// A collector with the given growth factor (collect after allocating this multiple of
    /// the bytes live after the last collection) and floor (never collect before this many
    /// bytes were allocated). The factor must be positive.
    pub fn with_growth(growth_factor: f64, floor_bytes: u64) -> GcResult<MarkSweep> {
        Ok(MarkSweep {
            pacer: Pacer::new(growth_factor, floor_bytes)?,
            ..MarkSweep::default()
        })
    }

    /// The growth policy and how far into its budget the mutator is.
    pub fn pacer(&self) -> &Pacer {
        &self.pacer
    }

    /// Objects moved and arenas released by evacuations so far (zero for `marksweep`).
    pub fn evacuated(&self) -> Evacuation {
        self.evacuated
    }

    /// Runs a full collection (and evacuation, if compacting) and restarts the allocation
    /// budget from what survived.
    fn run(&mut self, heap: &mut Heap) -> CollectOutcome {
        let (counts, evacuation) = self.tracer.collect_evacuating(heap, self.evacuate_below);
        self.evacuated.moved += evacuation.moved;
        self.evacuated.arenas_released += evacuation.arenas_released;
        self.scanned_total += counts.scanned;
        self.last_live_bytes = heap.bytes_in_use() as u64;
        self.pacer.collected(self.last_live_bytes);
        CollectOutcome {
            collected: counts.freed,
            uncollectable: counts.uncollectable,
        }
    }
}

impl Collector for MarkSweep {
    fn name(&self) -> &'static str {
        match self.evacuate_below {
            None => "marksweep",
            Some(_) => "compact",
        }
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            moves_objects: self.evacuate_below.is_some(),
            ..Capabilities::tracing(0)
        }
    }

    #[inline]
    fn before_alloc(&mut self, heap: &mut Heap, request: AllocRequest) -> GcResult<()> {
        if self.pacer.charge(request.bytes) && heap.is_enabled() {
            self.run(heap);
        }
        Ok(())
    }

    fn on_heap_full(&mut self, heap: &mut Heap, _bytes: usize) -> GcResult<()> {
        self.run(heap);
        Ok(())
    }

    fn collect(&mut self, heap: &mut Heap, _generation: Option<u8>) -> GcResult<CollectOutcome> {
        Ok(self.run(heap))
    }

    fn objects_scanned(&self) -> u64 {
        self.scanned_total
    }
}

impl GcModule for MarkSweep {
    fn get_count(&self) -> Vec<u64> {
        vec![self.pacer.allocated_since()]
    }

    fn get_threshold(&self) -> Vec<u64> {
        let mut thresholds = vec![
            (self.pacer.growth_factor() * 100.0).round() as u64,
            self.pacer.floor_bytes(),
        ];
        thresholds.extend(self.evacuate_below.map(|t| (t * 100.0).round() as u64));
        thresholds
    }

    fn set_threshold(&mut self, thresholds: &[u64]) -> GcResult<()> {
        let compacting = self.evacuate_below.is_some();
        let (percent, floor, occupancy) = match *thresholds {
            [percent] => (percent, self.pacer.floor_bytes(), None),
            [percent, floor] => (percent, floor, None),
            [percent, floor, occupancy] if compacting => (percent, floor, Some(occupancy)),
            _ => {
                let got = thresholds.len();
                let occupancy = if compacting {
                    " or [growth percent, floor bytes, occupancy percent]"
                } else {
                    ""
                };
                return Err(GcError::BadConfig(format!(
                    "{} takes [growth percent] or [growth percent, floor bytes]{occupancy}, not {got} values",
                    self.name()
                )));
            }
        };
        if let Some(occupancy) = occupancy {
            self.evacuate_below = Some(compact::occupancy_fraction(occupancy)?);
        }
        self.pacer
            .set_policy(percent as f64 / 100.0, floor, self.last_live_bytes)
    }

    fn is_tracked(&self, _heap: &Heap, _obj: ObjRef) -> bool {
        true
    }
}
