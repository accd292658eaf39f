//! `hartlab experiment FILE --slurm`: an sbatch array job with one task per shard, each
//! running `hartlab experiment FILE --shard I/N` into `<run dir>/shards/I-of-N`, and a merge
//! job that runs after all of them succeeded and writes the run directory a single machine
//! would have. Slurm does the distribution; the scripts only name what to run.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};

use crate::schema::Profile;

/// Array tasks when `--array-size` is not given: one per point up to this many (the default
/// `MaxArraySize` of Slurm is 1001, and fewer, longer tasks waste less time queueing).
pub const DEFAULT_ARRAY_LIMIT: usize = 100;

/// The `#SBATCH` options given on the command line.
#[derive(Debug, Clone, Default)]
pub struct SlurmOptions {
    /// `--partition`.
    pub partition: Option<String>,
    /// `--time` (per array task, and for the merge job).
    pub time: Option<String>,
    /// Array tasks, i.e. shards.
    pub array_size: Option<usize>,
    /// `--cpus-per-task`: each task runs that many points at once.
    pub cpus_per_task: Option<usize>,
}

/// Everything the scripts name.
#[derive(Debug, Clone)]
pub struct SlurmJob {
    /// The hartlab binary (absolute).
    pub hartlab: PathBuf,
    /// The experiment file (absolute).
    pub experiment: PathBuf,
    /// The run directory the merge writes (absolute); shards go to `shards/` below it.
    pub dir: PathBuf,
    /// The experiment's name, for job names.
    pub name: String,
    /// Its run id.
    pub run_id: String,
    /// The profile to run.
    pub profile: Profile,
    /// `--only`, passed on to every task.
    pub only: Option<String>,
    /// Shards (array tasks).
    pub shards: usize,
    /// `#SBATCH` options.
    pub options: SlurmOptions,
}

/// The two scripts, written.
#[derive(Debug, Clone)]
pub struct Scripts {
    /// The array job.
    pub array: PathBuf,
    /// The merge job.
    pub merge: PathBuf,
}

/// `text` quoted for bash (single quotes; a single quote as `'\''`).
pub fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// Refuse an `#SBATCH` value that would not stay on its line or is empty.
fn check_value(option: &str, value: &str) -> Result<()> {
    let ok = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | ':' | ',' | '.' | '+'));
    anyhow::ensure!(
        ok,
        "{option} {value:?}: expected letters, digits and _-:,.+ only (a Slurm {} value)",
        option.trim_start_matches('-')
    );
    Ok(())
}

impl SlurmOptions {
    /// Check the values before anything is written; `points` is how many points the run has.
    pub fn check(&self) -> Result<()> {
        if let Some(p) = &self.partition {
            check_value("--partition", p)?;
        }
        if let Some(t) = &self.time {
            check_value("--time", t)?;
        }
        anyhow::ensure!(
            self.array_size != Some(0),
            "--array-size 0: give at least 1 (or leave it out for one task per point, at most {DEFAULT_ARRAY_LIMIT})"
        );
        anyhow::ensure!(
            self.cpus_per_task != Some(0),
            "--cpus-per-task 0: give at least 1"
        );
        Ok(())
    }

    /// Shards for a run of `points` points.
    pub fn shards(&self, points: usize) -> usize {
        self.array_size
            .unwrap_or_else(|| points.clamp(1, DEFAULT_ARRAY_LIMIT))
    }
}

impl SlurmJob {
    /// `#SBATCH` lines shared by both jobs.
    fn common(&self, out: &str) -> String {
        let mut s = format!(
            "#SBATCH --output={}\n",
            self.dir.join("slurm").join(out).display()
        );
        if let Some(p) = &self.options.partition {
            s.push_str(&format!("#SBATCH --partition={p}\n"));
        }
        if let Some(t) = &self.options.time {
            s.push_str(&format!("#SBATCH --time={t}\n"));
        }
        s
    }

    /// The shards' directory.
    fn shards_dir(&self) -> PathBuf {
        self.dir.join("shards")
    }

    /// The command that submits both jobs, for the user to run.
    pub fn submit_command(&self, scripts: &Scripts) -> String {
        format!(
            "jobid=$(sbatch --parsable {}) && sbatch --dependency=afterok:\"${{jobid%%;*}}\" {}",
            shell_quote(&scripts.array.display().to_string()),
            shell_quote(&scripts.merge.display().to_string())
        )
    }

    /// The array job: task `SLURM_ARRAY_TASK_ID` (0-based) runs shard `ID + 1` of N.
    pub fn array_script(&self) -> String {
        let n = self.shards;
        let mut options = String::new();
        match &self.profile {
            Profile::Full => {}
            Profile::Quick => options.push_str(" --quick"),
            Profile::Named(n) => options.push_str(&format!(" --profile {}", shell_quote(n))),
        }
        if let Some(only) = &self.only {
            options.push_str(&format!(" --only {}", shell_quote(only)));
        }
        let cpus = match self.options.cpus_per_task {
            Some(c) => format!("#SBATCH --cpus-per-task={c}\n"),
            None => String::new(),
        };
        format!(
            "#!/bin/bash\n\
             # hartlab experiment {name}, run {run_id}: {n} array tasks, one per shard (shard = task + 1).\n\
             # The merge job (merge.sbatch, next to this file) runs after all of them succeeded.\n\
             # Without Slurm: SLURM_ARRAY_TASK_ID=0 bash THIS-FILE runs shard 1/{n}.\n\
             #SBATCH --job-name=hartlab-{name}\n\
             #SBATCH --array=0-{last}\n\
             {common}{cpus}\
             set -euo pipefail\n\
             hartlab={hartlab}\n\
             experiment={experiment}\n\
             shards={shards}\n\
             task=\"${{SLURM_ARRAY_TASK_ID:?not set: submit with sbatch, or set it to 0..{last}}}\"\n\
             shard=$((task + 1))\n\
             status=0\n\
             # --resume: a requeued task keeps the points it had finished.\n\
             \"$hartlab\" experiment \"$experiment\" --shard \"$shard/{n}\" --out \"$shards/$shard-of-{n}\" \
             --resume --jobs \"${{SLURM_CPUS_PER_TASK:-1}}\"{options} || status=$?\n\
             # Status 1: some points failed. They are recorded, and the merge reports them.\n\
             if [ \"$status\" -eq 1 ]; then\n\
             \x20   exit 0\n\
             fi\n\
             exit \"$status\"\n",
            name = self.name,
            run_id = self.run_id,
            last = n - 1,
            common = self.common("task-%a.out"),
            hartlab = shell_quote(&self.hartlab.display().to_string()),
            experiment = shell_quote(&self.experiment.display().to_string()),
            shards = shell_quote(&self.shards_dir().display().to_string()),
        )
    }

    /// The merge job: every shard's directory into the run directory.
    pub fn merge_script(&self) -> String {
        let n = self.shards;
        format!(
            "#!/bin/bash\n\
             # hartlab merge of the {n} shards of {name}, run {run_id}, into the run directory.\n\
             # Submitted with --dependency=afterok:<array job id> (after every shard succeeded).\n\
             #SBATCH --job-name=hartlab-{name}-merge\n\
             {common}\
             set -euo pipefail\n\
             hartlab={hartlab}\n\
             shards={shards}\n\
             dirs=()\n\
             for shard in $(seq 1 {n}); do\n\
             \x20   dirs+=(\"$shards/$shard-of-{n}\")\n\
             done\n\
             exec \"$hartlab\" merge --out {dir} \"${{dirs[@]}}\"\n",
            name = self.name,
            run_id = self.run_id,
            common = self.common("merge.out"),
            hartlab = shell_quote(&self.hartlab.display().to_string()),
            shards = shell_quote(&self.shards_dir().display().to_string()),
            dir = shell_quote(&self.dir.display().to_string()),
        )
    }

    /// Write both scripts into `<run dir>/slurm/`.
    pub fn write(&self) -> Result<Scripts> {
        let dir = self.dir.join("slurm");
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        let scripts = Scripts {
            array: dir.join("array.sbatch"),
            merge: dir.join("merge.sbatch"),
        };
        crate::store::write_atomic(&scripts.array, self.array_script().as_bytes())?;
        crate::store::write_atomic(&scripts.merge, self.merge_script().as_bytes())?;
        Ok(scripts)
    }
}

/// The path of `program` on `PATH`, if it is there.
pub fn on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

/// Run `sbatch --parsable ARGS SCRIPT` and return the job id it printed (`ID` or
/// `ID;CLUSTER`).
fn sbatch(sbatch: &Path, args: &[String], script: &Path) -> Result<String> {
    let out = Command::new(sbatch)
        .arg("--parsable")
        .args(args)
        .arg(script)
        .output()
        .with_context(|| format!("cannot run {}", sbatch.display()))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        anyhow::bail!(
            "sbatch {} failed ({}): {}",
            script.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let id = stdout
        .trim()
        .split(';')
        .next()
        .unwrap_or_default()
        .to_string();
    anyhow::ensure!(
        !id.is_empty() && id.chars().all(|c| c.is_ascii_digit() || c == '_'),
        "sbatch {} printed {:?}, not a job id",
        script.display(),
        stdout.trim()
    );
    Ok(id)
}

/// Submit the array job, then the merge job depending on it; the two job ids.
pub fn submit(sbatch_path: &Path, scripts: &Scripts) -> Result<(String, String)> {
    let array = sbatch(sbatch_path, &[], &scripts.array)?;
    let merge = sbatch(
        sbatch_path,
        &[format!("--dependency=afterok:{array}")],
        &scripts.merge,
    )?;
    Ok((array, merge))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn array_tasks_run_the_profile_of_the_job() {
        let job = |profile: Profile| SlurmJob {
            hartlab: PathBuf::from("/bin/hartlab"),
            experiment: PathBuf::from("/x/e.toml"),
            dir: PathBuf::from("/r/e/paper-0"),
            name: "e".into(),
            run_id: "paper-0".into(),
            profile,
            only: None,
            shards: 2,
            options: SlurmOptions::default(),
        };
        let line = |p: Profile| {
            job(p)
                .array_script()
                .lines()
                .find(|l| l.contains("--shard"))
                .unwrap()
                .to_string()
        };
        assert!(line(Profile::Named("paper".into())).ends_with(" --profile 'paper' || status=$?"));
        assert!(line(Profile::Quick).ends_with(" --quick || status=$?"));
        assert!(
            !line(Profile::Full).contains("--quick") && !line(Profile::Full).contains("--profile")
        );
    }
}
