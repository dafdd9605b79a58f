//! `gclab slurm`: a plan as a Slurm job array (one task per shard, each `gclab run --shard
//! $SLURM_ARRAY_TASK_ID/N` into its own folder) and a merge job that starts when every task
//! succeeded (`afterok`). The scripts are written beside the merged set's folder, in
//! `<out>.shards/` with the shards themselves, and submitted with `--submit`.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A shard task's exit status when its set is written but some runs failed.
const RUNS_FAILED: i32 = crate::cli::EXIT_RUNS_FAILED;

/// Everything the scripts say.
#[derive(Clone, Debug, PartialEq)]
pub struct SlurmJob {
    /// The gclab binary the tasks run (this one).
    pub gclab: PathBuf,
    /// The folder the tasks run in (the current one, so relative paths and the git
    /// revision are the submitter's).
    pub workdir: PathBuf,
    /// The options of `gclab run` that define the plan (everything but `--out` and
    /// `--shard`).
    pub run_args: Vec<String>,
    /// N: shards, one array task each.
    pub shards: u32,
    /// The merged set's folder, absolute.
    pub out: PathBuf,
    /// Whether the merge may replace an `--out` holding other files.
    pub force: bool,
    /// Where the shards, scripts and logs go, absolute.
    pub shards_dir: PathBuf,
    /// `--cpus-per-task`.
    pub cpus_per_task: u32,
    /// `--mem`, in Slurm's syntax.
    pub mem: String,
    /// `--time`, in Slurm's syntax.
    pub time: String,
    /// `--partition`, if any.
    pub partition: Option<String>,
}

/// File names of the generated scripts inside the shards folder.
pub const ARRAY_SCRIPT: &str = "array.sbatch";
/// The merge job's script.
pub const MERGE_SCRIPT: &str = "merge.sbatch";
/// A script submitting both, for users who do not pass `--submit`.
pub const SUBMIT_SCRIPT: &str = "submit.sh";

/// `text` quoted for a POSIX shell.
pub fn sh_quote(text: &str) -> String {
    if !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=,:+%@".contains(c))
    {
        return text.to_string();
    }
    format!("'{}'", text.replace('\'', r"'\''"))
}

fn quote_path(path: &Path) -> String {
    sh_quote(&path.to_string_lossy())
}

/// The shards folder of a merged set at `out`: `NAME.shards` beside it.
pub fn shards_dir_for(out: &Path) -> PathBuf {
    let name = out
        .file_name()
        .map_or_else(|| "results".into(), |n| n.to_string_lossy().into_owned());
    out.with_file_name(format!("{name}.shards"))
}

/// The folder of shard `k`.
pub fn shard_dir(shards_dir: &Path, k: u32) -> PathBuf {
    shards_dir.join(format!("shard-{k}"))
}

/// A time limit covering the worst case of a task: every run of its share hitting the
/// per-run timeout, plus the minimum-heap searches (about ten probes each), plus five
/// minutes to start and write. Formatted as Slurm's `D-HH:MM:SS`.
pub fn default_time(share_cells: usize, searches: usize, timeout_secs: f64) -> String {
    let runs = share_cells as f64 + 10.0 * searches as f64;
    let minutes = (runs * timeout_secs / 60.0).ceil() as u64 + 5;
    format!(
        "{}-{:02}:{:02}:00",
        minutes / (24 * 60),
        minutes / 60 % 24,
        minutes % 60
    )
}

/// Memory per task: the heap budget of one run plus 512 MiB for the process around it
/// (runs are sequential within a task, so one budget suffices).
pub fn default_mem(memory_budget_bytes: u64) -> String {
    format!("{}M", (memory_budget_bytes >> 20) + 512)
}

/// Checks `--mem`: a whole number with an optional K, M, G or T suffix.
pub fn mem_arg(text: &str) -> Result<String, String> {
    let digits = text.trim_end_matches(['K', 'M', 'G', 'T']);
    if !digits.is_empty() && digits.len() + 1 >= text.len() && digits.parse::<u64>().is_ok() {
        Ok(text.to_string())
    } else {
        Err("expected a size in Slurm's syntax, e.g. 4096M or 8G".to_string())
    }
}

/// Checks `--time`: Slurm's `MM`, `HH:MM:SS` or `D-HH:MM:SS` forms (digits, `:` and `-`).
pub fn time_arg(text: &str) -> Result<String, String> {
    if text.starts_with(|c: char| c.is_ascii_digit())
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || c == ':' || c == '-')
    {
        Ok(text.to_string())
    } else {
        Err("expected a time in Slurm's syntax, e.g. 90, 01:30:00 or 1-00:00:00".to_string())
    }
}

impl SlurmJob {
    fn header(&self, name: &str, log: &str) -> String {
        let mut text = format!(
            "#!/bin/bash\n#SBATCH --job-name={name}\n#SBATCH --cpus-per-task={}\n\
             #SBATCH --mem={}\n#SBATCH --time={}\n#SBATCH --output={}\n",
            self.cpus_per_task,
            self.mem,
            self.time,
            self.shards_dir.join("logs").join(log).display()
        );
        if let Some(partition) = &self.partition {
            text.push_str(&format!("#SBATCH --partition={partition}\n"));
        }
        text
    }

    /// The array job: task K runs shard K/N into `shard-K`.
    pub fn array_script(&self) -> String {
        let mut text = self.header("gclab-shards", "shard-%a.out");
        text.push_str(&format!("#SBATCH --array=0-{}\n", self.shards - 1));
        text.push_str(&format!(
            "# Written by `gclab slurm`: shard $SLURM_ARRAY_TASK_ID of {} of one plan.\n\
             set -euo pipefail\ncd {}\nstatus=0\n{} run {} --shard \"$SLURM_ARRAY_TASK_ID/{}\" \
             --out {}\"$SLURM_ARRAY_TASK_ID\" || status=$?\n\
             # {RUNS_FAILED}: the shard is written but some runs failed; the merge reports them, and\n\
             # a failed task would keep the merge (afterok) from ever starting.\n\
             if [ \"$status\" -eq {RUNS_FAILED} ]; then exit 0; fi\nexit \"$status\"\n",
            self.shards,
            quote_path(&self.workdir),
            quote_path(&self.gclab),
            self.run_args
                .iter()
                .map(|a| sh_quote(a))
                .collect::<Vec<_>>()
                .join(" "),
            self.shards,
            sh_quote(&format!("{}/shard-", self.shards_dir.display())),
        ));
        text
    }

    /// The merge job: every shard folder into `out`.
    pub fn merge_script(&self) -> String {
        let mut text = self.header("gclab-merge", "merge.out");
        let shards: Vec<String> = (0..self.shards)
            .map(|k| quote_path(&shard_dir(&self.shards_dir, k)))
            .collect();
        text.push_str(&format!(
            "# Written by `gclab slurm`: runs after every shard task succeeded.\n\
             set -euo pipefail\ncd {}\nexec {} merge {} --out {}{}\n",
            quote_path(&self.workdir),
            quote_path(&self.gclab),
            shards.join(" "),
            quote_path(&self.out),
            if self.force { " --force" } else { "" },
        ));
        text
    }

    /// `sbatch` arguments submitting the merge job after array job `array_id`.
    pub fn merge_submit_args(&self, array_id: &str) -> Vec<String> {
        vec![
            "--parsable".to_string(),
            format!("--dependency=afterok:{array_id}"),
            self.shards_dir.join(MERGE_SCRIPT).display().to_string(),
        ]
    }

    /// A script submitting both jobs, as `--submit` does.
    pub fn submit_script(&self) -> String {
        format!(
            "#!/bin/bash\n# Written by `gclab slurm`: submits the shards and their merge.\n\
             set -euo pipefail\narray=$(sbatch --parsable {})\narray=${{array%%;*}}\n\
             merge=$(sbatch --parsable --dependency=afterok:\"$array\" {})\n\
             echo \"array job $array\"\necho \"merge job ${{merge%%;*}}\"\n",
            quote_path(&self.shards_dir.join(ARRAY_SCRIPT)),
            quote_path(&self.shards_dir.join(MERGE_SCRIPT)),
        )
    }

    /// Writes the three scripts (and the logs folder Slurm writes into) into the shards
    /// folder; returns their paths.
    pub fn write(&self) -> Result<Vec<PathBuf>, String> {
        let logs = self.shards_dir.join("logs");
        std::fs::create_dir_all(&logs).map_err(|e| format!("{}: {e}", logs.display()))?;
        let mut written = Vec::new();
        for (name, text) in [
            (ARRAY_SCRIPT, self.array_script()),
            (MERGE_SCRIPT, self.merge_script()),
            (SUBMIT_SCRIPT, self.submit_script()),
        ] {
            let path = self.shards_dir.join(name);
            crate::results::atomic_write(&path, text.as_bytes())
                .map_err(|e| format!("{}: {e}", path.display()))?;
            written.push(path);
        }
        Ok(written)
    }

    /// Submits the array, then the merge depending on it; returns both job ids.
    pub fn submit(&self) -> Result<(String, String), String> {
        let array = sbatch(&[
            "--parsable".to_string(),
            self.shards_dir.join(ARRAY_SCRIPT).display().to_string(),
        ])?;
        let merge = sbatch(&self.merge_submit_args(&array))?;
        Ok((array, merge))
    }
}

/// The job id in `sbatch --parsable`'s output (`ID` or `ID;CLUSTER`).
pub fn parse_job_id(stdout: &str) -> Result<String, String> {
    let id = stdout.trim().split(';').next().unwrap_or_default();
    if !id.is_empty() && id.chars().all(|c| c.is_ascii_digit()) {
        Ok(id.to_string())
    } else {
        Err(format!("sbatch printed no job id: {:?}", stdout.trim()))
    }
}

fn sbatch(args: &[String]) -> Result<String, String> {
    let output = Command::new("sbatch").args(args).output().map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            "sbatch not found: submit from a Slurm login node, or run the written submit.sh there"
                .to_string()
        } else {
            format!("cannot run sbatch: {e}")
        }
    })?;
    if !output.status.success() {
        let err = String::from_utf8_lossy(&output.stderr);
        return Err(format!(
            "sbatch failed: {}",
            err.lines().next().unwrap_or("no message").trim()
        ));
    }
    parse_job_id(&String::from_utf8_lossy(&output.stdout))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job() -> SlurmJob {
        SlurmJob {
            gclab: "/opt/gclab/bin/gclab".into(),
            workdir: "/home/me/my lab".into(),
            run_args: vec![
                "--quick".into(),
                "--collectors".into(),
                "refcount,cycle".into(),
            ],
            shards: 4,
            out: "/scratch/merged".into(),
            force: false,
            shards_dir: "/scratch/merged.shards".into(),
            cpus_per_task: 1,
            mem: "4608M".into(),
            time: "0-00:07:00".into(),
            partition: None,
        }
    }

    #[test]
    fn the_array_script_runs_one_shard_per_task() {
        let text = job().array_script();
        assert!(text.starts_with("#!/bin/bash\n"), "{text}");
        for line in [
            "#SBATCH --array=0-3\n",
            "#SBATCH --cpus-per-task=1\n",
            "#SBATCH --mem=4608M\n",
            "#SBATCH --time=0-00:07:00\n",
            "#SBATCH --output=/scratch/merged.shards/logs/shard-%a.out\n",
            "cd '/home/me/my lab'\n",
            "/opt/gclab/bin/gclab run --quick --collectors refcount,cycle --shard \
             \"$SLURM_ARRAY_TASK_ID/4\" --out /scratch/merged.shards/shard-\"$SLURM_ARRAY_TASK_ID\" \
             || status=$?\n",
            "if [ \"$status\" -eq 3 ]; then exit 0; fi\n",
        ] {
            assert!(text.contains(line), "{line:?} not in:\n{text}");
        }
        assert!(!text.contains("--partition"), "{text}");
        let one = SlurmJob {
            shards: 1,
            partition: Some("short".into()),
            ..job()
        }
        .array_script();
        assert!(one.contains("#SBATCH --array=0-0\n"), "{one}");
        assert!(one.contains("#SBATCH --partition=short\n"), "{one}");
    }

    #[test]
    fn the_merge_waits_for_the_array_and_names_every_shard() {
        let j = job();
        let text = j.merge_script();
        assert!(
            text.contains(
                "exec /opt/gclab/bin/gclab merge /scratch/merged.shards/shard-0 \
                 /scratch/merged.shards/shard-1 /scratch/merged.shards/shard-2 \
                 /scratch/merged.shards/shard-3 --out /scratch/merged\n"
            ),
            "{text}"
        );
        assert!(!text.contains("--array"), "{text}");
        assert_eq!(
            j.merge_submit_args("4711"),
            [
                "--parsable",
                "--dependency=afterok:4711",
                "/scratch/merged.shards/merge.sbatch"
            ]
        );
        let submit = j.submit_script();
        assert!(
            submit.contains("--dependency=afterok:\"$array\""),
            "{submit}"
        );
        assert!(SlurmJob { force: true, ..j }
            .merge_script()
            .contains("--out /scratch/merged --force\n"));
    }

    #[test]
    fn quoting_survives_the_shell() {
        assert_eq!(sh_quote("plain-1.5,2"), "plain-1.5,2");
        assert_eq!(sh_quote(""), "''");
        assert_eq!(sh_quote("a b"), "'a b'");
        assert_eq!(sh_quote("it's"), r"'it'\''s'");
        assert_eq!(sh_quote("$HOME"), "'$HOME'");
    }

    #[test]
    fn job_ids_defaults_and_resource_syntax() {
        assert_eq!(parse_job_id("123\n").unwrap(), "123");
        assert_eq!(parse_job_id("123;cluster\n").unwrap(), "123");
        assert!(parse_job_id("Submitted batch job 5").is_err());
        assert_eq!(default_time(2, 0, 20.0), "0-00:06:00");
        assert_eq!(default_time(100, 0, 60.0), "0-01:45:00");
        assert_eq!(default_time(2000, 0, 60.0), "1-09:25:00");
        assert_eq!(default_mem(4096 << 20), "4608M");
        assert!(mem_arg("8G").is_ok() && mem_arg("4096").is_ok());
        assert!(mem_arg("8GB").is_err() && mem_arg("G").is_err() && mem_arg("-1").is_err());
        assert!(time_arg("1-00:00:00").is_ok() && time_arg("90").is_ok());
        assert!(time_arg("1h").is_err() && time_arg("").is_err());
        assert_eq!(
            shards_dir_for(Path::new("/x/merged")),
            PathBuf::from("/x/merged.shards")
        );
    }
}
