#![allow(missing_docs)]
//! Binary trees built bottom-up and dropped (GCBench-like): a long-lived tree of depth 16,
//! then 2^(20-d) trees of depth d for d in 4, 8, 12, 16 (8,450,000 nodes in all; each node
//! two references and an 8-byte payload). Reference counting through the `Mutator`
//! interface against `std::rc::Rc<RefCell<_>>`, in the same run; compare the two as a ratio.

use std::cell::RefCell;
use std::hint::black_box;
use std::rc::Rc;

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use gc_core::{GcControl, HeapConfig, Mutator, Runtime, Shape};
use gc_refcount::RefCount;

const LONG_LIVED_DEPTH: u32 = 16;
const DEPTHS: [u32; 4] = [4, 8, 12, 16];
const NODE: Shape = Shape::new(2, 8);

fn tree_nodes(depth: u32) -> u64 {
    (1u64 << (depth + 1)) - 1
}

fn total_nodes() -> u64 {
    tree_nodes(LONG_LIVED_DEPTH)
        + DEPTHS
            .iter()
            .map(|&d| (1u64 << (20 - d)) * tree_nodes(d))
            .sum::<u64>()
}

/// Builds a tree of `depth` bottom-up into `slot`, using the slots above it as scratch
/// (the mutator's recursion is at most 16 deep; the collector's work is iterative).
fn build<M: Mutator>(m: &mut M, depth: u32, slot: usize) {
    if depth > 0 {
        build(m, depth - 1, slot + 1);
        build(m, depth - 1, slot + 2);
    }
    m.alloc(slot, NODE).unwrap();
    if depth > 0 {
        m.store(slot, 0, Some(slot + 1)).unwrap();
        m.store(slot, 1, Some(slot + 2)).unwrap();
        m.clear(slot + 1).unwrap();
        m.clear(slot + 2).unwrap();
    }
}

fn run_heap<M: Mutator>(m: &mut M) {
    build(m, LONG_LIVED_DEPTH, 0);
    for d in DEPTHS {
        for _ in 0..(1u64 << (20 - d)) {
            build(m, d, 1);
            m.clear(1).unwrap();
        }
    }
    m.clear(0).unwrap();
}

struct Node {
    left: Option<Rc<RefCell<Node>>>,
    right: Option<Rc<RefCell<Node>>>,
    payload: u64,
}

fn make(depth: u32) -> Rc<RefCell<Node>> {
    let (left, right) = if depth > 0 {
        (Some(make(depth - 1)), Some(make(depth - 1)))
    } else {
        (None, None)
    };
    Rc::new(RefCell::new(Node {
        left,
        right,
        payload: 0,
    }))
}

fn run_rc() {
    let long_lived = make(LONG_LIVED_DEPTH);
    for d in DEPTHS {
        for _ in 0..(1u64 << (20 - d)) {
            let t = make(d);
            black_box(&t);
            black_box(t.borrow().payload);
        }
    }
    black_box(long_lived.borrow().left.is_some() && long_lived.borrow().right.is_some());
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("binary-trees-bottom-up");
    g.sample_size(10);
    g.sampling_mode(SamplingMode::Flat);
    g.throughput(Throughput::Elements(total_nodes()));

    let mut rt = Runtime::new(HeapConfig::default(), RefCount::default()).unwrap();
    rt.reserve_slots(64).unwrap();
    g.bench_function("refcount", |b| {
        b.iter(|| {
            run_heap(&mut rt);
            assert_eq!(rt.heap_stats().objects_in_use, 0);
        })
    });
    g.bench_function("std-rc", |b| b.iter(run_rc));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
