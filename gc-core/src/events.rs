//! The event stream: every pause, reported as a start/stop pair.
//!
//! Collectors bracket each collection, and each reference-counting cascade that frees more
//! than one object, with [`crate::Heap::begin_pause`] and [`crate::Heap::end_pause`]. The heap
//! timestamps both ends, updates the per-generation statistics and calls every subscriber, the
//! way CPython's `gc.callbacks` does. With no subscribers a cascade costs one branch: it is
//! timed only when someone listens.

use std::time::Instant;

/// What kind of pause this is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PauseKind {
    /// A collection of a generation (or the whole heap).
    Collection,
    /// A reference-counting cascade that freed more than one object.
    Cascade,
    /// One step of an incremental collection (a marking or sweeping increment, or the
    /// pause where marking ends). Timed and counted like a collection in the generation's
    /// statistics (each step is a `collections` entry, as CPython 3.14's incremental
    /// increments are), but the oracle of a verified heap checks only that nothing
    /// reachable was freed: garbage waiting for a later step is not a leak.
    Increment,
}

/// Start or stop.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Phase {
    /// The pause began.
    Start,
    /// The pause ended.
    Stop,
}

/// Counts of the work one pause did. All are exact and deterministic.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PauseCounts {
    /// Objects the collector considered (CPython's "candidates").
    pub candidates: u64,
    /// Objects whose header or fields the collector read (a noise-free work count).
    pub scanned: u64,
    /// Garbage the pause found and disposed of: freed, or under `DEBUG_SAVEALL` appended to
    /// `gc.garbage` (CPython counts those as collected too: rule 7 of
    /// [`crate::Collector`]).
    pub freed: u64,
    /// Bytes actually freed (nothing for garbage saved under `DEBUG_SAVEALL`).
    pub bytes_freed: u64,
    /// Garbage that could not be collected (CPython's legacy-finalizer case; no collector here
    /// has one, so 0; saved `DEBUG_SAVEALL` garbage counts in `freed`).
    pub uncollectable: u64,
}

/// What a subscriber sees.
#[derive(Clone, Copy, Debug)]
pub struct GcEvent {
    /// Start or stop.
    pub phase: Phase,
    /// Collection or cascade.
    pub kind: PauseKind,
    /// The generation collected (the oldest for a full collection); `None` for cascades.
    pub generation: Option<u8>,
    /// When this end of the pause happened.
    pub at: Instant,
    /// Bytes in use when the pause began.
    pub heap_before: u64,
    /// Bytes in use when it ended (equal to `heap_before` on start).
    pub heap_after: u64,
    /// The pause's work (zero on start).
    pub counts: PauseCounts,
}

/// Identifies a subscription so it can be removed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CallbackId(pub u64);

/// A subscriber.
pub type Callback = Box<dyn FnMut(&GcEvent)>;

/// A pause in progress, returned by `begin_pause`.
#[derive(Clone, Copy, Debug)]
#[must_use = "a pause must be ended with Heap::end_pause"]
pub struct PauseStart {
    pub(crate) kind: PauseKind,
    pub(crate) generation: Option<u8>,
    pub(crate) at: Option<Instant>,
    pub(crate) heap_before: u64,
}

/// Per-generation statistics, as `gc.get_stats()` returns them (with 3.15's additions).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GenerationStats {
    /// Collections of this generation.
    pub collections: u64,
    /// Objects collected by them.
    pub collected: u64,
    /// Objects found uncollectable.
    pub uncollectable: u64,
    /// Candidates examined.
    pub candidates: u64,
    /// Objects scanned.
    pub scanned: u64,
    /// Total pause time in nanoseconds.
    pub duration_ns: u64,
}

/// Totals of reference-counting cascades.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CascadeStats {
    /// Cascades that freed more than one object.
    pub cascades: u64,
    /// Objects they freed.
    pub freed: u64,
    /// The largest one.
    pub largest: u64,
}

/// The subscribers and the statistics pauses feed.
#[derive(Default)]
pub(crate) struct EventBus {
    subscribers: Vec<(CallbackId, Callback)>,
    next_id: u64,
    pub(crate) generations: Vec<GenerationStats>,
    pub(crate) cascades: CascadeStats,
}

impl EventBus {
    pub(crate) fn has_subscribers(&self) -> bool {
        !self.subscribers.is_empty()
    }

    pub(crate) fn subscribe(&mut self, cb: Callback) -> CallbackId {
        let id = CallbackId(self.next_id);
        self.next_id += 1;
        self.subscribers.push((id, cb));
        id
    }

    pub(crate) fn unsubscribe(&mut self, id: CallbackId) -> bool {
        let before = self.subscribers.len();
        self.subscribers.retain(|(i, _)| *i != id);
        before != self.subscribers.len()
    }

    pub(crate) fn emit(&mut self, event: &GcEvent) {
        for (_, cb) in &mut self.subscribers {
            cb(event);
        }
    }
}

impl std::fmt::Debug for EventBus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventBus")
            .field("subscribers", &self.subscribers.len())
            .field("generations", &self.generations)
            .field("cascades", &self.cascades)
            .finish()
    }
}
