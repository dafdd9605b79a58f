//! `snapshot-*`: object graphs of real CPython programs, taken with
//! `scripts/snapshot-heap.py` and embedded as traces, rebuilt and dropped.
//!
//! Each trace allocates the program's tracked objects (its reference fields, sizes, weak
//! references and finalizers as the snapshot found them), cuts a seeded seventh of its edges,
//! keeps only the roots, runs a full collection over the live heap, then drops the roots and
//! collects again. A run replays it `rounds` times. The expectations come from replaying it
//! on a heap that never frees and reading the end state with the oracle
//! ([`crate::trace::expectations`]), so they are exact for every collector.
//!
//! To add one: write a program that leaves its data referenced from its globals, run
//! `python3 scripts/snapshot-heap.py --out workloads/snapshots/NAME.gctrace PROGRAM.py [ARGS]`
//! (`--objects N` bounds the size: about 24 bytes of trace per object), keep the program under
//! `scripts/snapshot-programs/`, then add a `snapshot_workload!` here and a line to the
//! catalogue (`catalog.rs`) and to the tests that list every workload.

use gc_core::{GcResult, Mutator};
use serde::{Deserialize, Serialize};

use crate::params::{Params, Size};
use crate::Expectations;

/// The heap limit the embedded traces are checked against (they are gclab's own).
const CHECK_LIMIT: usize = 1 << 30;

/// Declares one snapshot workload: its parameter type over an embedded trace file.
macro_rules! snapshot_workload {
    ($(#[$doc:meta])* $ty:ident, $file:literal) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct $ty {
            /// Times the snapshot is rebuilt and dropped.
            pub rounds: u64,
        }

        impl $ty {
            /// The embedded trace.
            pub const TRACE: &'static [u8] = include_bytes!(concat!("../snapshots/", $file));

            /// What any run must produce: one replay's figures times `rounds`.
            pub fn expectations(&self) -> Expectations {
                snapshot_expectations(Self::TRACE, self.rounds)
            }

            /// Replays the snapshot `rounds` times (the seed is unused: the trace is fixed).
            pub fn run<M: Mutator + ?Sized>(&self, m: &mut M, _seed: u64) -> GcResult<()> {
                replay_rounds(Self::TRACE, self.rounds, m)
            }
        }

        impl Params for $ty {
            fn preset(size: Size) -> Self {
                $ty {
                    rounds: match size {
                        Size::Default => 20,
                        Size::Small => 1,
                    },
                }
            }

            fn docs() -> &'static [(&'static str, &'static str)] {
                &[("rounds", "times the snapshot is rebuilt and dropped")]
            }

            fn validate(&self) -> Result<(), (&'static str, String)> {
                if self.rounds == 0 || self.rounds > 10_000 {
                    return Err(("rounds", "must be in 1..=10000".into()));
                }
                Ok(())
            }
        }
    };
}

snapshot_workload!(
    /// `snapshot-stdlib`: a program exercising much of the standard library
    /// (`scripts/snapshot-programs/stdlib_tour.py`, CPython 3.11).
    SnapshotStdlib,
    "stdlib.gctrace"
);

snapshot_workload!(
    /// `snapshot-markdown`: Python-Markdown 3.11.3 from PyPI rendering this repository's
    /// Markdown files (`scripts/snapshot-programs/markdown_docs.py`, CPython 3.11).
    SnapshotMarkdown,
    "markdown.gctrace"
);

fn snapshot_expectations(trace: &[u8], rounds: u64) -> Expectations {
    let one = crate::trace::expectations(trace, CHECK_LIMIT)
        .expect("an embedded snapshot replays on a heap that never frees");
    Expectations {
        allocated: one.allocated * rounds,
        live_at_end: one.live_at_end,
        cyclic_garbage: one.cyclic_garbage * rounds,
    }
}

fn replay_rounds<M: Mutator + ?Sized>(trace: &[u8], rounds: u64, m: &mut M) -> GcResult<()> {
    for _ in 0..rounds {
        crate::trace::replay(trace, m).map_err(|e| match e {
            crate::trace::TraceError::Operation { source, .. } => source,
            other => gc_core::GcError::BadConfig(other.to_string()),
        })?;
    }
    Ok(())
}
