//! Every Rust peer runs the core workloads at small size with exact counts.

use gc_core::Reclaims;
use peers::{Peer, PeerError, PeerOutcome, PeerRunResult};
use workloads::{Size, Workload};

const CORE: [&str; 4] = ["seed-cycles", "binary-trees", "dll-churn", "random-graph"];
const RUST_PEERS: [Peer; 4] = [Peer::Rc, Peer::BaconRajanCc, Peer::Dumpster, Peer::RustGc];

fn small(name: &str) -> Workload {
    Workload::parse(name, Size::Small, &[]).unwrap()
}

fn ran(peer: &Peer, workload: &Workload, seed: u64) -> PeerRunResult {
    match peer.run(workload, seed) {
        Ok(PeerOutcome::Ran(result)) => result,
        other => panic!("{} on {}: {other:?}", peer.name(), workload.name()),
    }
}

#[test]
fn every_rust_peer_runs_the_core_workloads_with_exact_counts() {
    for peer in &RUST_PEERS {
        for name in CORE {
            let workload = small(name);
            let result = ran(peer, &workload, 7);
            result
                .verify(&workload, peer.reclaims())
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            let expected = workload.expectations();
            match peer.reclaims() {
                // Dropping the roots at exit strands the live structures' cycles too.
                Reclaims::AcyclicOnly => assert!(
                    result.leaked_at_exit >= expected.cyclic_garbage,
                    "{} {name}",
                    peer.name()
                ),
                _ => assert_eq!(result.leaked_at_exit, 0, "{} {name}", peer.name()),
            }
            assert_eq!(result.peer, peer.name());
        }
    }
}

#[test]
fn rc_leaks_exactly_the_cyclic_garbage_and_collect_frees_nothing() {
    let workload = small("seed-cycles");
    let result = ran(&Peer::Rc, &workload, 1);
    assert_eq!(result.alive_after_final_collect, 4_000);
    assert_eq!(result.freed_during_run, 0);
    assert!(result.pauses.iter().all(|p| p.freed == 0));
}

#[test]
fn cycle_collectors_free_seed_cycles_in_their_explicit_collection() {
    let workload = Workload::parse(
        "seed-cycles",
        Size::Small,
        &[("auto_collect".into(), "false".into())],
    )
    .unwrap();
    for peer in [Peer::BaconRajanCc, Peer::Dumpster, Peer::RustGc] {
        let result = ran(&peer, &workload, 1);
        assert_eq!(result.explicit_collections, 1, "{}", peer.name());
        assert_eq!(result.automatic_collections, 0, "{}", peer.name());
        let last = result.pauses.last().unwrap();
        assert!(!last.automatic);
        assert_eq!(last.freed, 4_000, "{}", peer.name());
        assert_eq!(result.alive_after_final_collect, 0);
    }
}

#[test]
fn automatic_collections_are_timed_where_the_crate_collects_by_itself() {
    // dumpster's default trigger (more pointers dropped since the last collection than
    // exist) never fires on seed-cycles: each pair leaves as many pointers as it dropped.
    for (peer, name) in [(Peer::Dumpster, "dll-churn"), (Peer::RustGc, "seed-cycles")] {
        let workload = small(name);
        let result = ran(&peer, &workload, 1);
        let automatic: Vec<_> = result.pauses.iter().filter(|p| p.automatic).collect();
        assert_eq!(automatic.len() as u64, result.automatic_collections);
        assert!(
            !automatic.is_empty(),
            "{} never collected by itself",
            peer.name()
        );
        let freed: u64 = result.pauses.iter().map(|p| p.freed).sum();
        assert_eq!(freed, result.freed_during_run, "{}", peer.name());
        assert!(result
            .pauses
            .windows(2)
            .all(|w| w[0].end_ns <= w[1].start_ns));
    }
}

#[test]
fn weak_references_use_the_crates_weak_pointers_or_are_unsupported() {
    let workload = small("weak-cache");
    for peer in [Peer::Rc, Peer::BaconRajanCc] {
        let result = ran(&peer, &workload, 3);
        result.verify(&workload, peer.reclaims()).unwrap();
    }
    for peer in [Peer::Dumpster, Peer::RustGc] {
        match peer.run(&workload, 3) {
            Err(PeerError::Unsupported { what, .. }) => assert!(what.contains("weak")),
            other => panic!("{}: {other:?}", peer.name()),
        }
    }
}

#[test]
fn resurrecting_finalizers_are_unsupported_on_every_rust_peer() {
    let workload = small("finalizers");
    for peer in &RUST_PEERS {
        match peer.run(&workload, 3) {
            Err(PeerError::Unsupported { what, .. }) => assert!(what.contains("resurrect")),
            other => panic!("{}: {other:?}", peer.name()),
        }
    }
    let no_resurrection = Workload::parse(
        "finalizers",
        Size::Small,
        &[("resurrect_fraction".into(), "0".into())],
    )
    .unwrap();
    for peer in &RUST_PEERS {
        let result = ran(peer, &no_resurrection, 3);
        result.verify(&no_resurrection, peer.reclaims()).unwrap();
    }
}

#[test]
fn peers_parse_by_name() {
    for peer in Peer::all() {
        assert_eq!(Peer::parse(&peer.name()).unwrap(), peer);
    }
    assert!(Peer::parse("boehm").unwrap_err().contains("valid peers"));
}
