#![allow(missing_docs)]
//! One collection, two ways: 1,000,000 garbage pairs (built with automatic collection off)
//! reclaimed by one `collect()`, and a full collection of a 1,000,000-object live random
//! graph (two references each, seeded) that frees nothing. Throughput is per object:
//! criterion's "elem/s" inverted is the time per reclaimed (or scanned) object.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, SamplingMode, Throughput};
use gc_core::{fixtures, GcControl, HeapConfig, Mutator, Runtime};
use gc_cycle::CycleGc;

const PAIRS: u64 = 1_000_000;
const NODES: usize = 1_000_000;
const FANOUT: usize = 1000;

fn pairs_heap() -> Runtime<CycleGc> {
    let mut m = Runtime::new(HeapConfig::default(), CycleGc::default()).unwrap();
    m.reserve_slots(2).unwrap();
    m.disable();
    fixtures::cycle_pairs(&mut m, 0, 1, PAIRS).unwrap();
    m
}

/// Nodes held by arrays of 1,000 held by one root array (as a Python list would hold them),
/// each node's two fields pointing at random nodes.
fn live_graph() -> Runtime<CycleGc> {
    let mut m = Runtime::new(HeapConfig::default(), CycleGc::default()).unwrap();
    m.disable();
    fixtures::indexed_random_graph(&mut m, 0, NODES, FANOUT, 42).unwrap();
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
