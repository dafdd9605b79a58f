//! The command line: parsing (clap), validation, and dispatch to the modules that do the work.

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use workloads::{Size, Workload};

use crate::plan::{parse_param, Plan, PlanRequest};
use crate::registry::{registry, Registry};
use crate::report::{plot, summary_table};
use crate::results::RunOutcome;
use crate::runner::run_plan;
use crate::units::duration_ns;

/// Exit status for bad input (unknown names, bad values, bad flags).
pub const EXIT_USAGE: i32 = 2;
/// Exit status for a failure while working (I/O, a failed single run).
pub const EXIT_FAILURE: i32 = 1;

/// What went wrong, and so which exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CliError {
    /// Bad input: exit code 2.
    Usage(String),
    /// A failure while working: exit code 1.
    Failure(String),
}

impl CliError {
    /// The process exit code.
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Usage(_) => EXIT_USAGE,
            CliError::Failure(_) => EXIT_FAILURE,
        }
    }

    /// The one-line message.
    pub fn message(&self) -> &str {
        match self {
            CliError::Usage(m) | CliError::Failure(m) => m,
        }
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
    /// List collectors (with capabilities) and workloads (with parameters and defaults).
    List,
    /// Run every collector x workload combination, each run in its own child process.
    Run {
        /// Collectors to run (comma-separated; default: all).
        #[arg(long, value_delimiter = ',')]
        collectors: Vec<String>,
        /// Workloads to run (comma-separated; default: all).
        #[arg(long, value_delimiter = ',')]
        workloads: Vec<String>,
        /// Also run every peer (Rc, bacon_rajan_cc, dumpster, rust-gc, CPython) on the same
        /// workloads (needs a build with `--features peers`).
        #[arg(long)]
        peers: bool,
        /// Override a workload parameter: workload.param=value (repeatable).
        #[arg(long = "set", value_name = "WORKLOAD.PARAM=VALUE")]
        sets: Vec<String>,
        /// Number of seeds (0..N).
        #[arg(long, default_value_t = 1)]
        seeds: u64,
        /// Repeats of each (collector, workload, seed) [default: 3, or 1 with --quick].
        #[arg(long)]
        repeat: Option<u32>,
        /// Find each minimum heap, then run at these multiples of it (e.g. 1.5,2,3,4,6).
        #[arg(long, value_delimiter = ',')]
        heap_multiples: Vec<f64>,
        /// Small workload presets and one repeat: a smoke run of under a minute.
        #[arg(long)]
        quick: bool,
        /// Output directory.
        #[arg(long, default_value = "results")]
        out: PathBuf,
        /// Per-run time limit in seconds; a run over it is killed and recorded as failed
        /// [default: 60, or 20 with --quick].
        #[arg(long)]
        timeout: Option<f64>,
        /// Heap limit (MiB) for runs without one: a run needing more fails "out of memory".
        #[arg(long, default_value_t = 4096)]
        memory_budget_mib: u64,
    },
    /// One run in this process (what `run` starts in each child).
    RunOne(RunOneArgs),
    /// Redraw every chart and rewrite README.md of a result directory from its CSV files.
    Plot {
        /// Result directory.
        #[arg(long, default_value = "results")]
        from: PathBuf,
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
    /// Compare two result directories cell by cell, with the noise of their repeats.
    Compare {
        /// Baseline result directory.
        a: PathBuf,
        /// Result directory compared against it.
        b: PathBuf,
    },
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
    /// Workload name.
    #[arg(long)]
    pub workload: String,
    /// Override a parameter of the workload: param=value (repeatable).
    #[arg(long = "set", value_name = "PARAM=VALUE")]
    pub sets: Vec<String>,
    /// Workload seed.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Heap limit in bytes.
    #[arg(long)]
    pub heap_limit: Option<u64>,
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

fn list(registry: &Registry) -> String {
    let mut out = String::from("Collectors:\n");
    for entry in registry.entries() {
        let thresholds = (entry.thresholds)();
        let parameters = if thresholds.is_empty() {
            String::new()
        } else {
            format!("; gc.get_threshold() = {thresholds:?}")
        };
        out.push_str(&format!(
            "  {:<15} {}{parameters}\n",
            entry.name,
            entry.capabilities.describe()
        ));
    }
    #[cfg(feature = "peers")]
    out.push_str(&crate::peer_run::list_peers());
    out.push_str("\nWorkloads (set parameters with --set workload.param=value):\n");
    for w in workloads::catalog() {
        out.push_str(&format!("  {:<16} {}\n", w.name, w.description));
        for p in &w.params {
            out.push_str(&format!(
                "      {:<18} = {:<10} {}\n",
                p.name, p.default, p.doc
            ));
        }
    }
    out
}

/// A peer's measured run; on a build without the feature, the usage error saying so.
fn measure_peer(name: &str, workload: &Workload, seed: u64) -> Result<RunOutcome, CliError> {
    #[cfg(feature = "peers")]
    {
        crate::peer_run::measure_peer(name, workload, seed).map_err(CliError::Usage)
    }
    #[cfg(not(feature = "peers"))]
    {
        let _ = (name, workload, seed);
        Err(CliError::Usage(crate::plan::NO_PEERS_FEATURE.to_string()))
    }
}

fn run_one(registry: &Registry, args: &RunOneArgs) -> Result<(), CliError> {
    let entry = match &args.collector {
        Some(name) => Some(registry.get(name).map_err(CliError::Usage)?),
        None => None,
    };
    let overrides = args
        .sets
        .iter()
        .map(|s| parse_param(s))
        .collect::<Result<Vec<_>, _>>()
        .map_err(CliError::Usage)?;
    let size = if args.small {
        Size::Small
    } else {
        Size::Default
    };
    let workload = Workload::parse(&args.workload, size, &overrides)
        .map_err(|e| CliError::Usage(e.to_string()))?;
    let outcome = match (entry, &args.peer) {
        (Some(entry), _) => (entry.measure)(&workload, args.seed, args.heap_limit),
        (None, Some(peer)) => measure_peer(peer, &workload, args.seed)?,
        (None, None) => {
            return Err(CliError::Usage(
                "run-one needs --collector or --peer".to_string(),
            ))
        }
    };
    if args.json {
        let text = serde_json::to_string(&outcome).map_err(|e| CliError::Failure(e.to_string()))?;
        println!("{text}");
    } else {
        let r = &outcome.row;
        let ns = |v: Option<u64>| v.map_or("-".into(), |v| duration_ns(v as f64));
        println!(
            "{} on {} (seed {}): {}\n  wall {}, GC {}, {} pauses, max pause {}, p99 {}\n  allocated {:?}, freed {:?}, leaked {:?}, scanned {:?}, peak heap {:?} B, peak RSS {:?} B",
            r.collector,
            r.workload,
            r.seed,
            r.status,
            ns(r.wall_ns),
            ns(r.gc_ns),
            r.pauses.unwrap_or(0),
            ns(r.pause_max_ns),
            ns(r.pause_p99_ns),
            r.objects_allocated.unwrap_or(0),
            r.objects_freed.unwrap_or(0),
            r.objects_leaked.unwrap_or(0),
            r.objects_scanned.unwrap_or(0),
            r.peak_heap_bytes.unwrap_or(0),
            r.peak_rss_bytes.unwrap_or(0),
        );
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
        println!("wrote {}", path.display());
    }
    println!(
        "next: cargo test -p {crate_name}   (the conformance kit)\n      \
         cargo run --release -p bench-harness -- list   (shows '{name}')\n      \
         cargo run --release -p bench-harness -- run --quick --collectors {name},marksweep --out /tmp/{name}",
        crate_name = names.crate_name
    );
    Ok(())
}

/// Parses `args` and runs the command. Output goes to stdout/stderr; the error says which
/// exit code to use.
pub fn main_with_args(args: impl IntoIterator<Item = String>) -> Result<(), CliError> {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            // --help and --version.
            print!("{}", e.render());
            return Ok(());
        }
        Err(e) => return Err(CliError::Usage(one_line(&e))),
    };
    let registry = registry();
    match cli.command {
        Command::List => {
            print!("{}", list(&registry));
            Ok(())
        }
        Command::Run {
            collectors,
            workloads,
            peers,
            sets,
            seeds,
            repeat,
            heap_multiples,
            quick,
            out,
            timeout,
            memory_budget_mib,
        } => {
            let request = PlanRequest {
                collectors,
                peers,
                workloads,
                sets,
                seeds,
                repeat: repeat.unwrap_or(if quick { 1 } else { 3 }),
                small: quick,
                heap_multiples,
                timeout_secs: timeout.unwrap_or(if quick { 20.0 } else { 60.0 }),
                memory_budget: memory_budget_mib.saturating_mul(1024 * 1024),
                out,
            };
            let plan = Plan::new(request, &registry).map_err(CliError::Usage)?;
            run_plan(&plan).map_err(CliError::Failure)?;
            let set = plot(&plan.out).map_err(CliError::Failure)?;
            print!("{}", summary_table(&set));
            Ok(())
        }
        Command::RunOne(args) => run_one(&registry, &args),
        Command::Plot { from } => {
            if !from.join(crate::results::RUNS_CSV).exists() {
                return Err(CliError::Usage(format!(
                    "no {} in {}: not a result directory",
                    crate::results::RUNS_CSV,
                    from.display()
                )));
            }
            let set = plot(&from).map_err(CliError::Failure)?;
            print!("{}", summary_table(&set));
            Ok(())
        }
        Command::NewCollector { name, root } => new_collector(&registry, &name, root),
        Command::Compare { a, b } => {
            for dir in [&a, &b] {
                if !dir.join(crate::results::RUNS_CSV).exists() {
                    return Err(CliError::Usage(format!(
                        "no {} in {}: not a result directory",
                        crate::results::RUNS_CSV,
                        dir.display()
                    )));
                }
            }
            let report = crate::compare::compare(&a, &b).map_err(CliError::Failure)?;
            print!("{report}");
            Ok(())
        }
    }
}
