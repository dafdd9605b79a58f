//! One collection of garbage pairs, or of a live random graph, for instruction counting
//! under callgrind with `--toggle-collect='*collect_generation*'`:
//! `profile_collect pairs N`, `profile_collect pairs-held N` (one more object held by a
//! slot, so the set is not all garbage) or `profile_collect graph N [REPEAT]`.

use gc_core::{fixtures, GcControl, HeapConfig, Mutator, Runtime};
use gc_cycle::CycleGc;

/// `held`: one more object, allocated first and held by a slot, so the set is not all
/// garbage and the collection takes the general path (marking, then split and free).
fn pairs(n: u64, held: bool) -> u64 {
    let mut m = Runtime::new(HeapConfig::default(), CycleGc::default()).unwrap();
    m.reserve_slots(3).unwrap();
    m.disable();
    if held {
        m.alloc(2, gc_core::Shape::new(1, 8)).unwrap();
    }
    fixtures::cycle_pairs(&mut m, 0, 1, n).unwrap();
    let start = std::time::Instant::now();
    let freed = m.collect(None).unwrap();
    eprintln!("collection: {:?}", start.elapsed());
    freed
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
    let freed = match which.as_str() {
        "graph" => graph(n as usize, repeat),
        "pairs-held" => pairs(n, true),
        _ => pairs(n, false),
    };
    println!("{which} {n}: {freed} freed");
}
