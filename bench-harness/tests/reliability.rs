//! `gclab` as a hostile but fair user meets it: killed at every phase of writing, interrupted
//! while a child runs, with closed streams, absurd numbers, foreign and broken folders, and a
//! dirty work tree. Kill points are exact (the `GCLAB_TEST_ABORT_AT` hook); waiting is a
//! bounded poll on process state, never a fixed sleep standing in for an event.

use std::collections::BTreeMap;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

use bench_harness::results::manifest::{verify, FileRole, MANIFEST_JSON};
use bench_harness::results::transaction::{ManifestHead, SetTransaction};
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

mod support;
use support::{scratch, stderr};

fn gclab() -> Command {
    Command::new(env!("CARGO_BIN_EXE_gclab"))
}

fn output(args: &[&str]) -> Output {
    gclab().args(args).output().expect("gclab runs")
}

/// Exit code 2 and exactly one line that contains every fragment.
fn assert_usage_error(out: &Output, fragments: &[&str]) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line, got {err:?}");
    assert!(!err.contains("panicked"), "{err}");
    for f in fragments {
        assert!(err.contains(f), "{err:?} lacks {f:?}");
    }
}

/// Every file under `dir`, by relative path, with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut files = BTreeMap::new();
    walk(dir, dir, &mut files);
    files
}

/// The folder holds exactly a complete set: every listed file as listed, nothing else.
fn assert_complete_set(dir: &Path) {
    let manifest = verify(dir).unwrap_or_else(|e| panic!("{e}"));
    let mut listed: Vec<String> = manifest.files.iter().map(|f| f.path.clone()).collect();
    listed.push(MANIFEST_JSON.to_string());
    listed.sort();
    let found: Vec<String> = snapshot(dir).into_keys().collect();
    assert_eq!(found, listed, "exactly the manifest's files");
}

const OLD_PLAN: &[&str] = &[
    "run",
    "--quick",
    "--workloads",
    "seed-cycles,dll-churn",
    "--collectors",
    "nogc,cycle",
];
const NEW_PLAN: &[&str] = &[
    "run",
    "--quick",
    "--workloads",
    "seed-cycles",
    "--collectors",
    "nogc",
];

#[test]
fn a_writer_killed_at_any_phase_leaves_the_old_set_or_the_new_one() {
    let root = scratch("phases");
    let dir = root.join("out");
    let out_arg = ["--out", dir.to_str().unwrap()];
    let old = output(&[OLD_PLAN, &out_arg].concat());
    assert!(old.status.success(), "{}", stderr(&old));
    assert_complete_set(&dir);
    let old_files = snapshot(&dir);
    let phases = [
        "running",
        "write:runs.csv",
        "write:pauses.csv",
        "write:heap.csv",
        "write:curves.csv",
        "write:runs.json",
        "write:charts/throughput.svg",
        "write:charts/seed-cycles-heap.png",
        "write:README.md",
        "write:manifest.json",
        "sync",
        "rename",
    ];
    for phase in phases {
        let out = gclab()
            .args([NEW_PLAN, &out_arg].concat())
            .env("GCLAB_TEST_ABORT_AT", phase)
            .output()
            .unwrap();
        assert_eq!(
            out.status.signal(),
            Some(Signal::SIGABRT as i32),
            "{phase}: the hook fired: {}",
            stderr(&out)
        );
        assert!(
            snapshot(&dir) == old_files,
            "{phase}: the old set, whole and alone"
        );
    }
    // Killed just after the swap: the new set is in place, complete; the old one, beside it
    // under the staging name, is removed by the next writer.
    let out = gclab()
        .args([NEW_PLAN, &out_arg].concat())
        .env("GCLAB_TEST_ABORT_AT", "renamed")
        .output()
        .unwrap();
    assert_eq!(out.status.signal(), Some(Signal::SIGABRT as i32));
    assert_complete_set(&dir);
    let new_files = snapshot(&dir);
    assert!(new_files != old_files);
    assert!(
        !new_files.keys().any(|f| f.contains("dll-churn")),
        "no stale chart of a workload not in the new run"
    );
    let again = output(&[NEW_PLAN, &out_arg].concat());
    assert!(again.status.success(), "{}", stderr(&again));
    assert_complete_set(&dir);
    let left: Vec<String> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        left,
        vec!["out".to_string()],
        "no staging folder left beside it"
    );
    let _ = std::fs::remove_dir_all(&root);
}

/// A run whose one cell takes far longer than the test (ten billion list nodes).
fn start_long_run(dir: &Path, pid_file: &Path) -> Child {
    gclab()
        .args([
            "run",
            "--workloads",
            "dll-churn",
            "--collectors",
            "cycle",
            "--set",
            "dll-churn.lists=10000000000",
            "--timeout",
            "600",
            "--out",
            dir.to_str().unwrap(),
        ])
        .env("GCLAB_TEST_CHILD_PID_FILE", pid_file)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Polls `condition` every few ms for at most `limit`.
fn eventually(limit: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if condition() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    condition()
}

/// The first child pid the parent recorded, once its `run-one` is running.
fn child_pid(pid_file: &Path) -> i32 {
    let mut pid = 0;
    assert!(
        eventually(Duration::from_secs(60), || {
            pid = std::fs::read_to_string(pid_file)
                .ok()
                .and_then(|t| t.lines().next().and_then(|l| l.trim().parse().ok()))
                .unwrap_or(0);
            pid > 0
        }),
        "the parent started a child"
    );
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    assert!(
        String::from_utf8_lossy(&cmdline).contains("run-one"),
        "pid {pid} is the run-one child"
    );
    pid
}

/// Whether `pid` is gone or a zombie (dead, waiting only for a reaper).
fn dead(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
    }
}

fn wait(child: &mut Child) -> ExitStatus {
    child.wait().unwrap()
}

#[test]
fn a_signal_to_the_parent_kills_its_child_and_writes_nothing() {
    for (signal, code) in [
        (Signal::SIGINT, 130),
        (Signal::SIGTERM, 143),
        (Signal::SIGHUP, 129),
    ] {
        let root = scratch(&format!("signal-{}", signal.as_str()));
        let pid_file = root.join("pids");
        let dir = root.join("out");
        let mut parent = start_long_run(&dir, &pid_file);
        let child = child_pid(&pid_file);
        kill(Pid::from_raw(parent.id() as i32), signal).unwrap();
        let status = wait(&mut parent);
        let mut err = String::new();
        std::io::Read::read_to_string(parent.stderr.as_mut().unwrap(), &mut err).unwrap();
        assert_eq!(status.code(), Some(code), "{signal}: {err}");
        assert!(err.contains("nothing written"), "{err}");
        assert!(dead(child), "{signal}: child {child} outlived its parent");
        let left: Vec<String> = std::fs::read_dir(&root)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            left,
            vec!["pids".to_string()],
            "{signal}: nothing partial written"
        );
        let _ = std::fs::remove_dir_all(&root);
    }
}

#[test]
fn a_parent_killed_outright_takes_its_child_with_it() {
    let root = scratch("sigkill");
    let pid_file = root.join("pids");
    let mut parent = start_long_run(&root.join("out"), &pid_file);
    let child = child_pid(&pid_file);
    parent.kill().unwrap();
    wait(&mut parent);
    assert!(
        eventually(Duration::from_secs(30), || dead(child)),
        "child {child} survived its parent's SIGKILL"
    );
    assert!(!root.join("out").exists());
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn closed_streams_stop_the_printing_not_the_work() {
    let root = scratch("pipes");
    let dir = root.join("out");
    for closed in ["stdout", "stderr"] {
        let _ = std::fs::remove_dir_all(&dir);
        let mut cmd = gclab();
        cmd.args([NEW_PLAN, &["--out", dir.to_str().unwrap()]].concat());
        cmd.stdin(Stdio::null());
        if closed == "stdout" {
            cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        } else {
            cmd.stdout(Stdio::null()).stderr(Stdio::piped());
        }
        let mut child = cmd.spawn().unwrap();
        // Drop the read end before gclab has anything to say.
        let keep = if closed == "stdout" {
            drop(child.stdout.take());
            child.stderr.take()
        } else {
            drop(child.stderr.take());
            None
        };
        let status = wait(&mut child);
        let mut err = String::new();
        if let Some(mut e) = keep {
            std::io::Read::read_to_string(&mut e, &mut err).unwrap();
        }
        assert_eq!(status.code(), Some(0), "{closed} closed: {err}");
        assert!(!err.contains("panicked"), "{err}");
        assert_complete_set(&dir);
    }
    for args in [
        &["list"][..],
        &[
            "run-one",
            "--collector",
            "nogc",
            "--workload",
            "seed-cycles",
            "--small",
            "--json",
        ],
        &["--help"],
    ] {
        let mut child = gclab()
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        assert!(
            !stderr(&out).contains("panicked"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn hostile_numbers_are_refused_before_any_child_starts() {
    let root = scratch("numbers");
    let pid_file = root.join("pids");
    let out_dir = root.join("out");
    let out = out_dir.to_str().unwrap();
    let base = ["run", "--quick", "--workloads", "seed-cycles", "--out", out];
    let cases: &[(&[&str], &[&str])] = &[
        (&["--timeout", "inf"], &["--timeout"]),
        (&["--timeout", "1e30"], &["--timeout"]),
        (&["--timeout", "-1"], &["--timeout"]),
        (&["--timeout", "0"], &["--timeout"]),
        (&["--timeout", "NaN"], &["--timeout"]),
        (&["--seeds", "18446744073709551615"], &["--seeds", "100000"]),
        (&["--repeat", "4294967295"], &["--repeat"]),
        (&["--seeds", "0"], &["--seeds"]),
        (&["--memory-budget-mib", "0"], &["--memory-budget-mib"]),
        (
            &["--memory-budget-mib", "18446744073709551615"],
            &["--memory-budget-mib"],
        ),
        (&["--heap-multiples", "1e308"], &["heap multiple"]),
        (&["--heap-multiples", "inf"], &["heap multiple"]),
    ];
    for (extra, fragments) in cases {
        let out = gclab()
            .args([&base[..], extra].concat())
            .env("GCLAB_TEST_CHILD_PID_FILE", &pid_file)
            .output()
            .unwrap();
        assert_usage_error(&out, fragments);
        assert!(!pid_file.exists(), "{extra:?}: no child started");
        assert!(!out_dir.exists(), "{extra:?}: nothing written");
    }
    // An --out that cannot be written fails before the first cell, not after the matrix.
    let out = gclab()
        .args([
            "run",
            "--quick",
            "--workloads",
            "seed-cycles",
            "--force",
            "--out",
            "/proc/1/gclab",
        ])
        .env("GCLAB_TEST_CHILD_PID_FILE", &pid_file)
        .output()
        .unwrap();
    assert_usage_error(&out, &["cannot write to", "/proc/1/gclab"]);
    assert!(!pid_file.exists(), "no child started");
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn an_out_folder_of_other_files_is_replaced_only_with_force() {
    let root = scratch("force");
    let dir = root.join("out");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("README.md"), "my notes").unwrap();
    std::fs::write(dir.join("runs.csv"), "mine").unwrap();
    let out_arg = ["--out", dir.to_str().unwrap()];
    let refused = output(&[NEW_PLAN, &out_arg].concat());
    assert_usage_error(
        &refused,
        &["files gclab did not write", "README.md", "--force"],
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("README.md")).unwrap(),
        "my notes"
    );
    let forced = output(&[NEW_PLAN, &out_arg, &["--force"]].concat());
    assert!(forced.status.success(), "{}", stderr(&forced));
    assert_complete_set(&dir);
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn one_set_syntax_and_sets_only_for_workloads_in_the_run() {
    assert_usage_error(
        &output(&[
            "run",
            "--quick",
            "--workloads",
            "seed-cycles",
            "--set",
            "dll-churn.lists=1",
        ]),
        &["--set dll-churn.lists=1", "not in this run"],
    );
    let run_one = [
        "run-one",
        "--collector",
        "nogc",
        "--workload",
        "seed-cycles",
        "--small",
    ];
    assert_usage_error(
        &output(&[&run_one[..], &["--set", "pairs=10"]].concat()),
        &["workload.param=value"],
    );
    assert_usage_error(
        &output(&[&run_one[..], &["--set", "dll-churn.lists=10"]].concat()),
        &["dll-churn", "--workload seed-cycles"],
    );
    let ok = output(&[&run_one[..], &["--set", "seed-cycles.pairs=10", "--json"]].concat());
    assert!(ok.status.success(), "{}", stderr(&ok));
}

/// A set whose manifest checks out but whose `runs.csv` / `runs.json` are as given.
fn crafted_set(dir: &Path, runs_csv: &[u8], runs_json: &[u8]) {
    let _ = std::fs::remove_dir_all(dir);
    let mut tx = SetTransaction::begin(dir, false).unwrap();
    tx.write("runs.csv", FileRole::Summary, runs_csv).unwrap();
    tx.write("curves.csv", FileRole::Summary, b"run_id,curve,x,y\n")
        .unwrap();
    tx.write("runs.json", FileRole::Summary, runs_json).unwrap();
    tx.commit(ManifestHead {
        revision: None,
        dirty: None,
        plan_fingerprint: "0".into(),
        plan: serde_json::Value::Null,
        ..Default::default()
    })
    .unwrap();
}

#[test]
fn plot_and_compare_refuse_empty_truncated_and_corrupt_sets() {
    let root = scratch("broken");
    let good = root.join("good");
    let out = output(&[NEW_PLAN, &["--out", good.to_str().unwrap()]].concat());
    assert!(out.status.success(), "{}", stderr(&out));
    let runs = std::fs::read(good.join("runs.csv")).unwrap();
    let json = std::fs::read(good.join("runs.json")).unwrap();
    let header_end = runs.iter().position(|&b| b == b'\n').unwrap() + 1;
    let bad = root.join("bad");
    let cases: &[(&[u8], &[u8], &str)] = &[
        (b"", &json, "empty or truncated"),
        (&runs[..header_end / 2], &json, "empty or truncated"),
        (&runs[..header_end], &json, "no runs"),
        (&runs, b"{\"provenance\": ", "not JSON"),
        (&runs, b"[1, 2]", "not a JSON object"),
    ];
    for (csv, json, fragment) in cases {
        crafted_set(&bad, csv, json);
        let b = bad.to_str().unwrap();
        assert_usage_error(&output(&["plot", "--from", b]), &[fragment]);
        assert_usage_error(
            &output(&["compare", good.to_str().unwrap(), b]),
            &[fragment],
        );
    }
    // A set from before manifests: refused, with what to do.
    std::fs::remove_file(good.join(MANIFEST_JSON)).unwrap();
    assert_usage_error(
        &output(&["plot", "--from", good.to_str().unwrap()]),
        &["no manifest.json", "regenerate it with `gclab run --out"],
    );
    let _ = std::fs::remove_dir_all(&root);
}

fn git(repo: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .current_dir(repo)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?}");
}

#[test]
fn results_inside_the_work_tree_need_a_clean_tree_or_allow_dirty() {
    let repo = scratch("dirty");
    git(&repo, &["init", "-q"]);
    std::fs::write(repo.join("code.rs"), "fn main() {}\n").unwrap();
    git(&repo, &["add", "code.rs"]);
    git(&repo, &["commit", "-qm", "one"]);
    std::fs::write(repo.join("code.rs"), "fn main() { changed() }\n").unwrap();
    let run = |extra: &[&str]| {
        gclab()
            .args([NEW_PLAN, &["--out", "results"], extra].concat())
            .current_dir(&repo)
            .output()
            .unwrap()
    };
    assert_usage_error(&run(&[]), &["uncommitted", "code.rs", "--allow-dirty"]);
    assert!(!repo.join("results").exists());
    let allowed = run(&["--allow-dirty"]);
    assert!(allowed.status.success(), "{}", stderr(&allowed));
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(repo.join("results/runs.json")).unwrap()).unwrap();
    assert_eq!(json["provenance"]["git_dirty"], true);
    assert_eq!(json["provenance"]["dirty_allowed"], true);
    let readme = std::fs::read_to_string(repo.join("results/README.md")).unwrap();
    assert!(readme.contains("accepted by --allow-dirty"), "{readme}");
    // Committed code, uncommitted results: the results' own changes do not count.
    git(&repo, &["commit", "-qam", "two"]);
    let clean = run(&[]);
    assert!(clean.status.success(), "{}", stderr(&clean));
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(repo.join("results/runs.json")).unwrap()).unwrap();
    assert_eq!(json["provenance"]["git_dirty"], false);
    let manifest = verify(&repo.join("results")).unwrap();
    assert_eq!(manifest.dirty, Some(false));
    assert_eq!(manifest.revision.as_deref().map(str::len), Some(40));
    let _ = std::fs::remove_dir_all(&repo);
}
