//! `hartlab merge`: the run directories of `--shard I/N` runs combined into the files a
//! single-machine run writes. The points are the shards' records in sweep order, and the
//! summary, figures and report come from the same code as a run's, so a complete merge is
//! byte-identical to one run whatever order the shards are given in or ran with.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::store::{self, PointRecord, RunMeta, ShardMeta};
use crate::sweep::Shard;

/// Points of a sweep named in messages before the list is cut short.
const SHOWN: usize = 8;

/// One shard's directory, read.
struct ShardDir {
    dir: PathBuf,
    meta: RunMeta,
    shard: ShardMeta,
    records: Vec<PointRecord>,
}

impl ShardDir {
    fn read(dir: &Path) -> Result<Self> {
        let meta = RunMeta::read(dir)?;
        let shard = ShardMeta::read(dir)?.ok_or_else(|| {
            anyhow::anyhow!(
                "{} is not a shard's directory (it has no {}; shards are run with --shard I/N)",
                dir.display(),
                store::SHARD
            )
        })?;
        let records = store::read_points(dir)?;
        Ok(Self {
            dir: dir.to_path_buf(),
            meta,
            shard,
            records,
        })
    }
}

/// The points a merge lacks: a shard not given, or a shard that did not finish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    /// The shard they belong to.
    pub shard: Shard,
    /// Whether the shard's directory was given at all.
    pub given: bool,
    /// Their sweep indices.
    pub points: Vec<usize>,
}

impl Missing {
    /// `shard 2/3 (not given): 4 points, sweep indices 1, 4, 7, 10`.
    pub fn describe(&self) -> String {
        let mut list: Vec<String> = self
            .points
            .iter()
            .take(SHOWN)
            .map(|i| i.to_string())
            .collect();
        if self.points.len() > SHOWN {
            list.push("...".into());
        }
        format!(
            "shard {} ({}): {} point{}, sweep ind{} {}",
            self.shard,
            if self.given {
                "unfinished"
            } else {
                "not given"
            },
            self.points.len(),
            if self.points.len() == 1 { "" } else { "s" },
            if self.points.len() == 1 { "ex" } else { "ices" },
            list.join(", ")
        )
    }
}

/// What a merge wrote.
#[derive(Debug, Clone)]
pub struct Merged {
    /// The output directory.
    pub dir: PathBuf,
    /// Shards merged.
    pub shards: usize,
    /// Points selected over the whole sweep.
    pub expected: usize,
    /// The merged records, in sweep order.
    pub records: Vec<PointRecord>,
    /// What is missing (only with `partial`).
    pub missing: Vec<Missing>,
}

/// `N of M points missing: ...` for `missing`.
pub fn missing_text(missing: &[Missing], expected: usize) -> String {
    let n: usize = missing.iter().map(|m| m.points.len()).sum();
    format!(
        "{n} of {expected} points missing: {}",
        missing
            .iter()
            .map(Missing::describe)
            .collect::<Vec<_>>()
            .join("; ")
    )
}

/// Refuse to merge `a` and `b` unless they are shards of one run cut the same way.
fn check_same_run(a: &ShardDir, b: &ShardDir) -> Result<()> {
    let differ = |what: &str, x: &str, y: &str| {
        anyhow::anyhow!(
            "cannot merge {} and {}: {what} ({x} and {y})",
            a.dir.display(),
            b.dir.display()
        )
    };
    if a.meta.name != b.meta.name {
        return Err(differ(
            "shards of different experiments",
            &a.meta.name,
            &b.meta.name,
        ));
    }
    if a.meta.profile != b.meta.profile {
        return Err(differ(
            "shards of different profiles",
            a.meta.profile.name(),
            b.meta.profile.name(),
        ));
    }
    if a.meta.run_id != b.meta.run_id || a.shard.run_id != b.shard.run_id {
        return Err(differ(
            "shards of different runs",
            &a.meta.run_id,
            &b.meta.run_id,
        ));
    }
    if a.shard.shard.count != b.shard.shard.count {
        return Err(differ(
            "different shard counts",
            &a.shard.shard.count.to_string(),
            &b.shard.shard.count.to_string(),
        ));
    }
    anyhow::ensure!(
        a.shard.shard != b.shard.shard,
        "cannot merge {} and {}: both are shard {}",
        a.dir.display(),
        b.dir.display(),
        a.shard.shard
    );
    Ok(())
}

/// Merge the shard directories `dirs` into `out`. Refused (nothing written): directories
/// that are not shards, shards of different runs or shard counts, a shard given twice, a
/// point in the wrong shard or in two, and, unless `partial`, missing points.
pub fn merge(dirs: &[PathBuf], out: &Path, partial: bool) -> Result<Merged> {
    anyhow::ensure!(!dirs.is_empty(), "no shard directories to merge");
    let mut shards = dirs
        .iter()
        .map(|d| ShardDir::read(d))
        .collect::<Result<Vec<_>>>()?;
    // Shard order, so nothing below depends on the order the directories were given in.
    shards.sort_by(|a, b| (a.shard.shard.index, &a.dir).cmp(&(b.shard.shard.index, &b.dir)));
    for pair in shards.windows(2) {
        check_same_run(&shards[0], &pair[1])?;
        check_same_run(&pair[0], &pair[1])?;
    }
    let first = &shards[0];
    let count = first.shard.shard.count;
    let mut owner: BTreeMap<&str, &ShardDir> = BTreeMap::new();
    let mut records = Vec::new();
    for s in &shards {
        for r in &s.records {
            let belongs = Shard {
                index: r.index % count + 1,
                count,
            };
            if r.index >= s.meta.points || belongs != s.shard.shard {
                anyhow::bail!(
                    "cannot merge {}: it holds point {} seed {} (sweep index {}), which belongs to shard {belongs}, not {}",
                    s.dir.display(),
                    r.group,
                    r.seed,
                    r.index,
                    s.shard.shard
                );
            }
            if let Some(other) = owner.insert(&r.id, s) {
                anyhow::bail!(
                    "cannot merge {} and {}: both hold point {} seed {} (id {})",
                    other.dir.display(),
                    s.dir.display(),
                    r.group,
                    r.seed,
                    r.id
                );
            }
            records.push(r.clone());
        }
    }
    let expected: BTreeSet<usize> = shards
        .iter()
        .flat_map(|s| s.shard.selected.iter().copied())
        .collect();
    let have: BTreeSet<usize> = records.iter().map(|r| r.index).collect();
    let given: BTreeSet<usize> = shards.iter().map(|s| s.shard.shard.index).collect();
    let missing: Vec<Missing> = (1..=count)
        .map(|index| {
            let shard = Shard { index, count };
            Missing {
                shard,
                given: given.contains(&index),
                points: expected
                    .iter()
                    .copied()
                    .filter(|&i| shard.contains(i) && !have.contains(&i))
                    .collect(),
            }
        })
        .filter(|m| !m.points.is_empty())
        .collect();
    if !missing.is_empty() && !partial {
        let dirs: Vec<String> = shards.iter().map(|s| s.dir.display().to_string()).collect();
        anyhow::bail!(
            "cannot merge {}: {}; merge with --partial to write the points there are",
            dirs.join(", "),
            missing_text(&missing, expected.len())
        );
    }
    if shards.iter().any(|s| same_dir(&s.dir, out)) {
        anyhow::bail!("--out {}: that is one of the shards", out.display());
    }
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    if out.join(store::SHARD).exists() {
        anyhow::bail!(
            "--out {}: it holds a shard ({}); merge into another directory",
            out.display(),
            store::SHARD
        );
    }
    for name in [store::EXPERIMENT, store::RESOLVED] {
        let from = first.dir.join(name);
        let bytes =
            std::fs::read(&from).with_context(|| format!("cannot read {}", from.display()))?;
        store::write_atomic(&out.join(name), &bytes)?;
    }
    first.meta.write(out)?;
    let records = store::rewrite_points(out, &records)?;
    let note = (!missing.is_empty()).then(|| missing_text(&missing, expected.len()));
    crate::report::finish_with(out, &first.meta, &records, &[], note.as_deref())?;
    Ok(Merged {
        dir: out.to_path_buf(),
        shards: shards.len(),
        expected: expected.len(),
        records,
        missing,
    })
}

/// Whether `a` and `b` name the same existing directory.
fn same_dir(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}
