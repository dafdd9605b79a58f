//! bench-harness: gclab's measuring instrument and its `gclab` command.
//!
//! Every (collector, workload, seed, repeat) cell runs in a child process of the same binary
//! (`gclab run-one --json`), so a crash or a runaway heap costs one cell and peak RSS is the
//! run's own. Inside the child, gc-core's pause events give a timeline of every collection
//! and reference-counting cascade; from it come pause percentiles (HdrHistogram), minimum
//! mutator utilisation (Cheng-Blelloch) and, across collectors, lower-bound overhead (LBO).
//! Each run also checks its object counts against the workload's own expectations and asks
//! the oracle what leaked, so a fast but wrong collector shows up as a failed row rather
//! than a good number. Results are plain CSV plus JSON with provenance, charts (plotters,
//! SVG and PNG, bundled font), a README and a manifest of checksums, written as one
//! transaction (a killed run leaves the old set or the new one) and redrawable from the
//! committed CSV alone. Collectors are registered in one line each in [`registry`]; with the cargo feature `peers`,
//! `peer_run` adds existing memory managers (Rc, bacon_rajan_cc, dumpster, rust-gc, CPython) as
//! cells of the same matrix.
#![forbid(unsafe_code)]

pub mod aggregate;
pub mod charts;
pub mod checksum;
pub mod child;
pub mod cli;
pub mod compare;
pub mod console;
pub mod fidelity;
pub mod heap_search;
pub mod incremental_report;
pub mod lateness;
pub mod listing;
pub mod marksweep_report;
pub mod measure;
pub mod merge;
pub mod metrics;
#[cfg(feature = "peers")]
pub mod peer_run;
pub mod plan;
pub mod platform_stalls;
pub mod provenance;
pub mod registry;
pub mod report;
pub mod results;
pub mod runner;
pub mod sampler;
pub mod scaffold;
pub mod set_writer;
pub mod shard;
pub mod signals;
pub mod slurm;
pub mod sweep;
pub mod test_hooks;
pub mod trace_cmd;
pub mod units;
