//! workloads: seeded synthetic programs that drive any gclab collector identically.
//!
//! A workload is a function generic over gc-core's [`gc_core::Mutator`], parameterised by a
//! serde struct with documented defaults and driven by a ChaCha8 generator seeded from a
//! `u64`. Nothing it does depends on what the collector does (it never branches on whether
//! a weak reference upgraded or a collection freed anything), so one (workload, parameters,
//! seed) is one operation stream for every collector. Each workload also states what it
//! expects — objects allocated, objects still live at the end, objects only a cycle
//! collector can reclaim — computed from its parameters alone, so the harness and the tests
//! check any collector's counts exactly. Properties that decide counts (which lists are
//! kept, which groups are cyclic, which objects are promoted) are picked by a fixed hash of
//! an item's index, not by the seed; the seed picks everything else (edges, places, sizes,
//! payloads, orders). Any run can be recorded as a [`trace`] and replayed on any collector, and
//! a trace file is itself a workload, `trace:PATH` ([`TraceWorkload`]).
//!
//! Each workload is declared once with [`workload!`]: its name, description and parameters
//! (doc, default, small preset, allowed range), from which the catalogue, `gclab list`, the
//! README's table (`gclab list --markdown`), `--set` parsing and validation all come; a new
//! workload is that declaration, `expectations` and `run` in its own module, and one line in
//! `catalog.rs` (see the README's "Adding a workload").
//!
//! | name | exercises | live at end / cyclic garbage |
//! |---|---|---|
//! | `seed-cycles` | pure two-object cyclic garbage (the seed text's example) | 0 / all |
//! | `binary-trees` | GCBench: allocation rate, short-lived trees, a long-lived tree; `cyclic` adds parent pointers | long-lived tree + array / 0 (all dropped trees if `cyclic`) |
//! | `dll-churn` | doubly linked lists: every list one cycle, some kept a while | ring + last 50 kept lists / every other list |
//! | `random-graph` | a large live cyclic graph mutated in place; whole groups die | core + groups / members of dead cyclic groups |
//! | `generational` | weak generational hypothesis (and its violation), old-to-young stores | types, old table, window / dead cyclic pairs |
//! | `weak-cache` | weak references, callbacks, values dying while cached | cache + weakrefs + working set / dead values if `cyclic_values` |
//! | `finalizers` | finalizers, finalizable cycles, resurrection (once) | 0 / every cyclic unit |
//! | `large-objects` | the system-allocator path; large arrays of references | the window / 0 |
//! | `gc-traversal` | pyperformance gc_traversal: full collections over ~500k live edges | all lists but the first / 0 |
//! | `gc-collect` | pyperformance gc_collect: 100 rings of 21 nodes freed per collection | 0 / every ring |
//! | `fragmentation` | mixed size classes in bulk, 90-95% dropped at random, then churn: arenas held by scattered survivors | survivors, tables, window / 0 |
//!
//! `Size::Small` presets shrink every workload to a test (milliseconds). The harness runs
//! a workload, then one full collection, and checks the heap's `objects_in_use` against
//! [`Expectations::allocated_after_full_collection`] for the collector's
//! [`gc_core::Reclaims`].
#![forbid(unsafe_code)]

mod binary_trees;
mod catalog;
mod dll_churn;
mod finalizers;
mod fragmentation;
mod gc_collect;
mod gc_traversal;
mod generational;
mod large_objects;
mod params;
mod random_graph;
mod request_churn;
mod seed_cycles;
mod snapshot;
mod support;
pub mod trace;
mod trace_workload;
mod weak_cache;

pub use binary_trees::BinaryTrees;
pub use catalog::{catalog, catalog_table, Workload};
pub use dll_churn::DllChurn;
pub use finalizers::Finalizers;
pub use fragmentation::Fragmentation;
pub use gc_collect::GcCollect;
pub use gc_traversal::GcTraversal;
pub use generational::Generational;
pub use large_objects::LargeObjects;
pub use params::{Described, ParamInfo, Params, Size, WorkloadError, WorkloadInfo};
pub use random_graph::RandomGraph;
pub use request_churn::RequestChurn;
pub use seed_cycles::SeedCycles;
pub use snapshot::{SnapshotMarkdown, SnapshotStdlib};
pub use trace_workload::{TraceWorkload, TRACE_PREFIX};
pub use weak_cache::{WeakCache, WeakCacheCounts};

/// What a workload promises about any run of it, derived from its parameters alone.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Expectations {
    /// Objects allocated by the whole run (weak reference objects included).
    pub allocated: u64,
    /// Objects still reachable from the roots when the run ends.
    pub live_at_end: u64,
    /// Objects that are garbage at the end but only a cycle-reclaiming collector can free
    /// (cyclic garbage and everything reachable only from it): what plain reference
    /// counting leaks.
    pub cyclic_garbage: u64,
}

impl Expectations {
    /// Objects a collector with the given reclamation power leaves allocated after the run
    /// ends and one full collection has run.
    pub fn allocated_after_full_collection(&self, reclaims: gc_core::Reclaims) -> u64 {
        match reclaims {
            gc_core::Reclaims::Nothing => self.allocated,
            gc_core::Reclaims::AcyclicOnly => self.live_at_end + self.cyclic_garbage,
            gc_core::Reclaims::Everything => self.live_at_end,
        }
    }
}
