#![allow(missing_docs)]
//! One criterion group per workload, one function per collector, throughput in objects
//! allocated. Small presets keep the whole `cargo bench -p bench-harness` to a few minutes.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::time::Duration;
use workloads::{Size, Workload};

fn workloads_by_collector(c: &mut Criterion) {
    let registry = bench_harness::registry::registry();
    for info in workloads::catalog() {
        let workload = Workload::parse(info.name, Size::Small, &[]).expect("small preset parses");
        let mut group = c.benchmark_group(info.name);
        group
            .sample_size(10)
            .warm_up_time(Duration::from_millis(300))
            .measurement_time(Duration::from_secs(1))
            .throughput(Throughput::Elements(workload.expectations().allocated));
        for entry in registry.entries() {
            // A collector that cannot run this workload (out of heap) is left out, not fatal.
            if entry.run_bare(&workload, 0).is_err() {
                continue;
            }
            group.bench_function(BenchmarkId::from_parameter(entry.name), |b| {
                b.iter(|| entry.run_bare(&workload, 0).expect("ran once already"))
            });
        }
        group.finish();
    }
}

criterion_group!(benches, workloads_by_collector);
criterion_main!(benches);
