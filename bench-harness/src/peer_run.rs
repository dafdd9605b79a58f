//! Peer cells (cargo feature `peers`): one run of an existing memory manager (`Rc`,
//! bacon_rajan_cc, dumpster, rust-gc, CPython) on a gclab workload, turned into the same
//! [`RunOutcome`] as gclab's own collectors, so rows, pause timelines, percentiles, MMU,
//! charts and the README treat both alike. Counts are checked with
//! [`peers::PeerRunResult::verify`]; a peer missing on this machine gives a `skipped: ...` row,
//! a workload the peer cannot run honestly a `failed: unsupported ...` row.

use gc_core::Reclaims;
use peers::{Peer, PeerError, PeerOutcome, PeerPause};
use workloads::Workload;

use crate::measure::{peak_rss_bytes, record_timeline};
use crate::metrics::{Pause, PauseKindName};
use crate::results::{RunOutcome, RunRow};

/// The name every peer is run by (`run-one --peer NAME`), in listing order.
pub fn peer_names() -> Vec<&'static str> {
    Peer::all().iter().map(Peer::name).collect()
}

/// What the peer is, for `gclab list`.
fn describe(peer: &Peer) -> &'static str {
    match peer {
        Peer::Rc => "std::rc::Rc<RefCell<_>>: reference counting, no cycle collection",
        Peer::BaconRajanCc => "bacon_rajan_cc: reference counting + synchronous trial deletion",
        Peer::Dumpster => "dumpster (unsync): reference counting + tracing cycle collector",
        Peer::RustGc => "gc (rust-gc): mark-sweep",
        Peer::CPython(_) => "CPython's own gc via python3 (rows named after the interpreter)",
    }
}

fn reclaims_name(reclaims: Reclaims) -> &'static str {
    match reclaims {
        Reclaims::Nothing => "reclaims nothing",
        Reclaims::AcyclicOnly => "reclaims acyclic garbage only",
        Reclaims::Everything => "reclaims all garbage",
    }
}

/// The `Peers` section of `gclab list`.
pub fn list_peers() -> String {
    let mut out = String::from("\nPeers (added by `gclab run --peers`):\n");
    for peer in Peer::all() {
        out.push_str(&format!(
            "  {:<16} {}; {}\n",
            peer.name(),
            describe(&peer),
            reclaims_name(peer.reclaims())
        ));
    }
    out
}

/// A peer's collection as a pause of the shared timeline. The peers do not report heap
/// bytes, so those stay 0.
fn as_pause(pause: &PeerPause) -> Pause {
    Pause {
        start_ns: pause.start_ns,
        end_ns: pause.end_ns,
        kind: PauseKindName::Collection,
        generation: None,
        heap_before: 0,
        heap_after: 0,
        freed: pause.freed,
    }
}

/// Runs `workload` with `seed` on the peer called `name` and measures it like
/// [`crate::measure::measure`]. The error is for an unknown peer name (bad input); every
/// other outcome, failures included, is the row's status.
pub fn measure_peer(name: &str, workload: &Workload, seed: u64) -> Result<RunOutcome, String> {
    let peer = Peer::parse(name)?;
    let mut row = RunRow {
        collector: peer.name().to_string(),
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
        let out = measure_peer("rc", &w, 1).unwrap();
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
        let err = measure_peer("nope", &w, 0).unwrap_err();
        assert!(err.contains("rust-gc"), "{err}");
    }

    #[test]
    fn every_peer_is_listed() {
        let listing = list_peers();
        for name in peer_names() {
            assert!(listing.contains(name), "{listing}");
        }
    }
}
