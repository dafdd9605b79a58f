//! CPython fidelity: the same trace replayed on gclab's `cycle` and on a CPython interpreter,
//! and their collection sequences compared.
//!
//! Each side yields one `(generation, collected)` pair per collection while the workload
//! runs, automatic and explicit alike, in order: CPython's from `gc.callbacks` "stop" info
//! (the peer's driver), gclab's from the pause events' generation and freed count. The
//! comparison is positional: the share of indices whose pairs are identical (over the longer
//! sequence) and the first index where they differ, with a reason read from the two
//! sequences. gclab's `cycle` gets the interpreter's thresholds and, as its baseline
//! ([`gc_core::Runtime::add_baseline`]), the tracked objects the driver froze before the
//! replay: the long-lived total CPython's full-collection rule compares with.

use std::cell::RefCell;
use std::fmt::Write as _;
use std::rc::Rc;

use gc_core::{GcControl, GcEvent, HeapConfig, PauseKind, Phase, Runtime};
use gc_cycle::CycleGc;
use serde::Serialize;

/// One collection: the generation collected and the objects it collected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Collection {
    /// The generation collected (2 for a full collection).
    pub generation: u8,
    /// Objects found unreachable and collected (uncollectable ones included).
    pub collected: u64,
}

/// Where two sequences first differ.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Divergence {
    /// The collection's index (0-based) in both sequences.
    pub index: usize,
    /// CPython's collection there (`None`: CPython made fewer).
    pub cpython: Option<Collection>,
    /// gclab's collection there (`None`: gclab made fewer).
    pub cycle: Option<Collection>,
    /// What the sequences say about why.
    pub reason: String,
}

/// The comparison of two collection sequences.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Comparison {
    /// Collections CPython made.
    pub cpython_collections: usize,
    /// Collections gclab's `cycle` made.
    pub cycle_collections: usize,
    /// Indices where both made the same collection.
    pub identical: usize,
    /// The first difference, if any.
    pub first_divergence: Option<Divergence>,
}

impl Comparison {
    /// The share of identical pairs over the longer sequence (1 when both are empty).
    pub fn share(&self) -> f64 {
        let n = self.cpython_collections.max(self.cycle_collections);
        if n == 0 {
            1.0
        } else {
            self.identical as f64 / n as f64
        }
    }
}

/// Whether the peer named `python` (`cpython-3.13`) defers a due collection to the
/// eval breaker (3.12 and later) instead of collecting inside the allocation (3.11).
fn deferred_collections(python: &str) -> bool {
    python
        .strip_prefix("cpython-3.")
        .and_then(|minor| minor.parse::<u32>().ok())
        .is_some_and(|minor| minor >= 12)
}

/// Full collections in a sequence.
fn full_collections(seq: &[Collection]) -> usize {
    seq.iter().filter(|c| c.generation == 2).count()
}

/// Why the sequences differ at `index`, as far as the sequences tell.
fn reason(cpython: &[Collection], cycle: &[Collection], index: usize) -> String {
    match (cpython.get(index), cycle.get(index)) {
        (Some(a), Some(b)) if a.generation != b.generation && (a.generation == 2 || b.generation == 2) => format!(
            "the full-collection rule decided differently (long_lived_pending > long_lived_total / 4): \
             CPython makes {} full collections, cycle {}; the long-lived totals differ (a baseline \
             that is not the interpreter's, or survivors counted differently)",
            full_collections(cpython),
            full_collections(cycle)
        ),
        (Some(_), Some(_)) if cpython[index].generation != cycle[index].generation => {
            "a generation's count reached its threshold at a different point: the two sides \
             counted different allocations or deallocations of tracked objects before it"
                .to_string()
        }
        (Some(a), Some(b)) if a.collected > b.collected => format!(
            "same collection, CPython found {} more garbage: objects the trace does not have \
             (tracked objects the interpreter allocates itself) or garbage cycle freed earlier",
            a.collected - b.collected
        ),
        (Some(a), Some(b)) => format!(
            "same collection, cycle found {} more garbage: objects CPython freed earlier or \
             holds alive elsewhere",
            b.collected - a.collected
        ),
        (Some(_), None) | (None, Some(_)) => format!(
            "every common collection identical; CPython made {}, cycle {}: one side's last \
             counts crossed a threshold the other's did not (tracked objects allocated outside \
             the trace)",
            cpython.len(),
            cycle.len()
        ),
        (None, None) => "no difference".to_string(),
    }
}

/// Compares CPython's sequence with gclab's, position by position.
pub fn compare(cpython: &[Collection], cycle: &[Collection]) -> Comparison {
    let identical = cpython.iter().zip(cycle).filter(|(a, b)| a == b).count();
    let longer = cpython.len().max(cycle.len());
    let first = (0..longer).find(|&i| cpython.get(i) != cycle.get(i));
    Comparison {
        cpython_collections: cpython.len(),
        cycle_collections: cycle.len(),
        identical,
        first_divergence: first.map(|index| Divergence {
            index,
            cpython: cpython.get(index).copied(),
            cycle: cycle.get(index).copied(),
            reason: reason(cpython, cycle, index),
        }),
    }
}

/// Replays `trace` on `cycle` with `thresholds`, after `baseline` baseline objects, and
/// returns its collections in order (the baseline's own collection excluded).
pub fn cycle_sequence(
    trace: &[u8],
    thresholds: [u64; 3],
    baseline: u64,
) -> Result<Vec<Collection>, String> {
    let mut runtime = Runtime::new(HeapConfig::default(), CycleGc::with_thresholds(thresholds))
        .map_err(|e| e.to_string())?;
    runtime
        .add_baseline(baseline)
        .map_err(|e| format!("baseline objects: {e}"))?;
    let log: Rc<RefCell<Vec<Collection>>> = Rc::default();
    let sink = Rc::clone(&log);
    let id = runtime.add_callback(Box::new(move |e: &GcEvent| {
        if let (Phase::Stop, PauseKind::Collection, Some(generation)) =
            (e.phase, e.kind, e.generation)
        {
            sink.borrow_mut().push(Collection {
                generation,
                collected: e.counts.freed + e.counts.uncollectable,
            });
        }
    }));
    workloads::trace::replay(trace, &mut runtime).map_err(|e| e.to_string())?;
    runtime.remove_callback(id);
    let collections = log.borrow().clone();
    Ok(collections)
}

/// One workload's fidelity: both sequences and their comparison.
#[derive(Clone, Debug, Serialize)]
pub struct WorkloadFidelity {
    /// The workload's name.
    pub workload: String,
    /// Its parameters.
    pub params: serde_json::Value,
    /// The seed.
    pub seed: u64,
    /// The interpreter's peer name (`cpython-3.11`).
    pub python: String,
    /// The thresholds both sides ran with.
    pub thresholds: [u64; 3],
    /// The baseline objects gclab started with.
    pub baseline_objects: u64,
    /// The objects the CPython driver had frozen when the replay began.
    pub cpython_frozen: u64,
    /// The comparison.
    pub comparison: Comparison,
    /// CPython's collections.
    pub cpython: Vec<Collection>,
    /// gclab's collections.
    pub cycle: Vec<Collection>,
}

impl WorkloadFidelity {
    /// A few lines for the console.
    pub fn summary(&self) -> String {
        let c = &self.comparison;
        let mut out = format!(
            "{} (seed {}) on {} and cycle {:?}, baseline {} objects (CPython froze {}):\n  \
             {} of {} collections identical in (generation, collected): {:.2}%\n  \
             full collections: CPython {}, cycle {}\n",
            self.workload,
            self.seed,
            self.python,
            self.thresholds,
            self.baseline_objects,
            self.cpython_frozen,
            c.identical,
            c.cpython_collections.max(c.cycle_collections),
            100.0 * c.share(),
            full_collections(&self.cpython),
            full_collections(&self.cycle),
        );
        match &c.first_divergence {
            None => out.push_str("  no divergence\n"),
            Some(d) => {
                let show = |c: Option<Collection>| {
                    c.map_or("none".to_string(), |c| {
                        format!("(gen {}, {})", c.generation, c.collected)
                    })
                };
                let _ = writeln!(
                    out,
                    "  first divergence at collection {}: CPython {}, cycle {}\n  reason: {}",
                    d.index,
                    show(d.cpython),
                    show(d.cycle),
                    d.reason
                );
                if deferred_collections(&self.python) {
                    out.push_str(
                        "  note: CPython 3.12 and later run a due collection at the next \
                         eval-breaker check, a few allocations after the one that crossed \
                         threshold 0; cycle collects inside that allocation, as 3.11 does\n",
                    );
                }
            }
        }
        out
    }
}

/// The arguments of `gclab fidelity`.
#[derive(Debug, Clone, clap::Args)]
pub struct FidelityArgs {
    /// Workloads to replay (comma-separated).
    #[arg(long, value_delimiter = ',', required = true)]
    pub workloads: Vec<String>,
    /// The CPython interpreter to compare with.
    #[arg(long, value_name = "PATH", default_value = "python3")]
    pub python: std::path::PathBuf,
    /// Override a workload parameter: workload.param=value (repeatable).
    #[arg(long = "set", value_name = "WORKLOAD.PARAM=VALUE")]
    pub sets: Vec<String>,
    /// Workload seed.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Start from the workloads' small presets.
    #[arg(long)]
    pub small: bool,
    /// Baseline objects for gclab's `cycle` [default: the tracked objects the CPython driver
    /// froze before the replay].
    #[arg(long, value_name = "N")]
    pub baseline_objects: Option<u64>,
    /// Also write every workload's both sequences and comparison as JSON here.
    #[arg(long, value_name = "FILE")]
    pub out: Option<std::path::PathBuf>,
}

/// The workloads `args` names, with their `--set` overrides.
pub fn parse_workloads(
    names: &[String],
    sets: &[String],
    size: workloads::Size,
) -> Result<Vec<workloads::Workload>, String> {
    for arg in sets {
        let (workload, _, _) = crate::plan::parse_set(arg)?;
        if !names.contains(&workload) {
            return Err(format!(
                "--set {arg}: workload '{workload}' is not one of --workloads"
            ));
        }
    }
    names
        .iter()
        .map(|name| {
            let mut overrides = Vec::new();
            for arg in sets {
                let (workload, param, value) = crate::plan::parse_set(arg)?;
                if &workload == name {
                    overrides.push((param, value));
                }
            }
            workloads::Workload::parse(name, size, &overrides).map_err(|e| e.to_string())
        })
        .collect()
}

/// `gclab fidelity`: the summary to print, or a one-line error.
pub fn run(args: &FidelityArgs) -> Result<String, String> {
    let size = if args.small {
        workloads::Size::Small
    } else {
        workloads::Size::Default
    };
    let chosen = parse_workloads(&args.workloads, &args.sets, size)?;
    #[cfg(feature = "peers")]
    {
        let mut results = Vec::new();
        let mut text = String::new();
        for workload in &chosen {
            let result =
                cpython::measure(workload, args.seed, &args.python, args.baseline_objects)?;
            text.push_str(&result.summary());
            results.push(result);
        }
        if let Some(path) = &args.out {
            let json = serde_json::to_string_pretty(&results).map_err(|e| e.to_string())?;
            std::fs::write(path, json + "\n").map_err(|e| format!("{}: {e}", path.display()))?;
        }
        Ok(text)
    }
    #[cfg(not(feature = "peers"))]
    {
        let _ = chosen;
        Err(crate::plan::NO_PEERS_FEATURE.to_string())
    }
}

/// The CPython side, on a build with the peers.
#[cfg(feature = "peers")]
pub mod cpython {
    use std::path::Path;

    use peers::cpython::{self, CPythonConfig};
    use peers::{Interpreter, PeerOutcome};
    use workloads::Workload;

    use super::{compare, cycle_sequence, Collection, WorkloadFidelity};

    /// Replays `workload` with `seed` on the interpreter at `python` and on `cycle` (with
    /// the interpreter's thresholds and `baseline` objects, by default the count the driver
    /// froze) and compares them.
    pub fn measure(
        workload: &Workload,
        seed: u64,
        python: &Path,
        baseline: Option<u64>,
    ) -> Result<WorkloadFidelity, String> {
        let interpreter = Interpreter::probe(python).map_err(|e| e.to_string())?;
        let thresholds: [u64; 3] = interpreter.thresholds.as_slice().try_into().map_err(|_| {
            format!(
                "{} reports thresholds {:?}, not three generations",
                python.display(),
                interpreter.thresholds
            )
        })?;
        let config: CPythonConfig = interpreter.config();
        let result = match cpython::run(workload, seed, &config).map_err(|e| e.to_string())? {
            PeerOutcome::Ran(result) => result,
            PeerOutcome::Skipped(why) => return Err(format!("{}: {why}", python.display())),
        };
        let cpython_seq: Vec<Collection> = result
            .pauses
            .iter()
            .map(|p| Collection {
                generation: p.generation.unwrap_or(2),
                collected: p.freed,
            })
            .collect();
        let baseline_objects = baseline.unwrap_or(result.frozen);
        let trace = cpython::record_trace(workload, seed).map_err(|e| e.to_string())?;
        let cycle = cycle_sequence(&trace, thresholds, baseline_objects)?;
        Ok(WorkloadFidelity {
            workload: workload.name().to_string(),
            params: workload.params_json(),
            seed,
            python: interpreter.peer_name(),
            thresholds,
            baseline_objects,
            cpython_frozen: result.frozen,
            comparison: compare(&cpython_seq, &cycle),
            cpython: cpython_seq,
            cycle,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use workloads::{Size, Workload};

    fn c(generation: u8, collected: u64) -> Collection {
        Collection {
            generation,
            collected,
        }
    }

    #[test]
    fn only_312_and_later_defer_collections() {
        assert!(!deferred_collections("cpython-3.11"));
        assert!(deferred_collections("cpython-3.12"));
        assert!(deferred_collections("cpython-3.14"));
        assert!(!deferred_collections("cpython"));
    }

    #[test]
    fn identical_sequences_share_everything() {
        let seq = [c(0, 10), c(1, 0), c(2, 5)];
        let cmp = compare(&seq, &seq);
        assert_eq!(cmp.identical, 3);
        assert_eq!(cmp.share(), 1.0);
        assert_eq!(cmp.first_divergence, None);
    }

    #[test]
    fn the_first_divergence_names_both_pairs_and_a_full_collection_reason() {
        let a = [c(0, 10), c(1, 4), c(0, 7), c(1, 0)];
        let b = [c(0, 10), c(2, 4), c(0, 7)];
        let cmp = compare(&a, &b);
        assert_eq!(cmp.identical, 2);
        assert_eq!(cmp.share(), 0.5);
        let d = cmp.first_divergence.unwrap();
        assert_eq!(
            (d.index, d.cpython, d.cycle),
            (1, Some(c(1, 4)), Some(c(2, 4)))
        );
        assert!(d.reason.contains("full-collection rule"), "{}", d.reason);
        assert!(d
            .reason
            .contains("CPython makes 0 full collections, cycle 1"));
    }

    #[test]
    fn a_longer_sequence_diverges_where_the_shorter_ends() {
        let cmp = compare(&[c(0, 1)], &[c(0, 1), c(0, 2)]);
        let d = cmp.first_divergence.unwrap();
        assert_eq!((d.index, d.cpython, d.cycle), (1, None, Some(c(0, 2))));
        assert!(d.reason.contains("CPython made 1, cycle 2"), "{}", d.reason);
    }

    #[test]
    fn a_baseline_stops_cycles_automatic_full_collections_on_seed_cycles() {
        // 100,000 pairs: on an empty heap every eleventh generation-1 collection is full;
        // beside CPython 3.11's frozen start-up objects only the workload's final explicit
        // gc.collect() is, and the same garbage is found either way.
        let w = Workload::parse(
            "seed-cycles",
            Size::Default,
            &[("pairs".into(), "100000".into())],
        )
        .unwrap();
        let trace = workloads::trace::record_workload(&w, 0).unwrap();
        let without = cycle_sequence(&trace, [700, 10, 10], 0).unwrap();
        let with = cycle_sequence(&trace, [700, 10, 10], 8_590).unwrap();
        assert!(
            full_collections(&without) > 1,
            "{}",
            full_collections(&without)
        );
        assert_eq!(full_collections(&with), 1);
        assert_eq!(with.last().map(|c| c.generation), Some(2));
        assert_eq!(without.len(), with.len());
        let collected = |s: &[Collection]| s.iter().map(|c| c.collected).sum::<u64>();
        assert_eq!(collected(&without), 200_000);
        assert_eq!(collected(&with), 200_000);
    }
}

#[cfg(all(test, feature = "peers"))]
mod cpython_tests {
    use std::path::Path;

    use workloads::{Size, Workload};

    /// On the small presets of seed-cycles and dll-churn CPython's collections are the ones
    /// `cycle` makes, one for one (skipped where `python3` cannot be run).
    #[test]
    fn cpython_and_cycle_make_the_same_collections() {
        let python = Path::new("python3");
        if peers::Interpreter::probe(python).is_err() {
            eprintln!("skipped: no usable python3");
            return;
        }
        for name in ["seed-cycles", "dll-churn"] {
            let w = Workload::parse(name, Size::Small, &[]).unwrap();
            let result = super::cpython::measure(&w, 0, python, None).unwrap();
            let c = &result.comparison;
            assert!(c.cpython_collections > 0, "{name}");
            assert_eq!(c.first_divergence, None, "{name}: {}", result.summary());
            assert_eq!(c.identical, c.cycle_collections);
            assert_eq!(result.baseline_objects, result.cpython_frozen);
        }
    }
}
