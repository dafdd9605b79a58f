#![allow(missing_docs)]
//! One collection, two ways: 1,000,000 garbage pairs (built with automatic collection off)
//! reclaimed by one `collect()`, and a full collection of a 1,000,000-object live random
//! graph (two references each, seeded) that frees nothing. Throughput is per object:
//! criterion's "elem/s" inverted is the time per reclaimed (or scanned) object.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, SamplingMode, Throughput};
use gc_core::{GcControl, HeapConfig, Mutator, Runtime, Shape};
use gc_cycle::CycleGc;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const PAIRS: u64 = 1_000_000;
const NODES: usize = 1_000_000;
const FANOUT: usize = 1000;

fn pairs_heap() -> Runtime<CycleGc> {
    let mut m = Runtime::new(HeapConfig::default(), CycleGc::default()).unwrap();
    m.reserve_slots(2).unwrap();
    m.disable();
    for _ in 0..PAIRS {
        m.alloc(0, Shape::new(1, 8)).unwrap();
        m.alloc(1, Shape::new(1, 8)).unwrap();
        m.store(0, 0, Some(1)).unwrap();
        m.store(1, 0, Some(0)).unwrap();
    }
    m.clear(0).unwrap();
    m.clear(1).unwrap();
    m
}

/// Nodes held by arrays of 1,000 held by one root array (as a Python list would hold them),
/// each node's two fields pointing at random nodes.
fn live_graph() -> Runtime<CycleGc> {
    const ROOT: usize = 0;
    const ARRAY: usize = 1;
    const NODE: usize = 2;
    const OTHER: usize = 3;
    let mut m = Runtime::new(HeapConfig::default(), CycleGc::default()).unwrap();
    m.reserve_slots(4).unwrap();
    m.disable();
    let arrays = NODES / FANOUT;
    m.alloc(ROOT, Shape::new(arrays as u32, 0)).unwrap();
    for a in 0..arrays {
        m.alloc(ARRAY, Shape::new(FANOUT as u32, 0)).unwrap();
        m.store(ROOT, a, Some(ARRAY)).unwrap();
        for i in 0..FANOUT {
            m.alloc(NODE, Shape::new(2, 8)).unwrap();
            m.store(ARRAY, i, Some(NODE)).unwrap();
        }
    }
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    for a in 0..arrays {
        m.load(ARRAY, ROOT, a).unwrap();
        for i in 0..FANOUT {
            m.load(NODE, ARRAY, i).unwrap();
            for f in 0..2 {
                let target = rng.gen_range(0..NODES);
                m.load(OTHER, ROOT, target / FANOUT).unwrap();
                m.load(OTHER, OTHER, target % FANOUT).unwrap();
                m.store(NODE, f, Some(OTHER)).unwrap();
            }
        }
    }
    for s in [ARRAY, NODE, OTHER] {
        m.clear(s).unwrap();
    }
    m.enable();
    m
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("cycle-collect");
    g.sample_size(10);
    g.sampling_mode(SamplingMode::Flat);

    g.throughput(Throughput::Elements(2 * PAIRS));
    g.bench_function("million-pairs-one-collect", |b| {
        b.iter_batched(
            pairs_heap,
            |mut m| {
                assert_eq!(m.collect(None).unwrap(), 2 * PAIRS);
                m
            },
            BatchSize::PerIteration,
        )
    });

    let mut m = live_graph();
    assert_eq!(m.collect(None).unwrap(), 0);
    g.throughput(Throughput::Elements(NODES as u64));
    g.bench_function("live-random-graph-full-collect", |b| {
        b.iter(|| assert_eq!(m.collect(None).unwrap(), 0))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
