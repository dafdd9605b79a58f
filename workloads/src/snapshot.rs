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

use crate::Expectations;

/// The heap limit the embedded traces are checked against (they are gclab's own).
const CHECK_LIMIT: usize = 1 << 30;

/// Declares one snapshot workload: a `workload!` with one parameter, `rounds`, over an
/// embedded trace file.
macro_rules! snapshot_workload {
    ($name:literal, $description:literal, $(#[$doc:meta])* $ty:ident, $file:literal) => {
        crate::workload! {
            name: $name,
            description: $description,
            $(#[$doc])*
            pub struct $ty {
                /// Times the snapshot is rebuilt and dropped.
                rounds: u64 = 20, small 1, in 1..=10_000;
            }
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
    };
}

snapshot_workload!(
    "snapshot-stdlib",
    "a real CPython heap (a program exercising much of the standard library, 20,000 tracked \
     objects) rebuilt, cut, collected and dropped",
    /// `snapshot-stdlib`: a program exercising much of the standard library
    /// (`scripts/snapshot-programs/stdlib_tour.py`, CPython 3.11).
    SnapshotStdlib,
    "stdlib.gctrace"
);

snapshot_workload!(
    "snapshot-markdown",
    "a real CPython heap (Python-Markdown from PyPI rendering this repository's docs, 18,771 \
     tracked objects) rebuilt, cut, collected and dropped",
    /// `snapshot-markdown`: Python-Markdown 3.11.3 from PyPI rendering this repository's
    /// Markdown files (`scripts/snapshot-programs/markdown_docs.py`, CPython 3.11).
    SnapshotMarkdown,
    "markdown.gctrace"
);

fn snapshot_expectations(trace: &[u8], rounds: u64) -> Expectations {
    let (one, _) = crate::trace::expectations(trace, CHECK_LIMIT)
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
