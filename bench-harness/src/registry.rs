//! The collectors the harness knows. Adding one is one line in [`registry`]: `add::<T>()`
//! monomorphises the measured run loop for `T`, so workloads run with static dispatch.

use gc_core::{Capabilities, Collector, GcResult, HeapConfig, Runtime};
use workloads::Workload;

use crate::measure;
use crate::results::RunOutcome;

/// One collector's entry: its name, promises, and its run loops.
#[derive(Clone, Copy)]
pub struct CollectorEntry {
    /// The name users type.
    pub name: &'static str,
    /// What it promises (shown by `gclab list`, used by the count checks).
    pub capabilities: Capabilities,
    /// The measured run (workload, seed, heap limit, baseline objects): pauses, counts,
    /// checks.
    pub measure: fn(&Workload, u64, Option<u64>, u64) -> RunOutcome,
    /// A bare run for criterion: the workload and nothing else; returns objects allocated.
    pub run_bare: fn(&Workload, u64) -> GcResult<u64>,
    /// Its parameters as a fresh instance's `gc.get_threshold()` gives them (the type's docs
    /// say what each value is).
    pub thresholds: fn() -> Vec<u64>,
}

impl std::fmt::Debug for CollectorEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CollectorEntry")
            .field("name", &self.name)
            .field("capabilities", &self.capabilities)
            .finish()
    }
}

/// The known collectors, in the order they are listed and charted.
#[derive(Clone, Debug, Default)]
pub struct Registry {
    entries: Vec<CollectorEntry>,
}

fn run_bare<C: Collector + Default>(workload: &Workload, seed: u64) -> GcResult<u64> {
    use gc_core::GcControl;
    let mut runtime = Runtime::new(HeapConfig::default(), C::default())?;
    workload.run(&mut runtime, seed)?;
    Ok(runtime.heap_stats().total_allocated)
}

fn thresholds<C: Collector + Default>() -> Vec<u64> {
    C::default().get_threshold()
}

impl Registry {
    /// Registers collector `C` under its own name.
    pub fn add<C: Collector + Default + 'static>(&mut self) -> &mut Self {
        let collector = C::default();
        self.entries.push(CollectorEntry {
            name: collector.name(),
            capabilities: collector.capabilities(),
            measure: measure::measure::<C>,
            run_bare: run_bare::<C>,
            thresholds: thresholds::<C>,
        });
        self
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
    reg.add::<gc_cycle::CycleGc>();
    reg.add::<gc_cycle::CycleGc313>();
    reg.add::<gc_cycle::CyclePlain>();
    reg.add::<gc_refcount::BoundedRefCount>();
    reg.add::<gc_cycle::BoundedCycleGc>();
    reg.add::<gc_refcount::RcBacon>();
    reg.add::<gc_tracing::MarkSweep>();
    reg.add::<gc_tracing::MarkSweepGen>();
    reg.add::<gc_tracing::MarkSweepIncr>();
    reg
}
