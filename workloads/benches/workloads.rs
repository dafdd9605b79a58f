#![allow(missing_docs)]
//! Mutator-side cost of every workload (NoGC: no collector work), and what recording and
//! replaying a trace add to it. Compare within one run: the machine is shared and noisy.

use criterion::{criterion_group, criterion_main, Criterion};
use gc_core::{HeapConfig, NoGc, Runtime};
use workloads::trace::{self, Recorder};
use workloads::{Size, Workload};

fn runtime() -> Runtime<NoGc> {
    Runtime::new(HeapConfig::default(), NoGc).unwrap()
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("small-nogc");
    group.sample_size(20);
    for w in Workload::all(Size::Small) {
        group.bench_function(format!("{}/live", w.name()), |b| {
            b.iter(|| w.run(&mut runtime(), 1).unwrap())
        });
        group.bench_function(format!("{}/record", w.name()), |b| {
            b.iter(|| {
                let mut rec = Recorder::new(runtime());
                w.run(&mut rec, 1).unwrap();
                rec.finish().1.len()
            })
        });
        let mut rec = Recorder::new(runtime());
        w.run(&mut rec, 1).unwrap();
        let bytes = rec.finish().1;
        group.bench_function(format!("{}/replay", w.name()), |b| {
            b.iter(|| trace::replay(&bytes, &mut runtime()).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
