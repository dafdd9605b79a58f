//! Where and how a result set was produced: revision, compiler, machine, date, and whether
//! the work tree was clean; [`WorkTree`] also backs the rule that results written inside the
//! repository come from a clean tree.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::{Deserialize, Serialize};

/// The provenance block of `runs.json`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    /// `git rev-parse HEAD` of the working directory, if it is a repository.
    pub git_revision: Option<String>,
    /// Whether the working tree had uncommitted changes (outside the result folders being
    /// written, whose own files are the results).
    pub git_dirty: Option<bool>,
    /// Whether a dirty tree was accepted by `--allow-dirty` for a folder inside the work tree.
    #[serde(default)]
    pub dirty_allowed: bool,
    /// `rustc -V` of the compiler that built this binary.
    pub rustc: String,
    /// CPU model from /proc/cpuinfo.
    pub cpu_model: Option<String>,
    /// Logical cores available.
    pub cores: usize,
    /// Operating system and architecture.
    pub os: String,
    /// UTC date and time the run started, ISO 8601.
    pub date: String,
    /// The command line.
    pub command: String,
}

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// `path` made absolute with symbolic links of its existing part resolved, so it compares
/// with the paths git prints.
pub fn real_path(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut existing = absolute.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(real) = std::fs::canonicalize(existing) {
            return rest.iter().rev().fold(real, |p, c| p.join(c));
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                existing = parent;
            }
            _ => return absolute,
        }
    }
}

/// The git work tree of the current directory and its uncommitted changes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkTree {
    /// Its top folder.
    pub toplevel: PathBuf,
    /// `git rev-parse HEAD`.
    pub revision: Option<String>,
    /// Paths (relative to the top, `/`-separated) that `git status` shows changed or
    /// untracked.
    pub changes: Vec<String>,
}

impl WorkTree {
    /// The work tree around the current directory; `None` outside one or without git.
    pub fn of_current_dir() -> Option<WorkTree> {
        let toplevel = PathBuf::from(git(&["rev-parse", "--show-toplevel"])?);
        let toplevel = std::fs::canonicalize(&toplevel).unwrap_or(toplevel);
        let status = Command::new("git")
            .arg("-C")
            .arg(&toplevel)
            .args(["status", "--porcelain=v1", "-z", "--untracked-files=all"])
            .output()
            .ok()
            .filter(|o| o.status.success())?;
        let text = String::from_utf8_lossy(&status.stdout).into_owned();
        let mut changes = Vec::new();
        let mut fields = text.split('\0').filter(|f| !f.is_empty());
        while let Some(field) = fields.next() {
            let (code, path) = (field.get(..2).unwrap_or(""), field.get(3..).unwrap_or(""));
            changes.push(path.to_string());
            if code.starts_with('R') || code.starts_with('C') {
                // The rename's source follows as its own field.
                fields.next();
            }
        }
        Some(WorkTree {
            toplevel,
            revision: git(&["rev-parse", "HEAD"]),
            changes,
        })
    }

    /// Whether `path` (as from [`real_path`]) lies inside this work tree.
    pub fn contains(&self, path: &Path) -> bool {
        path.starts_with(&self.toplevel)
    }

    /// The changes outside the folders `excluded` (absolute, as from [`real_path`]) and
    /// outside staging folders of interrupted runs.
    pub fn changes_outside(&self, excluded: &[PathBuf]) -> Vec<String> {
        let excluded: Vec<PathBuf> = excluded
            .iter()
            .filter_map(|e| e.strip_prefix(&self.toplevel).ok().map(Path::to_path_buf))
            .collect();
        self.changes
            .iter()
            .filter(|c| {
                let path = Path::new(c.trim_end_matches('/'));
                !excluded.iter().any(|e| path.starts_with(e))
                    && !path.iter().any(|part| {
                        crate::results::transaction::is_staging_name(&part.to_string_lossy())
                    })
            })
            .cloned()
            .collect()
    }
}

/// The folders whose changes are results, not code, when writing to `out`: `out` itself and
/// each folder above it that holds a result set (`results/` when writing `results/peers`).
pub fn result_folders(out: &Path) -> Vec<PathBuf> {
    let out = real_path(out);
    let mut folders = vec![out.clone()];
    let mut dir = out.parent();
    while let Some(d) = dir {
        if crate::results::transaction::holds_set(d) {
            folders.push(d.to_path_buf());
        }
        dir = d.parent();
    }
    folders
}

fn cpu_model() -> Option<String> {
    let info = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    info.lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_string())
}

/// `seconds` since the Unix epoch as an ISO 8601 UTC timestamp (civil-from-days, H. Hinnant).
pub fn iso8601(seconds: u64) -> String {
    let days = (seconds / 86_400) as i64;
    let rem = seconds % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

impl Provenance {
    /// Collects the provenance of a run started now that writes into `result_folders` (their
    /// own changes do not make the tree dirty).
    pub fn collect(result_folders: &[PathBuf], dirty_allowed: bool) -> Provenance {
        let tree = WorkTree::of_current_dir();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        Provenance {
            git_revision: tree.as_ref().and_then(|t| t.revision.clone()),
            git_dirty: tree
                .as_ref()
                .map(|t| !t.changes_outside(result_folders).is_empty()),
            dirty_allowed,
            rustc: env!("GCLAB_RUSTC_VERSION").to_string(),
            cpu_model: cpu_model(),
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            os: format!("{} {}", std::env::consts::OS, std::env::consts::ARCH),
            date: iso8601(now),
            command: std::env::args().collect::<Vec<_>>().join(" "),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_convert() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso8601(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(iso8601(1_795_999_999), "2026-11-30T00:53:19Z");
    }
}
