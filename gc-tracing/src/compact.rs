//! `compact`: mark-sweep that gives pymalloc's arenas back by moving objects.
//!
//! pymalloc returns an arena to the system only when every pool in it is empty, so a few
//! long-lived objects scattered over many arenas keep them all: after a program drops most
//! of what it built, the memory held stays many times the memory in use. `compact` is
//! `marksweep` (the same marking, sweep, pacing and end of a collection: it is a
//! [`MarkSweep`] configured to evacuate) plus, in the same pause, an opportunistic
//! evacuation in the spirit of Immix (Blackburn and McKinley 2008): the arenas the
//! survivors fill less than a threshold of are emptied into the partly used pools of denser
//! arenas (and fresh pools, the most used arenas first), every reference is rewritten by the
//! heap ([`gc_core::Heap::evacuate`]), and the emptied arenas are released. Arenas above the
//! threshold, and large objects, never move. Evacuating pays only when it frees an arena,
//! so a heap whose sparse arenas together need as many arenas as they occupy moves nothing
//! ([`gc_core::Heap::sparse_arenas`]).
//!
//! The threshold is the third value of `gc.get_threshold()` (occupancy in percent, after
//! marksweep's growth percent and floor bytes), set with `gc.set_threshold`.

use gc_core::{
    AllocRequest, Capabilities, CollectOutcome, Collector, Evacuation, GcError, GcModule, GcResult,
    Heap, ObjRef,
};

use crate::MarkSweep;

/// The default evacuation threshold: arenas whose allocated cells fill less than this
/// fraction of them are evacuated.
pub const DEFAULT_OCCUPANCY: f64 = 0.8;

/// Mark-sweep with opportunistic evacuation of sparse arenas (collector name `compact`).
/// The gc-module surface is [`MarkSweep`]'s, with the occupancy threshold in percent as a
/// third threshold value.
#[derive(Debug)]
pub struct Compact(MarkSweep);

impl Default for Compact {
    fn default() -> Self {
        Compact::with_occupancy(DEFAULT_OCCUPANCY).expect("the default threshold is valid")
    }
}

impl Compact {
    /// A compacting collector that evacuates arenas filled less than `occupancy` (a fraction
    /// in 0..=1; 0 never moves anything), with marksweep's default growth policy.
    pub fn with_occupancy(occupancy: f64) -> GcResult<Compact> {
        Compact::with_policy(
            crate::pacing::Pacer::DEFAULT_GROWTH_FACTOR,
            crate::pacing::Pacer::DEFAULT_FLOOR_BYTES,
            occupancy,
        )
    }

    /// A compacting collector with marksweep's growth policy (`growth_factor`, `floor_bytes`:
    /// [`MarkSweep::with_growth`]) that evacuates arenas filled less than `occupancy`.
    pub fn with_policy(growth_factor: f64, floor_bytes: u64, occupancy: f64) -> GcResult<Compact> {
        if !(0.0..=1.0).contains(&occupancy) {
            return Err(GcError::BadConfig(format!(
                "occupancy threshold {occupancy} is not a fraction in 0..=1"
            )));
        }
        Ok(Compact(MarkSweep {
            evacuate_below: Some(occupancy),
            ..MarkSweep::with_growth(growth_factor, floor_bytes)?
        }))
    }

    /// Objects moved and arenas released by evacuations so far.
    pub fn evacuated(&self) -> Evacuation {
        self.0.evacuated()
    }
}

/// An occupancy threshold given in percent, as a fraction; a one-line error past 100.
pub(crate) fn occupancy_fraction(percent: u64) -> GcResult<f64> {
    if percent > 100 {
        return Err(GcError::BadConfig(format!(
            "occupancy threshold {percent}% is more than 100%"
        )));
    }
    Ok(percent as f64 / 100.0)
}

/// Every hook is marksweep's: the evacuation is part of its collection.
impl Collector for Compact {
    fn name(&self) -> &'static str {
        self.0.name()
    }

    fn capabilities(&self) -> Capabilities {
        self.0.capabilities()
    }

    #[inline]
    fn before_alloc(&mut self, heap: &mut Heap, request: AllocRequest) -> GcResult<()> {
        self.0.before_alloc(heap, request)
    }

    fn on_heap_full(&mut self, heap: &mut Heap, bytes: usize) -> GcResult<()> {
        self.0.on_heap_full(heap, bytes)
    }

    fn collect(&mut self, heap: &mut Heap, generation: Option<u8>) -> GcResult<CollectOutcome> {
        self.0.collect(heap, generation)
    }

    fn objects_scanned(&self) -> u64 {
        self.0.objects_scanned()
    }
}

impl GcModule for Compact {
    fn get_count(&self) -> Vec<u64> {
        self.0.get_count()
    }

    fn get_threshold(&self) -> Vec<u64> {
        self.0.get_threshold()
    }

    fn set_threshold(&mut self, thresholds: &[u64]) -> GcResult<()> {
        self.0.set_threshold(thresholds)
    }

    fn is_tracked(&self, heap: &Heap, obj: ObjRef) -> bool {
        self.0.is_tracked(heap, obj)
    }
}
