//! `gclab run --peers` end to end (cargo feature `peers`): peer rows beside gclab's
//! collectors, with exact counts, in the same files, pauses and README.

use std::process::Command;

use bench_harness::results::{read_results, RunRow};
use workloads::{Size, Workload};

mod support;
use support::{gclab, scratch};

/// The rows of `peer` or collector (CPython's names carry the interpreter's version,
/// `cpython-3.11`, as `peer_names` gives them; `cpython` when python3 is missing).
fn rows_of<'a>(rows: &'a [RunRow], peer: &str, workload: &str) -> Vec<&'a RunRow> {
    rows.iter()
        .filter(|r| r.workload == workload && r.collector == peer)
        .collect()
}

#[test]
fn list_shows_every_peer() {
    let out = gclab(&["list"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for peer in bench_harness::peer_run::peer_names().unwrap() {
        assert!(text.contains(&peer), "{peer} missing from:\n{text}");
    }
}

#[test]
fn quick_peers_run_adds_verified_peer_rows_pauses_and_a_readme_table() {
    let dir = scratch("quick");
    let out = gclab(&[
        "run",
        "--quick",
        "--peers",
        "--workloads",
        "seed-cycles,dll-churn",
        "--out",
        dir.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let set = read_results(&dir).unwrap();
    let gclab_collectors = bench_harness::registry::registry().names();
    for workload in ["seed-cycles", "dll-churn"] {
        let expected = Workload::parse(workload, Size::Small, &[])
            .unwrap()
            .expectations();
        for collector in &gclab_collectors {
            assert_eq!(rows_of(&set.runs, collector, workload).len(), 1);
        }
        for peer in bench_harness::peer_run::peer_names().unwrap() {
            let rows = rows_of(&set.runs, &peer, workload);
            assert_eq!(rows.len(), 1, "{peer} on {workload}: {rows:?}");
            let row = rows[0];
            assert!(
                row.is_ok() || row.is_skipped(),
                "{peer} on {workload}: {}",
                row.status
            );
            if row.is_ok() {
                // The child verified these; the row must carry the same exact numbers.
                assert_eq!(row.objects_allocated, Some(expected.allocated), "{peer}");
                assert!(row.wall_ns.is_some() && row.mmu_10ms.is_some(), "{peer}");
                let logged = set.pauses.get(&row.run_id).map_or(0, Vec::len) as u64;
                assert_eq!(row.pauses_logged, Some(logged), "{peer} on {workload}");
            }
        }
    }
    let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
    assert!(readme.contains("## Peers"), "{readme}");
    let peers_section = &readme[readme.find("## Peers").unwrap()..];
    assert!(
        peers_section.contains("| rust-gc | peer |"),
        "{peers_section}"
    );
    assert!(
        peers_section.contains("| marksweep | gclab |"),
        "{peers_section}"
    );
    assert!(peers_section.contains("1.00x"), "{peers_section}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn run_one_peer_prints_a_checked_json_row() {
    let out = gclab(&[
        "run-one",
        "--peer",
        "bacon-rajan-cc",
        "--workload",
        "seed-cycles",
        "--small",
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let outcome: bench_harness::results::RunOutcome = serde_json::from_slice(&out.stdout).unwrap();
    let expected = Workload::parse("seed-cycles", Size::Small, &[])
        .unwrap()
        .expectations();
    assert_eq!(outcome.row.status, "ok");
    assert_eq!(outcome.row.collector, "bacon-rajan-cc");
    assert_eq!(outcome.row.objects_allocated, Some(expected.allocated));
    // bacon_rajan_cc reclaims cycles: nothing leaks at exit.
    assert_eq!(outcome.row.objects_leaked, Some(0));
}

#[test]
fn unknown_peer_is_a_one_line_usage_error() {
    let out = gclab(&["run-one", "--peer", "nope", "--workload", "seed-cycles"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains("unknown peer"), "{err}");
}

#[test]
fn a_bad_python_is_one_line_naming_it_and_exit_2_everywhere() {
    let dir = scratch("bad-python");
    let out_dir = dir.join("out");
    let bad = dir.join("no-such-python3.13");
    let bad = bad.to_str().unwrap();
    let not_python = dir.join("not-python");
    std::fs::write(&not_python, "").unwrap();
    let not_python = not_python.to_str().unwrap();
    let commands: [&[&str]; 5] = [
        &["list", "--python", bad],
        &[
            "run",
            "--quick",
            "--peers",
            "--python",
            bad,
            "--workloads",
            "seed-cycles",
            "--out",
            out_dir.to_str().unwrap(),
        ],
        &[
            "run-one",
            "--peer",
            "cpython-3.13",
            "--python",
            bad,
            "--workload",
            "seed-cycles",
            "--small",
        ],
        &[
            "run",
            "--quick",
            "--peers",
            "--python",
            not_python,
            "--out",
            out_dir.to_str().unwrap(),
        ],
        &["list", "--python", "python3", "--python", "python3"],
    ];
    for args in commands {
        let out = gclab(args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
        if args.contains(&bad) {
            assert!(err.contains(&format!("{bad} not found")), "{err}");
        } else if args.contains(&not_python) {
            assert!(
                err.contains(&format!("{not_python} is not executable")),
                "{err}"
            );
        } else if !err.contains("not found") {
            // With python3 here, the same interpreter twice would make two rows of one name.
            assert!(err.contains("are both cpython-3."), "{err}");
        }
    }
    assert!(!out_dir.exists(), "nothing is written for bad input");
    let _ = std::fs::remove_dir_all(&dir);
}

/// CI fetches no interpreters: with `GCLAB_PYTHONS` set (e.g. to the wrappers
/// `scripts/fetch-cpython` leaves), each of them is a peer with its own rows.
#[test]
fn every_interpreter_in_gclab_pythons_gets_rows_named_from_its_version() {
    let Some(list) = std::env::var_os(peers::interpreter::PYTHONS_ENV) else {
        eprintln!("skipped: GCLAB_PYTHONS is not set (e.g. scripts/fetch-cpython /tmp/pythons)");
        return;
    };
    let interpreters = peers::Interpreters::choose(&[], Some(&list)).unwrap();
    let dir = scratch("pythons");
    let out = gclab(&[
        "run",
        "--quick",
        "--peers",
        "--collectors",
        "cycle,cycle-313",
        "--workloads",
        "seed-cycles",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let set = read_results(&dir).unwrap();
    for interpreter in &interpreters.found {
        let name = interpreter.peer_name();
        let rows: Vec<&RunRow> = set.runs.iter().filter(|r| r.collector == name).collect();
        assert_eq!(rows.len(), 1, "{name}: {:?}", set.runs);
        assert!(rows[0].is_ok(), "{name}: {}", rows[0].status);
    }
    let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
    for interpreter in &interpreters.found {
        let said = format!(
            "`{}` is Python {}",
            interpreter.peer_name(),
            interpreter.version_text()
        );
        assert!(readme.contains(&said), "{said} missing from:\n{readme}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// `--python` must reach each cell's child: here the children find no `python3` on `PATH` and
/// no `GCLAB_PYTHONS`, so a child that was not handed the path would fail its cell.
#[test]
fn explicit_pythons_reach_every_child() {
    let Ok(found) = Command::new("python3")
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
    else {
        eprintln!("skipped: no python3 here");
        return;
    };
    let real = String::from_utf8_lossy(&found.stdout).trim().to_string();
    let dir = scratch("explicit");
    // A wrapper with an absolute interpreter line runs without PATH.
    let wrapper = dir.join("py");
    std::fs::write(&wrapper, format!("#!/bin/sh\nexec '{real}' \"$@\"\n")).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    if let Err(e) = peers::Interpreter::probe(&wrapper) {
        eprintln!("skipped: python3 cannot be the CPython peer here: {e}");
        return;
    }
    let out_dir = dir.join("out");
    let out = Command::new(env!("CARGO_BIN_EXE_gclab"))
        .env_clear()
        .env("PATH", "/nonexistent")
        .args(["run", "--quick", "--peers", "--python"])
        .arg(&wrapper)
        .args([
            "--collectors",
            "cycle",
            "--workloads",
            "seed-cycles",
            "--out",
        ])
        .arg(&out_dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let set = read_results(&out_dir).unwrap();
    let cpython: Vec<&RunRow> = set
        .runs
        .iter()
        .filter(|r| r.collector.starts_with("cpython-"))
        .collect();
    assert_eq!(cpython.len(), 1, "{:?}", set.runs);
    assert!(cpython[0].is_ok(), "{}", cpython[0].status);
    let _ = std::fs::remove_dir_all(&dir);
}
