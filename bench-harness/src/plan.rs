//! What a `run` will do, validated before anything starts: collectors, workloads with their
//! parameters, seeds, repeats, heap multiples, budgets.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use workloads::{Size, Workload};

use crate::registry::Registry;
use crate::shard::Shard;
use crate::sweep::Sweep;

/// `--set owner.param=value` overrides, grouped by owner (a workload or a collector).
pub type WorkloadSets = BTreeMap<String, Vec<(String, String)>>;

/// Parses one `workload.param=value` (or `collector.param=value`) argument.
pub fn parse_set(arg: &str) -> Result<(String, String, String), String> {
    let bad =
        || format!("bad --set '{arg}': expected workload.param=value or collector.param=value");
    let (key, value) = arg.split_once('=').ok_or_else(bad)?;
    let (workload, param) = key.split_once('.').ok_or_else(bad)?;
    if workload.is_empty() || param.is_empty() {
        return Err(bad());
    }
    Ok((workload.to_string(), param.to_string(), value.to_string()))
}

/// The most cells (child runs) one plan may hold: a larger plan is a typo, and its row
/// tables alone would outgrow the machine.
pub const MAX_PLAN_CELLS: u128 = 100_000;
/// The longest per-run time limit, seconds (a week).
pub const MAX_TIMEOUT_SECS: f64 = 7.0 * 24.0 * 3600.0;
/// The largest memory budget, MiB (1 TiB).
pub const MAX_MEMORY_BUDGET_MIB: u64 = 1 << 20;
/// The largest heap multiple of a sweep.
pub const MAX_HEAP_MULTIPLE: f64 = 1000.0;

/// Checks a per-run time limit: finite, positive, at most [`MAX_TIMEOUT_SECS`].
pub fn check_timeout(secs: f64) -> Result<f64, String> {
    if secs.is_finite() && secs > 0.0 && secs <= MAX_TIMEOUT_SECS {
        Ok(secs)
    } else {
        Err(format!(
            "must be a number of seconds above 0 and at most {MAX_TIMEOUT_SECS}, not {secs:?}"
        ))
    }
}

/// The validated configuration of a `run`. It deserializes from a manifest's `plan` (as
/// `merge` reads it) without the parsed workloads, which only running needs.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Plan {
    /// Collectors, in registry order.
    pub collectors: Vec<String>,
    /// Peers to run beside them (`--peers`, cargo feature `peers`); empty for none.
    pub peers: Vec<String>,
    /// The interpreter of each CPython peer in `peers`, as it answered when planned.
    #[serde(default)]
    pub interpreters: Vec<PlannedInterpreter>,
    /// Workloads, in catalogue order, with their parsed parameters.
    #[serde(skip)]
    pub workloads: Vec<Workload>,
    /// Workload names (for the JSON record).
    pub workload_names: Vec<String>,
    /// Every workload's effective parameters.
    pub workload_params: BTreeMap<String, serde_json::Value>,
    /// The overrides given (defaults for the matrix plus `--set`).
    pub sets: WorkloadSets,
    /// `--set collector.param=value` overrides, by collector.
    #[serde(default)]
    pub collector_sets: WorkloadSets,
    /// Every collector's effective parameters (presets' values and `--set` applied).
    #[serde(default)]
    pub collector_params: BTreeMap<String, serde_json::Value>,
    /// Seeds 0..seeds.
    pub seeds: u64,
    /// Repeats per (collector, workload, seed).
    pub repeat: u32,
    /// Small presets (`--quick`).
    pub small: bool,
    /// Heap multiples to sweep; empty for none.
    pub heap_multiples: Vec<f64>,
    /// A parameter swept over values (`--sweep`); every cell runs once per value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sweep: Option<Sweep>,
    /// Long-lived objects every gclab run's heap starts with (`--baseline-objects`).
    #[serde(default)]
    pub baseline_objects: u64,
    /// Per-run time limit, seconds.
    pub timeout_secs: f64,
    /// Heap limit for runs without one, bytes: a run that needs more fails (NoGC mostly).
    pub memory_budget: u64,
    /// Output directory.
    pub out: PathBuf,
    /// The share of the cells this run measures (`--shard K/N`); absent for the whole plan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<Shard>,
}

/// The raw choices of a `run` before validation.
#[derive(Clone, Debug, Default)]
pub struct PlanRequest {
    /// Collector names; empty for all.
    pub collectors: Vec<String>,
    /// Add every peer (`--peers`).
    pub peers: bool,
    /// CPython interpreters for the peers (`--python`, repeatable); empty for the default
    /// (`GCLAB_PYTHONS`, else `python3`).
    pub pythons: Vec<PathBuf>,
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
    /// `--sweep owner.param=v1,v2,...`.
    pub sweep: Option<String>,
    /// Baseline objects.
    pub baseline_objects: u64,
    /// Per-run time limit, seconds.
    pub timeout_secs: f64,
    /// Memory budget, bytes.
    pub memory_budget: u64,
    /// Output directory.
    pub out: PathBuf,
    /// Run only this share of the cells.
    pub shard: Option<Shard>,
}

/// Repeats of each cell in a full run. Single runs of one cell spread by up to 1.5x on a
/// shared two-core host (results/LOG.md), and a median moves once most of its runs are
/// disturbed: two of three, but three of five. With one run in five disturbed, that is 10%
/// of cells at three repeats and 6% at five.
pub const DEFAULT_REPEATS: u32 = 5;

/// Sizes for the default (full) matrix where a workload's own default would not let every
/// collector x workload x repeat finish in reasonable time on two cores. Applied before
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

/// A CPython interpreter a plan runs as a peer, as it answered when the plan was made (the
/// plan's JSON record keeps it, so results say which patch release and thresholds ran).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedInterpreter {
    /// The peer's name (`cpython-3.13`).
    pub peer: String,
    /// How it is started (handed to each of its cells' children as `--python`).
    pub path: PathBuf,
    /// `3.13.18`.
    pub version: String,
    /// `gc.get_threshold()`.
    pub thresholds: Vec<u64>,
}

/// Every peer's name when `wanted`, with the CPython interpreters behind them; an error when
/// peers are wanted but not built in, or an interpreter cannot be used.
fn plan_peers(
    wanted: bool,
    pythons: &[PathBuf],
) -> Result<(Vec<String>, Vec<PlannedInterpreter>), String> {
    if !wanted {
        return Ok((Vec::new(), Vec::new()));
    }
    #[cfg(feature = "peers")]
    {
        crate::peer_run::planned_peers(pythons)
    }
    #[cfg(not(feature = "peers"))]
    {
        let _ = pythons;
        Err(NO_PEERS_FEATURE.to_string())
    }
}

/// Checks that a sweep's owner is a workload or collector in the run and that every value
/// is valid for its parameter (after the owner's `--set` overrides).
fn check_sweep(
    sweep: Sweep,
    registry: &Registry,
    collectors: &[String],
    workloads: &[String],
    (sets, collector_sets): (&WorkloadSets, &WorkloadSets),
    size: Size,
) -> Result<Sweep, String> {
    let none = Vec::new();
    for value in &sweep.values {
        if workloads.contains(&sweep.owner) {
            let base = sets.get(&sweep.owner).unwrap_or(&none);
            Workload::parse(&sweep.owner, size, &sweep.with_value(base, value))
                .map_err(|e| format!("--sweep: {e}"))?;
        } else if collectors.contains(&sweep.owner) {
            let base = collector_sets.get(&sweep.owner).unwrap_or(&none);
            registry
                .get(&sweep.owner)?
                .resolve(&sweep.with_value(base, value))
                .map_err(|e| format!("--sweep: {e}"))?;
        } else {
            return Err(format!(
                "--sweep {}: '{}' is no workload or collector of this run (workloads: {}; \
                 collectors: {})",
                sweep.name(),
                sweep.owner,
                workloads.join(", "),
                collectors.join(", ")
            ));
        }
    }
    Ok(sweep)
}

impl Plan {
    /// Validates `request` against the registry and the workload catalogue; errors are one
    /// line naming the problem and the valid choices.
    pub fn new(request: PlanRequest, registry: &Registry) -> Result<Plan, String> {
        let collectors = check_names("collector", &request.collectors, &registry.names())?;
        if !request.pythons.is_empty() && !request.peers {
            return Err("--python needs --peers (it names CPython peers)".to_string());
        }
        let (peers, interpreters) = plan_peers(request.peers, &request.pythons)?;
        let catalog = workloads::catalog();
        let names: Vec<&str> = catalog.iter().map(|w| w.name).collect();
        // Trace files (`trace:PATH`) run after the catalogue's workloads, in the order given.
        let (traces, named): (Vec<String>, Vec<String>) = request
            .workloads
            .iter()
            .cloned()
            .partition(|w| w.starts_with(workloads::TRACE_PREFIX));
        let mut workload_names = if named.is_empty() && !traces.is_empty() {
            Vec::new()
        } else {
            check_names("workload", &named, &names)?
        };
        let mut collector_sets = WorkloadSets::new();
        for arg in &request.sets {
            let (w, p, v) = parse_set(arg)?;
            if registry.names().contains(&w.as_str()) {
                if !collectors.contains(&w) {
                    return Err(format!(
                        "--set {arg}: collector '{w}' is not in this run (collectors: {})",
                        collectors.join(", ")
                    ));
                }
                collector_sets.entry(w).or_default().push((p, v));
            } else if names.contains(&w.as_str()) && !workload_names.contains(&w) {
                return Err(format!(
                    "--set {arg}: workload '{w}' is not in this run (workloads: {})",
                    workload_names.join(", ")
                ));
            }
        }
        let mut collector_params = BTreeMap::new();
        for name in &collectors {
            let entry = registry.get(name)?;
            let overrides = collector_sets.get(name).cloned().unwrap_or_default();
            collector_params.insert(name.clone(), entry.resolve(&overrides)?);
        }
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
            if collector_sets.contains_key(&w) {
                continue;
            }
            if !names.contains(&w.as_str()) {
                return Err(format!(
                    "--set {arg}: unknown workload '{w}' and no collector of that name \
                     (workloads: {}; collectors: {})",
                    names.join(", "),
                    registry.names().join(", ")
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
        let sweep = match &request.sweep {
            Some(arg) => Some(check_sweep(
                Sweep::parse(arg)?,
                registry,
                &collectors,
                &workload_names,
                (&sets, &collector_sets),
                size,
            )?),
            None => None,
        };
        for trace in traces {
            if workload_names.contains(&trace) {
                continue;
            }
            let workload = Workload::parse(&trace, size, &[]).map_err(|e| e.to_string())?;
            workload_params.insert(trace.clone(), workload.params_json());
            parsed.push(workload);
            workload_names.push(trace);
        }
        if request.seeds == 0 || request.repeat == 0 {
            return Err("--seeds and --repeat must be at least 1".into());
        }
        if let Some(bad) = request
            .heap_multiples
            .iter()
            .find(|m| !m.is_finite() || **m < 1.0 || **m > MAX_HEAP_MULTIPLE)
        {
            return Err(format!(
                "bad heap multiple {bad:?}: multiples must be >= 1 and <= {MAX_HEAP_MULTIPLE}"
            ));
        }
        check_timeout(request.timeout_secs).map_err(|e| format!("--timeout: {e}"))?;
        if request.memory_budget == 0 || request.memory_budget > MAX_MEMORY_BUDGET_MIB << 20 {
            return Err(format!(
                "--memory-budget-mib must be at least 1 and at most {MAX_MEMORY_BUDGET_MIB}"
            ));
        }
        let per_seed = collectors.len() as u128 * request.heap_multiples.len().max(1) as u128
            + peers.len() as u128;
        let values = sweep.as_ref().map_or(1, |s| s.values.len()) as u128;
        let cells = u128::from(request.repeat)
            * values
            * workload_names.len() as u128
            * u128::from(request.seeds)
            * per_seed;
        if cells > MAX_PLAN_CELLS {
            return Err(format!(
                "the plan has {cells} runs (repeats x workloads x seeds x collectors and heap \
                 multiples), more than the limit of {MAX_PLAN_CELLS}: lower --seeds, --repeat or \
                 --heap-multiples"
            ));
        }
        if let Some(shard) = request.shard {
            if u128::from(shard.count) > cells {
                return Err(format!(
                    "--shard {shard}: the plan has only {cells} runs, fewer than {} shards",
                    shard.count
                ));
            }
        }
        Ok(Plan {
            collectors,
            peers,
            interpreters,
            workloads: parsed,
            workload_names,
            workload_params,
            sets,
            collector_sets,
            collector_params,
            seeds: request.seeds,
            repeat: request.repeat,
            small: request.small,
            heap_multiples: request.heap_multiples,
            sweep,
            baseline_objects: request.baseline_objects,
            timeout_secs: request.timeout_secs,
            memory_budget: request.memory_budget,
            out: request.out,
            shard: request.shard,
        })
    }

    /// The interpreter a CPython peer called `peer` runs (`None` for other peers).
    pub fn python_for(&self, peer: &str) -> Option<PathBuf> {
        self.interpreters
            .iter()
            .find(|i| i.peer == peer)
            .map(|i| i.path.clone())
    }

    /// The overrides for `workload`.
    pub fn sets_for(&self, workload: &str) -> Vec<(String, String)> {
        self.sets.get(workload).cloned().unwrap_or_default()
    }

    /// A stable fingerprint of what this plan measures at `revision`: an FNV-1a 64 hash of
    /// the canonical JSON of every cell (collector or peer, workload, seed, repeat, heap
    /// multiple), every workload's and collector's effective parameters, the presets, limits and revision.
    /// The output folder is not part of it. Two sets with equal fingerprints measured the
    /// same cells of the same code, so shards of one plan can be merged by comparing them.
    pub fn fingerprint(&self, revision: Option<&str>) -> String {
        /// One cell: collector or peer, whether a peer, workload, seed, repeat, multiple.
        #[derive(Serialize)]
        struct CellId<'a>(&'a str, bool, &'a str, u64, u32, Option<f64>);
        #[derive(Serialize)]
        struct Identity<'a> {
            revision: Option<&'a str>,
            workload_params: &'a BTreeMap<String, serde_json::Value>,
            collector_params: &'a BTreeMap<String, serde_json::Value>,
            #[serde(skip_serializing_if = "Option::is_none")]
            sweep: Option<&'a Sweep>,
            small: bool,
            timeout_secs: f64,
            memory_budget: u64,
            // Absent when 0, so sets measured before the option keep their fingerprints.
            #[serde(skip_serializing_if = "is_zero")]
            baseline_objects: u64,
            cells: Vec<CellId<'a>>,
        }
        fn is_zero(n: &u64) -> bool {
            *n == 0
        }
        let cells = crate::runner::cells(self, &[]);
        let identity = Identity {
            revision,
            workload_params: &self.workload_params,
            collector_params: &self.collector_params,
            sweep: self.sweep.as_ref(),
            small: self.small,
            timeout_secs: self.timeout_secs,
            memory_budget: self.memory_budget,
            baseline_objects: self.baseline_objects,
            cells: cells
                .iter()
                .map(|c| {
                    CellId(
                        c.request.collector.as_str(),
                        c.request.peer,
                        c.request.workload.as_str(),
                        c.request.seed,
                        c.repeat,
                        c.heap_multiple,
                    )
                })
                .collect(),
        };
        let text = serde_json::to_string(&identity).unwrap_or_default();
        crate::checksum::fnv1a64_hex(text.as_bytes())
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
        assert_eq!(
            parse_set("seed-cycles.a=b=c").unwrap(),
            ("seed-cycles".into(), "a".into(), "b=c".into())
        );
    }

    fn request() -> PlanRequest {
        PlanRequest {
            collectors: vec!["nogc".into()],
            workloads: vec!["seed-cycles".into()],
            seeds: 1,
            repeat: 1,
            small: true,
            timeout_secs: 20.0,
            memory_budget: 1 << 30,
            ..PlanRequest::default()
        }
    }

    #[test]
    fn hostile_numbers_are_refused_with_the_flag_named() {
        let registry = crate::registry::registry();
        let seeds = Plan::new(
            PlanRequest {
                seeds: u64::MAX,
                ..request()
            },
            &registry,
        )
        .unwrap_err();
        assert!(
            seeds.contains("more than the limit") && seeds.contains("--seeds"),
            "{seeds}"
        );
        for t in [f64::INFINITY, 1e30, -1.0, 0.0, f64::NAN] {
            let e = Plan::new(
                PlanRequest {
                    timeout_secs: t,
                    ..request()
                },
                &registry,
            )
            .unwrap_err();
            assert!(e.contains("--timeout"), "{e}");
        }
        let budget = Plan::new(
            PlanRequest {
                memory_budget: 0,
                ..request()
            },
            &registry,
        )
        .unwrap_err();
        assert!(budget.contains("--memory-budget-mib"), "{budget}");
        let multiple = Plan::new(
            PlanRequest {
                heap_multiples: vec![1e300],
                ..request()
            },
            &registry,
        )
        .unwrap_err();
        assert!(multiple.contains("heap multiple"), "{multiple}");
    }

    #[test]
    fn a_set_for_a_workload_not_in_the_run_is_an_error() {
        let e = Plan::new(
            PlanRequest {
                sets: vec!["dll-churn.lists=10".into()],
                ..request()
            },
            &crate::registry::registry(),
        )
        .unwrap_err();
        assert!(e.contains("not in this run"), "{e}");
    }

    #[test]
    fn the_fingerprint_follows_cells_and_revision_but_not_the_folder() {
        let registry = crate::registry::registry();
        let a = Plan::new(request(), &registry).unwrap();
        let b = Plan::new(
            PlanRequest {
                out: "/elsewhere".into(),
                ..request()
            },
            &registry,
        )
        .unwrap();
        let c = Plan::new(
            PlanRequest {
                seeds: 2,
                ..request()
            },
            &registry,
        )
        .unwrap();
        assert_eq!(a.fingerprint(Some("r1")), b.fingerprint(Some("r1")));
        assert_ne!(a.fingerprint(Some("r1")), a.fingerprint(Some("r2")));
        assert_ne!(a.fingerprint(Some("r1")), c.fingerprint(Some("r1")));
        assert_eq!(a.fingerprint(None).len(), 16);
    }
}
