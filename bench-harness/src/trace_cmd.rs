//! `gclab trace record`: a workload's operation stream, with its parameters and seed, to a
//! trace file that `--workloads trace:FILE` (or `run-one --workload trace:FILE`) replays on
//! any collector.

use std::path::Path;

use gc_core::{HeapConfig, Runtime};
use workloads::trace::{validate, write_trace_file, Recorder};
use workloads::{Size, Workload};

use crate::plan::parse_set;

/// Records `workload` (from the small preset if `small`, with `sets` as
/// `workload.param=value`) run with `seed` into `out`; returns the line to print. It runs on
/// `cycle`, which frees as it goes: the stream is the same on every collector.
pub fn record(
    workload: &str,
    sets: &[String],
    seed: u64,
    small: bool,
    out: &Path,
) -> Result<String, String> {
    let mut overrides = Vec::new();
    for arg in sets {
        let (owner, param, value) = parse_set(arg)?;
        if owner != workload {
            return Err(format!(
                "--set {arg}: '{owner}' is not the workload recorded (--workload {workload})"
            ));
        }
        overrides.push((param, value));
    }
    let size = if small { Size::Small } else { Size::Default };
    let parsed = Workload::parse(workload, size, &overrides).map_err(|e| e.to_string())?;
    let runtime = Runtime::new(HeapConfig::default(), gc_cycle::CycleGc::default())
        .map_err(|e| e.to_string())?;
    let mut recorder = Recorder::new(runtime);
    parsed
        .run(&mut recorder, seed)
        .map_err(|e| format!("{workload} failed while recording: {e}"))?;
    let (_, bytes) = recorder.finish();
    let operations = validate(&bytes).map_err(|e| e.to_string())?.operations;
    write_trace_file(out, &bytes).map_err(|e| e.to_string())?;
    Ok(format!(
        "recorded {operations} operations ({} bytes) of {workload} seed {seed} into {}; run it \
         with --workloads trace:{}\n",
        bytes.len(),
        out.display(),
        out.display()
    ))
}
