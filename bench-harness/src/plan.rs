//! What a `run` will do, validated before anything starts: collectors, workloads with their
//! parameters, seeds, repeats, heap multiples, budgets.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;
use workloads::{Size, Workload};

use crate::registry::Registry;

/// `--set workload.param=value` overrides, grouped by workload.
pub type WorkloadSets = BTreeMap<String, Vec<(String, String)>>;

/// Parses one `workload.param=value` argument.
pub fn parse_set(arg: &str) -> Result<(String, String, String), String> {
    let (key, value) = arg
        .split_once('=')
        .ok_or_else(|| format!("bad --set '{arg}': expected workload.param=value"))?;
    let (workload, param) = key
        .split_once('.')
        .ok_or_else(|| format!("bad --set '{arg}': expected workload.param=value"))?;
    if workload.is_empty() || param.is_empty() {
        return Err(format!("bad --set '{arg}': expected workload.param=value"));
    }
    Ok((workload.to_string(), param.to_string(), value.to_string()))
}

/// Parses one `param=value` argument (for `run-one`, where the workload is given).
pub fn parse_param(arg: &str) -> Result<(String, String), String> {
    arg.split_once('=')
        .filter(|(p, _)| !p.is_empty())
        .map(|(p, v)| (p.to_string(), v.to_string()))
        .ok_or_else(|| format!("bad --set '{arg}': expected param=value"))
}

/// The validated configuration of a `run`.
#[derive(Clone, Debug, Serialize)]
pub struct Plan {
    /// Collectors, in registry order.
    pub collectors: Vec<String>,
    /// Peers to run beside them (`--peers`, cargo feature `peers`); empty for none.
    pub peers: Vec<String>,
    /// Workloads, in catalogue order, with their parsed parameters.
    #[serde(skip)]
    pub workloads: Vec<Workload>,
    /// Workload names (for the JSON record).
    pub workload_names: Vec<String>,
    /// Every workload's effective parameters.
    pub workload_params: BTreeMap<String, serde_json::Value>,
    /// The overrides given (defaults for the matrix plus `--set`).
    pub sets: WorkloadSets,
    /// Seeds 0..seeds.
    pub seeds: u64,
    /// Repeats per (collector, workload, seed).
    pub repeat: u32,
    /// Small presets (`--quick`).
    pub small: bool,
    /// Heap multiples to sweep; empty for none.
    pub heap_multiples: Vec<f64>,
    /// Per-run time limit, seconds.
    pub timeout_secs: f64,
    /// Heap limit for runs without one, bytes: a run that needs more fails (NoGC mostly).
    pub memory_budget: u64,
    /// Output directory.
    pub out: PathBuf,
}

/// The raw choices of a `run` before validation.
#[derive(Clone, Debug, Default)]
pub struct PlanRequest {
    /// Collector names; empty for all.
    pub collectors: Vec<String>,
    /// Add every peer (`--peers`).
    pub peers: bool,
    /// Workload names; empty for all.
    pub workloads: Vec<String>,
    /// `workload.param=value` strings.
    pub sets: Vec<String>,
    /// Number of seeds.
    pub seeds: u64,
    /// Repeats.
    pub repeat: u32,
    /// Small presets.
    pub small: bool,
    /// Heap multiples.
    pub heap_multiples: Vec<f64>,
    /// Per-run time limit, seconds.
    pub timeout_secs: f64,
    /// Memory budget, bytes.
    pub memory_budget: u64,
    /// Output directory.
    pub out: PathBuf,
}

/// Sizes for the default (full) matrix where a workload's own default would not let every
/// collector x workload x 3 repeats finish in ten minutes on two cores. Applied before
/// `--set`, so users can override them.
pub const DEFAULT_MATRIX_SETS: &[(&str, &str, &str)] = &[];

fn check_names(kind: &str, given: &[String], valid: &[&str]) -> Result<Vec<String>, String> {
    if given.is_empty() {
        return Ok(valid.iter().map(|s| s.to_string()).collect());
    }
    for name in given {
        if !valid.contains(&name.as_str()) {
            return Err(format!(
                "unknown {kind} '{name}' (valid: {})",
                valid.join(", ")
            ));
        }
    }
    // Keep the canonical order so tables and charts line up across runs.
    Ok(valid
        .iter()
        .filter(|v| given.iter().any(|g| g == *v))
        .map(|s| s.to_string())
        .collect())
}

/// The message for `--peers` on a build without the feature.
pub const NO_PEERS_FEATURE: &str =
    "gclab was built without the peers feature; rebuild with --features peers";

/// Every peer's name when `wanted`; an error when peers are wanted but not built in.
fn peer_names(wanted: bool) -> Result<Vec<String>, String> {
    if !wanted {
        return Ok(Vec::new());
    }
    #[cfg(feature = "peers")]
    {
        Ok(crate::peer_run::peer_names()
            .into_iter()
            .map(String::from)
            .collect())
    }
    #[cfg(not(feature = "peers"))]
    {
        Err(NO_PEERS_FEATURE.to_string())
    }
}

impl Plan {
    /// Validates `request` against the registry and the workload catalogue; errors are one
    /// line naming the problem and the valid choices.
    pub fn new(request: PlanRequest, registry: &Registry) -> Result<Plan, String> {
        let collectors = check_names("collector", &request.collectors, &registry.names())?;
        let peers = peer_names(request.peers)?;
        let catalog = workloads::catalog();
        let names: Vec<&str> = catalog.iter().map(|w| w.name).collect();
        let workload_names = check_names("workload", &request.workloads, &names)?;
        let mut sets = WorkloadSets::new();
        if !request.small {
            for (w, p, v) in DEFAULT_MATRIX_SETS {
                if names.contains(w) {
                    sets.entry(w.to_string())
                        .or_default()
                        .push((p.to_string(), v.to_string()));
                }
            }
        }
        for arg in &request.sets {
            let (w, p, v) = parse_set(arg)?;
            if !names.contains(&w.as_str()) {
                return Err(format!(
                    "--set {arg}: unknown workload '{w}' (valid: {})",
                    names.join(", ")
                ));
            }
            sets.entry(w).or_default().push((p, v));
        }
        let size = if request.small {
            Size::Small
        } else {
            Size::Default
        };
        let mut parsed = Vec::new();
        let mut workload_params = BTreeMap::new();
        for name in &names {
            // Every --set is validated, even for a workload not selected.
            let overrides = sets.get(*name).cloned().unwrap_or_default();
            let workload = Workload::parse(name, size, &overrides).map_err(|e| e.to_string())?;
            if workload_names.iter().any(|w| w == name) {
                workload_params.insert(name.to_string(), workload.params_json());
                parsed.push(workload);
            }
        }
        if request.seeds == 0 || request.repeat == 0 {
            return Err("--seeds and --repeat must be at least 1".into());
        }
        if let Some(bad) = request
            .heap_multiples
            .iter()
            .find(|m| !m.is_finite() || **m < 1.0)
        {
            return Err(format!("bad heap multiple {bad}: multiples must be >= 1"));
        }
        if request.timeout_secs.is_nan() || request.timeout_secs <= 0.0 {
            return Err("--timeout must be positive".into());
        }
        Ok(Plan {
            collectors,
            peers,
            workloads: parsed,
            workload_names,
            workload_params,
            sets,
            seeds: request.seeds,
            repeat: request.repeat,
            small: request.small,
            heap_multiples: request.heap_multiples,
            timeout_secs: request.timeout_secs,
            memory_budget: request.memory_budget,
            out: request.out,
        })
    }

    /// The overrides for `workload`.
    pub fn sets_for(&self, workload: &str) -> Vec<(String, String)> {
        self.sets.get(workload).cloned().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_arguments_parse() {
        assert_eq!(
            parse_set("seed-cycles.pairs=10").unwrap(),
            ("seed-cycles".into(), "pairs".into(), "10".into())
        );
        assert!(parse_set("pairs=10").is_err());
        assert!(parse_set("seed-cycles.pairs").is_err());
        assert_eq!(parse_param("a=b=c").unwrap(), ("a".into(), "b=c".into()));
    }
}
