//! The pool allocator's own behaviour: size classes, pool and arena reuse, arena release,
//! the large-object path and the heap limit.

use gc_core::alloc::{Geometry, Space};
use gc_core::{GcError, ObjRef};

fn words_for(bytes: usize) -> usize {
    bytes / 4
}

#[test]
fn size_class_rounding_charges_cells() {
    let mut s = Space::new(Geometry::default(), None).unwrap();
    for (bytes, charged) in [
        (4, 16),
        (16, 16),
        (20, 32),
        (32, 32),
        (500, 512),
        (512, 512),
    ] {
        let before = s.bytes_in_use();
        let r = s.alloc(words_for(bytes.max(4))).unwrap();
        assert_eq!(s.bytes_in_use() - before, charged, "{bytes} bytes");
        assert_eq!(s.object_bytes(r), charged);
        assert!(!r.is_large());
    }
    let st = s.stats();
    assert_eq!(st.class_objects[0], 2);
    assert_eq!(st.class_objects[1], 2);
    assert_eq!(st.class_objects[31], 2);
}

#[test]
fn alternating_alloc_and_free_keeps_one_pool() {
    let mut s = Space::new(Geometry::default(), None).unwrap();
    let first = s.alloc(8).unwrap();
    s.free(first);
    for _ in 0..100 {
        let r = s.alloc(8).unwrap();
        assert_eq!(r, first, "the kept pool and its free list serve again");
        s.free(r);
    }
    let st = s.stats();
    assert_eq!((st.pools_in_use, st.arenas_held), (1, 1));
}

#[test]
fn freed_cells_are_reused_first() {
    let mut s = Space::new(Geometry::default(), None).unwrap();
    let a = s.alloc(8).unwrap();
    let b = s.alloc(8).unwrap();
    assert_ne!(a, b);
    s.free(a);
    let c = s.alloc(8).unwrap();
    assert_eq!(a, c, "the pool's free list hands back the freed cell");
    assert_eq!(s.stats().pools_in_use, 1);
}

#[test]
fn the_kept_cell_serves_its_class_only_and_goes_back_on_flush() {
    let mut s = Space::new(Geometry::default(), None).unwrap();
    let a = s.alloc(8).unwrap();
    let b = s.alloc(8).unwrap();
    let small = s.alloc(4).unwrap();
    s.free(a); // kept
    s.free(b); // the kept place is taken: onto the pool's free list
    let st = s.stats();
    assert_eq!(st.objects_in_use, 1);
    assert_eq!(
        st.class_objects[1], 0,
        "a kept cell is free in the statistics"
    );
    assert_eq!(st.bytes_in_use, 16);
    assert!(!s.is_allocated(a) && !s.is_allocated(b));
    assert_ne!(
        s.alloc(4).unwrap(),
        a,
        "another class never takes the kept cell"
    );
    assert_eq!(
        s.alloc(8).unwrap(),
        a,
        "the kept cell serves its class first"
    );
    assert_eq!(s.alloc(8).unwrap(), b, "then the pool's free list");
    s.free(a);
    s.free(b);
    s.free(small);
    // Only the kept cell holds the 32-byte pool; flushing gives it back, and the pool then
    // empties and returns to its arena.
    assert_eq!(s.stats().pools_in_use, 2);
    s.flush_empty_pools();
    let st = s.stats();
    assert_eq!(
        st.pools_in_use, 1,
        "the 16-byte class still holds one object"
    );
    assert_eq!(st.class_objects[1], 0);
    s.alloc(8).unwrap();
    assert_eq!(s.stats().objects_in_use, st.objects_in_use + 1);
    assert_eq!(s.stats().pools_in_use, 2, "a fresh pool for the class");
}

#[test]
fn cells_are_carved_in_address_order_and_pools_fill() {
    let g = Geometry::default();
    let mut s = Space::new(g, None).unwrap();
    let per_pool = g.pool_bytes / 32;
    let refs: Vec<ObjRef> = (0..per_pool + 1).map(|_| s.alloc(8).unwrap()).collect();
    for w in refs[..per_pool].windows(2) {
        assert_eq!(
            w[1].raw() - w[0].raw(),
            2,
            "32-byte cells are two granules apart"
        );
    }
    assert_eq!(
        s.stats().pools_in_use,
        2,
        "a full pool makes the class take a fresh one"
    );
}

#[test]
fn empty_pools_return_to_their_arena_and_serve_other_classes() {
    let g = Geometry::default();
    let mut s = Space::new(g, None).unwrap();
    let a: Vec<ObjRef> = (0..10).map(|_| s.alloc(4).unwrap()).collect();
    assert_eq!(s.stats().pools_in_use, 1);
    for r in a.iter().rev() {
        s.free(*r);
    }
    assert_eq!(
        s.stats().pools_in_use,
        1,
        "the emptied pool is kept for its class"
    );
    s.flush_empty_pools();
    assert_eq!(s.stats().pools_in_use, 0);
    let b = s.alloc(100).unwrap();
    assert_eq!(b.raw() >> g.arena_shift(), 0, "same arena");
    assert_eq!(s.stats().arenas_held, 1);
}

#[test]
fn empty_arenas_are_released_except_one() {
    let g = Geometry::default();
    let mut s = Space::new(g, None).unwrap();
    let cells_per_arena = g.arena_bytes / 512;
    let refs: Vec<ObjRef> = (0..3 * cells_per_arena)
        .map(|_| s.alloc(128).unwrap())
        .collect();
    assert_eq!(s.stats().arenas_held, 3);
    for r in &refs {
        s.free(*r);
    }
    s.flush_empty_pools();
    let st = s.stats();
    assert_eq!(st.objects_in_use, 0);
    assert_eq!(
        st.arenas_held, 1,
        "one empty arena is kept against thrashing"
    );
    assert_eq!(st.arenas_released, 2);
    assert_eq!(st.bytes_held, g.arena_bytes as u64);
    assert_eq!(st.peak_bytes_held, 3 * g.arena_bytes as u64);
    // Released arena indices are reused, lowest first.
    let again: Vec<ObjRef> = (0..2 * cells_per_arena)
        .map(|_| s.alloc(128).unwrap())
        .collect();
    let max_arena = again
        .iter()
        .map(|r| r.raw() >> g.arena_shift())
        .max()
        .unwrap();
    assert_eq!(max_arena, 1);
}

#[test]
fn most_used_arena_is_preferred() {
    let g = Geometry {
        arena_bytes: 64 * 1024,
        ..Geometry::default()
    };
    let mut s = Space::new(g, None).unwrap();
    // Fill two arenas with single-cell pools of the largest class, then empty most of arena 1.
    let per_arena = g.pools_per_arena() * (g.pool_bytes / 512);
    let refs: Vec<ObjRef> = (0..2 * per_arena).map(|_| s.alloc(128).unwrap()).collect();
    let in_arena = |r: &ObjRef| r.raw() >> g.arena_shift();
    // Free all but one pool's worth in arena 0 and a single pool in arena 1.
    let cells_per_pool = g.pool_bytes / 512;
    for r in refs
        .iter()
        .filter(|r| in_arena(r) == 0)
        .skip(cells_per_pool)
    {
        s.free(*r);
    }
    for r in refs
        .iter()
        .filter(|r| in_arena(r) == 1)
        .take(cells_per_pool)
    {
        s.free(*r);
    }
    s.flush_empty_pools();
    // A new pool (for another class) should come from arena 1, the more heavily used one.
    let fresh = s.alloc(4).unwrap();
    assert_eq!(in_arena(&fresh), 1);
}

#[test]
fn large_objects_use_the_system_path() {
    let mut s = Space::new(Geometry::default(), None).unwrap();
    let big = s.alloc(1000).unwrap();
    assert!(big.is_large());
    assert_eq!(s.object_bytes(big), 4000);
    let st = s.stats();
    assert_eq!(st.large_objects, 1);
    assert_eq!(st.arenas_held, 0, "no arena for a large object");
    assert_eq!(st.bytes_in_use, 4000);
    assert_eq!(s.free(big), 4000);
    assert_eq!(s.stats().large_objects, 0);
    let again = s.alloc(129).unwrap();
    assert!(
        again.is_large(),
        "516 bytes is over the 512-byte small limit"
    );
    assert_eq!(again, big, "the index is reused");
}

#[test]
fn heap_limit_gives_out_of_memory_and_recovers() {
    let mut s = Space::new(Geometry::default(), Some(1024)).unwrap();
    let refs: Vec<ObjRef> = (0..32).map(|_| s.alloc(8).unwrap()).collect();
    match s.alloc(8) {
        Err(GcError::OutOfMemory {
            requested,
            in_use,
            limit,
        }) => {
            assert_eq!((requested, in_use, limit), (32, 1024, 1024));
        }
        other => panic!("expected OutOfMemory, got {other:?}"),
    }
    assert!(
        s.alloc(300).is_err(),
        "large objects count against the limit too"
    );
    s.free(refs[3]);
    assert!(s.alloc(8).is_ok());
}

#[test]
fn counters_add_up() {
    let mut s = Space::new(Geometry::default(), None).unwrap();
    let refs: Vec<ObjRef> = (0..1000)
        .map(|i| {
            let r = s.alloc(4 + i % 100).unwrap();
            // The heap writes the header; here the test marks the cell allocated itself.
            s.words_mut(r)[0] = u32::from(gc_core::layout::FLAG_ALLOCATED) << 16;
            r
        })
        .collect();
    let peak = s.stats().bytes_in_use;
    for r in refs.iter().step_by(2) {
        s.free(*r);
    }
    let st = s.stats();
    assert_eq!(st.total_allocated, 1000);
    assert_eq!(st.total_freed, 500);
    assert_eq!(st.objects_in_use, 500);
    assert_eq!(st.class_objects.iter().sum::<u64>(), 500);
    assert_eq!(st.peak_bytes_in_use, peak);
    assert_eq!(
        st.total_bytes_allocated - st.total_bytes_freed,
        st.bytes_in_use
    );
    let mut seen = 0;
    s.for_each_object(|_| seen += 1);
    assert_eq!(seen, 500);
}

#[test]
fn bad_geometry_is_an_error() {
    let g = Geometry {
        pool_bytes: 1000,
        ..Geometry::default()
    };
    assert!(matches!(Space::new(g, None), Err(GcError::BadConfig(_))));
}

/// Fresh objects read as fresh whatever the collector header size and however the cell is
/// initialised (whole-cell templates for small objects, word ranges otherwise), including
/// cells reused after a free left old contents behind.
#[test]
fn fresh_objects_have_zero_headers_null_fields_and_zero_payload() {
    use gc_core::{Heap, HeapConfig, Shape};
    for header_words in [0, 1, 3, 6, 7, 9] {
        let mut heap = Heap::new(&HeapConfig::default(), header_words, 1, false, "t").unwrap();
        for round in 0..2 {
            let mut made = Vec::new();
            for fields in [0u32, 1, 2, 3, 6, 9, 40] {
                for payload in [0u32, 3, 8, 24, 600] {
                    let obj = heap.alloc_object(Shape::new(fields, payload), 0).unwrap();
                    assert_eq!(heap.shape(obj), Shape::new(fields, payload));
                    for k in 0..header_words {
                        assert_eq!(heap.header(obj, k), 0, "header {k} of {header_words}");
                    }
                    assert!(heap.fields(obj).iter().all(|&f| f == gc_core::NULL));
                    assert_eq!(heap.fields(obj).len(), fields as usize);
                    let mut bytes = vec![0xAAu8; payload as usize];
                    heap.read_payload(obj, 0, &mut bytes).unwrap();
                    assert!(bytes.iter().all(|&b| b == 0), "payload {payload}");
                    // Dirty everything, so the next round's reused cells start dirty.
                    for k in 0..header_words {
                        *heap.header_mut(obj, k) = 0xDEAD;
                    }
                    heap.write_payload(obj, 0, &vec![0x55; payload as usize])
                        .unwrap();
                    for i in 0..fields as usize {
                        heap.replace_field(obj, i, Some(obj)).unwrap();
                    }
                    made.push(obj);
                }
            }
            if round == 0 {
                for obj in made {
                    heap.free(obj);
                }
            }
        }
    }
}

/// A heap of `n` objects, object `i` with `i % 3` fields and `payload(i)` bytes; every 97th
/// (from 5) a weak reference, with a callback, to the next object (odd `i`) or the one after
/// (even `i`); every 89th (from 11) with a finalizer.
fn heap_with_side_tables(n: u32, payload: impl Fn(u32) -> u32) -> (gc_core::Heap, Vec<ObjRef>) {
    use gc_core::layout::FLAG_IS_WEAKREF;
    use gc_core::{Finalizer, Heap, HeapConfig, Shape};
    let mut heap = Heap::new(&HeapConfig::default(), 3, 1, false, "t").unwrap();
    let mut objs = Vec::new();
    for i in 0..n {
        let flags = if i % 97 == 5 { FLAG_IS_WEAKREF } else { 0 };
        objs.push(
            heap.alloc_object(Shape::new(i % 3, payload(i)), flags)
                .unwrap(),
        );
    }
    for i in (5..n as usize).step_by(97) {
        // A weak reference to a survivor (odd) or to a victim (even), with a callback.
        heap.register_weakref(objs[i], objs[i + 1 + (i % 2)], Some(i as u32));
    }
    for i in (11..n as usize).step_by(89) {
        heap.set_finalizer(objs[i], Finalizer::report(i as u32));
    }
    (heap, objs)
}

/// `Heap::free_all` over small objects, large ones, weak references, weakly referenced
/// objects and objects with finalizers leaves the heap as `Heap::free` on each would: the
/// same statistics, side tables and notices, and the same cells for later allocations.
#[test]
fn heap_free_all_matches_freeing_one_by_one_with_side_tables() {
    use gc_core::Shape;
    // Some large objects among the small.
    let build = || heap_with_side_tables(2000, |i| if i % 50 == 7 { 900 } else { 8 });
    let (mut one, objs) = build();
    let (mut all, same) = build();
    assert_eq!(objs, same);
    let victims: Vec<_> = (0..objs.len())
        .filter(|i| i % 4 != 1)
        .map(|i| objs[i])
        .collect();
    let mut bytes_one = 0;
    for &r in &victims {
        bytes_one += one.free(r);
    }
    assert_eq!(all.free_all(&victims), bytes_one, "free_all's bytes");
    assert_same_heap(&mut one, &mut all, &objs);
    for i in 0..2000u32 {
        let shape = Shape::new(i % 2, 8);
        assert_eq!(
            one.alloc_object(shape, 0).unwrap(),
            all.alloc_object(shape, 0).unwrap()
        );
    }
}

/// `Heap::sweep_pool` over every pool, with the survivors as its marks, frees what
/// `Heap::free` on each small victim in address order would: the same objects, statistics, side tables and
/// callbacks. Its counts are exact: the survivors it passed over, the victims it freed (the
/// slow way, those with side-table entries), their bytes. `reclaim::sweep_pool_or_save`
/// under `DEBUG_SAVEALL` frees nothing and saves the same victims.
#[test]
fn heap_sweep_pool_frees_what_freeing_one_by_one_does() {
    use gc_core::layout::{FLAG_HAS_FINALIZER, FLAG_HAS_WEAKREFS, FLAG_IS_WEAKREF};
    use gc_core::reclaim::sweep_pool_or_save;
    use gc_core::{ObjSet, DEBUG_SAVEALL};
    // Small objects of several size classes, so pools of each class interleave.
    let build = || heap_with_side_tables(3000, |i| [8, 40, 200][(i % 7) as usize % 3]);
    let (mut one, objs) = build();
    let (mut swept, _) = build();
    let (mut saved, _) = build();
    let survives = |i: usize| i % 4 == 1 || i.is_multiple_of(13);
    let mut marks = ObjSet::with_bounds(swept.reference_bounds());
    let (mut bytes_one, mut victims, mut slow) = (0, 0, 0);
    // In address order, the order a sweep visits cells in: freeing a weak reference before
    // or after its referent decides whether its callback is queued.
    let mut by_address: Vec<(usize, ObjRef)> = objs.iter().copied().enumerate().collect();
    by_address.sort_by_key(|&(_, r)| r.raw());
    for (i, r) in by_address {
        if survives(i) {
            marks.insert(r);
        } else {
            victims += 1;
            slow += usize::from(
                one.flags(r) & (FLAG_IS_WEAKREF | FLAG_HAS_WEAKREFS | FLAG_HAS_FINALIZER) != 0,
            );
            bytes_one += one.free(r);
        }
    }
    assert!(slow > 0, "some victims have side-table entries");
    saved.set_debug(DEBUG_SAVEALL);
    let mut scratch = Vec::new();
    let (mut total, mut total_saved) = (gc_core::alloc::PoolSweep::default(), 0);
    for pool in 0..swept.pool_bound() {
        let s = swept.sweep_pool(pool, |r| marks.contains(r), &mut scratch);
        total.kept += s.kept;
        total.freed += s.freed;
        total.bytes += s.bytes;
        total.slow += s.slow;
        total_saved +=
            sweep_pool_or_save(&mut saved, pool, |r| marks.contains(r), &mut scratch).freed;
    }
    assert_eq!(total.kept, objs.len() - victims, "survivors passed over");
    assert_eq!(total.freed, victims, "victims freed");
    assert_eq!(total.slow, slow, "victims freed the slow way");
    assert_eq!(total.bytes, bytes_one, "bytes freed");
    assert_same_heap(&mut one, &mut swept, &objs);
    assert_eq!(total_saved, victims, "DEBUG_SAVEALL saves every victim");
    assert!(
        objs.iter().all(|&r| saved.is_allocated(r)),
        "and frees none"
    );
    assert_eq!(saved.garbage().len(), victims);
}

/// Small-object memory: a released arena keeps its words (every cell reads as free) and the
/// next arena made reuses the lowest released index, with the same references; memory above
/// the highest live arena is cut once it outgrows the live part, and a reference into it then
/// finds no memory (no panic).
#[test]
fn released_arena_memory_is_reused_then_cut() {
    let g = Geometry {
        arena_bytes: 64 * 1024,
        keep_empty_arenas: 0,
        ..Geometry::default()
    };
    let mut s = Space::new(g, None).unwrap();
    let per_arena = g.arena_bytes / 512;
    let arenas: Vec<Vec<ObjRef>> = (0..4)
        .map(|_| (0..per_arena).map(|_| s.alloc(128).unwrap()).collect())
        .collect();
    assert_eq!(s.stats().arenas_held, 4);
    for a in [0, 2, 3] {
        for r in &arenas[a] {
            s.free(*r);
        }
    }
    s.flush_empty_pools();
    assert_eq!(s.stats().arenas_held, 1);
    assert!(!s.is_allocated(arenas[0][0]) && !s.is_allocated(arenas[3][0]));
    assert!(
        s.try_words(arenas[3][0]).is_some(),
        "two released arenas above one live one: kept for reuse"
    );
    assert!(
        s.stats().bytes_reserved >= 4 * g.arena_bytes as u64,
        "and reported"
    );
    let again: Vec<ObjRef> = (0..per_arena).map(|_| s.alloc(128).unwrap()).collect();
    assert_eq!(
        again, arenas[0],
        "the lowest released index, same references"
    );
    assert_eq!(s.stats().arenas_held, 2);
    for r in again.iter().chain(&arenas[1]) {
        s.free(*r);
    }
    s.flush_empty_pools();
    assert_eq!(s.stats().arenas_held, 0);
    assert_eq!(s.stats().bytes_reserved, 0);
    for r in arenas.iter().flatten() {
        assert!(
            s.try_words(*r).is_none_or(<[u32]>::is_empty),
            "no live arena: the memory is gone"
        );
        assert!(!s.is_allocated(*r));
    }
}

/// A pool taken by another size class reads as free at every granule: a stale reference to
/// a granule inside an earlier cell (where a payload word sat) cannot pass for an allocated
/// object once the pool serves a class whose cells start there.
#[test]
fn a_pool_taken_by_another_class_reads_free_at_every_granule() {
    let mut s = Space::new(Geometry::default(), None).unwrap();
    let cell = s.alloc(12).unwrap(); // 48 bytes: three granules
    let inner = gc_core::ObjRef::from_raw(cell.raw() + 1).unwrap();
    // Payload with the allocated flag's bit pattern, where the next granule starts.
    s.try_words_mut(cell).unwrap()[4] = u32::MAX;
    s.free(cell);
    s.flush_empty_pools();
    assert_eq!(s.stats().pools_in_use, 0);
    // The same pool, now for 16-byte cells: `inner` is where its second cell will be.
    assert_eq!(s.alloc(4).unwrap(), cell);
    assert_eq!(s.try_words(inner).map(|w| w[0]), Some(0));
    assert!(!s.is_allocated(inner));
}

/// Frees `victims` the way `Heap::free_all` does: runs of small cells through
/// `free_small_runs_unless`, anything it stops at one by one.
fn free_in_runs(s: &mut Space, victims: &[ObjRef], refuse_bits: u32) {
    let mut rest = victims;
    while !rest.is_empty() {
        let in_use = s.bytes_in_use();
        let (freed, bytes) = s.free_small_runs_unless(rest, refuse_bits);
        assert_eq!(in_use - s.bytes_in_use(), bytes, "the bytes a run freed");
        match rest.get(freed) {
            Some(&stopped_at) => {
                s.free(stopped_at);
                rest = &rest[freed + 1..];
            }
            None => break,
        }
    }
}

/// Two spaces built alike, one freeing `victims` one by one and the other in runs, must
/// agree on every statistic, on which objects are allocated, and on the cells every later
/// allocation gets (which compares their free lists, kept cells and pool lists).
/// With `kept_before`, the first victim is freed alone first in both, taking the kept-cell
/// place; otherwise the runs' first cell takes it.
fn runs_match_one_by_one(
    g: Geometry,
    sizes: &[usize],
    pick: impl Fn(usize) -> bool,
    kept_before: bool,
) {
    let build = || {
        let mut s = Space::new(g, None).unwrap();
        let refs: Vec<ObjRef> = sizes.iter().map(|&w| s.alloc(w).unwrap()).collect();
        (s, refs)
    };
    let (mut one, refs) = build();
    let (mut runs, same) = build();
    assert_eq!(refs, same);
    let victims: Vec<ObjRef> = (0..refs.len())
        .filter(|&i| pick(i))
        .map(|i| refs[i])
        .collect();
    let victims = match (kept_before, victims.split_first()) {
        (true, Some((&first, rest))) => {
            one.free(first);
            runs.free(first);
            rest
        }
        _ => &victims[..],
    };
    for &r in victims {
        one.free(r);
    }
    free_in_runs(&mut runs, victims, 0);
    assert_eq!(one.stats(), runs.stats());
    for &r in &refs {
        assert_eq!(one.is_allocated(r), runs.is_allocated(r), "{r:?}");
    }
    // What a pause's end returns (kept cell, set-aside pools) must match too.
    one.flush_empty_pools();
    runs.flush_empty_pools();
    assert_eq!(one.stats(), runs.stats());
    for &w in sizes {
        assert_eq!(one.alloc(w).unwrap(), runs.alloc(w).unwrap());
    }
    assert_eq!(one.stats(), runs.stats());
}

#[test]
fn freeing_in_runs_leaves_the_space_as_freeing_one_by_one() {
    let g = Geometry::default();
    // Three small classes (one with 32 cells a pool) and large objects, interleaved.
    let sizes: Vec<usize> = (0..6000)
        .map(|i| [8, 8, 8, 4, 128, 8, 200][i % 7])
        .collect();
    // Everything: whole pools empty, full pools turn used then empty, large ones between.
    runs_match_one_by_one(g, &sizes, |_| true, false);
    runs_match_one_by_one(g, &sizes, |_| true, true);
    // Most: pools turn used but keep cells; runs break at every kept object.
    runs_match_one_by_one(g, &sizes, |i| i % 5 != 2, false);
    // Pools emptied one cell at a time in between other pools' cells.
    runs_match_one_by_one(g, &sizes, |i| i % 2 == 0, true);
    // One class only: each full pool is emptied by one run (used, then set aside).
    let one_class = vec![8; 2000];
    runs_match_one_by_one(g, &one_class, |_| true, false);
    runs_match_one_by_one(g, &one_class, |_| true, true);
    runs_match_one_by_one(g, &one_class, |i| !(600..1100).contains(&i), true);
}

/// The end of a pause returns an empty pool that comes to head its class's used list when
/// the pool before it fills, though no free marked the class since the last flush.
#[test]
fn a_flush_returns_an_empty_pool_exposed_by_a_filling_one() {
    let g = Geometry::default();
    let per_pool = g.pool_bytes / 32;
    let mut s = Space::new(g, None).unwrap();
    // The kept place is taken by another class, so 32-byte frees go to their pools.
    let other = s.alloc(4).unwrap();
    let first: Vec<ObjRef> = (0..per_pool).map(|_| s.alloc(8).unwrap()).collect();
    let second: Vec<ObjRef> = (0..per_pool).map(|_| s.alloc(8).unwrap()).collect();
    s.free(other);
    // The first pool empties and stays as its class's only used pool; the second, full,
    // loses a cell and goes ahead of it.
    for &r in &first {
        s.free(r);
    }
    s.free(second[0]);
    s.flush_empty_pools();
    let held = s.stats().pools_in_use;
    // The other class's pool went back with the kept cell; the empty pool behind a used
    // one stays.
    assert_eq!(held, 2);
    // The second pool fills again: the empty one heads the list, and the next flush
    // returns it.
    s.alloc(8).unwrap();
    s.flush_empty_pools();
    assert_eq!(s.stats().pools_in_use, held - 1);
}

#[test]
fn freeing_in_runs_matches_with_one_cell_pools() {
    // A 512-byte class fills a pool with one cell: a free both turns it used and empties it.
    let g = Geometry {
        small_limit: 512,
        pool_bytes: 512,
        arena_bytes: 64 * 1024,
        keep_empty_arenas: 1,
    };
    let sizes: Vec<usize> = (0..3000).map(|i| [128, 128, 8, 128][i % 4]).collect();
    runs_match_one_by_one(g, &sizes, |_| true, false);
    runs_match_one_by_one(g, &sizes, |i| i % 3 != 0, true);
}

#[test]
fn freeing_in_runs_stops_at_a_refused_cell_and_a_large_object() {
    let mut s = Space::new(Geometry::default(), None).unwrap();
    let refs: Vec<ObjRef> = (0..10)
        .map(|i| s.alloc(if i == 7 { 300 } else { 8 }).unwrap())
        .collect();
    let refuse = 1 << 20;
    s.words_mut(refs[4])[0] |= refuse;
    let in_use = s.bytes_in_use();
    let (freed, bytes) = s.free_small_runs_unless(&refs, refuse);
    assert_eq!(freed, 4);
    assert_eq!(bytes, in_use - s.bytes_in_use(), "the four cells' bytes");
    assert_ne!(
        s.words_mut(refs[4])[0] & refuse,
        0,
        "the refused cell is untouched"
    );
    assert_eq!(s.stats().objects_in_use, 6, "the first four are freed");
    assert_eq!(
        s.free_small_runs_unless(&refs[5..], refuse).0,
        2,
        "stops at the large one"
    );
    assert_eq!(s.stats().objects_in_use, 4);
    assert_eq!(s.free_small_runs_unless(&[], refuse), (0, 0));
}

/// The head view is the object's first eight words where it has one: never for a large
/// object, nor for a small one whose eight words would run past the end of small-object
/// memory; `with_head_mut` gives the same words either way.
#[test]
fn head_views_show_the_first_words_of_small_objects() {
    use gc_core::alloc::HEAD_WORDS;
    use gc_core::{Heap, HeapConfig, Shape};
    let g = gc_core::Geometry::default();
    // No collector header: an object without fields or payload takes a 16-byte cell.
    let mut heap = Heap::new(&HeapConfig::default(), 0, 1, false, "t").unwrap();
    let large = heap.alloc_object(Shape::new(200, 0), 0).unwrap();
    assert!(heap.head(large).is_none() && heap.head_mut(large).is_none());
    let seen = heap.with_head_mut(large, |w| {
        w[5] = 77;
        w.len()
    });
    assert!(seen >= 200, "a large object is seen whole");
    assert_eq!(heap.words(large)[5], 77);
    // Exactly one arena of 16-byte cells: the last is the last cell of small-object memory,
    // and its eight words would run past it.
    let small: Vec<_> = (0..g.arena_bytes / 16)
        .map(|_| heap.alloc_object(Shape::new(0, 0), 0).unwrap())
        .collect();
    assert_eq!(heap.alloc_stats().arenas_held, 1);
    let last = *small.last().unwrap();
    assert!(heap.head(last).is_none() && heap.head_mut(last).is_none());
    assert_eq!(heap.with_head(last, |w| w.len()), 4, "the rest of memory");
    for &r in &small[..small.len() - 1] {
        let view = *heap.head(r).unwrap();
        assert_eq!(&view[..], &heap.words(r)[..HEAD_WORDS]);
        assert_eq!(heap.with_head(r, |w| w.len()), HEAD_WORDS);
    }
}

/// Four pools of 1 KiB to an arena: small enough to fill arenas in a test.
fn tiny_geometry(keep_empty_arenas: usize) -> Geometry {
    Geometry {
        small_limit: 512,
        pool_bytes: 1024,
        arena_bytes: 4096,
        keep_empty_arenas,
    }
}

/// Ten 32-byte cells allocated and freed, then the end of a cascade, in a fresh space that
/// keeps `keep_empty_arenas` empty arenas; returns the space and the cells in free order.
fn drop_a_small_structure(keep_empty_arenas: usize) -> (Space, Vec<ObjRef>) {
    let mut s = Space::new(tiny_geometry(keep_empty_arenas), None).unwrap();
    let refs: Vec<ObjRef> = (0..10).map(|_| s.alloc(8).unwrap()).collect();
    for r in &refs {
        s.free(*r);
    }
    s.flush_empty_pools_if_releasing();
    (s, refs)
}

/// The end of a cascade that emptied a pool keeps it (and the kept cell) for the next
/// structure when giving it back would release no arena: the next allocations take the
/// kept cell, then the freed cells most recently freed first.
#[test]
fn a_cascade_end_keeps_an_emptied_pool_when_no_arena_would_go() {
    let (mut s, refs) = drop_a_small_structure(1);
    let st = s.stats();
    assert_eq!(
        (st.objects_in_use, st.pools_in_use, st.arenas_held),
        (0, 1, 1),
        "the only arena would be kept anyway: nothing is returned"
    );
    let again: Vec<ObjRef> = (0..10).map(|_| s.alloc(8).unwrap()).collect();
    let mut expected = vec![refs[0]];
    expected.extend(refs[1..].iter().rev());
    assert_eq!(again, expected);

    // With no empty arena kept, the same end of a cascade releases the arena.
    let (s, _) = drop_a_small_structure(0);
    let st = s.stats();
    assert_eq!(
        (st.pools_in_use, st.arenas_held, st.arenas_released),
        (0, 0, 1)
    );
}

/// When giving the kept cell back empties a second arena, one more than is kept, the end
/// of a cascade flushes, and the empty arena touched longest ago is released.
#[test]
fn a_cascade_end_flushes_when_an_arena_would_go() {
    let g = tiny_geometry(1);
    let mut s = Space::new(g, None).unwrap();
    let per_arena = g.arena_bytes / 16;
    let first: Vec<ObjRef> = (0..per_arena).map(|_| s.alloc(4).unwrap()).collect();
    let second: Vec<ObjRef> = (0..per_arena).map(|_| s.alloc(4).unwrap()).collect();
    let last = s.alloc(4).unwrap();
    assert_eq!(s.stats().arenas_held, 3);
    for r in &second {
        s.free(*r);
    }
    s.flush_empty_pools();
    let st = s.stats();
    assert_eq!(
        (st.arenas_held, st.arenas_released),
        (3, 0),
        "one empty arena kept"
    );
    s.free(last);
    s.flush_empty_pools_if_releasing();
    let st = s.stats();
    assert_eq!(
        (st.arenas_held, st.arenas_released, st.pools_in_use),
        (2, 1, 4),
        "the kept cell went back, its arena emptied, and one empty arena was released"
    );
    assert_eq!(st.objects_in_use, first.len() as u64);
    // The arena kept is the one emptied last (arena 2): the next pool comes from it.
    let next = s.alloc(8).unwrap();
    assert_eq!(next.raw() >> g.arena_shift(), 2);
}

/// A class that needs a fresh pool when no arena has one takes back the pools other
/// classes emptied (and the kept cell) before an arena is added.
#[test]
fn a_fresh_pool_takes_back_pools_other_classes_kept() {
    let g = tiny_geometry(1);
    let mut s = Space::new(g, None).unwrap();
    // One cell in each of classes 0-3: the arena's four pools.
    let cells: Vec<ObjRef> = (0..4).map(|k| s.alloc(4 * (k + 1)).unwrap()).collect();
    s.free(cells[0]);
    s.flush_empty_pools_if_releasing();
    assert_eq!(
        s.stats().pools_in_use,
        4,
        "no arena would go: the pool is kept"
    );
    let other = s.alloc(20).unwrap();
    let st = s.stats();
    assert_eq!((st.arenas_held, st.pools_in_use), (1, 4));
    let pool_shift = g.granules_per_pool().trailing_zeros();
    assert_eq!(
        other.raw() >> pool_shift,
        cells[0].raw() >> pool_shift,
        "class 4 took the pool class 0 emptied"
    );
}

/// Giving the kept cell back can empty a pool heading its class's list with an emptied pool
/// behind it: the first is set aside and the second then heads the list, so a flush returns
/// both. The end of a cascade must count both to see that the arena would go.
#[test]
fn a_cascade_end_counts_the_pool_behind_the_kept_cells() {
    let mut s = Space::new(tiny_geometry(0), None).unwrap();
    let o = s.alloc(4).unwrap();
    let a: Vec<ObjRef> = (0..32).map(|_| s.alloc(8).unwrap()).collect();
    let b: Vec<ObjRef> = (0..32).map(|_| s.alloc(8).unwrap()).collect();
    s.free(o); // the kept cell
    for r in &a {
        s.free(*r); // A empties and stays at the head of its class's list
    }
    for r in &b[1..] {
        s.free(*r); // B comes back from full in front of it
    }
    assert_eq!(s.alloc(4).unwrap(), o, "the kept cell is taken");
    s.free(b[0]); // now the kept cell: B's last
    s.free(o); // its pool empties and stays as its class's head
    assert_eq!(s.stats().objects_in_use, 0);
    s.flush_empty_pools_if_releasing();
    let st = s.stats();
    assert_eq!(
        (st.arenas_held, st.arenas_released, st.pools_in_use),
        (0, 1, 0),
        "every pool went back and the empty arena was released"
    );
}

/// Asserts that two heaps which freed the same objects by different routes agree: their
/// statistics and weak tables, which of `objs` are allocated and those objects' side-table
/// entries, and the weak callbacks queued (some must be: the victims include referents).
fn assert_same_heap(one: &mut gc_core::Heap, other: &mut gc_core::Heap, objs: &[ObjRef]) {
    assert_eq!(one.alloc_stats(), other.alloc_stats());
    assert_eq!(one.weakref_count(), other.weakref_count());
    for &r in objs {
        assert_eq!(one.is_allocated(r), other.is_allocated(r));
        if one.is_allocated(r) {
            assert_eq!(one.weak_entry(r).ok(), other.weak_entry(r).ok());
            assert_eq!(one.has_pending_finalizer(r), other.has_pending_finalizer(r));
        }
    }
    let (mut a, mut b) = (Vec::new(), Vec::new());
    one.drain_notices(&mut a);
    other.drain_notices(&mut b);
    assert!(!a.is_empty(), "freed weak referents queue callbacks");
    assert_eq!(a, b);
}
