//! The CPython peer: exact counts from the driver, or a clean skip without python3.

use peers::cpython::{self, CPythonConfig};
use peers::{Peer, PeerOutcome};
use workloads::{Size, Workload};

fn run(name: &str, overrides: &[(&str, &str)]) -> Option<peers::PeerRunResult> {
    let overrides: Vec<(String, String)> = overrides
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let workload = Workload::parse(name, Size::Small, &overrides).unwrap();
    match cpython::run(&workload, 5, &CPythonConfig::default()).unwrap() {
        PeerOutcome::Ran(result) => {
            result
                .verify(
                    &workload,
                    Peer::CPython(CPythonConfig::default()).reclaims(),
                )
                .unwrap();
            Some(result)
        }
        PeerOutcome::Skipped(reason) => {
            eprintln!("{reason}");
            None
        }
    }
}

#[test]
fn seed_cycles_counts_are_exact_and_the_final_collect_frees_every_pair() {
    let Some(result) = run("seed-cycles", &[("auto_collect", "false")]) else {
        return;
    };
    assert!(result.peer.starts_with("cpython-3."));
    assert_eq!(result.allocated, 4_000);
    assert_eq!(result.alive_after_final_collect, 0);
    assert_eq!(result.explicit_collections, 1);
    assert_eq!(result.automatic_collections, 0);
    let last = result.pauses.last().unwrap();
    assert!(!last.automatic);
    assert_eq!(last.freed, 4_000);
    assert_eq!(result.freed_during_run, 4_000);
}

#[test]
fn dll_churn_counts_are_exact() {
    let Some(result) = run("dll-churn", &[]) else {
        return;
    };
    assert_eq!(result.leaked_at_exit, 0);
    assert!(result.automatic_collections > 0);
}

#[test]
fn weak_cache_and_finalizers_replay_with_exact_counts() {
    run("weak-cache", &[]);
    run("finalizers", &[]);
}

#[test]
fn a_missing_interpreter_is_a_skip_not_an_error() {
    let workload = Workload::parse("seed-cycles", Size::Small, &[]).unwrap();
    let config = CPythonConfig {
        python: "/nonexistent/python3".into(),
        thresholds: None,
    };
    match cpython::run(&workload, 1, &config).unwrap() {
        PeerOutcome::Skipped(reason) => assert!(reason.contains("not found"), "{reason}"),
        other => panic!("{other:?}"),
    }
}

/// Runs the driver on a program file holding `bytes`; the one line it printed to stderr
/// after exiting with code 2, or `None` when python3 cannot be started here.
fn driver_rejection(name: &str, bytes: &[u8]) -> Option<String> {
    let path = std::env::temp_dir().join(format!("gclab-{name}-{}", std::process::id()));
    std::fs::write(&path, bytes).unwrap();
    let out = std::process::Command::new("python3")
        .arg(cpython::driver_path())
        .arg(&path)
        .output();
    let _ = std::fs::remove_file(&path);
    let out = out.ok()?;
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    Some(stderr)
}

#[test]
fn the_driver_rejects_a_bad_program_with_one_line() {
    if let Some(message) = driver_rejection("bad-program", b"not a program") {
        assert!(message.contains("bad magic"), "{message}");
    }
}

#[test]
fn the_driver_rejects_a_truncated_program_with_one_line() {
    let workload = Workload::parse("seed-cycles", Size::Small, &[]).unwrap();
    let trace = cpython::record_trace(&workload, 1).unwrap();
    let mut bytes = peers::pyprogram::compile_trace(&trace).unwrap().to_bytes();
    bytes.truncate(bytes.len() - 3);
    if let Some(message) = driver_rejection("short-program", &bytes) {
        assert!(message.contains("the header announces"), "{message}");
    }
}
