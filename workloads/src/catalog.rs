//! The catalogue: every workload by name, parsed parameters, dispatch.

use gc_core::{GcResult, Mutator};

use crate::params::{apply_overrides, param_info, Params, Size, WorkloadError, WorkloadInfo};
use crate::{
    BinaryTrees, DllChurn, Expectations, Finalizers, GcCollect, GcTraversal, Generational,
    LargeObjects, RandomGraph, SeedCycles, SnapshotMarkdown, SnapshotStdlib, WeakCache,
};

/// Generates the enum, the catalogue and the dispatch from one list, so adding a workload
/// is one line here plus its module.
macro_rules! workloads {
    ($( $variant:ident($ty:ty) = $name:literal : $description:literal; )*) => {
        /// A workload with its parameters parsed: what the harness runs.
        #[derive(Clone, Debug, PartialEq)]
        pub enum Workload {
            $(
                #[doc = concat!("`", $name, "`.")]
                $variant($ty),
            )*
        }

        /// Every workload's name, description and parameters, in a stable order.
        pub fn catalog() -> Vec<WorkloadInfo> {
            vec![$(WorkloadInfo {
                name: $name,
                description: $description,
                params: param_info::<$ty>(),
            }),*]
        }

        impl Workload {
            /// Parses a workload by name from a size preset plus `param=value` overrides.
            pub fn parse(
                name: &str,
                size: Size,
                overrides: &[(String, String)],
            ) -> Result<Workload, WorkloadError> {
                match name {
                    $($name => Ok(Workload::$variant(apply_overrides(name, size, overrides)?)),)*
                    _ => Err(WorkloadError::UnknownWorkload {
                        name: name.to_string(),
                        valid: catalog()
                            .iter()
                            .map(|w| w.name)
                            .collect::<Vec<_>>()
                            .join(", "),
                    }),
                }
            }

            /// Every workload at a size preset, in catalogue order.
            pub fn all(size: Size) -> Vec<Workload> {
                vec![$(Workload::$variant(<$ty>::preset(size))),*]
            }

            /// The workload's name.
            pub fn name(&self) -> &'static str {
                match self {
                    $(Workload::$variant(_) => $name,)*
                }
            }

            /// The parameters as JSON (for results files).
            pub fn params_json(&self) -> serde_json::Value {
                match self {
                    $(Workload::$variant(p) => serde_json::to_value(p),)*
                }
                .expect("params serialize")
            }

            /// What any run must produce, from the parameters alone.
            pub fn expectations(&self) -> Expectations {
                match self {
                    $(Workload::$variant(p) => p.expectations(),)*
                }
            }

            /// Runs the workload against `m` with `seed`.
            pub fn run<M: Mutator + ?Sized>(&self, m: &mut M, seed: u64) -> GcResult<()> {
                match self {
                    $(Workload::$variant(p) => p.run(m, seed),)*
                }
            }
        }
    };
}

workloads! {
    SeedCycles(SeedCycles) = "seed-cycles":
        "N pairs of objects referencing each other, every outside reference dropped \
         (the seed text's example at scale): pure cyclic garbage";
    BinaryTrees(BinaryTrees) = "binary-trees":
        "GCBench: stretch tree, long-lived tree and array, short-lived trees built top-down \
         and bottom-up; cyclic=true adds parent pointers (all garbage cyclic)";
    DllChurn(DllChurn) = "dll-churn":
        "doubly linked lists built and dropped (every list one big cycle), every k-th kept \
         alive for a while";
    RandomGraph(RandomGraph) = "random-graph":
        "a live random graph (immortal cyclic core plus groups) mutated in place: groups \
         replaced, edges rewired, a fraction of dying groups cyclic";
    Generational(Generational) = "generational":
        "a stream of short-lived objects, a few promoted into a long-lived table; \
         violate=true makes them die middle-aged";
    WeakCache(WeakCache) = "weak-cache":
        "a WeakValueDictionary-style cache: values held only weakly, upgrades, callbacks, \
         a churning strongly-held working set";
    Finalizers(Finalizers) = "finalizers":
        "objects with finalizers (acyclic chains and finalizable rings), some resurrecting \
         themselves once; phases end with gc.collect()";
    LargeObjects(LargeObjects) = "large-objects":
        "a mix of small objects and objects over 512 bytes (the system-allocator path), \
         some large ones arrays of references";
    GcTraversal(GcTraversal) = "gc-traversal":
        "pyperformance gc_traversal: 1000 nested lists (~500k edges), collections that free \
         nothing";
    GcCollect(GcCollect) = "gc-collect":
        "pyperformance gc_collect: 100 rings of 21 nodes per round, freed by one collection";
    SnapshotStdlib(SnapshotStdlib) = "snapshot-stdlib":
        "a real CPython heap (a program exercising much of the standard library, 20,000 \
         tracked objects) rebuilt, cut, collected and dropped";
    SnapshotMarkdown(SnapshotMarkdown) = "snapshot-markdown":
        "a real CPython heap (Python-Markdown from PyPI rendering this repository's docs, \
         18,771 tracked objects) rebuilt, cut, collected and dropped";
}
