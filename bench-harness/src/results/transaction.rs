//! A result set written as one transaction. Every file of the new set goes into a staging
//! folder beside the target (`.NAME.gclab-new-PID`), is synced, and the staging folder then
//! takes the target's place in one `renameat2(RENAME_EXCHANGE)`; the old set, now at the
//! staging name, is deleted. A process killed at any instant therefore leaves the target
//! holding the complete old set or the complete new one, never a mix, and no temporary file
//! inside it (a killed run's staging folder beside the target is removed by the next run).
//!
//! The target may hold a gclab set, which is replaced whole (stale charts of workloads not in
//! the new run go with it), or nothing; a folder holding anything else is refused unless the
//! caller forces it. Result sets nested in the target (`results/peers/`) are separate sets:
//! they are carried into the new folder by hard links, untouched.

use std::path::{Path, PathBuf};

use super::manifest::{FileRole, Manifest, ManifestEntry, MANIFEST_FORMAT, MANIFEST_JSON};
use super::{RUNS_CSV, RUNS_JSON};
use crate::checksum::{file_checksum, fnv1a64_hex};
use crate::shard::Shard;
use crate::test_hooks::abort_at;

/// Marks a staging folder's name: `.NAME` + this + the writer's process id.
const STAGING_MARK: &str = ".gclab-new-";

/// The files a set written before manifests existed could hold, beside `charts/`.
const LEGACY_FILES: &[&str] = &[
    "runs.csv",
    "pauses.csv",
    "heap.csv",
    "curves.csv",
    "runs.json",
    "README.md",
];

/// Whether `name` is the staging folder of some set (never part of a set itself).
pub fn is_staging_name(name: &str) -> bool {
    name.starts_with('.') && name.contains(STAGING_MARK)
}

/// What the manifest records besides the files.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ManifestHead {
    /// Revision the set was measured at.
    pub revision: Option<String>,
    /// Whether the tree was dirty.
    pub dirty: Option<bool>,
    /// The plan's fingerprint.
    pub plan_fingerprint: String,
    /// The plan.
    pub plan: serde_json::Value,
    /// The shard the set holds, if it is one.
    pub shard: Option<Shard>,
    /// How many shards were merged into the set, if it is a merge.
    pub merged_from: Option<u32>,
}

/// What a folder holds, as far as replacing it is concerned.
#[derive(Clone, Debug, Default, PartialEq)]
struct Contents {
    /// It holds a gclab set (with a manifest, or an older one without).
    is_set: bool,
    /// Subfolders that hold sets of their own.
    nested_sets: Vec<String>,
    /// Files kept beside a set that no run writes ([`COMPANION_FILES`]).
    companions: Vec<String>,
    /// Entries gclab did not write.
    foreign: Vec<String>,
}

/// Whether `dir` holds a gclab result set: a manifest, or an older set's `runs.csv` and
/// `runs.json` with provenance.
pub fn holds_set(dir: &Path) -> bool {
    if let Ok(text) = std::fs::read_to_string(dir.join(MANIFEST_JSON)) {
        return serde_json::from_str::<Manifest>(&text).is_ok();
    }
    dir.join(RUNS_CSV).is_file()
        && std::fs::read_to_string(dir.join(RUNS_JSON))
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .is_some_and(|j| j.get("provenance").is_some())
}

/// Files a results folder keeps beside its set, carried over whole when the set is replaced:
/// the dated measurement log that the project keeps under `results/`.
pub const COMPANION_FILES: &[&str] = &["LOG.md"];

fn is_chart_file(name: &str) -> bool {
    name.ends_with(".png") || name.ends_with(".svg") || name.ends_with(".tmp")
}

fn classify(dir: &Path) -> Result<Contents, String> {
    let cannot = |e: std::io::Error| format!("cannot read {}: {e}", dir.display());
    let mut contents = Contents {
        is_set: holds_set(dir),
        ..Contents::default()
    };
    let known: Vec<String> = match std::fs::read_to_string(dir.join(MANIFEST_JSON))
        .ok()
        .and_then(|t| serde_json::from_str::<Manifest>(&t).ok())
    {
        Some(m) => m
            .files
            .iter()
            .filter_map(|e| e.path.split('/').next().map(str::to_string))
            .chain([MANIFEST_JSON.to_string()])
            .collect(),
        None => LEGACY_FILES.iter().map(|s| s.to_string()).collect(),
    };
    for entry in std::fs::read_dir(dir).map_err(cannot)? {
        let entry = entry.map_err(cannot)?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        if is_staging_name(&name) {
            continue;
        }
        let is_dir = path.is_dir();
        let gclab_file = contents.is_set
            && !is_dir
            && (known.contains(&name) || name.ends_with(".tmp") || name.contains(".tmp."));
        let gclab_charts = contents.is_set
            && is_dir
            && name == "charts"
            && std::fs::read_dir(&path).map_err(cannot)?.all(|e| {
                e.is_ok_and(|e| {
                    e.path().is_file() && is_chart_file(&e.file_name().to_string_lossy())
                })
            });
        if gclab_file || gclab_charts {
            continue;
        }
        if is_dir && holds_set(&path) {
            contents.nested_sets.push(name);
        } else if !is_dir && COMPANION_FILES.contains(&name.as_str()) {
            contents.companions.push(name);
        } else {
            contents.foreign.push(name);
        }
    }
    contents.foreign.sort();
    Ok(contents)
}

fn pid_alive(pid: i32) -> bool {
    use nix::sys::signal::kill;
    use nix::unistd::Pid;
    pid > 0
        && !matches!(
            kill(Pid::from_raw(pid), None),
            Err(nix::errno::Errno::ESRCH)
        )
}

/// Removes staging folders of `name` in `parent` left by writers that no longer run.
fn remove_stale_staging(parent: &Path, name: &str) {
    let prefix = format!(".{name}{STAGING_MARK}");
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let entry_name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = entry_name.strip_prefix(&prefix) else {
            continue;
        };
        let pid: i32 = pid.parse().unwrap_or(0);
        if pid != std::process::id() as i32 && !pid_alive(pid) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Refuses targets whose replacement would delete more than a result folder.
fn check_replaceable(target: &Path) -> Result<(), String> {
    if target.join(".git").exists() {
        return Err(format!(
            "{} holds a git repository: refusing to replace it",
            target.display()
        ));
    }
    if let Ok(cwd) = std::env::current_dir().and_then(std::fs::canonicalize) {
        if let Ok(real) = std::fs::canonicalize(target) {
            if cwd.starts_with(&real) {
                return Err(format!(
                    "{} is the current directory or holds it: refusing to replace it",
                    target.display()
                ));
            }
        }
    }
    if let Some(home) = std::env::var_os("HOME") {
        if Path::new(&home) == target {
            return Err(format!("{} is the home directory", target.display()));
        }
    }
    Ok(())
}

/// A result set being written; dropped before [`SetTransaction::commit`], it deletes its
/// staging folder and the target is untouched.
#[derive(Debug)]
pub struct SetTransaction {
    target: PathBuf,
    staging: PathBuf,
    entries: Vec<ManifestEntry>,
    finished: bool,
}

impl SetTransaction {
    /// Checks `target` and creates the staging folder beside it, which proves the place
    /// writable before any work starts. A target holding files gclab did not write is
    /// refused unless `force`. The error is one line.
    pub fn begin(target: &Path, force: bool) -> Result<SetTransaction, String> {
        let target =
            std::path::absolute(target).map_err(|e| format!("--out {}: {e}", target.display()))?;
        let (Some(parent), Some(name)) = (target.parent(), target.file_name()) else {
            return Err(format!(
                "{}: not a folder gclab can replace",
                target.display()
            ));
        };
        let name = name.to_string_lossy().into_owned();
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("cannot write to --out {}: {e}", target.display()))?;
        if target.exists() {
            if !target.is_dir() {
                return Err(format!("{} is a file, not a folder", target.display()));
            }
            let contents = classify(&target)?;
            if !contents.foreign.is_empty() {
                check_replaceable(&target)?;
                if !force {
                    let what = if contents.is_set {
                        "a gclab result set and files gclab did not write"
                    } else {
                        "files gclab did not write"
                    };
                    let mut listed = contents.foreign[..contents.foreign.len().min(3)].join(", ");
                    if contents.foreign.len() > 3 {
                        listed.push_str(&format!(" and {} more", contents.foreign.len() - 3));
                    }
                    return Err(format!(
                        "{} holds {what} ({listed}): pass --force to replace the whole folder, \
                         or choose another",
                        target.display(),
                    ));
                }
            }
        }
        remove_stale_staging(parent, &name);
        let staging = parent.join(format!(".{name}{STAGING_MARK}{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&staging);
        std::fs::create_dir(&staging)
            .map_err(|e| format!("cannot write to --out {}: {e}", target.display()))?;
        Ok(SetTransaction {
            target,
            staging,
            entries: Vec::new(),
            finished: false,
        })
    }

    /// The folder the new set is written into.
    pub fn staging_dir(&self) -> &Path {
        &self.staging
    }

    /// The folder the set will replace.
    pub fn target(&self) -> &Path {
        &self.target
    }

    fn record(&mut self, rel: &str, role: FileRole, bytes: u64, fnv1a64: String) {
        self.entries.retain(|e| e.path != rel);
        self.entries.push(ManifestEntry {
            path: rel.to_string(),
            bytes,
            fnv1a64,
            role,
        });
        abort_at(&format!("write:{rel}"));
    }

    fn create_parent(&self, rel: &str) -> Result<PathBuf, String> {
        let path = self.staging.join(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        Ok(path)
    }

    /// Writes file `rel` (a `/`-separated path) of the new set and syncs it.
    pub fn write(&mut self, rel: &str, role: FileRole, bytes: &[u8]) -> Result<(), String> {
        use std::io::Write;
        let path = self.create_parent(rel)?;
        std::fs::File::create(&path)
            .and_then(|mut f| f.write_all(bytes).and_then(|_| f.sync_all()))
            .map_err(|e| format!("{}: {e}", path.display()))?;
        self.record(rel, role, bytes.len() as u64, fnv1a64_hex(bytes));
        Ok(())
    }

    /// Lists a raw file that is absent (a fresh clone's `pauses.csv`) as the old manifest
    /// listed it.
    pub fn record_absent(&mut self, entry: ManifestEntry) {
        self.entries.retain(|e| e.path != entry.path);
        self.entries.push(entry);
    }

    /// Takes an existing file into the new set as `rel` (a hard link, or a copy where links
    /// are not possible).
    pub fn adopt(&mut self, rel: &str, role: FileRole, from: &Path) -> Result<(), String> {
        let path = self.create_parent(rel)?;
        if std::fs::hard_link(from, &path).is_err() {
            std::fs::copy(from, &path).map_err(|e| format!("{}: {e}", from.display()))?;
        }
        let (bytes, sum) = file_checksum(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        self.record(rel, role, bytes, sum);
        Ok(())
    }

    /// Writes the manifest, syncs the new set and puts it in the target's place. The old set
    /// is deleted; nested sets of the old folder are carried over first.
    pub fn commit(mut self, head: ManifestHead) -> Result<(), String> {
        if self.target.is_dir() {
            let old = classify(&self.target)?;
            for nested in old.nested_sets {
                let into = self.staging.join(&nested);
                if !into.exists() {
                    link_tree(&self.target.join(&nested), &into)?;
                }
            }
            for companion in old.companions {
                let (from, into) = (self.target.join(&companion), self.staging.join(&companion));
                if !into.exists() && std::fs::hard_link(&from, &into).is_err() {
                    std::fs::copy(&from, &into).map_err(|e| format!("{}: {e}", from.display()))?;
                }
            }
        }
        let manifest = Manifest {
            format: MANIFEST_FORMAT,
            gclab_version: env!("CARGO_PKG_VERSION").to_string(),
            revision: head.revision,
            dirty: head.dirty,
            plan_fingerprint: head.plan_fingerprint,
            plan: head.plan,
            shard: head.shard,
            merged_from: head.merged_from,
            files: self.entries.clone(),
        };
        let text = serde_json::to_string_pretty(&manifest).map_err(|e| e.to_string())?;
        let path = self.staging.join(MANIFEST_JSON);
        {
            use std::io::Write;
            std::fs::File::create(&path)
                .and_then(|mut f| f.write_all(text.as_bytes()).and_then(|_| f.sync_all()))
                .map_err(|e| format!("{}: {e}", path.display()))?;
        }
        abort_at(&format!("write:{MANIFEST_JSON}"));
        sync_dirs(&self.staging).map_err(|e| format!("{}: {e}", self.staging.display()))?;
        abort_at("sync");
        abort_at("rename");
        swap_into_place(&self.staging, &self.target)?;
        self.finished = true;
        if let Some(parent) = self.target.parent() {
            let _ = sync_dir(parent);
        }
        abort_at("renamed");
        // The staging name now holds the old set (or nothing, if there was none).
        let _ = std::fs::remove_dir_all(&self.staging);
        Ok(())
    }
}

impl Drop for SetTransaction {
    fn drop(&mut self) {
        if !self.finished {
            let _ = std::fs::remove_dir_all(&self.staging);
        }
    }
}

/// Puts `new` at `target`; the old `target` folder ends up at `new`'s name.
fn swap_into_place(new: &Path, target: &Path) -> Result<(), String> {
    let fail = |e: &dyn std::fmt::Display| {
        format!("cannot move the new set into {}: {e}", target.display())
    };
    if !target.exists() {
        return std::fs::rename(new, target).map_err(|e| fail(&e));
    }
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        use nix::fcntl::{renameat2, RenameFlags};
        match renameat2(None, new, None, target, RenameFlags::RENAME_EXCHANGE) {
            Ok(()) => return Ok(()),
            // A file system without the exchange: fall back to two renames below.
            Err(nix::errno::Errno::EINVAL) | Err(nix::errno::Errno::ENOSYS) => {}
            Err(e) => return Err(fail(&e)),
        }
    }
    // Without an atomic exchange there is an instant with no target; the old set then sits
    // complete at the staging name.
    let aside = new.with_extension("old");
    std::fs::rename(target, &aside).map_err(|e| fail(&e))?;
    std::fs::rename(new, target).map_err(|e| fail(&e))?;
    std::fs::rename(&aside, new).map_err(|e| fail(&e))
}

/// Hard-links every file under `from` into `to`, making the folders.
fn link_tree(from: &Path, to: &Path) -> Result<(), String> {
    let fail = |p: &Path, e: std::io::Error| format!("{}: {e}", p.display());
    std::fs::create_dir_all(to).map_err(|e| fail(to, e))?;
    for entry in std::fs::read_dir(from).map_err(|e| fail(from, e))? {
        let entry = entry.map_err(|e| fail(from, e))?;
        let name = entry.file_name();
        if is_staging_name(&name.to_string_lossy()) {
            continue;
        }
        let (src, dst) = (entry.path(), to.join(&name));
        if src.is_dir() {
            link_tree(&src, &dst)?;
        } else if std::fs::hard_link(&src, &dst).is_err() {
            std::fs::copy(&src, &dst).map_err(|e| fail(&src, e))?;
        }
    }
    Ok(())
}

fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

/// Syncs `dir` and every folder under it (the files were synced as they were written).
fn sync_dirs(dir: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            sync_dirs(&path)?;
        }
    }
    sync_dir(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("gclab-tx-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn head() -> ManifestHead {
        ManifestHead {
            revision: None,
            dirty: None,
            plan_fingerprint: "0".into(),
            plan: serde_json::Value::Null,
            ..Default::default()
        }
    }

    #[test]
    fn replaces_a_set_whole_and_keeps_nested_sets() {
        let root = scratch("replace");
        let target = root.join("out");
        let mut tx = SetTransaction::begin(&target, false).unwrap();
        tx.write("runs.csv", FileRole::Summary, b"old").unwrap();
        tx.write("charts/stale.png", FileRole::Summary, b"x")
            .unwrap();
        tx.commit(head()).unwrap();
        std::fs::create_dir_all(target.join("peers")).unwrap();
        std::fs::write(
            target.join("peers/manifest.json"),
            serde_json::to_string(&Manifest {
                format: MANIFEST_FORMAT,
                gclab_version: "0".into(),
                revision: None,
                dirty: None,
                plan_fingerprint: "0".into(),
                plan: serde_json::Value::Null,
                shard: None,
                merged_from: None,
                files: vec![],
            })
            .unwrap(),
        )
        .unwrap();
        std::fs::write(target.join("LOG.md"), b"the measurement log").unwrap();

        let mut tx = SetTransaction::begin(&target, false).unwrap();
        tx.write("runs.csv", FileRole::Summary, b"new").unwrap();
        tx.commit(head()).unwrap();
        assert_eq!(std::fs::read(target.join("runs.csv")).unwrap(), b"new");
        assert!(!target.join("charts/stale.png").exists(), "no stale chart");
        assert!(
            target.join("peers/manifest.json").exists(),
            "nested set kept"
        );
        assert_eq!(
            std::fs::read(target.join("LOG.md")).unwrap(),
            b"the measurement log",
            "the companion log kept, not refused as foreign"
        );
        assert!(crate::results::manifest::verify(&target).is_ok());
        let leftovers: Vec<_> = std::fs::read_dir(&root)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(leftovers, vec![std::ffi::OsString::from("out")]);
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn a_folder_of_other_files_needs_force_and_a_dropped_transaction_leaves_nothing() {
        let root = scratch("foreign");
        let target = root.join("out");
        std::fs::create_dir_all(&target).unwrap();
        std::fs::write(target.join("README.md"), b"mine").unwrap();
        let err = SetTransaction::begin(&target, false).unwrap_err();
        assert!(
            err.contains("--force") && err.contains("README.md"),
            "{err}"
        );
        let tx = SetTransaction::begin(&target, true).unwrap();
        let staging = tx.staging_dir().to_path_buf();
        assert!(staging.exists());
        drop(tx);
        assert!(!staging.exists());
        assert_eq!(std::fs::read(target.join("README.md")).unwrap(), b"mine");
        std::fs::remove_dir_all(&root).unwrap();
    }
}
