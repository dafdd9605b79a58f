//! The collectors the harness knows. Adding one is one line in [`registry`]: `add::<T>()`
//! (or `add_configured::<T>()` for a collector with declared parameters) monomorphises the
//! measured run loop for `T`, so workloads run with static dispatch. A preset is a name plus
//! parameter values of a configured collector (`cycle-313` is `cycle` with
//! `threshold0=2000`).

use std::marker::PhantomData;

use gc_core::params::{apply_overrides, Configured, ParamInfo, Params};
use gc_core::{Capabilities, Collector, GcModule, GcResult, HeapConfig, Runtime};
use workloads::Workload;

use crate::measure;
use crate::results::RunOutcome;

/// `name=value` overrides of a collector's parameters.
pub type Overrides = [(String, String)];

/// One collector's entry: its name, promises, parameters and its run loops.
#[derive(Clone, Copy)]
pub struct CollectorEntry {
    /// The name users type.
    pub name: &'static str,
    /// What it promises (shown by `gclab list`, used by the count checks).
    pub capabilities: Capabilities,
    /// For a preset, the parameter values it sets (`name=value`); empty otherwise.
    pub preset: &'static [(&'static str, &'static str)],
    /// Its declared parameters with their defaults (before the preset's values).
    pub params: fn() -> Vec<ParamInfo>,
    /// The effective parameters after `overrides` (applied after the preset's values), as
    /// JSON, or a one-line error naming the parameter.
    resolve: fn(&'static str, &Overrides) -> Result<serde_json::Value, String>,
    /// The measured run with resolved parameters (workload, seed, heap limit, baseline
    /// objects): pauses, counts, checks.
    measure: fn(&serde_json::Value, &Workload, u64, Option<u64>, u64) -> RunOutcome,
    /// A bare run with resolved parameters, for criterion: returns objects allocated.
    run_bare: fn(&serde_json::Value, &Workload, u64) -> GcResult<u64>,
    /// `gc.get_threshold()` of an instance with resolved parameters.
    thresholds: fn(&serde_json::Value) -> Vec<u64>,
}

impl std::fmt::Debug for CollectorEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CollectorEntry")
            .field("name", &self.name)
            .field("capabilities", &self.capabilities)
            .field("preset", &self.preset)
            .finish()
    }
}

impl CollectorEntry {
    /// The effective parameters after the preset and `overrides`, as JSON (an empty object
    /// for a collector without parameters), or a one-line error.
    pub fn resolve(&self, overrides: &Overrides) -> Result<serde_json::Value, String> {
        let mut all: Vec<(String, String)> = self
            .preset
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        all.extend_from_slice(overrides);
        (self.resolve)(self.name, &all)
    }

    /// Runs `workload` with `seed` on this collector with `overrides`, measured; the row
    /// carries the entry's name and the effective parameters.
    pub fn measure(
        &self,
        overrides: &Overrides,
        workload: &Workload,
        seed: u64,
        heap_limit: Option<u64>,
        baseline_objects: u64,
    ) -> Result<RunOutcome, String> {
        let params = self.resolve(overrides)?;
        let mut outcome = (self.measure)(&params, workload, seed, heap_limit, baseline_objects);
        outcome.row.collector = self.name.to_string();
        outcome.row.collector_params = params.to_string();
        Ok(outcome)
    }

    /// A bare run with the default parameters (of the preset): objects allocated.
    pub fn run_bare(&self, workload: &Workload, seed: u64) -> GcResult<u64> {
        let params = self.resolve(&[]).expect("a preset's values are valid");
        (self.run_bare)(&params, workload, seed)
    }

    /// `gc.get_threshold()` with the preset's parameters.
    pub fn thresholds(&self) -> Vec<u64> {
        (self.thresholds)(&self.resolve(&[]).expect("a preset's values are valid"))
    }
}

/// How an entry makes its collector from resolved parameters.
trait Build {
    /// The collector.
    type C: Collector;
    /// Its declared parameters.
    fn info() -> Vec<ParamInfo>;
    /// Applies overrides, validated.
    fn resolve(name: &'static str, overrides: &Overrides) -> Result<serde_json::Value, String>;
    /// The collector from resolved parameters.
    fn build(params: &serde_json::Value) -> Self::C;
}

/// A collector without parameters: its `Default`.
struct Plain<C>(PhantomData<C>);

impl<C: Collector + Default> Build for Plain<C> {
    type C = C;
    fn info() -> Vec<ParamInfo> {
        Vec::new()
    }
    fn resolve(name: &'static str, overrides: &Overrides) -> Result<serde_json::Value, String> {
        match overrides.first() {
            Some((param, _)) => Err(format!(
                "collector '{name}' has no parameter '{param}' (it has no parameters)"
            )),
            None => Ok(serde_json::Value::Object(Default::default())),
        }
    }
    fn build(_: &serde_json::Value) -> C {
        C::default()
    }
}

/// A collector with declared parameters.
struct WithParams<C>(PhantomData<C>);

impl<C: Configured> Build for WithParams<C> {
    type C = C;
    fn info() -> Vec<ParamInfo> {
        C::Params::info()
    }
    fn resolve(name: &'static str, overrides: &Overrides) -> Result<serde_json::Value, String> {
        let params = apply_overrides("collector", name, C::Params::defaults(), overrides)
            .map_err(|e| e.to_string())?;
        Ok(serde_json::to_value(params).expect("params serialize"))
    }
    fn build(params: &serde_json::Value) -> C {
        let params: C::Params =
            serde_json::from_value(params.clone()).expect("resolved parameters deserialize");
        C::from_params(&params)
    }
}

fn measure_with<B: Build>(
    params: &serde_json::Value,
    workload: &Workload,
    seed: u64,
    heap_limit: Option<u64>,
    baseline_objects: u64,
) -> RunOutcome {
    measure::measure(
        || B::build(params),
        workload,
        seed,
        heap_limit,
        baseline_objects,
    )
}

fn run_bare<B: Build>(params: &serde_json::Value, workload: &Workload, seed: u64) -> GcResult<u64> {
    use gc_core::GcControl;
    let mut runtime = Runtime::new(HeapConfig::default(), B::build(params))?;
    workload.run(&mut runtime, seed)?;
    Ok(runtime.heap_stats().total_allocated)
}

fn thresholds<B: Build>(params: &serde_json::Value) -> Vec<u64> {
    B::build(params).get_threshold()
}

/// The known collectors, in the order they are listed and charted.
#[derive(Clone, Debug, Default)]
pub struct Registry {
    entries: Vec<CollectorEntry>,
}

impl Registry {
    fn push<B: Build + 'static>(
        &mut self,
        name: Option<&'static str>,
        preset: &'static [(&'static str, &'static str)],
    ) -> &mut Self {
        let mut entry = CollectorEntry {
            name: name.unwrap_or(""),
            capabilities: Capabilities::tracing(0),
            preset,
            params: B::info,
            resolve: B::resolve,
            measure: measure_with::<B>,
            run_bare: run_bare::<B>,
            thresholds: thresholds::<B>,
        };
        let collector = B::build(&entry.resolve(&[]).expect("a preset's values are valid"));
        entry.name = name.unwrap_or_else(|| collector.name());
        entry.capabilities = collector.capabilities();
        self.entries.push(entry);
        self
    }

    /// Registers collector `C` (no parameters) under its own name.
    pub fn add<C: Collector + Default + 'static>(&mut self) -> &mut Self {
        self.push::<Plain<C>>(None, &[])
    }

    /// Registers collector `C` with declared parameters under its own name.
    pub fn add_configured<C: Configured + 'static>(&mut self) -> &mut Self {
        self.push::<WithParams<C>>(None, &[])
    }

    /// Registers preset `name` of `C`: its parameters with `values` (`name`, `value`).
    pub fn add_preset<C: Configured + 'static>(
        &mut self,
        name: &'static str,
        values: &'static [(&'static str, &'static str)],
    ) -> &mut Self {
        self.push::<WithParams<C>>(Some(name), values)
    }

    /// Every entry, in registration order.
    pub fn entries(&self) -> &[CollectorEntry] {
        &self.entries
    }

    /// Every name, in order.
    pub fn names(&self) -> Vec<&'static str> {
        self.entries.iter().map(|e| e.name).collect()
    }

    /// The entry called `name`, or a one-line error listing the valid names.
    pub fn get(&self, name: &str) -> Result<&CollectorEntry, String> {
        self.entries.iter().find(|e| e.name == name).ok_or_else(|| {
            format!(
                "unknown collector '{name}' (valid: {})",
                self.names().join(", ")
            )
        })
    }
}

/// Every collector gclab ships.
pub fn registry() -> Registry {
    let mut reg = Registry::default();
    reg.add::<gc_core::NoGc>();
    reg.add::<gc_refcount::RefCount>();
    reg.add_configured::<gc_cycle::CycleGc>();
    reg.add_preset::<gc_cycle::CycleGc>("cycle-313", &[("threshold0", "2000")]);
    reg.add_preset::<gc_cycle::CycleGc>("cycle-plain", &[("plain", "true")]);
    reg.add_configured::<gc_refcount::BoundedRefCount>();
    reg.add_preset::<gc_cycle::CycleGc>("cycle-bounded", &[("cascade_budget", "1000")]);
    reg.add_configured::<gc_cycle::IncrementalCycleGc>();
    reg.add_configured::<gc_cycle::FreeThreadedCycleGc>();
    reg.add_configured::<gc_refcount::RcBacon>();
    reg.add_configured::<gc_tracing::MarkSweep>();
    reg.add_configured::<gc_tracing::MarkSweepGen>();
    reg.add_configured::<gc_tracing::MarkSweepIncr>();
    reg.add_configured::<gc_tracing::Compact>();
    reg
}
