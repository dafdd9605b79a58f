#![allow(missing_docs)]
//! Binary trees built bottom-up and dropped (GCBench-like): a long-lived tree of depth 16,
//! then 2^(20-d) trees of depth d for d in 4, 8, 12, 16 (8,450,000 nodes in all; each node
//! two references and an 8-byte payload). Reference counting through the `Mutator`
//! interface against `std::rc::Rc<RefCell<_>>`, in the same run; compare the two as a ratio.

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use gc_core::{GcControl, HeapConfig, Mutator, Runtime};
use gc_refcount::RefCount;

#[path = "support/trees.rs"]
mod trees;
use trees::{run_heap, run_rc, total_nodes, SCALE};

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("binary-trees-bottom-up");
    g.sample_size(10);
    g.sampling_mode(SamplingMode::Flat);
    g.throughput(Throughput::Elements(total_nodes(SCALE)));

    let mut rt = Runtime::new(HeapConfig::default(), RefCount::default()).unwrap();
    rt.reserve_slots(64).unwrap();
    g.bench_function("refcount", |b| {
        b.iter(|| {
            run_heap(&mut rt, SCALE);
            assert_eq!(rt.heap_stats().objects_in_use, 0);
        })
    });
    g.bench_function("std-rc", |b| b.iter(|| run_rc(SCALE)));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
