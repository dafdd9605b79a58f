//! A trace file as a workload (`trace:PATH`): the recorded operations replayed on any
//! collector, with expectations from replaying it once on NoGC and asking the oracle.

use std::path::Path;
use std::sync::Arc;

use gc_core::{GcError, GcResult, Mutator};

use crate::trace::{expectations, read_trace_file, replay};
use crate::{Expectations, WorkloadError};

/// How a workload name names a trace file.
pub const TRACE_PREFIX: &str = "trace:";

/// The heap limit of the NoGC replay that computes a trace's expectations (4 GiB): NoGC
/// keeps every object, so this bounds what a trace may allocate in total.
pub const TRACE_CHECK_HEAP_LIMIT: usize = 4 << 30;

/// A trace file loaded, checked and counted.
#[derive(Clone, Debug, PartialEq)]
pub struct TraceWorkload {
    /// `trace:PATH`, as given.
    name: &'static str,
    /// The file's bytes.
    bytes: Arc<[u8]>,
    /// What any run of it must produce.
    expectations: Expectations,
    /// Operations in the trace.
    operations: u64,
}

impl TraceWorkload {
    /// Loads `path` and computes its expectations by replaying it on NoGC: objects
    /// allocated, reachable at the end (the oracle) and cyclic garbage (the unreachable
    /// objects counting cannot free). A bad file is a one-line error with the decoder's
    /// byte offset.
    pub fn load(path: &str) -> Result<TraceWorkload, WorkloadError> {
        let bad = |reason: String| WorkloadError::BadTrace {
            path: path.to_string(),
            reason,
        };
        let bytes = read_trace_file(Path::new(path)).map_err(|e| bad(e.to_string()))?;
        let (expectations, stats) = expectations(&bytes, TRACE_CHECK_HEAP_LIMIT).map_err(bad)?;
        // One trace per process: its name lives as long as the workload names it is listed
        // beside, which are static.
        let name: &'static str = Box::leak(format!("{TRACE_PREFIX}{path}").into_boxed_str());
        Ok(TraceWorkload {
            name,
            bytes: bytes.into(),
            expectations,
            operations: stats.operations,
        })
    }

    /// `trace:PATH`.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// What any run must produce.
    pub fn expectations(&self) -> Expectations {
        self.expectations
    }

    /// The file's size and operations, for results.
    pub fn params_json(&self) -> serde_json::Value {
        serde_json::json!({
            "bytes": self.bytes.len(),
            "operations": self.operations,
        })
    }

    /// Replays the trace on `m` (the seed is unused: the trace is one operation stream).
    pub fn run<M: Mutator + ?Sized>(&self, m: &mut M, _seed: u64) -> GcResult<()> {
        replay(&self.bytes, m).map_err(|e| match e {
            crate::trace::TraceError::Operation { source, .. } => source,
            other => GcError::BadConfig(other.to_string()),
        })
    }
}
