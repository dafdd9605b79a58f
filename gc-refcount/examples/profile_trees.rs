//! Binary trees through the `Mutator` interface, once, for instruction counting under
//! callgrind (`valgrind --tool=callgrind target/release/examples/profile_trees 18`): the
//! benchmark's workload with 2^(SCALE-d) trees of each depth d; prints the node count.

use gc_core::{GcControl, HeapConfig, Mutator, Runtime, Shape};
use gc_refcount::RefCount;

const NODE: Shape = Shape::new(2, 8);

fn build<M: Mutator>(m: &mut M, depth: u32, slot: usize) -> u64 {
    let mut nodes = 1;
    if depth > 0 {
        nodes += build(m, depth - 1, slot + 1);
        nodes += build(m, depth - 1, slot + 2);
    }
    m.alloc(slot, NODE).unwrap();
    if depth > 0 {
        m.store(slot, 0, Some(slot + 1)).unwrap();
        m.store(slot, 1, Some(slot + 2)).unwrap();
        m.clear(slot + 1).unwrap();
        m.clear(slot + 2).unwrap();
    }
    nodes
}

fn main() {
    let scale: u32 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20);
    let mut rt = Runtime::new(HeapConfig::default(), RefCount::default()).unwrap();
    rt.reserve_slots(64).unwrap();
    let mut nodes = build(&mut rt, 16, 0);
    for d in [4, 8, 12, 16] {
        for _ in 0..(1u64 << scale.saturating_sub(d)) {
            nodes += build(&mut rt, d, 1);
            rt.clear(1).unwrap();
        }
    }
    rt.clear(0).unwrap();
    assert_eq!(rt.heap_stats().objects_in_use, 0);
    println!("{nodes} nodes");
}
