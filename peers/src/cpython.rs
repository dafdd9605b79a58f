//! CPython as a peer: record the workload's trace, compile it into a Python replay program
//! ([`crate::pyprogram`]), run it in `python3` with the driver script shipped at
//! `peers/python/gclab_cpython.py`, read its JSON.
//!
//! The trace is recorded against gc-core's `NoGc` runtime (a workload never branches on
//! what its collector did, so any recording is the same program). The program's functions
//! are runs of the trace's operations as straight-line Python; the driver compiles them,
//! calls them in order with objects as `__slots__` instances, times every collection through
//! `gc.callbacks`, and takes a census of live objects after a final `gc.collect()`. When the
//! interpreter cannot be used ([`Interpreter::probe`]) the run is [`PeerOutcome::Skipped`], not
//! failed; which interpreters a run uses is [`crate::interpreter`]'s job.
//!
//! CPython 3.14.0-3.14.4 shipped an incremental collector (one young generation and an old
//! space scanned a slice at a time), replaced by the generational collector again in 3.14.5.
//! Debian's archive, the only source `scripts/fetch-cpython` uses, serves 3.14.10 and none of
//! those releases any more, so that collector cannot be run as a peer here: gclab's `cycle-314`
//! model (planned, issue 21) would be the only way to run it.
//!
//! CPython's `freed_during_run` is what its cycle collector reported collecting; objects
//! freed by reference counting alone are not counted (CPython does not report them). The
//! wall time is that of the calls: about one call per 16-128 operations where the trace
//! repeats itself (seed-cycles, binary-trees, dll-churn), one per operation where it does
//! not (random-graph's and weak-cache's random field indices: weak-cache's 28.8 million
//! operations are as many calls), which costs up to 1.7x the straight-line program's time
//! (see the peers README).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};

use workloads::Workload;

use crate::interpreter::{self, Interpreter};
use crate::{pyprogram, PeerError, PeerOutcome, PeerRunResult};

/// How to run the CPython peer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CPythonConfig {
    /// The interpreter to run (looked up on `PATH` if not a path).
    pub python: PathBuf,
    /// `gc.set_threshold` values; `None` keeps the interpreter's defaults.
    pub thresholds: Option<Vec<u64>>,
    /// The version the interpreter reported when it was chosen: it names the peer
    /// (`cpython-3.13`), and a run refuses an interpreter that now reports another `3.x`.
    /// `None` (not probed yet): the peer is called `cpython`.
    pub version: Option<[u32; 3]>,
}

impl Default for CPythonConfig {
    fn default() -> Self {
        CPythonConfig {
            python: PathBuf::from(interpreter::DEFAULT_PYTHON),
            thresholds: None,
            version: None,
        }
    }
}

impl CPythonConfig {
    /// The peer's name: `cpython-3.13` once the version is known, else `cpython`.
    pub fn peer_name(&self) -> String {
        self.version
            .map_or_else(|| "cpython".to_string(), interpreter::peer_name)
    }
}

impl Interpreter {
    /// Runs this interpreter with its own default thresholds.
    pub fn config(&self) -> CPythonConfig {
        CPythonConfig {
            python: self.path.clone(),
            thresholds: None,
            version: Some(self.version),
        }
    }
}

/// The driver script shipped in the repository.
pub fn driver_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("python/gclab_cpython.py")
}

/// Records `workload` with `seed` as a trace ([`workloads::trace::record_workload`]).
pub fn record_trace(workload: &Workload, seed: u64) -> Result<Vec<u8>, PeerError> {
    workloads::trace::record_workload(workload, seed)
        .map_err(|e| PeerError::Driver(format!("recording {}: {e}", workload.name())))
}

/// Runs `workload` with `seed` in CPython.
pub fn run(
    workload: &Workload,
    seed: u64,
    config: &CPythonConfig,
) -> Result<PeerOutcome, PeerError> {
    let found = match Interpreter::probe(&config.python) {
        Ok(found) => found,
        Err(e) => return Ok(PeerOutcome::Skipped(format!("skipped: {e}"))),
    };
    if config.version.is_some_and(|v| v[..2] != found.version[..2]) {
        return Err(PeerError::Driver(format!(
            "{} was chosen as {} but now reports Python {}",
            config.python.display(),
            config.peer_name(),
            found.version_text()
        )));
    }
    let trace = record_trace(workload, seed)?;
    let program = pyprogram::compile_trace(&trace)
        .map_err(|e| PeerError::Driver(format!("compiling the trace: {e}")))?;
    drop(trace);
    let path = program_path(workload, seed);
    if let Err(e) = write_new(&path, &program.to_bytes()) {
        return Err(PeerError::Driver(format!("{}: {e}", path.display())));
    }
    drop(program);
    let output = run_driver(&path, workload, seed, config);
    let _ = std::fs::remove_file(&path);
    output.map(PeerOutcome::Ran)
}

/// A temp-directory name no other run can be using: runs of the same workload and seed in
/// one process (parallel tests, a harness thread pool) each get their own program file, so
/// one run's clean-up never deletes, and no run overwrites, another's program.
fn program_path(workload: &Workload, seed: u64) -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let serial = NEXT.fetch_add(1, Ordering::Relaxed);
    std::env::temp_dir().join(format!(
        "gclab-{}-{}-{serial}-{seed}.gcprog",
        workload.name(),
        std::process::id()
    ))
}

/// Writes `bytes` to a file that must not exist yet (a stale file from a dead process with
/// a reused pid is an error, not silently another run's program).
fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    let written = file.write_all(bytes);
    if written.is_err() {
        // A partial program (a full disk) must not stay behind in the temp directory.
        drop(file);
        let _ = std::fs::remove_file(path);
    }
    written
}

fn run_driver(
    program: &Path,
    workload: &Workload,
    seed: u64,
    config: &CPythonConfig,
) -> Result<PeerRunResult, PeerError> {
    let mut command = Command::new(&config.python);
    command
        .arg(driver_path())
        .arg(program)
        .arg("--workload")
        .arg(workload.name())
        .arg("--seed")
        .arg(seed.to_string());
    if let Some(thresholds) = &config.thresholds {
        let list: Vec<String> = thresholds.iter().map(u64::to_string).collect();
        command.arg("--threshold").arg(list.join(","));
    }
    let output = command
        .output()
        .map_err(|e| PeerError::Driver(format!("cannot run {}: {e}", config.python.display())))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let last = stderr.lines().last().unwrap_or("no message");
        return Err(PeerError::Driver(format!(
            "{} exited with {}: {last}",
            workload.name(),
            output.status
        )));
    }
    serde_json::from_slice(&output.stdout)
        .map_err(|e| PeerError::Driver(format!("unreadable driver output: {e}")))
}
