//! The binary-trees bench's two sides, reference counting through the `Mutator` interface
//! and `Rc<RefCell<_>>`, in interleaved rounds, reporting the fastest and the median round
//! of each: on a shared, noisy machine the fastest rounds of two loops run side by side give
//! a steadier ratio than two long means.
//! `cargo run --release -p gc-refcount --example trees_vs_rc [ROUNDS] [SCALE]`

use std::time::Instant;

use gc_core::{GcControl, HeapConfig, Mutator, Runtime};
use gc_refcount::RefCount;

#[path = "../benches/support/trees.rs"]
mod trees;

fn summary(name: &str, mut times: Vec<f64>, nodes: u64) -> f64 {
    times.sort_by(f64::total_cmp);
    let (fastest, median) = (times[0], times[times.len() / 2]);
    println!(
        "{name:<10} fastest {:7.1} ms ({:5.1} ns/node)   median {:7.1} ms",
        fastest * 1e3,
        fastest * 1e9 / nodes as f64,
        median * 1e3
    );
    fastest
}

fn main() {
    let mut args = std::env::args().skip(1);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10);
    let scale: u32 = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(trees::SCALE);
    let mut rt = Runtime::new(HeapConfig::default(), RefCount::default()).unwrap();
    rt.reserve_slots(64).unwrap();
    let (mut heap, mut rc) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let start = Instant::now();
        trees::run_heap(&mut rt, scale);
        heap.push(start.elapsed().as_secs_f64());
        assert_eq!(rt.heap_stats().objects_in_use, 0);
        let start = Instant::now();
        trees::run_rc(scale);
        rc.push(start.elapsed().as_secs_f64());
    }
    let nodes = trees::total_nodes(scale);
    let heap = summary("refcount", heap, nodes);
    let rc = summary("Rc", rc, nodes);
    println!("  Rc / refcount (fastest rounds): {:.2}x", rc / heap);
}
