//! One collection of garbage pairs, or of a live random graph, for instruction counting
//! under callgrind with `--toggle-collect='*collect_generation*'`:
//! `profile_collect pairs N` or `profile_collect graph N`.

use gc_core::{fixtures, GcControl, HeapConfig, Mutator, Runtime};
use gc_cycle::CycleGc;

fn pairs(n: u64) -> u64 {
    let mut m = Runtime::new(HeapConfig::default(), CycleGc::default()).unwrap();
    m.reserve_slots(2).unwrap();
    m.disable();
    fixtures::cycle_pairs(&mut m, 0, 1, n).unwrap();
    m.collect(None).unwrap()
}

fn graph(nodes: usize) -> u64 {
    let mut m = Runtime::new(HeapConfig::default(), CycleGc::default()).unwrap();
    m.disable();
    fixtures::indexed_random_graph(&mut m, 0, nodes, 1000, 42).unwrap();
    m.collect(None).unwrap();
    let start = std::time::Instant::now();
    let freed = m.collect(None).unwrap();
    eprintln!("second full collection: {:?}", start.elapsed());
    freed
}

fn main() {
    let mut args = std::env::args().skip(1);
    let which = args.next().unwrap_or_else(|| "pairs".to_string());
    let n: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let freed = if which == "graph" {
        graph(n as usize)
    } else {
        pairs(n)
    };
    println!("{which} {n}: {freed} freed");
}
