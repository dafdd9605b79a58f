//! The command line: parsing (clap), validation, and dispatch to the modules that do the work.

use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};
use workloads::{Size, Workload};

use crate::console::{errln, out};
use crate::merge::MergeError;
use crate::plan::{check_timeout, parse_set, Plan, PlanRequest, MAX_MEMORY_BUDGET_MIB};
use crate::provenance::{real_path, result_folders, Provenance, WorkTree};
use crate::registry::{registry, Registry};
use crate::report::summary_table;
use crate::results::checked::open_checked;
use crate::results::transaction::SetTransaction;
use crate::results::RunOutcome;
use crate::runner::run_plan;
use crate::set_writer::{replot, stage_run_set, PlotError};
use crate::shard::{Shard, MAX_SHARDS};
use crate::signals::{signal_name, Interrupts};
use crate::units::duration_ns;

/// Exit status for bad input (unknown names, bad values, bad flags, an `--out` that cannot
/// be written or replaced, a result set that is incomplete or corrupt).
pub const EXIT_USAGE: i32 = 2;
/// Exit status for a failure while working (I/O, a failed single `run-one`).
pub const EXIT_FAILURE: i32 = 1;
/// Exit status of a `run` that wrote its results but in which some runs (or all) failed.
pub const EXIT_RUNS_FAILED: i32 = 3;

/// What went wrong, and so which exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CliError {
    /// Bad input: exit code 2.
    Usage(String),
    /// A failure while working: exit code 1.
    Failure(String),
    /// Results written, but runs failed: exit code 3.
    RunsFailed(String),
    /// Stopped by a signal before anything was written: exit code 128 + the signal.
    Interrupted(i32, String),
}

impl CliError {
    /// The process exit code.
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Usage(_) => EXIT_USAGE,
            CliError::Failure(_) => EXIT_FAILURE,
            CliError::RunsFailed(_) => EXIT_RUNS_FAILED,
            CliError::Interrupted(signal, _) => 128 + signal,
        }
    }

    /// The one-line message.
    pub fn message(&self) -> &str {
        match self {
            CliError::Usage(m)
            | CliError::Failure(m)
            | CliError::RunsFailed(m)
            | CliError::Interrupted(_, m) => m,
        }
    }
}

/// `--timeout`: a finite number of seconds, above 0, at most a week.
fn timeout_arg(text: &str) -> Result<f64, String> {
    let secs: f64 = text
        .trim()
        .parse()
        .map_err(|_| "not a number of seconds".to_string())?;
    check_timeout(secs)
}

/// `--memory-budget-mib`: 1 MiB to 1 TiB.
fn budget_arg(text: &str) -> Result<u64, String> {
    match text.trim().parse::<u64>() {
        Ok(mib) if (1..=MAX_MEMORY_BUDGET_MIB).contains(&mib) => Ok(mib),
        _ => Err(format!(
            "must be a whole number of MiB from 1 to {MAX_MEMORY_BUDGET_MIB}"
        )),
    }
}

/// gclab: run garbage collectors against seeded workloads and measure pauses, utilisation,
/// overhead and memory.
#[derive(Debug, Parser)]
#[command(name = "gclab", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List collectors (with capabilities), peers (with each CPython interpreter's version and
    /// thresholds, on a build with `--features peers`) and workloads (with parameters).
    List {
        /// A CPython interpreter to list as a peer (repeatable) [default: the colon-separated
        /// paths in GCLAB_PYTHONS, else python3].
        #[arg(long = "python", value_name = "PATH")]
        pythons: Vec<PathBuf>,
        /// Print only the workload table of the README (markdown), generated from the
        /// workloads' declarations.
        #[arg(long)]
        markdown: bool,
    },
    /// Run every collector x workload combination, each run in its own child process.
    Run {
        #[command(flatten)]
        options: RunOptions,
        /// Run only shard K of N of the plan's runs (0 <= K < N), into a complete set marked
        /// with the shard; `gclab merge` joins the N shards.
        #[arg(long, value_name = "K/N", value_parser = Shard::parse)]
        shard: Option<Shard>,
    },
    /// Join the shards of one plan (`run --shard K/N`, K = 0..N-1) into the set one `run`
    /// of that plan writes.
    Merge {
        /// The shard folders, every K once.
        #[arg(required = true, value_name = "DIR")]
        shards: Vec<PathBuf>,
        /// The merged set's folder: written as one transaction.
        #[arg(long)]
        out: PathBuf,
        /// Replace --out even if it holds files gclab did not write (they are deleted).
        #[arg(long)]
        force: bool,
    },
    /// Write (and with --submit, submit) a Slurm job array running the plan as N shards,
    /// one task each, and a merge job that runs after all of them succeeded.
    Slurm {
        #[command(flatten)]
        options: RunOptions,
        /// N: shards, one array task each.
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=i64::from(MAX_SHARDS)))]
        shards: u32,
        /// CPUs per task (runs are sequential within a shard).
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=4096))]
        cpus_per_task: u32,
        /// Memory per task in Slurm's syntax [default: the memory budget + 512 MiB].
        #[arg(long, value_parser = crate::slurm::mem_arg)]
        mem: Option<String>,
        /// Time limit per task in Slurm's syntax [default: every run of the largest shard at
        /// its timeout, plus 5 minutes].
        #[arg(long, value_parser = crate::slurm::time_arg)]
        time: Option<String>,
        /// Slurm partition [default: the cluster's default].
        #[arg(long)]
        partition: Option<String>,
        /// Submit both jobs with sbatch and print their ids.
        #[arg(long)]
        submit: bool,
    },
    /// One run in this process (what `run` starts in each child).
    RunOne(RunOneArgs),
    /// Replay workloads on `cycle` and on a CPython interpreter and compare their
    /// collection sequences: (generation, collected) per collection (needs `--features peers`).
    Fidelity(crate::fidelity::FidelityArgs),
    /// Redraw every chart and rewrite README.md of a result directory from its CSV files.
    Plot {
        /// Result directory.
        #[arg(long, default_value = "results")]
        from: PathBuf,
        /// Replace the folder even if it holds files gclab did not write (they are deleted).
        #[arg(long)]
        force: bool,
    },
    /// Start a new collector: a crate gc-NAME from the teaching example, its conformance
    /// test, and its registration here (workspace member, dependency, registry line).
    NewCollector {
        /// The collector's name (lowercase letters, digits, dashes): what users will type.
        name: String,
        /// The gclab workspace root [default: the nearest one above the current folder].
        #[arg(long)]
        root: Option<PathBuf>,
    },
    /// Trace files: `trace record` writes one; `--workloads trace:FILE` runs one.
    Trace {
        #[command(subcommand)]
        command: TraceCommand,
    },
    /// Time a plain loop that allocates and collects nothing and report this machine's own
    /// stalls (steps over 1 ms slower than usual): the floor under any pause measured here.
    Stalls {
        /// How long to sample, in seconds.
        #[arg(long, default_value_t = 5.0)]
        seconds: f64,
    },
    /// Compare two result directories cell by cell, with the noise of their repeats.
    Compare {
        /// Baseline result directory.
        a: PathBuf,
        /// Result directory compared against it.
        b: PathBuf,
    },
}

/// What `gclab trace` does.
#[derive(Debug, Subcommand)]
enum TraceCommand {
    /// Record a workload's operation stream, with its parameters and seed, into a trace file
    /// (replay it with `--workloads trace:FILE` or `run-one --workload trace:FILE`).
    Record {
        /// Workload name.
        #[arg(long)]
        workload: String,
        /// Override a parameter: workload.param=value (repeatable).
        #[arg(long = "set", value_name = "WORKLOAD.PARAM=VALUE")]
        sets: Vec<String>,
        /// Workload seed.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Start from the workload's small preset.
        #[arg(long)]
        small: bool,
        /// The trace file to write (atomically).
        #[arg(long)]
        out: PathBuf,
    },
}

/// The options of `run` that define a plan and where it goes (shared with `slurm`).
#[derive(Debug, Clone, clap::Args)]
struct RunOptions {
    /// Collectors to run (comma-separated; default: all).
    #[arg(long, value_delimiter = ',')]
    collectors: Vec<String>,
    /// Workloads to run (comma-separated; default: all); `trace:FILE` replays a trace file.
    #[arg(long, value_delimiter = ',')]
    workloads: Vec<String>,
    /// Also run every peer (Rc, bacon_rajan_cc, dumpster, rust-gc, CPython) on the same
    /// workloads (needs a build with `--features peers`).
    #[arg(long)]
    peers: bool,
    /// A CPython interpreter to run as a peer, named from its version (`cpython-3.13`)
    /// (repeatable; needs --peers) [default: the colon-separated paths in GCLAB_PYTHONS,
    /// else python3].
    #[arg(long = "python", value_name = "PATH", requires = "peers")]
    pythons: Vec<PathBuf>,
    /// Override a workload or collector parameter: workload.param=value or
    /// collector.param=value (repeatable; the workload or collector must be in the run).
    #[arg(long = "set", value_name = "WORKLOAD.PARAM=VALUE")]
    sets: Vec<String>,
    /// Number of seeds (0..N); the whole plan is limited to 100,000 runs.
    #[arg(long, default_value_t = 1)]
    seeds: u64,
    /// Repeats of each (collector, workload, seed) [default: 5, or 1 with --quick].
    #[arg(long)]
    repeat: Option<u32>,
    /// Find each minimum heap, then run at these multiples of it (e.g. 1.5,2,3,4,6).
    #[arg(long, value_delimiter = ',')]
    heap_multiples: Vec<f64>,
    /// Run a workload's or collector's parameter over values (every cell once per value) and
    /// chart GC time, max pause and peak heap against them: owner.param=v1,v2,...
    #[arg(long, value_name = "OWNER.PARAM=V1,V2,...")]
    sweep: Option<String>,
    /// Small workload presets and one repeat: a smoke run of under a minute.
    #[arg(long)]
    quick: bool,
    /// Start every gclab collector's heap with N long-lived tracked objects, as an
    /// interpreter's start-up leaves them (CPython 3.11 here: about 8,600; see
    /// `gclab fidelity`); built before the clock starts, outside the workload's counts.
    #[arg(long, value_name = "N", default_value_t = 0)]
    baseline_objects: u64,
    /// Output directory: written as one transaction; a gclab set there is replaced whole.
    #[arg(long, default_value = "results")]
    out: PathBuf,
    /// Replace --out even if it holds files gclab did not write (they are deleted).
    #[arg(long)]
    force: bool,
    /// Write into a folder inside the git work tree although the tree has uncommitted
    /// changes outside the result folders (recorded in the provenance).
    #[arg(long)]
    allow_dirty: bool,
    /// Per-run time limit in seconds (above 0, at most a week); a run over it is killed
    /// and recorded as failed [default: 60, or 20 with --quick].
    #[arg(long, value_parser = timeout_arg, allow_hyphen_values = true)]
    timeout: Option<f64>,
    /// Heap limit (MiB, 1 to 1048576) for runs without one: a run needing more fails
    /// "out of memory".
    #[arg(long, default_value_t = 4096, value_parser = budget_arg, allow_hyphen_values = true)]
    memory_budget_mib: u64,
}

/// The arguments of `run-one`.
#[derive(Debug, Clone, clap::Args)]
pub struct RunOneArgs {
    /// Collector name.
    #[arg(long, required_unless_present = "peer")]
    pub collector: Option<String>,
    /// Peer name instead of a collector (needs a build with `--features peers`; peers take
    /// no heap limit).
    #[arg(long, conflicts_with_all = ["collector", "heap_limit"])]
    pub peer: Option<String>,
    /// The interpreter of a CPython peer [default: the one of GCLAB_PYTHONS or python3 whose
    /// version names the peer].
    #[arg(long, value_name = "PATH", requires = "peer")]
    pub python: Option<PathBuf>,
    /// Workload name, or `trace:FILE` for a trace file.
    #[arg(long)]
    pub workload: String,
    /// Override a parameter of the workload: workload.param=value, as for `run` (repeatable).
    #[arg(long = "set", value_name = "WORKLOAD.PARAM=VALUE")]
    pub sets: Vec<String>,
    /// Workload seed.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Heap limit in bytes.
    #[arg(long)]
    pub heap_limit: Option<u64>,
    /// Start the heap with N long-lived tracked objects (as `run --baseline-objects`).
    #[arg(long, value_name = "N", default_value_t = 0, conflicts_with = "peer")]
    pub baseline_objects: u64,
    /// Start from the workload's small preset.
    #[arg(long)]
    pub small: bool,
    /// Print the run's metrics, pauses and heap samples as one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// Collapses clap's multi-line error into one line (the usage hint is dropped).
fn one_line(error: &clap::Error) -> String {
    let text = error.render().to_string();
    text.lines()
        .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("For more information"))
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A peer's measured run; on a build without the feature, the usage error saying so.
fn measure_peer(
    name: &str,
    python: Option<&Path>,
    workload: &Workload,
    seed: u64,
) -> Result<RunOutcome, CliError> {
    #[cfg(feature = "peers")]
    {
        crate::peer_run::measure_peer(name, python, workload, seed).map_err(CliError::Usage)
    }
    #[cfg(not(feature = "peers"))]
    {
        let _ = (name, python, workload, seed);
        Err(CliError::Usage(crate::plan::NO_PEERS_FEATURE.to_string()))
    }
}

fn run_one(registry: &Registry, args: &RunOneArgs) -> Result<(), CliError> {
    let entry = match &args.collector {
        Some(name) => Some(registry.get(name).map_err(CliError::Usage)?),
        None => None,
    };
    let mut overrides = Vec::new();
    let mut collector_overrides = Vec::new();
    for arg in &args.sets {
        let (owner, param, value) = parse_set(arg).map_err(CliError::Usage)?;
        if owner == args.workload {
            overrides.push((param, value));
        } else if args.collector.as_deref() == Some(owner.as_str()) {
            collector_overrides.push((param, value));
        } else {
            return Err(CliError::Usage(format!(
                "--set {arg}: '{owner}' is neither the workload run (--workload {}) nor the \
                 collector",
                args.workload
            )));
        }
    }
    let size = if args.small {
        Size::Small
    } else {
        Size::Default
    };
    let workload = Workload::parse(&args.workload, size, &overrides)
        .map_err(|e| CliError::Usage(e.to_string()))?;
    let outcome = match (entry, &args.peer) {
        (Some(entry), _) => entry
            .measure(
                &collector_overrides,
                &workload,
                args.seed,
                args.heap_limit,
                args.baseline_objects,
            )
            .map_err(CliError::Usage)?,
        (None, Some(peer)) => measure_peer(peer, args.python.as_deref(), &workload, args.seed)?,
        (None, None) => {
            return Err(CliError::Usage(
                "run-one needs --collector or --peer".to_string(),
            ))
        }
    };
    if args.json {
        let text = serde_json::to_string(&outcome).map_err(|e| CliError::Failure(e.to_string()))?;
        out(&format!("{text}\n"));
    } else {
        let r = &outcome.row;
        let ns = |v: Option<u64>| v.map_or("-".into(), |v| duration_ns(v as f64));
        out(&format!(
            "{} on {} (seed {}): {}\n  wall {}, GC {}, {} pauses, max pause {} ({} outside gc.collect()), p99 {}{}\n  allocated {:?}, freed {:?}, leaked {:?}, scanned {:?}, peak heap {:?} B, peak RSS {:?} B\n  at the end: reserved {} B, in use {} B, reserved/in use {}\n",
            r.collector,
            r.workload,
            r.seed,
            r.status,
            ns(r.wall_ns),
            ns(r.gc_ns),
            r.pauses.unwrap_or(0),
            ns(r.pause_max_ns),
            ns(r.auto_pause_max_ns),
            ns(r.pause_p99_ns),
            match r.host_steal_ns {
                Some(steal) if steal > 0 => format!(
                    "; the host took {} of the CPUs meanwhile (steal)",
                    duration_ns(steal as f64)
                ),
                _ => String::new(),
            },
            r.objects_allocated.unwrap_or(0),
            r.objects_freed.unwrap_or(0),
            r.objects_leaked.unwrap_or(0),
            r.objects_scanned.unwrap_or(0),
            r.peak_heap_bytes.unwrap_or(0),
            r.peak_rss_bytes.unwrap_or(0),
            r.reserved_bytes.unwrap_or(0),
            r.in_use_bytes.unwrap_or(0),
            r.reserved_ratio
                .map_or_else(|| "-".to_string(), |v| format!("{v:.2}")),
        ));
    }
    if outcome.row.is_ok() || outcome.row.is_skipped() {
        Ok(())
    } else if args.json {
        // The parent reads the status from the JSON; the exit code says the same.
        Err(CliError::Failure(String::new()))
    } else {
        Err(CliError::Failure(outcome.row.status.clone()))
    }
}

/// The flags of `run`, gathered.
struct RunArgs {
    request: PlanRequest,
    force: bool,
    allow_dirty: bool,
}

/// Refuses results inside the repository from a tree with uncommitted changes (outside the
/// result folders) unless allowed, and collects the provenance saying which it was.
fn provenance_for(out: &Path, allow_dirty: bool) -> Result<Provenance, CliError> {
    let folders = result_folders(out);
    let mut dirty_allowed = false;
    if let Some(tree) = WorkTree::of_current_dir() {
        let changes = tree.changes_outside(&folders);
        if tree.contains(&real_path(out)) && !changes.is_empty() {
            if !allow_dirty {
                return Err(CliError::Usage(format!(
                    "--out {} is inside the git work tree, which has {} uncommitted change(s) \
                     outside result folders (first: {}): results there must come from a clean \
                     tree, so commit or stash them, or pass --allow-dirty (recorded in the \
                     provenance)",
                    out.display(),
                    changes.len(),
                    changes[0]
                )));
            }
            dirty_allowed = true;
        }
    }
    Ok(Provenance::collect(&folders, dirty_allowed))
}

fn interrupted(signal: i32, out: &Path) -> CliError {
    CliError::Interrupted(
        signal,
        format!(
            "interrupted by {}: nothing written, {} is as it was",
            signal_name(signal),
            out.display()
        ),
    )
}

fn run(args: RunArgs, registry: &Registry) -> Result<(), CliError> {
    let plan = Plan::new(args.request, registry).map_err(CliError::Usage)?;
    let provenance = provenance_for(&plan.out, args.allow_dirty)?;
    let interrupts = Interrupts::install().map_err(CliError::Failure)?;
    // Before the first cell: a place that cannot be written fails now, not after the matrix.
    let mut tx = SetTransaction::begin(&plan.out, args.force).map_err(CliError::Usage)?;
    let data = run_plan(&plan, &interrupts).map_err(|i| interrupted(i.signal, &plan.out))?;
    let (set, head) =
        stage_run_set(&mut tx, &plan, &data, &provenance).map_err(CliError::Failure)?;
    if let Some(signal) = interrupts.signal() {
        return Err(interrupted(signal, &plan.out));
    }
    tx.commit(head).map_err(CliError::Failure)?;
    let rows = &set.runs;
    let failed = rows.iter().filter(|r| r.is_failed()).count();
    let skipped = rows.iter().filter(|r| r.is_skipped()).count();
    errln(&format!(
        "{} runs ({failed} failed{}) in {:.1} s; results in {}",
        rows.len(),
        if skipped > 0 {
            format!(", {skipped} skipped")
        } else {
            String::new()
        },
        data.seconds,
        plan.out.display()
    ));
    out(&summary_table(&set));
    runs_outcome(rows, &plan.out)
}

impl RunOptions {
    /// The plan these options ask for, whole or one shard of it.
    fn request(&self, shard: Option<Shard>) -> PlanRequest {
        PlanRequest {
            collectors: self.collectors.clone(),
            peers: self.peers,
            pythons: self.pythons.clone(),
            workloads: self.workloads.clone(),
            sets: self.sets.clone(),
            seeds: self.seeds,
            repeat: self.repeat.unwrap_or(if self.quick {
                1
            } else {
                crate::plan::DEFAULT_REPEATS
            }),
            small: self.quick,
            heap_multiples: self.heap_multiples.clone(),
            sweep: self.sweep.clone(),
            baseline_objects: self.baseline_objects,
            timeout_secs: self.timeout.unwrap_or(if self.quick { 20.0 } else { 60.0 }),
            memory_budget: self.memory_budget_mib.saturating_mul(1024 * 1024),
            out: self.out.clone(),
            shard,
        }
    }

    /// The `run` arguments that give `plan` again (defaults spelled out, so the tasks do
    /// not depend on them), without `--out` and `--shard`.
    fn plan_args(&self, plan: &Plan) -> Vec<String> {
        let mut args = vec![
            "--collectors".to_string(),
            plan.collectors.join(","),
            "--workloads".to_string(),
            plan.workload_names.join(","),
        ];
        if self.peers {
            args.push("--peers".into());
        }
        for python in &self.pythons {
            args.extend(["--python".to_string(), python.display().to_string()]);
        }
        for set in &self.sets {
            args.extend(["--set".to_string(), set.clone()]);
        }
        args.extend([
            "--seeds".to_string(),
            plan.seeds.to_string(),
            "--repeat".to_string(),
            plan.repeat.to_string(),
        ]);
        if !plan.heap_multiples.is_empty() {
            let multiples: Vec<String> = plan.heap_multiples.iter().map(f64::to_string).collect();
            args.extend(["--heap-multiples".to_string(), multiples.join(",")]);
        }
        if let Some(sweep) = &self.sweep {
            args.extend(["--sweep".to_string(), sweep.clone()]);
        }
        if plan.small {
            args.push("--quick".into());
        }
        if plan.baseline_objects > 0 {
            args.extend([
                "--baseline-objects".to_string(),
                plan.baseline_objects.to_string(),
            ]);
        }
        args.extend([
            "--timeout".to_string(),
            plan.timeout_secs.to_string(),
            "--memory-budget-mib".to_string(),
            self.memory_budget_mib.to_string(),
        ]);
        if self.allow_dirty {
            args.push("--allow-dirty".into());
        }
        args
    }
}

/// Prints how many runs failed and turns that into the exit status, as `run` does.
fn runs_outcome(rows: &[crate::results::RunRow], out: &Path) -> Result<(), CliError> {
    let failed = rows.iter().filter(|r| r.is_failed()).count();
    match failed {
        0 => Ok(()),
        n if n == rows.len() => Err(CliError::RunsFailed(format!(
            "all {n} runs failed; see {}/README.md",
            out.display()
        ))),
        n => Err(CliError::RunsFailed(format!(
            "{n} of {} runs failed; see {}/README.md",
            rows.len(),
            out.display()
        ))),
    }
}

fn merge_shards(shards: &[PathBuf], out: &Path, force: bool) -> Result<(), CliError> {
    let set = crate::merge::merge(shards, out, force).map_err(|e| match e {
        MergeError::Refused(m) => CliError::Usage(m),
        MergeError::Failed(m) => CliError::Failure(m),
    })?;
    errln(&format!(
        "merged {} shards: {} runs; results in {}",
        shards.len(),
        set.runs.len(),
        out.display()
    ));
    crate::console::out(&summary_table(&set));
    runs_outcome(&set.runs, out)
}

/// The resource flags of `slurm`.
struct SlurmResources {
    shards: u32,
    cpus_per_task: u32,
    mem: Option<String>,
    time: Option<String>,
    partition: Option<String>,
}

/// `gclab slurm`: validates the plan and the split here, so a typo fails now and not in
/// every task, then writes (and submits) the scripts.
fn slurm(
    registry: &Registry,
    options: &RunOptions,
    resources: SlurmResources,
    submit: bool,
) -> Result<(), CliError> {
    let shard = Shard {
        index: 0,
        count: resources.shards,
    };
    let plan = Plan::new(options.request(Some(shard)), registry).map_err(CliError::Usage)?;
    let absolute = |p: &Path| {
        std::path::absolute(p).map_err(|e| CliError::Usage(format!("{}: {e}", p.display())))
    };
    let out = absolute(&plan.out)?;
    let shards_dir = crate::slurm::shards_dir_for(&out);
    // The tasks and the merge would refuse a dirty tree one by one; say it once, now.
    provenance_for(&shards_dir, options.allow_dirty)?;
    provenance_for(&out, options.allow_dirty)?;
    let all = crate::runner::cells(&plan, &[]);
    let largest = (0..resources.shards)
        .map(|k| {
            crate::shard::cells_of(
                &all,
                Shard {
                    index: k,
                    count: resources.shards,
                },
            )
            .len()
        })
        .max()
        .unwrap_or(0);
    let searches = if plan.heap_multiples.is_empty() {
        0
    } else {
        plan.collectors.len() * plan.workload_names.len()
    };
    let job = crate::slurm::SlurmJob {
        gclab: std::env::current_exe()
            .map_err(|e| CliError::Failure(format!("cannot find the gclab binary: {e}")))?,
        workdir: std::env::current_dir()
            .map_err(|e| CliError::Failure(format!("no current folder: {e}")))?,
        run_args: options.plan_args(&plan),
        shards: resources.shards,
        out,
        force: options.force,
        shards_dir,
        cpus_per_task: resources.cpus_per_task,
        mem: resources
            .mem
            .unwrap_or_else(|| crate::slurm::default_mem(plan.memory_budget)),
        time: resources
            .time
            .unwrap_or_else(|| crate::slurm::default_time(largest, searches, plan.timeout_secs)),
        partition: resources.partition,
    };
    let written = job.write().map_err(CliError::Failure)?;
    for path in &written {
        errln(&format!("wrote {}", path.display()));
    }
    errln(&format!(
        "{} runs in {} shards of at most {largest}; shards in {}, merged set in {}",
        all.len(),
        resources.shards,
        job.shards_dir.display(),
        job.out.display()
    ));
    if submit {
        let (array, merge) = job.submit().map_err(CliError::Failure)?;
        crate::console::out(&format!("array job {array}\nmerge job {merge}\n"));
    } else {
        errln(&format!(
            "submit with: bash {}",
            job.shards_dir.join(crate::slurm::SUBMIT_SCRIPT).display()
        ));
    }
    Ok(())
}

/// `gclab new-collector`: plans every edit, refuses before writing anything if one cannot
/// be made, then writes them and says what to run next.
fn new_collector(registry: &Registry, name: &str, root: Option<PathBuf>) -> Result<(), CliError> {
    use crate::scaffold;
    let names = scaffold::CollectorNames::new(name).map_err(CliError::Usage)?;
    if registry.get(&names.name).is_ok() {
        return Err(CliError::Usage(format!(
            "a collector named '{name}' is already registered"
        )));
    }
    let root = match root {
        Some(root) => root,
        None => {
            let here = std::env::current_dir().map_err(|e| CliError::Failure(e.to_string()))?;
            scaffold::find_root(&here).map_err(CliError::Usage)?
        }
    };
    let files = scaffold::plan(&root, &names).map_err(CliError::Usage)?;
    for path in scaffold::write(&root, &files).map_err(CliError::Failure)? {
        out(&format!("wrote {}\n", path.display()));
    }
    out(&format!(
        "next: cargo test -p {crate_name}   (the conformance kit)\n      \
         cargo run --release -p bench-harness -- list   (shows '{name}')\n      \
         cargo run --release -p bench-harness -- run --quick --collectors {name},marksweep --out /tmp/{name}\n",
        crate_name = names.crate_name
    ));
    Ok(())
}

/// Parses `args` and runs the command. Output goes to stdout/stderr; the error says which
/// exit code to use.
pub fn main_with_args(args: impl IntoIterator<Item = String>) -> Result<(), CliError> {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            // --help and --version.
            out(&e.render().to_string());
            return Ok(());
        }
        Err(e) => return Err(CliError::Usage(one_line(&e))),
    };
    let registry = registry();
    match cli.command {
        Command::List { markdown: true, .. } => {
            out(&workloads::catalog_table());
            Ok(())
        }
        Command::List { pythons, .. } => {
            out(&crate::listing::list(&registry, &pythons).map_err(CliError::Usage)?);
            Ok(())
        }
        Command::Run { options, shard } => run(
            RunArgs {
                request: options.request(shard),
                force: options.force,
                allow_dirty: options.allow_dirty,
            },
            &registry,
        ),
        Command::Merge { shards, out, force } => merge_shards(&shards, &out, force),
        Command::Slurm {
            options,
            shards,
            cpus_per_task,
            mem,
            time,
            partition,
            submit,
        } => slurm(
            &registry,
            &options,
            SlurmResources {
                shards,
                cpus_per_task,
                mem,
                time,
                partition,
            },
            submit,
        ),
        Command::RunOne(args) => {
            crate::child::guard_against_orphaning();
            run_one(&registry, &args)
        }
        Command::Plot { from, force } => {
            let set = replot(&from, force).map_err(|e| match e {
                PlotError::Refused(m) => CliError::Usage(m),
                PlotError::Failed(m) => CliError::Failure(m),
            })?;
            out(&summary_table(&set));
            Ok(())
        }
        Command::Fidelity(args) => {
            out(&crate::fidelity::run(&args).map_err(CliError::Usage)?);
            Ok(())
        }
        Command::NewCollector { name, root } => new_collector(&registry, &name, root),
        Command::Trace {
            command:
                TraceCommand::Record {
                    workload,
                    sets,
                    seed,
                    small,
                    out: file,
                },
        } => {
            out(
                &crate::trace_cmd::record(&workload, &sets, seed, small, &file)
                    .map_err(CliError::Usage)?,
            );
            Ok(())
        }
        Command::Stalls { seconds } => {
            let seconds = crate::plan::check_timeout(seconds)
                .map_err(|e| CliError::Usage(format!("--seconds: {e}")))?;
            out(&crate::platform_stalls::report(
                std::time::Duration::from_secs_f64(seconds),
            ));
            Ok(())
        }
        Command::Compare { a, b } => {
            let set_a = open_checked(&a).map_err(CliError::Usage)?;
            let set_b = open_checked(&b).map_err(CliError::Usage)?;
            out(&crate::compare::compare(
                &a,
                &set_a.set.runs,
                &b,
                &set_b.set.runs,
            ));
            Ok(())
        }
    }
}
