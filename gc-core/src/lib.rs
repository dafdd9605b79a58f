//! gc-core: the shared heap every gclab collector runs on, and the contract between them.
//!
//! Objects live in memory the heap indexes, addressed by a compact 32-bit [`ObjRef`] (a
//! compressed pointer: arena and 16-byte granule). Small objects (up to 512 bytes) come from
//! a pymalloc-style pool allocator — size classes of 16 bytes, 16 KiB pools in 1 MiB arenas,
//! per-pool free lists, most-used arenas first, empty arenas released — and large ones from
//! the system allocator. Each object has a [`Shape`] (reference fields plus payload bytes)
//! behind a two-word base header and as many collector header words as its collector asks
//! for ([`layout`]). A mutator touches the heap only through the [`Mutator`] trait and holds
//! references only in numbered root slots, so no collector can miss a root and every
//! operation is checked: a bad slot, field or freed object is an error, never undefined
//! behaviour. A collector is policy: it implements [`Collector`] (barrier hooks, triggers,
//! `collect`) and the [`Runtime`] turns it into a full mutator plus the `gc`-module surface
//! ([`GcControl`]). Every pause is an event ([`events`]) the harness times; weak references
//! and finalizers are data, reported as [`Notice`]s; the [`oracle`] recomputes reachability
//! independently to check any collector, and the conformance kit (feature `conformance`)
//! runs the whole contract against a collector with one macro call. Workloads and collectors
//! declare their parameters once with [`declare_params!`] ([`params`]).
#![forbid(unsafe_code)]
// Documentation examples, the README's included, compile without a warning.
#![doc(test(attr(deny(warnings))))]

// A small reference times four indexes the small-object memory, up to 8 GiB of it.
#[cfg(not(target_pointer_width = "64"))]
compile_error!("gclab's heap needs a 64-bit target");

pub mod alloc;
mod baseline;
mod collector;
mod control;
mod error;
pub mod events;
mod finalize;
mod heap;
pub mod layout;
mod mutator;
mod nogc;
mod objref;
mod objset;
pub mod oracle;
pub mod params;
pub mod reclaim;
mod refpages;
mod runtime;
pub mod weak;

#[cfg(feature = "conformance")]
pub mod conformance;
#[cfg(feature = "conformance")]
pub mod fixtures;

pub use alloc::{AllocStats, Geometry};
pub use baseline::BASELINE_SHAPE;
pub use collector::{AllocRequest, Capabilities, CollectOutcome, Collector, GcModule, Reclaims};
pub use control::GcControl;
pub use error::{GcError, GcResult};
pub use events::{GcEvent, PauseCounts, PauseKind, Phase};
pub use finalize::{Finalizer, Notice};
pub use heap::{
    ArenaUse, Evacuation, Heap, HeapConfig, Slot, DEBUG_COLLECTABLE, DEBUG_LEAK, DEBUG_SAVEALL,
    DEBUG_STATS, DEBUG_UNCOLLECTABLE,
};
pub use mutator::{alloc_moving_by_parts, Mutator};
pub use nogc::NoGc;
pub use objref::{raw_of, ObjId, ObjRef, Shape, NULL};
pub use objset::ObjSet;
pub use oracle::LeakReport;
pub use runtime::Runtime;

/// The README's Rust snippets, compiled and run as doctests so they cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
