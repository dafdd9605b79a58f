//! Measures the peers at the reference points (default sizes; run with --release).
//!
//! `cargo run --release -p peers --example peer_reference -- [runs] [point...]` where a point
//! is `pairs`, `graph` or `dll` (all three by default). Prints the median of `runs` runs
//! (default 3) per peer, with the counts verified. `PEERS=cpython,rust-gc` limits the peers.

use std::time::Duration;

use peers::{Peer, PeerOutcome, PeerRunResult};
use workloads::{Size, Workload};

fn workload(name: &str, overrides: &[(&str, &str)]) -> Workload {
    let overrides: Vec<(String, String)> = overrides
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Workload::parse(name, Size::Default, &overrides).unwrap_or_else(|e| {
        eprintln!("peer_reference: {e}");
        std::process::exit(2)
    })
}

fn ms(ns: u64) -> String {
    format!("{:.1} ms", Duration::from_nanos(ns).as_secs_f64() * 1e3)
}

/// Runs `peer` `runs` times and returns the runs sorted by `key`, after checking counts.
fn runs(
    peer: &Peer,
    w: &Workload,
    runs: usize,
    key: fn(&PeerRunResult) -> u64,
) -> Vec<PeerRunResult> {
    let mut out = Vec::new();
    // PEERS=cpython,rust-gc limits a measurement to some peers.
    if let Ok(only) = std::env::var("PEERS") {
        if !only.split(',').any(|p| p == peer.name()) {
            return out;
        }
    }
    for seed in 0..runs as u64 {
        match peer.run(w, seed + 1) {
            Ok(PeerOutcome::Ran(r)) => {
                if let Err(e) = r.verify(w, peer.reclaims()) {
                    eprintln!("COUNT MISMATCH: {e}");
                }
                out.push(r);
            }
            Ok(PeerOutcome::Skipped(reason)) => {
                println!("  {:<16} {reason}", peer.name());
                return out;
            }
            Err(e) => {
                println!("  {:<16} error: {e}", peer.name());
                return out;
            }
        }
    }
    out.sort_by_key(key);
    out
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(3);
    let points: Vec<&str> = args.iter().skip(1).map(String::as_str).collect();
    let want = |p: &str| points.is_empty() || points.contains(&p);
    let cpython = Peer::CPython(peers::cpython::CPythonConfig::default());

    if want("pairs") {
        println!("1,000,000 pairs, refs dropped (auto_collect=false), one collect(): that pause");
        let w = workload("seed-cycles", &[("auto_collect", "false")]);
        for peer in [
            cpython.clone(),
            Peer::BaconRajanCc,
            Peer::RustGc,
            Peer::Dumpster,
            Peer::Rc,
        ] {
            let key = |r: &PeerRunResult| r.pauses.last().map_or(0, |p| p.duration_ns());
            let rs = runs(&peer, &w, n, key);
            if let Some(r) = rs.get(rs.len() / 2) {
                let last = r.pauses.last().copied();
                println!(
                    "  {:<16} pause {:>10}  freed {:>8}  wall {:>10}  alive after {}",
                    r.peer,
                    ms(last.map_or(0, |p| p.duration_ns())),
                    last.map_or(0, |p| p.freed),
                    ms(r.wall_ns),
                    r.alive_after_final_collect
                );
            }
        }
        println!("  (same workload with automatic collection on: wall, pauses, longest)");
        let w = workload("seed-cycles", &[]);
        for peer in [
            cpython.clone(),
            Peer::BaconRajanCc,
            Peer::RustGc,
            Peer::Dumpster,
        ] {
            let rs = runs(&peer, &w, 1, |r| r.wall_ns);
            if let Some(r) = rs.first() {
                println!(
                    "  {:<16} wall {:>10}  pauses {:>8} (auto {:>8})  total {:>10}  max {:>10}",
                    r.peer,
                    ms(r.wall_ns),
                    r.pauses.len(),
                    r.automatic_collections,
                    ms(r.pause_total_ns()),
                    ms(r.pause_max_ns())
                );
            }
        }
    }
    if want("graph") {
        println!(
            "live random graph (nodes=1000000 degree=2 mutation_rate=0), the check collection"
        );
        let w = workload(
            "random-graph",
            &[
                ("nodes", "1000000"),
                ("degree", "2"),
                ("mutation_rate", "0"),
            ],
        );
        for peer in [
            cpython.clone(),
            Peer::RustGc,
            Peer::BaconRajanCc,
            Peer::Dumpster,
        ] {
            let rs = runs(&peer, &w, n, |r| r.final_collect_ns);
            if let Some(r) = rs.get(rs.len() / 2) {
                println!(
                    "  {:<16} full collect {:>10}  alive {:>8}  allocated {:>8}  wall {:>10}",
                    r.peer,
                    ms(r.final_collect_ns),
                    r.alive_after_final_collect,
                    r.allocated,
                    ms(r.wall_ns)
                );
            }
        }
    }
    if want("replay") {
        println!(
            "CPython replay cost: dll-churn with gc.set_threshold(0) (no automatic collection)"
        );
        let w = workload("dll-churn", &[]);
        let no_gc = Peer::CPython(peers::cpython::CPythonConfig {
            thresholds: Some(vec![0]),
            ..Default::default()
        });
        let rs = runs(&no_gc, &w, n, |r| r.wall_ns);
        if let Some(r) = rs.get(rs.len() / 2) {
            println!(
                "  {:<16} wall {:>10} (mutator and replay only)",
                r.peer,
                ms(r.wall_ns)
            );
        }
    }
    if want("dll") {
        println!("dll-churn defaults (20,000 lists of 100 nodes), then one collect()");
        let w = workload("dll-churn", &[]);
        for peer in [
            cpython,
            Peer::RustGc,
            Peer::BaconRajanCc,
            Peer::Dumpster,
            Peer::Rc,
        ] {
            let rs = runs(&peer, &w, n, |r| r.wall_ns);
            if let Some(r) = rs.get(rs.len() / 2) {
                println!(
                    "  {:<16} wall {:>10}  pauses {:>6} (auto {:>6})  total {:>10}  max {:>10}  final {:>10}  alive {}",
                    r.peer,
                    ms(r.wall_ns),
                    r.pauses.len(),
                    r.automatic_collections,
                    ms(r.pause_total_ns()),
                    ms(r.pause_max_ns()),
                    ms(r.final_collect_ns),
                    r.alive_after_final_collect
                );
            }
        }
    }
}
