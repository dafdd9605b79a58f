//! A diagnostic record of what each of marksweep-incr's pauses was made of: the work it did
//! and the thread's CPU time beside its wall time, so a long pause can be told apart as
//! real work (CPU time as long as the wall time) or preemption (the thread was off the
//! core: wall time well above CPU time, involuntary context switches counted).
//!
//! Off unless the environment variable [`PROBE_ENV`] names a directory when the collector is
//! made; then each collector made writes `<dir>/incr-<pid>-<k>.csv`, `k` counting the
//! collectors the process made from 0 (a harness child makes three: one it only asks
//! about, whose file holds just the header lines, the measured run's, then the untimed
//! lateness replay's), one line per pause (columns in [`HEADER`]), after a `#`
//! line with the process's arguments (the harness's child names the workload and collector
//! there). When off, a pause pays one test of an `Option`.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use nix::libc::c_long;
use nix::sys::resource::{getrusage, UsageWho};
use nix::time::{clock_gettime, ClockId};

/// Probes made by this process so far: the next one's file number.
static PROBES_MADE: AtomicUsize = AtomicUsize::new(0);

/// The environment variable naming the directory the records go to.
pub const PROBE_ENV: &str = "GCLAB_PAUSE_PROBE";

/// The columns of a record.
pub const HEADER: &str = "what,wall_ns,cpu_ns,sys_ns,minor_faults,invol_switches,roots,scanned,specials_listed,specials_settled,settle_left,pools,large,examined,freed";

/// What one pause did, filled by the collector as it works.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PauseWork {
    /// Which pause: `start` (a cycle's first), `mark`, `settle` (a chunk of the end of
    /// marking, after any marking the step did), `sweep` or `full`.
    pub what: &'static str,
    /// Roots shaded (the cycle's first pause).
    pub roots: u64,
    /// Objects scanned (marking, re-marking).
    pub scanned: u64,
    /// Objects the heap's side tables listed as special at the end of marking.
    pub specials_listed: u64,
    /// Unmarked objects whose weak references were cleared, or finalizers run.
    pub specials_settled: u64,
    /// Special objects left for the next step's settle.
    pub settle_left: u64,
    /// Pools swept.
    pub pools: u64,
    /// Large-object indices swept.
    pub large: u64,
    /// Objects the sweep examined.
    pub examined: u64,
    /// Objects freed.
    pub freed: u64,
}

/// The clocks at a pause's start.
#[derive(Clone, Copy, Debug)]
pub struct ProbeStart {
    wall: Instant,
    cpu_ns: u64,
    usage: (u64, c_long, c_long),
}

/// The open record file.
#[derive(Debug)]
pub struct PauseProbe {
    out: BufWriter<File>,
}

fn thread_cpu_ns() -> u64 {
    clock_gettime(ClockId::CLOCK_THREAD_CPUTIME_ID).map_or(0, |t| {
        t.tv_sec() as u64 * 1_000_000_000 + t.tv_nsec() as u64
    })
}

/// The thread's system time (ns), minor page faults and involuntary context switches.
fn usage() -> (u64, c_long, c_long) {
    getrusage(UsageWho::RUSAGE_THREAD).map_or((0, 0, 0), |u| {
        let sys = u.system_time();
        (
            sys.tv_sec() as u64 * 1_000_000_000 + sys.tv_usec() as u64 * 1000,
            u.minor_page_faults(),
            u.involuntary_context_switches(),
        )
    })
}

impl PauseProbe {
    /// The probe [`PROBE_ENV`] asks for, if it does and the file can be made.
    pub fn from_env() -> Option<PauseProbe> {
        let dir = std::env::var_os(PROBE_ENV)?;
        // One file per collector: two open at once in one file would interleave their
        // buffered lines.
        let k = PROBES_MADE.fetch_add(1, Ordering::Relaxed);
        let name = format!("incr-{}-{k}.csv", std::process::id());
        let file = File::create(std::path::Path::new(&dir).join(name)).ok()?;
        let mut out = BufWriter::new(file);
        let args: Vec<String> = std::env::args().collect();
        let _ = writeln!(out, "# {}", args.join(" "));
        let _ = writeln!(out, "{HEADER}");
        Some(PauseProbe { out })
    }

    /// The clocks now, before a pause.
    pub fn start() -> ProbeStart {
        ProbeStart {
            usage: usage(),
            cpu_ns: thread_cpu_ns(),
            wall: Instant::now(),
        }
    }

    /// Records a pause that began at `start` and did `work`.
    pub fn record(&mut self, start: ProbeStart, work: &PauseWork) {
        let wall = start.wall.elapsed().as_nanos() as u64;
        let cpu = thread_cpu_ns().saturating_sub(start.cpu_ns);
        let now = usage();
        let sys = now.0.saturating_sub(start.usage.0);
        let faults = now.1 - start.usage.1;
        let switches = now.2 - start.usage.2;
        let _ = writeln!(
            self.out,
            "{},{wall},{cpu},{sys},{faults},{switches},{},{},{},{},{},{},{},{},{}",
            work.what,
            work.roots,
            work.scanned,
            work.specials_listed,
            work.specials_settled,
            work.settle_left,
            work.pools,
            work.large,
            work.examined,
            work.freed
        );
    }
}

impl Drop for PauseProbe {
    fn drop(&mut self) {
        let _ = self.out.flush();
    }
}
