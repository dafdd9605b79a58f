#![allow(missing_docs)]
//! Marking a 1,000,000-object live random graph (two references per object), beside plain
//! traversals of the same heap (depth-first with a stack, breadth-first with a queue, each
//! with a visited bitmap sized like the collector's; `bare_bfs` parses fields inline as the
//! collector does) as the limit; and the pause of one collection over 1,000,000 garbage
//! cycle pairs.
//!
//! The graph comes in two forms with the same edges. `chased`: the objects are reachable only
//! through their random references (a random spanning tree from one root, the other fields
//! random), so tracing is a chain of dependent cache misses, the worst case. `indexed`: the
//! objects are also held, in allocation order, by index arrays reachable from the root, as
//! when a Python list holds every node (the setup of the CPython and rust-gc reference
//! numbers).

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use gc_core::layout::{self, FLAG_COLLECTOR_0};
use gc_core::{GcControl, Heap, HeapConfig, Mutator, ObjRef, Runtime, Shape};
use gc_tracing::marking::{mark_from, mark_from_simple, GreyQueue, MarkBitmap};
use gc_tracing::MarkSweep;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const OBJECTS: usize = 1_000_000;
/// Objects are reachable during the build through index arrays of this many fields (large
/// objects), so the finished heap has one root slot rather than a million.
const ARRAY_FIELDS: usize = 1024;
const ROOT: usize = 0;
const A: usize = 1;
const B: usize = 2;
const ARRAYS_AT: usize = 8;

fn load_object(m: &mut Runtime<MarkSweep>, dst: usize, i: usize) {
    m.load(dst, ARRAYS_AT + i / ARRAY_FIELDS, i % ARRAY_FIELDS)
        .unwrap();
}

/// A seeded random graph of `n` objects (2 fields, 8 payload bytes): a random binary tree
/// hung from the root spans every object, and every field the tree leaves free points at a
/// random object, so every object has exactly two references.
fn random_graph(n: usize, seed: u64, indexed: bool) -> Runtime<MarkSweep> {
    let mut m = Runtime::new(HeapConfig::default(), MarkSweep::default()).unwrap();
    m.disable();
    let arrays = n.div_ceil(ARRAY_FIELDS);
    m.reserve_slots(ARRAYS_AT + arrays).unwrap();
    for k in 0..arrays {
        m.alloc(ARRAYS_AT + k, Shape::new(ARRAY_FIELDS as u32, 0))
            .unwrap();
    }
    for i in 0..n {
        m.alloc(A, Shape::new(2, 8)).unwrap();
        m.store(ARRAYS_AT + i / ARRAY_FIELDS, i % ARRAY_FIELDS, Some(A))
            .unwrap();
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut free_fields: Vec<(usize, usize)> = vec![(0, 0), (0, 1)];
    for i in 1..n {
        let (parent, field) = free_fields.swap_remove(rng.gen_range(0..free_fields.len()));
        load_object(&mut m, A, parent);
        load_object(&mut m, B, i);
        m.store(A, field, Some(B)).unwrap();
        free_fields.push((i, 0));
        free_fields.push((i, 1));
    }
    for (object, field) in free_fields {
        load_object(&mut m, A, object);
        load_object(&mut m, B, rng.gen_range(0..n));
        m.store(A, field, Some(B)).unwrap();
    }
    load_object(&mut m, ROOT, 0);
    m.clear(A).unwrap();
    m.clear(B).unwrap();
    if indexed {
        return m;
    }
    for k in 0..arrays {
        m.clear(ARRAYS_AT + k).unwrap();
    }
    // Frees the index arrays: from here on a collection has nothing to free.
    assert_eq!(m.collect(None).unwrap(), arrays as u64);
    assert_eq!(m.heap_stats().objects_in_use, n as u64);
    m
}

/// The traversals' visited bitmap: one bit per small-object granule, then one per large
/// object, sized from the heap's reference bounds as the collector's own bitmap is (a
/// bitmap sized for every possible reference would be 128 MiB to clear per traversal, and
/// the clearing, not the traversal, would be measured).
#[derive(Default)]
struct Visited {
    bits: Vec<u64>,
    large_offset: usize,
}

impl Visited {
    fn reset(&mut self, heap: &Heap) {
        let (small, large) = heap.reference_bounds();
        self.large_offset = small.next_multiple_of(64);
        self.bits.clear();
        self.bits
            .resize((self.large_offset + large).div_ceil(64), 0);
    }

    #[inline(always)]
    fn visit(&mut self, r: ObjRef) -> bool {
        let i = if r.is_large() {
            (r.raw() & !ObjRef::LARGE_BIT) as usize + self.large_offset
        } else {
            r.raw() as usize
        };
        let (w, bit) = (i >> 6, 1u64 << (i & 63));
        let fresh = self.bits[w] & bit == 0;
        self.bits[w] |= bit;
        fresh
    }
}

/// The depth-first limit: an explicit stack and a visited bitmap, nothing else.
fn plain_dfs(heap: &Heap, visited: &mut Visited, stack: &mut Vec<ObjRef>) -> u64 {
    let mut seen = 0u64;
    for r in heap.roots() {
        if visited.visit(r) {
            seen += 1;
            stack.push(r);
        }
    }
    while let Some(r) = stack.pop() {
        for &raw in heap.fields(r) {
            if let Some(c) = ObjRef::from_raw(raw) {
                if visited.visit(c) {
                    seen += 1;
                    stack.push(c);
                }
            }
        }
    }
    seen
}

/// The breadth-first limit: a queue (a vector read from the front), a visited bitmap, and
/// `fields` to read an object's references.
fn bfs<F>(heap: &Heap, visited: &mut Visited, queue: &mut Vec<ObjRef>, fields: F) -> u64
where
    F: Fn(&Heap, ObjRef) -> &[u32],
{
    queue.clear();
    for r in heap.roots() {
        if visited.visit(r) {
            queue.push(r);
        }
    }
    let mut head = 0;
    while head < queue.len() {
        let r = queue[head];
        head += 1;
        for &raw in fields(heap, r) {
            if let Some(c) = ObjRef::from_raw(raw) {
                if visited.visit(c) {
                    queue.push(c);
                }
            }
        }
    }
    queue.len() as u64
}

/// Fields through the heap's public accessor (`plain_bfs`).
fn api_fields(heap: &Heap, r: ObjRef) -> &[u32] {
    heap.fields(r)
}

/// Fields parsed inline from the object's words, as the collector's loop does, but with no
/// lookahead and no arena reuse (`bare_bfs`, the tightest plain limit).
#[inline(always)]
fn inline_fields(heap: &Heap, r: ObjRef) -> &[u32] {
    let fields_at = layout::fields_offset(heap.header_words());
    let w = heap.words(r);
    &w[fields_at..fields_at + layout::fields_of(w[0])]
}

/// The alternative the side bitmap is measured against: the mark bit in the object's own
/// header (a collector flag bit of the shape word), with the same breadth-first queue and
/// lookahead. Marking writes every live object's header, and the bits must be cleared again
/// by a pass over every object (here folded into the timing, as a sweep would do it).
fn mark_header_bits(heap: &mut Heap, queue: &mut Vec<ObjRef>) -> u64 {
    const MARK: u32 = (FLAG_COLLECTOR_0 as u32) << 16;
    const LOOKAHEAD: usize = 16;
    let fields_at = layout::fields_offset(heap.header_words());
    let roots: Vec<ObjRef> = heap.roots().collect();
    queue.clear();
    for r in roots {
        let w = heap.words_mut(r);
        if w[0] & MARK == 0 {
            w[0] |= MARK;
            queue.push(r);
        }
    }
    let mut head = 0;
    let mut touched = 0u32;
    while head < queue.len() {
        if let Some(&ahead) = queue.get(head + LOOKAHEAD) {
            touched = touched.wrapping_add(heap.words(ahead)[0]);
        }
        let parent = queue[head];
        head += 1;
        let n = layout::fields_of(heap.words(parent)[0]);
        for i in 0..n {
            let raw = heap.words(parent)[fields_at + i];
            if let Some(child) = ObjRef::from_raw(raw) {
                let w = heap.words_mut(child);
                if w[0] & MARK == 0 {
                    w[0] |= MARK;
                    queue.push(child);
                }
            }
        }
    }
    std::hint::black_box(touched);
    let marked = queue.len() as u64;
    // The sweep's share: visit every object and clear its bit.
    for r in heap.objects() {
        heap.words_mut(r)[0] &= !MARK;
    }
    marked
}

fn live_graph(c: &mut Criterion) {
    for indexed in [false, true] {
        let mut m = random_graph(OBJECTS, 42, indexed);
        let reachable = m.heap_stats().objects_in_use;
        let name = if indexed {
            "live_random_graph_1M_indexed"
        } else {
            "live_random_graph_1M_chased"
        };
        let mut group = c.benchmark_group(name);
        group.sample_size(20);
        group.throughput(Throughput::Elements(OBJECTS as u64));
        group.bench_function("marksweep_collect", |b| {
            b.iter(|| assert_eq!(m.collect(None).unwrap(), 0))
        });
        let mut bits = MarkBitmap::default();
        let mut stack = Vec::new();
        let mut queue = GreyQueue::default();
        group.bench_function("mark_lookahead", |b| {
            b.iter(|| {
                bits.reset(m.heap());
                let n = mark_from(m.heap(), &mut bits, &mut queue, m.heap().roots());
                assert_eq!(n, reachable);
            })
        });
        group.bench_function("mark_simple", |b| {
            b.iter(|| {
                bits.reset(m.heap());
                let n = mark_from_simple(m.heap(), &mut bits, &mut stack, m.heap().roots());
                assert_eq!(n, reachable);
            })
        });
        group.bench_function("mark_header_bits", |b| {
            b.iter(|| {
                let (heap, _) = m.parts_mut();
                assert_eq!(mark_header_bits(heap, &mut stack), reachable);
            })
        });
        let mut visited = Visited::default();
        group.bench_function("plain_dfs", |b| {
            b.iter(|| {
                visited.reset(m.heap());
                assert_eq!(plain_dfs(m.heap(), &mut visited, &mut stack), reachable);
            })
        });
        group.bench_function("plain_bfs", |b| {
            b.iter(|| {
                visited.reset(m.heap());
                let n = bfs(m.heap(), &mut visited, &mut stack, api_fields);
                assert_eq!(n, reachable);
            })
        });
        group.bench_function("bare_bfs", |b| {
            b.iter(|| {
                visited.reset(m.heap());
                let n = bfs(m.heap(), &mut visited, &mut stack, inline_fields);
                assert_eq!(n, reachable);
            })
        });
        group.finish();
    }
}

fn cycle_pairs(c: &mut Criterion) {
    const PAIRS: u64 = 1_000_000;
    let mut group = c.benchmark_group("garbage_cycle_pairs_1M");
    group.sample_size(10);
    group.throughput(Throughput::Elements(2 * PAIRS));
    group.bench_function("marksweep_collect", |b| {
        b.iter_batched(
            || {
                let mut m = Runtime::new(HeapConfig::default(), MarkSweep::default()).unwrap();
                m.disable();
                gc_core::fixtures::cycle_pairs(&mut m, 0, 1, PAIRS).unwrap();
                m
            },
            |mut m| {
                assert_eq!(m.collect(None).unwrap(), 2 * PAIRS);
                m
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, live_graph, cycle_pairs);
criterion_main!(benches);
