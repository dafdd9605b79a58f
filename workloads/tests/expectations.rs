//! Every workload, at its small size, against every collector: the oracle checks each
//! collection, and the counts match the workload's expectations exactly.

use std::collections::HashMap;

use gc_core::{
    oracle, Collector, GcControl, Heap, HeapConfig, Mutator, NoGc, ObjRef, Reclaims, Runtime,
};
use workloads::{catalog, Size, Workload};

const SEED: u64 = 0x6c61_6221;

/// Runs `workload` against a fresh verified runtime of `C`, then checks the counts the
/// workload promised: everything allocated is counted, and after one full collection
/// exactly what the collector's reclamation power leaves remains.
fn check<C: Collector + Default>(workload: &Workload) {
    let mut rt = Runtime::new(HeapConfig::verified(), C::default()).expect("runtime");
    let collector = rt.collector_name();
    let expect = workload.expectations();
    workload
        .run(&mut rt, SEED)
        .unwrap_or_else(|e| panic!("{} on {collector}: {e}", workload.name()));
    assert_eq!(
        rt.heap_stats().total_allocated,
        expect.allocated,
        "{} on {collector}: objects allocated",
        workload.name()
    );
    rt.collect(None)
        .unwrap_or_else(|e| panic!("{} on {collector}: final collection: {e}", workload.name()));
    let reclaims = rt.capabilities().reclaims;
    assert_eq!(
        rt.heap_stats().objects_in_use,
        expect.allocated_after_full_collection(reclaims),
        "{} on {collector}: objects left after a full collection ({expect:?})",
        workload.name()
    );
    // Whatever the collector, what stays reachable is exactly what the workload keeps.
    let leaked = rt.leak_report().expect("oracle").objects;
    assert_eq!(
        rt.heap_stats().objects_in_use - leaked,
        expect.live_at_end,
        "{} on {collector}: objects reachable at the end",
        workload.name()
    );
    // A collector that frees nothing keeps every object, so the heap still holds the
    // whole garbage graph: simulate plain reference counting on it, independently of any
    // collector, and check it leaks exactly the promised cyclic garbage.
    if reclaims == Reclaims::Nothing {
        assert_eq!(
            refcount_leaks(rt.heap()),
            expect.cyclic_garbage,
            "{}: garbage plain reference counting would leak",
            workload.name()
        );
    }
}

/// Unreachable objects that reference counting could never free: those left when garbage
/// nobody references is freed repeatedly (cycles and everything only they reach).
fn refcount_leaks(heap: &Heap) -> u64 {
    let live = oracle::reachable(heap).expect("oracle");
    let mut garbage = Vec::new();
    heap.for_each_object(|r| {
        if !live.contains(r) {
            garbage.push(r)
        }
    });
    let mut referrers: HashMap<ObjRef, u64> = garbage.iter().map(|&r| (r, 0)).collect();
    let children = |r: ObjRef| {
        heap.fields(r)
            .iter()
            .filter_map(|&raw| ObjRef::from_raw(raw))
            .collect::<Vec<_>>()
    };
    for &r in &garbage {
        for c in children(r) {
            if let Some(n) = referrers.get_mut(&c) {
                *n += 1;
            }
        }
    }
    let mut free: Vec<ObjRef> = garbage
        .iter()
        .copied()
        .filter(|r| referrers[r] == 0)
        .collect();
    let mut freed = 0u64;
    while let Some(r) = free.pop() {
        freed += 1;
        for c in children(r) {
            if let Some(n) = referrers.get_mut(&c) {
                *n -= 1;
                if *n == 0 {
                    free.push(c);
                }
            }
        }
    }
    garbage.len() as u64 - freed
}

/// Every workload in the catalogue at the small size.
fn small_workloads() -> Vec<Workload> {
    let all = Workload::all(Size::Small);
    assert_eq!(
        all.iter().map(Workload::name).collect::<Vec<_>>(),
        catalog().iter().map(|w| w.name).collect::<Vec<_>>(),
        "Workload::all and catalog() list the same workloads"
    );
    all
}

/// One test per (collector, workload), so a failure names both.
macro_rules! collector_tests {
    ($module:ident, $collector:ty) => {
        mod $module {
            use super::*;

            fn run(name: &str) {
                let w = small_workloads()
                    .into_iter()
                    .find(|w| w.name() == name)
                    .expect("workload in catalogue");
                check::<$collector>(&w);
            }

            #[test]
            fn seed_cycles() {
                run("seed-cycles");
            }
            #[test]
            fn binary_trees() {
                run("binary-trees");
            }
            #[test]
            fn binary_trees_cyclic() {
                let w = Workload::parse(
                    "binary-trees",
                    Size::Small,
                    &[("cyclic".to_string(), "true".to_string())],
                )
                .unwrap();
                check::<$collector>(&w);
            }
            #[test]
            fn dll_churn() {
                run("dll-churn");
            }
            #[test]
            fn random_graph() {
                run("random-graph");
            }
            #[test]
            fn generational() {
                run("generational");
            }
            #[test]
            fn generational_violated() {
                let w = Workload::parse(
                    "generational",
                    Size::Small,
                    &[("violate".to_string(), "true".to_string())],
                )
                .unwrap();
                check::<$collector>(&w);
            }
            #[test]
            fn weak_cache() {
                run("weak-cache");
            }
            #[test]
            fn weak_cache_cyclic_values() {
                let w = Workload::parse(
                    "weak-cache",
                    Size::Small,
                    &[("cyclic_values".to_string(), "true".to_string())],
                )
                .unwrap();
                check::<$collector>(&w);
            }
            #[test]
            fn finalizers() {
                run("finalizers");
            }
            #[test]
            fn large_objects() {
                run("large-objects");
            }
            #[test]
            fn gc_traversal() {
                run("gc-traversal");
            }
            #[test]
            fn gc_collect() {
                run("gc-collect");
            }
            #[test]
            fn fragmentation() {
                run("fragmentation");
            }
            #[test]
            fn request_churn() {
                run("request-churn");
            }
            #[test]
            fn snapshot_stdlib() {
                run("snapshot-stdlib");
            }
            #[test]
            fn snapshot_markdown() {
                run("snapshot-markdown");
            }
        }
    };
}

collector_tests!(nogc, NoGc);
collector_tests!(refcount, gc_refcount::RefCount);
collector_tests!(cycle, gc_cycle::CycleGc);
collector_tests!(cycle_314, gc_cycle::IncrementalCycleGc);
collector_tests!(cycle_ft, gc_cycle::FreeThreadedCycleGc);
collector_tests!(mark_sweep, gc_tracing::MarkSweep);
collector_tests!(compact, gc_tracing::Compact);

/// The test list above covers the whole catalogue.
#[test]
fn every_workload_has_a_test() {
    let tested = [
        "seed-cycles",
        "binary-trees",
        "dll-churn",
        "random-graph",
        "generational",
        "weak-cache",
        "finalizers",
        "large-objects",
        "gc-traversal",
        "gc-collect",
        "fragmentation",
        "request-churn",
        "snapshot-stdlib",
        "snapshot-markdown",
    ];
    for info in catalog() {
        assert!(tested.contains(&info.name), "{} has no test", info.name);
    }
}
