#![allow(missing_docs)]
//! Pool allocation and free of 32-byte objects against `Box::new`/drop, in the same run.
//!
//! Both sides do the same thing: allocate a batch of objects that are live at once, then free
//! them, so the allocator's free-list reuse (not just a single hot cell) is measured.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use gc_core::alloc::{Geometry, Space};
use gc_core::ObjRef;

const BATCH: usize = 1000;

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("alloc-free-32B");
    g.throughput(Throughput::Elements(BATCH as u64));

    g.bench_function("back-to-back/pool", |b| {
        let mut space = Space::new(Geometry::default(), None).unwrap();
        b.iter(|| {
            for _ in 0..BATCH {
                let r = space.alloc(8).unwrap();
                space.free(black_box(r));
            }
        })
    });
    g.bench_function("back-to-back/box", |b| {
        b.iter(|| {
            for i in 0..BATCH {
                let x = Box::new([i as u64; 4]);
                drop(black_box(x));
            }
        })
    });

    g.bench_function("batch/pool", |b| {
        let mut space = Space::new(Geometry::default(), None).unwrap();
        let mut live: Vec<ObjRef> = Vec::with_capacity(BATCH);
        b.iter(|| {
            for _ in 0..BATCH {
                live.push(space.alloc(8).unwrap());
            }
            for r in live.drain(..) {
                space.free(r);
            }
        })
    });
    g.bench_function("batch/box", |b| {
        let mut live: Vec<Box<[u64; 4]>> = Vec::with_capacity(BATCH);
        b.iter(|| {
            for i in 0..BATCH {
                live.push(black_box(Box::new([i as u64; 4])));
            }
            live.clear();
        })
    });
    g.bench_function("batch/heap-object", |b| {
        // Through the heap: header and fields initialised, flags checked on free.
        let mut heap =
            gc_core::Heap::new(&gc_core::HeapConfig::default(), 0, 1, false, "bench").unwrap();
        let shape = gc_core::Shape::new(2, 8);
        let mut live: Vec<ObjRef> = Vec::with_capacity(BATCH);
        b.iter_batched_ref(
            || (),
            |_| {
                for _ in 0..BATCH {
                    live.push(heap.alloc_object(shape, 0).unwrap());
                }
                for r in live.drain(..) {
                    heap.free(r);
                }
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
