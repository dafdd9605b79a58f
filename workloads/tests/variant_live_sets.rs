//! Every variant of CPython's collector (`cycle-313`, `cycle-plain`, `cycle-bounded`, `cycle-314`,
//! `cycle-ft`) leaves, after a final full collection, exactly the live set `cycle` leaves,
//! on every workload: the same objects (compared as a graph, since addresses depend on
//! what was freed when), nothing unreachable kept.

use std::collections::HashMap;

use gc_core::{layout, Collector, GcControl, Heap, HeapConfig, Mutator, ObjRef, Runtime};
use workloads::{Size, Workload};

const SEED: u64 = 0x6c61_6221;

/// Threshold 0 for the variants: low, so that every workload runs many increments and
/// completes scavenges before the final collection.
const LOW: Option<u64> = Some(50);

/// Flags that say what an object is (not the collector's bits, nor allocation state).
const IDENTITY_FLAGS: u16 = layout::FLAG_HAS_FINALIZER
    | layout::FLAG_FINALIZED
    | layout::FLAG_HAS_WEAKREFS
    | layout::FLAG_IS_WEAKREF;

/// The live heap as a graph independent of addresses: objects numbered in the order a
/// breadth-first walk from the roots (slots in order, then `gc.garbage`) first reaches
/// them, each with its flags, payload length and fields as those numbers.
fn canonical(heap: &Heap) -> Graph {
    let mut number: HashMap<ObjRef, usize> = HashMap::new();
    let mut order = Vec::new();
    let mut roots = Vec::new();
    for raw in heap.slots().iter().copied() {
        roots.push(ObjRef::from_raw(raw));
    }
    roots.extend(heap.garbage().iter().copied().map(Some));
    let visit = |r: ObjRef, order: &mut Vec<ObjRef>, number: &mut HashMap<ObjRef, usize>| {
        let n = number.len();
        *number.entry(r).or_insert_with(|| {
            order.push(r);
            n
        })
    };
    let mut root_numbers = Vec::new();
    for r in roots {
        root_numbers.push(r.map(|r| visit(r, &mut order, &mut number)));
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < order.len() {
        let r = order[i];
        let fields = heap
            .fields(r)
            .to_vec()
            .into_iter()
            .map(|raw| ObjRef::from_raw(raw).map(|c| visit(c, &mut order, &mut number)))
            .collect();
        out.push((
            heap.flags(r) & IDENTITY_FLAGS,
            heap.shape(r).payload,
            fields,
        ));
        i += 1;
    }
    out.push((0, 0, root_numbers));
    out
}

/// The live graph `C` leaves after running `workload` and a full collection (checking
/// that every object in use is in it), and the runtime. `threshold0` replaces threshold 0,
/// so that the small workloads run many collections.
fn live_set<C: Collector + Default>(
    workload: &Workload,
    threshold0: Option<u64>,
) -> (Graph, Runtime<C>) {
    live_set_of(C::default(), workload, threshold0)
}

/// [`live_set`] on a given collector (a preset: `cycle`'s parameters set).
fn live_set_of<C: Collector>(
    collector: C,
    workload: &Workload,
    threshold0: Option<u64>,
) -> (Graph, Runtime<C>) {
    let mut rt = Runtime::new(HeapConfig::default(), collector).expect("runtime");
    if let Some(t) = threshold0 {
        rt.set_threshold(&[t]).expect("threshold 0");
    }
    let name = rt.collector_name();
    workload
        .run(&mut rt, SEED)
        .unwrap_or_else(|e| panic!("{} on {name}: {e}", workload.name()));
    rt.collect(None).expect("final collection");
    rt.collect(None).expect("second final collection");
    let graph = canonical(rt.heap());
    assert_eq!(
        rt.heap_stats().objects_in_use,
        graph.len() as u64 - 1,
        "{} on {name}: objects in use beyond the live graph",
        workload.name()
    );
    (graph, rt)
}

/// `cycle` with one of its parameters set, as the harness's presets are.
fn preset(set: impl FnOnce(&mut gc_cycle::CycleParams)) -> gc_cycle::CycleGc {
    let mut params = <gc_cycle::CycleParams as gc_core::params::Params>::defaults();
    set(&mut params);
    gc_core::params::Configured::from_params(&params)
}

/// A live heap as [`canonical`] numbers it.
type Graph = Vec<(u16, u32, Vec<Option<usize>>)>;

/// Every workload at its small size, and the variants the expectation tests add.
fn workloads() -> Vec<Workload> {
    let mut all = Workload::all(Size::Small);
    for (name, param) in [
        ("binary-trees", "cyclic"),
        ("generational", "violate"),
        ("weak-cache", "cyclic_values"),
    ] {
        all.push(
            Workload::parse(
                name,
                Size::Small,
                &[(param.to_string(), "true".to_string())],
            )
            .expect("variant parses"),
        );
    }
    all
}

#[test]
fn every_cycle_variant_leaves_cycles_live_set_on_every_workload() {
    let mut incremental = gc_cycle::IncrementalStats::default();
    for w in workloads() {
        let (reference, _) = live_set::<gc_cycle::CycleGc>(&w, None);
        assert_eq!(
            reference.len() as u64 - 1,
            w.expectations().live_at_end,
            "{}: cycle leaves the workload's live set",
            w.name()
        );
        let (graph_314, rt_314) = live_set::<gc_cycle::IncrementalCycleGc>(&w, LOW);
        let s = rt_314.collector().stats();
        incremental.increments += s.increments;
        incremental.scavenges += s.scavenges;
        let variants = [
            (
                "cycle-313",
                live_set_of(preset(|p| p.threshold0 = 2000), &w, LOW).0,
            ),
            (
                "cycle-plain",
                live_set_of(preset(|p| p.plain = true), &w, LOW).0,
            ),
            (
                "cycle-bounded",
                live_set_of(preset(|p| p.cascade_budget = 1000), &w, LOW).0,
            ),
            ("cycle-314", graph_314),
            (
                "cycle-ft",
                live_set::<gc_cycle::FreeThreadedCycleGc>(&w, LOW).0,
            ),
        ];
        for (name, graph) in variants {
            assert!(
                graph == reference,
                "{}: {name}'s live set differs from cycle's",
                w.name()
            );
        }
    }
    // The comparison means something only if increments ran and scavenges completed
    // before the final collections.
    eprintln!("cycle-314 over the workloads: {incremental:?}");
    assert!(incremental.increments > 0 && incremental.scavenges > 0);
}
