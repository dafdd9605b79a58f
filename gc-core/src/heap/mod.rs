//! The shared heap: object memory, root slots, weak references, finalizers, notices and the
//! event stream. Collectors own policy; the heap owns mechanism.

mod allocation;
mod checked;
mod identity;
mod moving;
mod raw;
mod recorder;
mod side_tables;

use allocation::{cell_templates, TEMPLATE_WORDS};
use identity::Identities;
pub use moving::{ArenaUse, Evacuation};

use std::collections::HashMap;
use std::time::Instant;

use crate::alloc::{AllocStats, Geometry, Space};
use crate::events::{
    Callback, CallbackId, CascadeStats, EventBus, GcEvent, GenerationStats, PauseCounts, PauseKind,
    PauseStart, Phase,
};
use crate::layout::{
    self, FLAG_ALLOCATED, FLAG_FINALIZED, FLAG_HAS_FINALIZER, FLAG_HAS_ID, FLAG_HAS_WEAKREFS,
    FLAG_IS_WEAKREF,
};
use crate::weak::{WeakEntry, WeakTable};
use crate::{oracle, Finalizer, GcError, GcResult, Notice, ObjRef, Shape, NULL};

/// A root slot number: the mutator's only way to hold a reference (a shadow stack entry).
pub type Slot = usize;

/// `gc.DEBUG_STATS`: print one line per collection to stderr.
pub const DEBUG_STATS: u32 = 1;
/// `gc.DEBUG_COLLECTABLE`: print each collectable object found.
pub const DEBUG_COLLECTABLE: u32 = 2;
/// `gc.DEBUG_UNCOLLECTABLE`: print each uncollectable object found.
pub const DEBUG_UNCOLLECTABLE: u32 = 4;
/// `gc.DEBUG_SAVEALL`: put garbage in `gc.garbage` instead of freeing it.
pub const DEBUG_SAVEALL: u32 = 32;
/// `gc.DEBUG_LEAK`: COLLECTABLE | UNCOLLECTABLE | SAVEALL.
pub const DEBUG_LEAK: u32 = DEBUG_COLLECTABLE | DEBUG_UNCOLLECTABLE | DEBUG_SAVEALL;

/// How to build a heap.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeapConfig {
    /// Pool allocator geometry.
    pub geometry: Geometry,
    /// Limit on bytes in use; `None` for no limit.
    pub heap_limit: Option<usize>,
    /// Root slots reserved at the start (more can be reserved later).
    pub initial_slots: usize,
    /// The most root slots the mutator may reserve.
    pub max_slots: usize,
    /// Check every collection against the reachability oracle (slow; for tests).
    pub verify: bool,
}

impl Default for HeapConfig {
    fn default() -> Self {
        HeapConfig {
            geometry: Geometry::default(),
            heap_limit: None,
            initial_slots: 64,
            max_slots: 1 << 24,
            verify: false,
        }
    }
}

impl HeapConfig {
    /// The default configuration with the oracle checking every collection.
    pub fn verified() -> HeapConfig {
        HeapConfig {
            verify: true,
            ..HeapConfig::default()
        }
    }

    /// This configuration with a heap limit.
    pub fn with_limit(mut self, bytes: usize) -> HeapConfig {
        self.heap_limit = Some(bytes);
        self
    }
}

/// The simulated heap every collector shares.
#[derive(Debug)]
pub struct Heap {
    space: Space,
    header_words: usize,
    fields_at: usize,
    /// `cell_templates[n]`: the first two granules of a fresh object with `n` reference
    /// fields (collector header zero, fields null, payload zero), for every `n` whose fields
    /// end within them (the others unused). Built once, so initialising a small object is a
    /// copy of 32 bytes from memory no store is still pending on, plus the shape and
    /// payload-length words; an array, so a field count known at compile time picks its
    /// template with no bounds check.
    cell_templates: [[u32; TEMPLATE_WORDS]; TEMPLATE_WORDS + 1],
    slots: Vec<u32>,
    max_slots: usize,
    weak: WeakTable,
    /// Scratch for [`Heap::clear_weakrefs`]: the cleared weak references that have callbacks.
    weak_callbacks: Vec<(ObjRef, u32)>,
    finalizers: HashMap<ObjRef, Finalizer>,
    notices: Vec<Notice>,
    events: EventBus,
    garbage: Vec<ObjRef>,
    identities: Identities,
    pinned: Vec<ObjRef>,
    enabled: bool,
    debug: u32,
    verify: bool,
    complete: bool,
    collections: u64,
    verify_failure: Option<GcError>,
    collector_name: &'static str,
}

impl Heap {
    /// A heap whose objects carry `header_words` collector words, for a collector with
    /// `generations` generations (1 if it has none) that, if `complete`, frees every
    /// unreachable object in a full collection.
    pub fn new(
        config: &HeapConfig,
        header_words: usize,
        generations: usize,
        complete: bool,
        collector_name: &'static str,
    ) -> GcResult<Heap> {
        if let Some(limit) = config.heap_limit {
            if limit < crate::alloc::GRANULE_BYTES {
                return Err(GcError::BadConfig(format!(
                    "heap limit {limit} bytes is too small to hold one object"
                )));
            }
        }
        if config.initial_slots > config.max_slots {
            return Err(GcError::BadConfig(format!(
                "initial_slots {} exceeds max_slots {}",
                config.initial_slots, config.max_slots
            )));
        }
        if header_words > 16 {
            return Err(GcError::BadConfig(format!(
                "collector header of {header_words} words exceeds 16"
            )));
        }
        let mut events = EventBus::default();
        events.generations = vec![GenerationStats::default(); generations.max(1)];
        Ok(Heap {
            space: Space::new(config.geometry, config.heap_limit)?,
            header_words,
            fields_at: layout::fields_offset(header_words),
            cell_templates: cell_templates(layout::fields_offset(header_words)),
            slots: vec![NULL; config.initial_slots],
            max_slots: config.max_slots,
            weak: WeakTable::default(),
            weak_callbacks: Vec::new(),
            finalizers: HashMap::new(),
            notices: Vec::new(),
            events,
            garbage: Vec::new(),
            identities: Identities::default(),
            pinned: Vec::new(),
            enabled: true,
            debug: 0,
            verify: config.verify,
            complete,
            collections: 0,
            verify_failure: None,
            collector_name,
        })
    }

    /// Collector header words per object.
    pub fn header_words(&self) -> usize {
        self.header_words
    }

    /// Bytes an object of `shape` is charged (its size-class cell, or exact if large).
    pub fn charge_for(&self, shape: Shape) -> usize {
        self.space.charge_for(layout::object_words(
            self.header_words,
            shape.fields,
            shape.payload,
        ))
    }

    /// The collector's name, for messages.
    pub fn collector_name(&self) -> &'static str {
        self.collector_name
    }
}
