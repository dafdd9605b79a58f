//! workloads: seeded synthetic programs that drive any gclab collector identically.
//!
//! A workload is a function generic over gc-core's [`gc_core::Mutator`], parameterised by a
//! serde struct with documented defaults and driven by a ChaCha8 generator seeded from a
//! `u64`. Nothing it does depends on what the collector does (it never branches on whether
//! a weak reference upgraded or a collection freed anything), so one (workload, parameters,
//! seed) is one operation stream for every collector. Each workload also states what it
//! expects — objects allocated, objects still live at the end, objects only a cycle
//! collector can reclaim — computed from its parameters alone, so the harness and the tests
//! check any collector's counts exactly.
#![forbid(unsafe_code)]

mod catalog;
mod params;
mod seed_cycles;

pub use catalog::{catalog, Workload};
pub use params::{ParamInfo, Size, WorkloadError, WorkloadInfo};
pub use seed_cycles::SeedCycles;

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
