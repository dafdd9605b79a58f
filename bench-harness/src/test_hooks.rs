//! Hooks that let the end-to-end tests stop or observe `gclab run` at an exact point, read
//! from environment variables that nothing else sets. They cost one environment lookup each.
//!
//! - `GCLAB_TEST_ABORT_AT=<phase>`: the process aborts itself (`std::process::abort`, as
//!   abrupt as a SIGKILL: no destructor, no cleanup) when it reaches `<phase>`: `running`
//!   (after the first cell), `write:<file>` (after writing that file of the new set into the
//!   staging folder, e.g. `write:runs.csv`, `write:charts/throughput.png`,
//!   `write:manifest.json`), `sync` (after the staging folder is synced), `rename` (just
//!   before the new set replaces the old) and `renamed` (just after, before the old set is
//!   deleted).
//! - `GCLAB_TEST_CHILD_PID_FILE=<path>`: the parent appends the process id of every child
//!   it starts to `<path>`, one per line, so a test can check that no child outlives it.

use std::io::Write;
use std::path::PathBuf;
use std::sync::OnceLock;

/// The environment variable naming the phase at which to abort.
pub const ABORT_AT: &str = "GCLAB_TEST_ABORT_AT";
/// The environment variable naming the file that receives child process ids.
pub const CHILD_PID_FILE: &str = "GCLAB_TEST_CHILD_PID_FILE";

/// Aborts the process if the abort hook names `phase`.
pub fn abort_at(phase: &str) {
    static PHASE: OnceLock<Option<String>> = OnceLock::new();
    if PHASE
        .get_or_init(|| std::env::var(ABORT_AT).ok())
        .as_deref()
        == Some(phase)
    {
        std::process::abort();
    }
}

/// Appends `pid` to the child-pid file if the hook is set.
pub fn record_child(pid: u32) {
    static FILE: OnceLock<Option<PathBuf>> = OnceLock::new();
    if let Some(path) = FILE.get_or_init(|| std::env::var_os(CHILD_PID_FILE).map(PathBuf::from)) {
        if let Ok(mut f) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
        {
            let _ = writeln!(f, "{pid}");
        }
    }
}
