//! gc-cycle: what CPython actually does — reference counting plus a generational cycle
//! collector — on gclab's shared heap.
//!
//! Counting is gc-refcount's engine, reused as is: objects die the moment their count reaches
//! zero. Container objects (those with reference fields) and weak references are tracked in
//! three generation lists linked through two header words (CPython's `_gc_prev`/`_gc_next`),
//! plus a permanent generation for `freeze()`. Allocating a tracked object bumps count 0;
//! when it passes threshold 0 the oldest generation whose count passes its threshold is
//! collected (a full collection only when `long_lived_pending >= long_lived_total / 4`,
//! exactly as CPython's code tests it). A collection is trial deletion: gc_refs = count,
//! minus references from inside the set, and whatever is reachable from an object with
//! gc_refs > 0 survives and is promoted. Then, in CPython's order: weak references in or to
//! the garbage are cleared (callbacks only for those still reachable), finalizers run once,
//! resurrection is re-checked, and the rest die (or, under `DEBUG_SAVEALL`, go to
//! `gc.garbage`): CPython clears their fields so counting frees them; here they are freed at
//! once and only their references out of the garbage are released through counting, which
//! ends in the same state. When no candidate has a weak reference or a finalizer (and no
//! debug flag asks to see the garbage), nothing can happen between finding the garbage and
//! freeing it, so one pass does both. Every pass uses explicit work lists.
//! The results (which objects, how many, in which order finalizers run, when collections
//! trigger) follow CPython 3.11/3.12; the passes differ only in bookkeeping that CPython's
//! results do not depend on (see [`mark`], and [`dense`] for large sets whose references
//! are scattered, whose gc_refs go in a table beside the heap).
//!
//! Which path a collection takes is decided in one place, [`policy`]; the passes are a
//! module each: [`walk`] (`update_refs` and `subtract_refs` in one walk), [`dense`] (the
//! same in a table), [`subtract`] (the two over a vector), [`mark`] (`move_unreachable`),
//! [`finish`] (the paths that end a collection, and CPython's `handle_weakrefs`,
//! `finalize` and `delete_garbage`). [`plain`] is CPython's plain path with none of the
//! fast ones, collector `cycle-plain`, against which the others are tested.
//!
//! Its parameters ([`CycleParams`]: the thresholds, a cascade budget and whether to take only
//! the plain path) are declared once; the harness's `cycle-313` (threshold 0 = 2000),
//! `cycle-bounded` (budget 1000) and `cycle-plain` (plain) are presets of them.
//!
//! CPython's other collectors are variants on the same counting, lists and passes (a
//! variant forms a region in the lists and runs the trial deletion over it through
//! `CycleGc::collect_region`; what it decides itself goes through one trait, `Variant`, in `variant.rs`):
//! [`IncrementalCycleGc`] (`cycle-314`), 3.14.0-3.14.4's incremental collector, and
//! [`FreeThreadedCycleGc`] (`cycle-ft`), the free-threaded build's non-generational one.
//! Their module docs say what of those builds is modelled and what is not: in short, the
//! schedules, the regions and the order of work are CPython's; gclab's root slots play the
//! part of the interpreter's stacks and global roots; biased and deferred reference counting,
//! immortal objects, stopping the world and per-thread allocation counts are not modelled,
//! being invisible to a single-threaded heap without immortal objects.
#![forbid(unsafe_code)]

mod collector;
pub mod dense;
pub mod fields;
pub mod finish;
mod free_threaded;
mod header;
mod incremental;
mod lists;
pub mod mark;
mod params;
pub mod plain;
pub mod policy;
pub mod region;
pub mod subtract;
mod variant;
pub mod walk;

pub use collector::CycleGc;
pub use free_threaded::FreeThreadedCycleGc;
pub use incremental::{IncrementalCycleGc, IncrementalStats, THRESHOLDS_314};
pub use lists::Generation;
pub use params::{CycleParams, Thresholds314};
pub use policy::{Gather, Marking, Passes, Path, PathCounts};
