//! `[experiment]`: the run's limits, seeds and checkpoint point.

use serde::Deserialize;

use super::*;
use crate::locate::{parse_key, SchemaError};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ExperimentSection {
    pub(super) name: String,
    #[serde(default)]
    pub(super) description: String,
    #[serde(default)]
    pub(super) seeds: Option<toml::Value>,
    pub(super) max_insns: Option<u64>,
    pub(super) max_sim_time: Option<String>,
    pub(super) checkpoint_after: Option<String>,
}

/// `[experiment] checkpoint_after`: where each distinct machine is checkpointed, for its
/// points to start from (`insns:N`, `time:T` or `event:ID`, as `--checkpoint-at`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckpointPoint {
    /// Once this many instructions have retired (all harts together).
    Insns(u64),
    /// Once simulated time has reached this many picoseconds.
    TimePs(u64),
    /// Once the guest has stored this id to the simulator-control EVENT register.
    Event(u64),
}

impl CheckpointPoint {
    /// `insns:N`, `time:T` (a duration such as `2ms`) or `event:ID`.
    pub fn parse(text: &str) -> Option<Self> {
        let (kind, value) = text.trim().split_once(':')?;
        match kind {
            "insns" => value.parse().ok().map(Self::Insns),
            "time" => parse_duration_ps(value).map(Self::TimePs),
            "event" => value.parse().ok().map(Self::Event),
            _ => None,
        }
    }

    /// The canonical spelling (time in picoseconds).
    pub fn spec(&self) -> String {
        match self {
            Self::Insns(n) => format!("insns:{n}"),
            Self::TimePs(t) => format!("time:{t}ps"),
            Self::Event(id) => format!("event:{id}"),
        }
    }
}

/// Default instruction limit per point.
pub const DEFAULT_MAX_INSNS: u64 = 5_000_000_000;
/// Default simulated-time limit per point: 10 s.
pub const DEFAULT_MAX_SIM_TIME_PS: u64 = 10_000_000_000_000;

pub(super) fn parse_seeds(src: &Source, v: Option<&toml::Value>) -> Result<Vec<u64>, SchemaError> {
    let path = parse_key("experiment.seeds");
    let bad = || {
        src.error(
            &path,
            "must be a count (seeds 1..=N) or a list of distinct seeds",
        )
    };
    let seeds: Vec<u64> = match v {
        None => vec![1],
        Some(toml::Value::Integer(n)) if (1..=100_000).contains(n) => (1..=*n as u64).collect(),
        Some(toml::Value::Array(a)) if !a.is_empty() => a
            .iter()
            .map(|x| x.as_integer().filter(|&i| i >= 0).map(|i| i as u64))
            .collect::<Option<_>>()
            .ok_or_else(bad)?,
        Some(_) => return Err(bad()),
    };
    let mut sorted = seeds.clone();
    sorted.sort_unstable();
    sorted.dedup();
    if sorted.len() != seeds.len() {
        return Err(bad());
    }
    Ok(seeds)
}

/// `[experiment]`, checked.
pub(super) struct ExperimentTable {
    pub name: String,
    pub description: String,
    pub seeds: Vec<u64>,
    pub max_insns: u64,
    pub max_sim_time_ps: u64,
    pub checkpoint_after: Option<CheckpointPoint>,
}

impl ExperimentTable {
    /// Reads and checks `[experiment]` of `doc`.
    pub fn parse(src: &Source, doc: &toml::Table) -> Result<Self, SchemaError> {
        let exp: ExperimentSection = section(src, doc, "experiment")?.ok_or_else(|| {
            SchemaError::file(
                src.file,
                "missing [experiment] table (with at least `name`)",
            )
        })?;
        if let Some(problem) = name_problem(&exp.name, true, "the results directory results/NAME/")
        {
            return Err(src.error(&parse_key("experiment.name"), problem));
        }
        let seeds = parse_seeds(src, exp.seeds.as_ref())?;
        let max_insns = exp.max_insns.unwrap_or(DEFAULT_MAX_INSNS);
        if max_insns == 0 {
            return Err(src.error(&parse_key("experiment.max_insns"), "must be at least 1"));
        }
        let max_sim_time_ps = match &exp.max_sim_time {
            None => DEFAULT_MAX_SIM_TIME_PS,
            Some(t) => parse_duration_ps(t).filter(|&ps| ps > 0).ok_or_else(|| {
                src.error(
                    &parse_key("experiment.max_sim_time"),
                    format!("{t:?} is not a duration such as \"10ms\" (units ps, ns, us, ms, s)"),
                )
            })?,
        };
        let checkpoint_after = match &exp.checkpoint_after {
            None => None,
            Some(t) => Some(CheckpointPoint::parse(t).ok_or_else(|| {
                src.error(
                    &parse_key("experiment.checkpoint_after"),
                    format!(
                        "{t:?} is not a checkpoint point: insns:N, time:T (such as \"time:2ms\") or event:ID"
                    ),
                )
            })?),
        };
        Ok(Self {
            name: exp.name,
            description: exp.description,
            seeds,
            max_insns,
            max_sim_time_ps,
            checkpoint_after,
        })
    }
}
