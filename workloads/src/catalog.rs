//! The catalogue: every workload by name, parsed parameters, dispatch.

use gc_core::{GcResult, Mutator};

use crate::params::{apply_overrides, param_info, Size, WorkloadError, WorkloadInfo};
use crate::{Expectations, SeedCycles};

/// A workload with its parameters parsed: what the harness runs.
#[derive(Clone, Debug, PartialEq)]
pub enum Workload {
    /// `seed-cycles`.
    SeedCycles(SeedCycles),
}

/// Every workload's name, description and parameters.
pub fn catalog() -> Vec<WorkloadInfo> {
    vec![WorkloadInfo {
        name: "seed-cycles",
        description: "N pairs of objects referencing each other, every outside reference dropped \
                      (the seed text's example at scale): pure cyclic garbage",
        params: param_info::<SeedCycles>(),
    }]
}

impl Workload {
    /// Parses a workload by name from a size preset plus `param=value` overrides.
    pub fn parse(
        name: &str,
        size: Size,
        overrides: &[(String, String)],
    ) -> Result<Workload, WorkloadError> {
        match name {
            "seed-cycles" => Ok(Workload::SeedCycles(apply_overrides(
                name, size, overrides,
            )?)),
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

    /// The workload's name.
    pub fn name(&self) -> &'static str {
        match self {
            Workload::SeedCycles(_) => "seed-cycles",
        }
    }

    /// The parameters as JSON (for results files).
    pub fn params_json(&self) -> serde_json::Value {
        match self {
            Workload::SeedCycles(p) => serde_json::to_value(p),
        }
        .expect("params serialize")
    }

    /// What any run must produce.
    pub fn expectations(&self) -> Expectations {
        match self {
            Workload::SeedCycles(p) => p.expectations(),
        }
    }

    /// Runs the workload against `m` with `seed`.
    pub fn run<M: Mutator + ?Sized>(&self, m: &mut M, seed: u64) -> GcResult<()> {
        match self {
            Workload::SeedCycles(p) => p.run(m, seed),
        }
    }
}
