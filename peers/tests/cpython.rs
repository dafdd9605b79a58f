//! The CPython peer: exact counts from the driver, or a clean skip without python3; and the
//! same on every interpreter `GCLAB_PYTHONS` names, when it is set.

use peers::cpython::{self, CPythonConfig};
use peers::interpreter::PYTHONS_ENV;
use peers::{Interpreters, Peer, PeerOutcome};
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
    // The gc.callbacks "stop" info: the explicit gc.collect() is a full collection.
    assert_eq!((last.generation, last.uncollectable), (Some(2), 0));
    assert!(result.frozen > 0, "the driver's own objects were frozen");
}

#[test]
fn every_collection_carries_its_generation() {
    // 2,000 pairs with automatic collection: on CPython 3.11 (which collects inside the
    // allocation that crosses threshold 0) 5 generation-0 collections of 700 nodes each,
    // as the driver allocates nothing tracked that would shift count 0; then the final
    // explicit one.
    let Some(result) = run("seed-cycles", &[]) else {
        return;
    };
    let pairs: Vec<(Option<u8>, u64)> = result
        .pauses
        .iter()
        .map(|p| (p.generation, p.freed))
        .collect();
    let threshold = result.pauses.len() - 1;
    assert!(
        pairs[..threshold].iter().all(|&p| p.0 == Some(0)),
        "{pairs:?}"
    );
    if result.peer == "cpython-3.11" {
        assert_eq!(pairs[..threshold], [(Some(0), 700); 5]);
    }
    assert_eq!(pairs.last().unwrap().0, Some(2));
    let freed: u64 = pairs.iter().map(|p| p.1).sum();
    assert_eq!(freed, 4_000);
}

#[test]
fn dll_churn_counts_are_exact() {
    let Some(result) = run("dll-churn", &[]) else {
        return;
    };
    assert_eq!(result.leaked_at_exit, 0);
    assert!(result.automatic_collections > 0);
}

/// Runs of one workload and seed at once in one process (as the tests above are, on
/// parallel test threads) each replay their own program: they used to share one temp file,
/// so one run deleted or overwrote another's (a CI failure: "No such file or directory").
#[test]
fn concurrent_runs_of_one_workload_and_seed_keep_their_own_programs() {
    let pairs = ["500", "1000", "1500", "2000"];
    let allocated: Vec<Option<u64>> = std::thread::scope(|scope| {
        let runs: Vec<_> = pairs
            .iter()
            .map(|n| {
                scope.spawn(move || {
                    run("seed-cycles", &[("pairs", n), ("auto_collect", "false")])
                        .map(|r| r.allocated)
                })
            })
            .collect();
        runs.into_iter().map(|r| r.join().unwrap()).collect()
    });
    if allocated.iter().all(Option::is_none) {
        return;
    }
    // Two objects a pair: each run replayed the program for its own parameters.
    let expected: Vec<Option<u64>> = pairs
        .iter()
        .map(|n| Some(2 * n.parse::<u64>().unwrap()))
        .collect();
    assert_eq!(allocated, expected);
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
        ..CPythonConfig::default()
    };
    match cpython::run(&workload, 1, &config).unwrap() {
        PeerOutcome::Skipped(reason) => assert!(reason.contains("not found"), "{reason}"),
        other => panic!("{other:?}"),
    }
}

/// CI fetches no interpreters: set `GCLAB_PYTHONS` (e.g. to the wrappers `scripts/fetch-cpython`
/// leaves) to run this on each of them.
#[test]
fn every_interpreter_named_by_gclab_pythons_runs_a_tiny_workload_with_exact_counts() {
    let Some(list) = std::env::var_os(PYTHONS_ENV) else {
        eprintln!("skipped: {PYTHONS_ENV} is not set (e.g. scripts/fetch-cpython /tmp/pythons)");
        return;
    };
    let interpreters = Interpreters::choose(&[], Some(&list)).unwrap();
    assert!(!interpreters.found.is_empty(), "{PYTHONS_ENV} names none");
    let workload = Workload::parse("seed-cycles", Size::Small, &[]).unwrap();
    for interpreter in &interpreters.found {
        let peer = Peer::CPython(interpreter.config());
        assert_eq!(peer.name(), interpreter.peer_name());
        let result = match peer.run(&workload, 3).unwrap() {
            PeerOutcome::Ran(result) => result,
            other => panic!("{}: {other:?}", interpreter.path.display()),
        };
        result.verify(&workload, peer.reclaims()).unwrap();
        // The driver names its result from the interpreter it really ran in.
        assert_eq!(result.peer, peer.name(), "{}", interpreter.path.display());
        assert!(result.automatic_collections > 0, "{result:?}");
        eprintln!(
            "{} {} {}: {} pauses",
            peer.name(),
            interpreter.version_text(),
            interpreter.thresholds_text(),
            result.pauses.len()
        );
    }
}

#[test]
fn the_machines_python3_is_probed_and_named_from_its_version() {
    let Ok(interpreter) = peers::Interpreter::probe("python3".as_ref()) else {
        eprintln!("skipped: python3 cannot be used here");
        return;
    };
    let [major, minor, _] = interpreter.version;
    assert_eq!(interpreter.peer_name(), format!("cpython-{major}.{minor}"));
    assert_eq!(interpreter.thresholds.len(), 3, "{interpreter:?}");
    let workload = Workload::parse("seed-cycles", Size::Small, &[]).unwrap();
    match Peer::CPython(interpreter.config())
        .run(&workload, 1)
        .unwrap()
    {
        PeerOutcome::Ran(result) => assert_eq!(result.peer, interpreter.peer_name()),
        other => panic!("{other:?}"),
    }
}

/// Runs the driver on a program file holding `bytes`; the one line it printed to stderr
/// after exiting with code 2, or `None` when python3 cannot be started here.
fn driver_rejection(name: &str, bytes: &[u8]) -> Option<String> {
    let (code, _, stderr) = drive(name, bytes)?;
    assert_eq!(code, Some(2), "{stderr}");
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

/// A program file written by hand: `source` defining `f0`..., called in the order `calls`,
/// with finalizer `tags` and no payload (the format of `peers::pyprogram`).
fn hand_program(source: &str, functions: u32, calls: &[u32], tags: &[u32]) -> Vec<u8> {
    let header = serde_json::json!({
        "source_bytes": source.len(), "calls": calls.len(), "payload_bytes": 0,
        "payload_writes": 0, "tags": tags.len(), "allocated": 0,
        "functions": functions, "operations": 0,
    });
    let mut bytes = b"GCPYPROG 1\n".to_vec();
    bytes.extend_from_slice(header.to_string().as_bytes());
    bytes.push(b'\n');
    bytes.extend_from_slice(source.as_bytes());
    for v in calls.iter().chain(tags) {
        bytes.extend_from_slice(&v.to_le_bytes());
    }
    bytes
}

/// Runs the driver on `bytes`: (exit code, stdout, stderr), or `None` without python3.
fn drive(name: &str, bytes: &[u8]) -> Option<(Option<i32>, String, String)> {
    let path = std::env::temp_dir().join(format!("gclab-{name}-{}", std::process::id()));
    std::fs::write(&path, bytes).unwrap();
    let out = std::process::Command::new("python3")
        .arg(cpython::driver_path())
        .arg(&path)
        .output();
    let _ = std::fs::remove_file(&path);
    let out = out.ok()?;
    Some((
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    ))
}

/// Drives the one-function program `source` and expects a quiet success: its JSON result.
fn quiet_run(name: &str, source: &str, tags: &[u32]) -> Option<serde_json::Value> {
    let (code, stdout, stderr) = drive(name, &hand_program(source, 1, &[0], tags))?;
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    Some(serde_json::from_str(&stdout).unwrap())
}

/// Drives the one-function program `source` and expects the replay to fail (exit code 1)
/// with one line on stderr: that line.
fn failed_run(name: &str, source: &str, tags: &[u32]) -> Option<String> {
    let (code, _, stderr) = drive(name, &hand_program(source, 1, &[0], tags))?;
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    Some(stderr)
}

#[test]
fn weak_references_can_carry_finalizers_and_be_weakly_referenced() {
    let source = "def f0(s):\n    reserve(s, 3)\n    s[0] = N0(0)\n    s[1] = WeakNode(s[0])\n    \
                  s[2] = WeakNode(s[1])\n    set_finalizer(s[1], tag(), None)\n    s[1] = None\n    \
                  assert s[2]() is None\n";
    if let Some(result) = quiet_run("weak-fin", source, &[7]) {
        assert_eq!(result["finalizers_run"], 1, "{result}");
    }
}

#[test]
fn a_resurrecting_finalizer_still_alive_at_the_end_tears_down_quietly() {
    let source =
        "def f0(s):\n    reserve(s, 2)\n    s[0] = N0(0)\n    set_finalizer(s[0], tag(), 1)\n";
    if let Some(result) = quiet_run("resurrect-end", source, &[1]) {
        assert_eq!(result["finalizers_run"], 1, "{result}");
    }
}

#[test]
fn a_program_reading_past_its_payload_values_fails_with_one_line() {
    let source = "def f0(s):\n    reserve(s, 1)\n    s[0] = N0(4)\n    s[0].payload = nxt()\n";
    if let Some(message) = failed_run("short-payload", source, &[]) {
        assert!(message.contains("more payload values"), "{message}");
    }
}

#[test]
fn an_exception_inside_a_finalizer_fails_the_run_with_one_line() {
    // The finalizer resurrects into slot 5 of a one-slot array: an IndexError in __del__,
    // which CPython alone would print and ignore.
    let source = "def f0(s):\n    reserve(s, 1)\n    s[0] = N0(0)\n    \
                  set_finalizer(s[0], tag(), 5)\n    s[0] = None\n";
    if let Some(message) = failed_run("bad-finalizer", source, &[3]) {
        assert!(message.contains("inside finalizers"), "{message}");
    }
}
