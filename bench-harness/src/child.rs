//! The child-process protocol: the parent runs each cell as `gclab run-one ... --json` and
//! reads one JSON [`RunOutcome`] from its stdout, so a crash, an abort or a runaway run costs
//! one cell, and peak RSS is the run's own.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::results::{RunOutcome, RunRow};
use crate::signals::Interrupts;
use crate::test_hooks::record_child;

/// The environment variable through which a parent tells its `run-one` child its process id,
/// so the child can tie its life to the parent's ([`guard_against_orphaning`]).
pub const PARENT_PID_ENV: &str = "GCLAB_PARENT_PID";

/// In a `run-one` started by `gclab run`: asks the kernel to SIGKILL this process when the
/// parent dies (PR_SET_PDEATHSIG), then exits at once if the parent is already gone, which
/// closes the race between the fork and the request. Without the environment variable (a
/// user's own `run-one`) it does nothing.
pub fn guard_against_orphaning() {
    let Some(expected) = std::env::var(PARENT_PID_ENV)
        .ok()
        .and_then(|v| v.parse::<i32>().ok())
    else {
        return;
    };
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        let _ = nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGKILL);
    }
    if nix::unistd::getppid().as_raw() != expected {
        std::process::exit(crate::cli::EXIT_FAILURE);
    }
}

/// What to run in a child.
#[derive(Clone, Debug, PartialEq)]
pub struct ChildRequest {
    /// Collector name (the peer's name when `peer` is set).
    pub collector: String,
    /// Whether `collector` names a peer (`run-one --peer`) rather than a gclab collector.
    pub peer: bool,
    /// Workload name.
    pub workload: String,
    /// Start from the small preset.
    pub small: bool,
    /// `param=value` overrides for the workload (passed as `--set workload.param=value`).
    pub sets: Vec<(String, String)>,
    /// `param=value` overrides for the collector (passed as `--set collector.param=value`).
    pub collector_sets: Vec<(String, String)>,
    /// Workload seed.
    pub seed: u64,
    /// Heap limit in bytes.
    pub heap_limit: Option<u64>,
    /// Baseline objects the heap starts with (0: none; not passed to peers).
    pub baseline_objects: u64,
    /// The interpreter of a CPython peer (`run-one --python`).
    pub python: Option<PathBuf>,
}

impl ChildRequest {
    /// The `run-one` arguments for this request.
    pub fn args(&self) -> Vec<String> {
        let mut args = vec![
            "run-one".to_string(),
            if self.peer { "--peer" } else { "--collector" }.into(),
            self.collector.clone(),
            "--workload".into(),
            self.workload.clone(),
            "--seed".into(),
            self.seed.to_string(),
            "--json".into(),
        ];
        if self.small {
            args.push("--small".into());
        }
        for (param, value) in &self.sets {
            args.push("--set".into());
            args.push(format!("{}.{param}={value}", self.workload));
        }
        for (param, value) in &self.collector_sets {
            args.push("--set".into());
            args.push(format!("{}.{param}={value}", self.collector));
        }
        if let Some(limit) = self.heap_limit {
            args.push("--heap-limit".into());
            args.push(limit.to_string());
        }
        if self.baseline_objects > 0 && !self.peer {
            args.push("--baseline-objects".into());
            args.push(self.baseline_objects.to_string());
        }
        if let Some(python) = &self.python {
            args.push("--python".into());
            args.push(python.display().to_string());
        }
        args
    }

    /// The outcome of a run of this request that failed for `reason` before measuring.
    pub fn failed(&self, reason: String) -> RunOutcome {
        RunOutcome {
            row: RunRow {
                collector: self.collector.clone(),
                workload: self.workload.clone(),
                seed: self.seed,
                heap_limit: self.heap_limit,
                status: format!("failed: {reason}"),
                ..RunRow::default()
            },
            ..RunOutcome::default()
        }
    }
}

/// The line of a child's stderr that says why it died: a panic message, an allocation
/// failure, or the last thing it printed.
fn death_reason(stderr: &str) -> Option<String> {
    let lines: Vec<&str> = stderr
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    if let Some(i) = lines.iter().position(|l| l.contains("panicked at")) {
        let message = lines.get(i + 1).filter(|l| !l.starts_with("note:"));
        return Some(format!("panicked: {}", message.unwrap_or(&lines[i])));
    }
    lines
        .iter()
        .rev()
        .find(|l| !l.starts_with("note:"))
        .map(|l| l.to_string())
}

fn spawn_reader(mut source: impl Read + Send + 'static) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut text = String::new();
        let _ = source.read_to_string(&mut text);
        text
    })
}

/// Runs `request` in a child of this executable, in a process group of its own (killed
/// whole on a timeout or a signal to the parent), killing it after `timeout`. Always returns
/// an outcome: a dead or silent child gives a failed row saying why; after a signal no child
/// is started.
pub fn run_child(request: &ChildRequest, timeout: Duration, interrupts: &Interrupts) -> RunOutcome {
    if let Some(signal) = interrupts.signal() {
        return request.failed(format!(
            "interrupted by {}",
            crate::signals::signal_name(signal)
        ));
    }
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => return request.failed(format!("cannot find own executable: {e}")),
    };
    let mut child = match Command::new(exe)
        .args(request.args())
        .env(PARENT_PID_ENV, std::process::id().to_string())
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(e) => return request.failed(format!("cannot start child: {e}")),
    };
    interrupts.child_started(child.id());
    record_child(child.id());
    let (Some(out), Some(err)) = (child.stdout.take(), child.stderr.take()) else {
        interrupts.kill_child();
        let _ = child.wait();
        interrupts.child_ended();
        return request.failed("child has no output pipes".into());
    };
    let stdout = spawn_reader(out);
    let stderr = spawn_reader(err);
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Ok(status),
            Ok(None) if started.elapsed() >= timeout => {
                interrupts.kill_child();
                let _ = child.kill();
                let _ = child.wait();
                break Err(format!("timeout after {} s", timeout.as_secs_f64()));
            }
            // Polling keeps one thread per run; a few ms of latency is noise next to a run.
            Ok(None) => thread::sleep(Duration::from_millis(2)),
            Err(e) => break Err(format!("waiting for child: {e}")),
        }
    };
    interrupts.child_ended();
    let stdout = stdout.join().unwrap_or_default();
    let stderr = stderr.join().unwrap_or_default();
    let status = match status {
        Ok(status) => status,
        Err(reason) => return request.failed(reason),
    };
    if let Ok(outcome) = serde_json::from_str::<RunOutcome>(stdout.trim()) {
        return outcome;
    }
    let reason = death_reason(&stderr);
    let how = match (status.code(), signal_of(&status)) {
        (Some(code), _) => format!("exit code {code}"),
        (None, Some(signal)) => format!("killed by signal {signal}"),
        (None, None) => "died".to_string(),
    };
    request.failed(match reason {
        Some(reason) => format!("{reason} ({how})"),
        None => how,
    })
}

#[cfg(unix)]
fn signal_of(status: &std::process::ExitStatus) -> Option<i32> {
    use std::os::unix::process::ExitStatusExt;
    status.signal()
}

#[cfg(not(unix))]
fn signal_of(_status: &std::process::ExitStatus) -> Option<i32> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panic_reason_is_the_message_line() {
        let stderr = "\nthread 'main' panicked at src/x.rs:3:5:\nindex out of bounds\nnote: run with `RUST_BACKTRACE=1`\n";
        assert_eq!(
            death_reason(stderr).as_deref(),
            Some("panicked: index out of bounds")
        );
        assert_eq!(
            death_reason("memory allocation of 8 bytes failed\n").as_deref(),
            Some("memory allocation of 8 bytes failed")
        );
        assert_eq!(death_reason(""), None);
    }

    #[test]
    fn arguments_round_trip_the_request() {
        let request = ChildRequest {
            collector: "nogc".into(),
            peer: false,
            workload: "seed-cycles".into(),
            small: true,
            sets: vec![("pairs".into(), "10".into())],
            collector_sets: Vec::new(),
            seed: 7,
            heap_limit: Some(4096),
            baseline_objects: 300,
            python: None,
        };
        assert_eq!(
            request.args().join(" "),
            "run-one --collector nogc --workload seed-cycles --seed 7 --json --small --set seed-cycles.pairs=10 --heap-limit 4096 --baseline-objects 300"
        );
        let peer = ChildRequest {
            collector: "rust-gc".into(),
            peer: true,
            heap_limit: None,
            ..request
        };
        assert_eq!(
            peer.args().join(" "),
            "run-one --peer rust-gc --workload seed-cycles --seed 7 --json --small --set seed-cycles.pairs=10"
        );
        let cpython = ChildRequest {
            collector: "cpython-3.14".into(),
            python: Some("/opt/py/python3.14".into()),
            ..peer
        };
        assert!(
            cpython
                .args()
                .join(" ")
                .ends_with("--peer cpython-3.14 --workload seed-cycles --seed 7 --json --small --set seed-cycles.pairs=10 --python /opt/py/python3.14"),
            "{:?}",
            cpython.args()
        );
    }
}
