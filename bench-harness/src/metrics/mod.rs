//! What a run's pause timeline says: percentiles, mutator utilisation, overhead.
//!
//! Everything here is a pure function of recorded data, so the child process, `plot --from`
//! and the tests compute the same numbers from the same pause log.

mod lbo;
mod mmu;
mod percentiles;

pub use lbo::{assign_lbo, LboKey};
pub use mmu::{mmu, mmu_curve, standard_windows, Timeline};
pub use percentiles::{pause_quantiles, pause_summary, PauseSummary};

use serde::{Deserialize, Serialize};

/// What a pause was: a collection, one step of an incremental collection, or a
/// reference-counting cascade (pauses.csv's `kind` column).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PauseKindName {
    /// A collection of one generation or the whole heap.
    Collection,
    /// A reference-counting cascade that freed more than one object.
    Cascade,
    /// One bounded step of an incremental collector (a cycle's start, a marking, settling
    /// or sweeping step, a 3.14-style increment), told apart from explicit and full
    /// collections, which are `Collection`.
    Increment,
}

impl From<gc_core::PauseKind> for PauseKindName {
    fn from(kind: gc_core::PauseKind) -> Self {
        match kind {
            gc_core::PauseKind::Collection => PauseKindName::Collection,
            gc_core::PauseKind::Increment => PauseKindName::Increment,
            gc_core::PauseKind::Cascade => PauseKindName::Cascade,
        }
    }
}

/// One stop-the-world interval, in nanoseconds since the run's clock started.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pause {
    /// When it began.
    pub start_ns: u64,
    /// When it ended (`>= start_ns`).
    pub end_ns: u64,
    /// Collection or cascade.
    pub kind: PauseKindName,
    /// The generation collected; `None` for cascades and whole-heap collectors.
    pub generation: Option<u8>,
    /// Heap bytes in use when it began.
    pub heap_before: u64,
    /// Heap bytes in use when it ended.
    pub heap_after: u64,
    /// Objects it freed.
    pub freed: u64,
    /// The program asked for it (`gc.collect()`), as opposed to a pause the collector
    /// started on its own: an explicit collection must finish before the call returns, so
    /// no collector bounds its length, and an incremental collector's pause bound is about
    /// the others ([`crate::results::RunRow::auto_pause_max_ns`]).
    #[serde(default)]
    pub requested: bool,
}

impl Pause {
    /// Its length in nanoseconds.
    pub fn duration_ns(&self) -> u64 {
        self.end_ns.saturating_sub(self.start_ns)
    }
}
