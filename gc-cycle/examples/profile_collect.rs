//! One collection of garbage pairs, or of a live random graph, for instruction counting
//! under callgrind with `--toggle-collect='*collect_generation*'`:
//! `profile_collect pairs N` or `profile_collect graph N [REPEAT]`.

use gc_core::{fixtures, GcControl, HeapConfig, Mutator, Runtime};
use gc_cycle::CycleGc;

fn pairs(n: u64) -> u64 {
    let mut m = Runtime::new(HeapConfig::default(), CycleGc::default()).unwrap();
    m.reserve_slots(2).unwrap();
    m.disable();
    fixtures::cycle_pairs(&mut m, 0, 1, n).unwrap();
    m.collect(None).unwrap()
}

fn graph(nodes: usize, repeat: u32) -> u64 {
    let mut m = Runtime::new(HeapConfig::default(), CycleGc::default()).unwrap();
    m.disable();
    fixtures::indexed_random_graph(&mut m, 0, nodes, 1000, 42).unwrap();
    m.collect(None).unwrap();
    let mut freed = 0;
    for _ in 0..repeat {
        let start = std::time::Instant::now();
        freed += m.collect(None).unwrap();
        eprintln!("full collection: {:?}", start.elapsed());
    }
    freed
}

fn main() {
    let mut args = std::env::args().skip(1);
    let which = args.next().unwrap_or_else(|| "pairs".to_string());
    let n: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    // A third argument repeats the graph's collection (for sampling profilers).
    let repeat: u32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1);
    let freed = if which == "graph" {
        graph(n as usize, repeat)
    } else {
        pairs(n)
    };
    println!("{which} {n}: {freed} freed");
}
