//! The catalogue: every workload by name, parsed parameters, dispatch.

use gc_core::{GcResult, Mutator};

use crate::params::{Described, Size, WorkloadError, WorkloadInfo};
use crate::trace_workload::{TraceWorkload, TRACE_PREFIX};
use crate::{
    BinaryTrees, DllChurn, Expectations, Finalizers, Fragmentation, GcCollect, GcTraversal,
    Generational, LargeObjects, RandomGraph, RequestChurn, SeedCycles, SnapshotMarkdown,
    SnapshotStdlib, WeakCache,
};

/// Generates the enum, the catalogue and the dispatch from one list of parameter types
/// (each declared with [`workload!`](crate::workload), which gives its name and
/// description), so adding a workload is one line here plus its module.
macro_rules! workloads {
    ($( $variant:ident ),* $(,)?) => {
        /// A workload with its parameters parsed: what the harness runs.
        #[derive(Clone, Debug, PartialEq)]
        pub enum Workload {
            $(
                #[doc = concat!("[`", stringify!($variant), "`].")]
                $variant($variant),
            )*
            /// A trace file replayed (`trace:PATH`).
            Trace(TraceWorkload),
        }

        /// Every workload's name, description and parameters, in a stable order.
        pub fn catalog() -> Vec<WorkloadInfo> {
            vec![$($variant::workload_info()),*]
        }

        impl Workload {
            /// Parses a workload by name from a size preset plus `param=value` overrides;
            /// `trace:PATH` loads a trace file (it has no parameters).
            pub fn parse(
                name: &str,
                size: Size,
                overrides: &[(String, String)],
            ) -> Result<Workload, WorkloadError> {
                if let Some(path) = name.strip_prefix(TRACE_PREFIX) {
                    if let Some((param, _)) = overrides.first() {
                        return Err(WorkloadError::UnknownParam {
                            workload: name.to_string(),
                            param: param.clone(),
                            valid: "none: a trace has no parameters".to_string(),
                        });
                    }
                    return Ok(Workload::Trace(TraceWorkload::load(path)?));
                }
                $(
                    if name == $variant::NAME {
                        return Ok(Workload::$variant($variant::parse(size, overrides)?));
                    }
                )*
                Err(WorkloadError::UnknownWorkload {
                        name: name.to_string(),
                        valid: catalog()
                            .iter()
                            .map(|w| w.name)
                            .collect::<Vec<_>>()
                            .join(", "),
                })
            }

            /// Every workload at a size preset, in catalogue order.
            pub fn all(size: Size) -> Vec<Workload> {
                vec![$(Workload::$variant($variant::preset(size))),*]
            }

            /// The workload's name.
            pub fn name(&self) -> &'static str {
                match self {
                    $(Workload::$variant(_) => $variant::NAME,)*
                    Workload::Trace(t) => t.name(),
                }
            }

            /// The parameters as JSON (for results files).
            pub fn params_json(&self) -> serde_json::Value {
                match self {
                    $(Workload::$variant(p) => serde_json::to_value(p).expect("params serialize"),)*
                    Workload::Trace(t) => t.params_json(),
                }
            }

            /// What any run must produce, from the parameters alone.
            pub fn expectations(&self) -> Expectations {
                match self {
                    $(Workload::$variant(p) => p.expectations(),)*
                    Workload::Trace(t) => t.expectations(),
                }
            }

            /// Runs the workload against `m` with `seed`.
            pub fn run<M: Mutator + ?Sized>(&self, m: &mut M, seed: u64) -> GcResult<()> {
                match self {
                    $(Workload::$variant(p) => p.run(m, seed),)*
                    Workload::Trace(t) => t.run(m, seed),
                }
            }
        }
    };
}

workloads! {
    SeedCycles,
    BinaryTrees,
    DllChurn,
    RandomGraph,
    Generational,
    WeakCache,
    Finalizers,
    LargeObjects,
    GcTraversal,
    GcCollect,
    Fragmentation,
    RequestChurn,
    SnapshotStdlib,
    SnapshotMarkdown,
}

/// The catalogue as the README's markdown table: name, parameters with their defaults, and
/// description. `gclab list --markdown` prints it and a test keeps the README equal to it.
pub fn catalog_table() -> String {
    let mut out = String::from("| name | parameters (defaults) | what it does |\n|---|---|---|\n");
    for w in catalog() {
        let params: Vec<String> = w
            .params
            .iter()
            .map(|p| format!("{}={}", p.name, p.default))
            .collect();
        out.push_str(&format!(
            "| {} | {} | {} |\n",
            w.name,
            params.join(", "),
            w.description
        ));
    }
    out
}
