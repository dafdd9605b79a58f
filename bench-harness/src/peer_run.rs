//! Peer cells (cargo feature `peers`): one run of an existing memory manager (`Rc`,
//! bacon_rajan_cc, dumpster, rust-gc, CPython) on a gclab workload, turned into the same
//! [`RunOutcome`] as gclab's own collectors, so rows, pause timelines, percentiles, MMU,
//! charts and the README treat both alike. Counts are checked with
//! [`peers::PeerRunResult::verify`]; a peer missing on this machine gives a `skipped: ...` row,
//! a workload the peer cannot run honestly a `failed: unsupported ...` row.
//!
//! CPython is one peer per interpreter (`--python PATH`, repeatable, else `GCLAB_PYTHONS`,
//! else `python3`; see [`peers::interpreter`]), each named from its own version
//! (`cpython-3.13`): the plan asks them once and hands each child its interpreter's path.

use std::path::{Path, PathBuf};

use gc_core::Reclaims;
use peers::{Interpreters, Peer, PeerError, PeerOutcome, PeerPause};
use workloads::Workload;

use crate::measure::{peak_rss_bytes, record_timeline};
use crate::metrics::{Pause, PauseKindName};
use crate::plan::PlannedInterpreter;
use crate::results::{RunOutcome, RunRow};

/// The name every peer is run by (`run-one --peer NAME`), in listing order, with the CPython
/// interpreters `pythons` names (else those of `GCLAB_PYTHONS`, else `python3`), and what
/// each CPython peer runs. The error (one line) names an interpreter that cannot be used.
pub fn planned_peers(
    pythons: &[PathBuf],
) -> Result<(Vec<String>, Vec<PlannedInterpreter>), String> {
    let interpreters = Interpreters::from_env(pythons)?;
    let names = Peer::with_interpreters(&interpreters)
        .iter()
        .map(Peer::name)
        .collect();
    let planned = interpreters
        .found
        .iter()
        .map(|i| PlannedInterpreter {
            peer: i.peer_name(),
            path: i.path.clone(),
            version: i.version_text(),
            thresholds: i.thresholds.clone(),
        })
        .collect();
    Ok((names, planned))
}

/// The peers' names as [`planned_peers`] gives them for this process's environment.
pub fn peer_names() -> Result<Vec<String>, String> {
    planned_peers(&[]).map(|(names, _)| names)
}

/// What the peer is, for `gclab list`.
fn describe(peer: &Peer) -> &'static str {
    match peer {
        Peer::Rc => "std::rc::Rc<RefCell<_>>: reference counting, no cycle collection",
        Peer::BaconRajanCc => "bacon_rajan_cc: reference counting + synchronous trial deletion",
        Peer::Dumpster => "dumpster (unsync): reference counting + tracing cycle collector",
        Peer::RustGc => "gc (rust-gc): mark-sweep",
        Peer::CPython(_) => "CPython's own gc",
    }
}

fn reclaims_name(reclaims: Reclaims) -> &'static str {
    match reclaims {
        Reclaims::Nothing => "reclaims nothing",
        Reclaims::AcyclicOnly => "reclaims acyclic garbage only",
        Reclaims::Everything => "reclaims all garbage",
    }
}

/// The interpreter behind a CPython peer, for `gclab list`.
fn interpreter_note(peer: &Peer, interpreters: &Interpreters) -> String {
    match (peer, interpreters.named(&peer.name())) {
        (Peer::CPython(_), Some(i)) => format!(
            ": Python {} at {}, gc.get_threshold() = {}",
            i.version_text(),
            i.path.display(),
            i.thresholds_text()
        ),
        (Peer::CPython(_), None) => format!(
            " ({}; name one with --python PATH or {})",
            interpreters.skipped.as_deref().unwrap_or("skipped"),
            peers::interpreter::PYTHONS_ENV
        ),
        _ => String::new(),
    }
}

/// The `Peers` section of `gclab list`: every peer, each CPython interpreter (`pythons`, else
/// `GCLAB_PYTHONS`, else `python3`) with its version and thresholds. The error (one line)
/// names an interpreter that cannot be used.
pub fn list_peers(pythons: &[PathBuf]) -> Result<String, String> {
    let interpreters = Interpreters::from_env(pythons)?;
    let mut out = String::from("\nPeers (added by `gclab run --peers`):\n");
    for peer in Peer::with_interpreters(&interpreters) {
        out.push_str(&format!(
            "  {:<16} {}{}; {}\n",
            peer.name(),
            describe(&peer),
            interpreter_note(&peer, &interpreters),
            reclaims_name(peer.reclaims())
        ));
    }
    Ok(out)
}

/// The peer called `name`; a CPython one is looked up among the interpreters (`python`, else
/// `GCLAB_PYTHONS`, else `python3`) by its version's name, `cpython` taking the first.
fn find_peer(name: &str, python: Option<&Path>) -> Result<Peer, String> {
    if name != "cpython" && !name.starts_with("cpython-") {
        if python.is_some() {
            return Err(format!("--python is for CPython peers, not {name}"));
        }
        return Peer::parse(name);
    }
    let explicit: Vec<PathBuf> = python.map(Path::to_path_buf).into_iter().collect();
    let interpreters = Interpreters::from_env(&explicit)?;
    let peers = Peer::with_interpreters(&interpreters);
    let mut cpythons = peers.into_iter().filter(|p| matches!(p, Peer::CPython(_)));
    if name == "cpython" {
        // with_interpreters always has a CPython peer (python3's, skipped, when none answered).
        return cpythons.next().ok_or_else(|| "no CPython peer".to_string());
    }
    let known: Vec<Peer> = cpythons.collect();
    known.iter().find(|p| p.name() == name).cloned().ok_or_else(|| {
        let have: Vec<String> = known
            .iter()
            .map(|p| match p {
                Peer::CPython(c) => format!("{} ({})", p.name(), c.python.display()),
                _ => p.name(),
            })
            .collect();
        format!(
            "no interpreter for peer {name}: the interpreters here are {} (name one with --python PATH)",
            have.join(", ")
        )
    })
}

/// A peer's collection as a pause of the shared timeline. The peers do not report heap
/// bytes, so those stay 0.
fn as_pause(pause: &PeerPause) -> Pause {
    Pause {
        start_ns: pause.start_ns,
        end_ns: pause.end_ns,
        kind: PauseKindName::Collection,
        generation: pause.generation,
        heap_before: 0,
        heap_after: 0,
        freed: pause.freed,
        requested: !pause.automatic,
    }
}

/// Runs `workload` with `seed` on the peer called `name` and measures it like
/// [`crate::measure::measure`]; `python` is the interpreter of a CPython peer (else
/// `GCLAB_PYTHONS`, else `python3`). The error is for an unknown peer name or an interpreter
/// that cannot be used (bad input); every other outcome, failures included, is the row's status.
pub fn measure_peer(
    name: &str,
    python: Option<&Path>,
    workload: &Workload,
    seed: u64,
) -> Result<RunOutcome, String> {
    let peer = find_peer(name, python)?;
    let mut row = RunRow {
        collector: peer.name(),
        workload: workload.name().to_string(),
        seed,
        params: workload.params_json().to_string(),
        status: "ok".to_string(),
        ..RunRow::default()
    };
    let result = match peer.run(workload, seed) {
        Ok(PeerOutcome::Ran(result)) => result,
        Ok(PeerOutcome::Skipped(why)) => {
            row.status = if why.starts_with("skipped") {
                why
            } else {
                format!("skipped: {why}")
            };
            return Ok(RunOutcome {
                row,
                ..RunOutcome::default()
            });
        }
        Err(PeerError::Unsupported { what, .. }) => {
            row.fail(format_args!("unsupported {what}"));
            return Ok(RunOutcome {
                row,
                ..RunOutcome::default()
            });
        }
        Err(e) => {
            row.fail(e);
            return Ok(RunOutcome {
                row,
                ..RunOutcome::default()
            });
        }
    };
    // CPython's rows carry the interpreter's version (`cpython-3.11`).
    row.collector = result.peer.clone();
    let pauses: Vec<Pause> = result.pauses.iter().map(as_pause).collect();
    let (pauses, curves) = record_timeline(&mut row, pauses, result.wall_ns);
    row.objects_allocated = Some(result.allocated);
    row.objects_freed = Some(
        result
            .allocated
            .saturating_sub(result.alive_after_final_collect),
    );
    // gclab's `leaked` is garbage still allocated after the final full collection; the
    // census gives what is allocated then, the workload how much of it is reachable.
    let reachable = workload
        .expectations()
        .allocated_after_full_collection(Reclaims::Everything);
    row.objects_leaked = Some(result.alive_after_final_collect.saturating_sub(reachable));
    if let Err(reason) = result.verify(workload, peer.reclaims()) {
        row.fail(reason);
    }
    // CPython runs in its own process: this process's peak RSS would say nothing about it.
    if !matches!(peer, Peer::CPython(_)) {
        row.peak_rss_bytes = peak_rss_bytes();
    }
    Ok(RunOutcome {
        row,
        pauses,
        heap_samples: Vec::new(),
        curves,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use workloads::Size;

    #[test]
    fn rc_on_seed_cycles_verifies_and_counts_its_leaked_cycles() {
        let w = Workload::parse("seed-cycles", Size::Small, &[]).unwrap();
        let out = measure_peer("rc", None, &w, 1).unwrap();
        let expected = w.expectations();
        assert_eq!(out.row.status, "ok");
        assert_eq!(out.row.collector, "rc");
        assert_eq!(out.row.objects_allocated, Some(expected.allocated));
        let remain = expected.allocated_after_full_collection(Reclaims::AcyclicOnly);
        assert_eq!(
            out.row.objects_freed,
            Some(expected.allocated - remain),
            "rc frees exactly the acyclic garbage"
        );
        assert!(
            expected.cyclic_garbage > 0,
            "seed-cycles makes cyclic garbage"
        );
        assert_eq!(out.row.objects_leaked, Some(expected.cyclic_garbage));
        assert!(out.row.wall_ns.is_some() && out.row.mmu_1ms.is_some());
    }

    #[test]
    fn unknown_peer_is_an_error_naming_the_choices() {
        let w = Workload::parse("seed-cycles", Size::Small, &[]).unwrap();
        let err = measure_peer("nope", None, &w, 0).unwrap_err();
        assert!(err.contains("rust-gc"), "{err}");
        let err = measure_peer("rc", Some(Path::new("python3")), &w, 0).unwrap_err();
        assert!(err.contains("--python is for CPython peers"), "{err}");
    }

    #[test]
    fn a_bad_python_is_an_error_naming_it_in_list_plan_and_run_one() {
        let w = Workload::parse("seed-cycles", Size::Small, &[]).unwrap();
        let bad = PathBuf::from("/nonexistent/python3.13");
        for err in [
            list_peers(std::slice::from_ref(&bad)).unwrap_err(),
            planned_peers(std::slice::from_ref(&bad)).unwrap_err(),
            measure_peer("cpython-3.13", Some(&bad), &w, 0).unwrap_err(),
        ] {
            assert_eq!(err, "--python: /nonexistent/python3.13 not found");
        }
    }

    #[test]
    fn every_peer_is_listed() {
        let listing = list_peers(&[]).unwrap();
        for name in peer_names().unwrap() {
            assert!(listing.contains(&name), "{listing}");
        }
    }
}
