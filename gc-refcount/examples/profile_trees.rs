//! Binary trees through the `Mutator` interface, once, for instruction counting under
//! callgrind (`valgrind --tool=callgrind target/release/examples/profile_trees 18`): the
//! benchmark's workload with 2^(SCALE-d) trees of each depth d; prints the node count.

use gc_core::{GcControl, HeapConfig, Mutator, Runtime};
use gc_refcount::RefCount;

#[path = "../benches/support/trees.rs"]
mod trees;

fn main() {
    let scale: u32 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(trees::SCALE);
    let mut rt = Runtime::new(HeapConfig::default(), RefCount::default()).unwrap();
    rt.reserve_slots(64).unwrap();
    trees::run_heap(&mut rt, scale);
    assert_eq!(rt.heap_stats().objects_in_use, 0);
    println!("{} nodes", trees::total_nodes(scale));
}
