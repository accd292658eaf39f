//! Expanding an experiment into points: parameter combinations (a cartesian grid or zipped
//! lists) times seeds, each with its complete machine, its boot arguments and a stable id
//! (a hash of its parameters and seed) that `--resume` matches on.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::locate::SchemaError;
use crate::schema::{arg_text, set_path, Experiment, SweepMode, WorkloadKind};
use crate::sim::Simulator;

/// One simulation of the sweep.
#[derive(Debug, Clone)]
pub struct Point {
    /// Position in the sweep (combination-major, seeds inner).
    pub index: usize,
    /// Stable id: hash of the parameters and seed.
    pub id: String,
    /// The parameters without the seed, as `key=value` words (`all` when nothing is swept):
    /// the group whose seeds are summarised together.
    pub group: String,
    /// The swept parameters' values, in sweep order.
    pub params: Vec<(String, toml::Value)>,
    /// The seed.
    pub seed: u64,
    /// The complete machine configuration, `machine.seed` set to the seed.
    pub machine: Arc<toml::Table>,
    /// The kernel command line.
    pub bootargs: String,
}

/// 64-bit FNV-1a: a small, stable, platform-independent hash for ids.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// A value as written in labels and `--only` filters: strings bare, others as TOML.
pub fn value_text(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A point's recorded parameter (JSON) as [`value_text`] writes the swept value it came from,
/// so that filters and labels written as in the experiment file match it (an array
/// `[0, 1, 2]`, not JSON's `[0,1,2]`).
pub fn json_value_text(v: &serde_json::Value) -> String {
    match toml::Value::try_from(v) {
        Ok(t) => value_text(&t),
        Err(_) => v.to_string(),
    }
}

/// The group label of `params`.
pub fn group_label(params: &[(String, toml::Value)]) -> String {
    if params.is_empty() {
        return "all".into();
    }
    params
        .iter()
        .map(|(k, v)| format!("{k}={}", value_text(v)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The point id of `params` and `seed`.
pub fn point_id(params: &[(String, toml::Value)], seed: u64) -> String {
    let sorted: BTreeMap<&str, String> = params
        .iter()
        .map(|(k, v)| (k.as_str(), v.to_string()))
        .collect();
    let mut canonical = String::new();
    for (k, v) in sorted {
        canonical.push_str(&format!("{k}={v};"));
    }
    canonical.push_str(&format!("seed={seed}"));
    format!("{:016x}", fnv1a64(canonical.as_bytes()))
}

/// The parameter combinations of the sweep, in order.
pub fn combinations(exp: &Experiment) -> Vec<Vec<(String, toml::Value)>> {
    let params = &exp.sweep.params;
    if params.is_empty() {
        return vec![Vec::new()];
    }
    match exp.sweep.mode {
        SweepMode::Zip => (0..params[0].values.len())
            .map(|i| {
                params
                    .iter()
                    .map(|p| (p.key.clone(), p.values[i].clone()))
                    .collect()
            })
            .collect(),
        SweepMode::Grid => {
            let mut out: Vec<Vec<(String, toml::Value)>> = vec![Vec::new()];
            for p in params {
                out = out
                    .into_iter()
                    .flat_map(|prefix| {
                        p.values.iter().map(move |v| {
                            let mut c = prefix.clone();
                            c.push((p.key.clone(), v.clone()));
                            c
                        })
                    })
                    .collect();
            }
            out
        }
    }
}

/// The kernel command line of a point: `<[kernel] bootargs> run <program> seed=<seed>
/// <key=value>...` for a kernel workload (the guest kernel's grammar: its options, then the
/// program and its arguments), the same without `run <program>` for a bare-metal ELF (which
/// finds it in the device tree's `/chosen/bootargs`). Workload parameters are sorted by
/// name; swept `workload.NAME` values replace the table's.
pub fn bootargs(exp: &Experiment, params: &[(String, toml::Value)], seed: u64) -> String {
    let mut args = exp.workload.params.clone();
    let mut kernel = exp.kernel.bootargs.clone();
    for (k, v) in params {
        if let Some(name) = k.strip_prefix("workload.") {
            args.insert(name.to_string(), v.clone());
        } else if k == "kernel.bootargs" {
            kernel = v.as_str().unwrap_or_default().to_string();
        }
    }
    let mut words = Vec::new();
    if !kernel.trim().is_empty() {
        words.push(kernel.trim().to_string());
    }
    if exp.workload.kind == WorkloadKind::Kernel {
        words.push("run".to_string());
        words.push(exp.workload.program.clone());
    }
    words.push(format!("seed={seed}"));
    for (k, v) in &args {
        words.push(format!("{k}={}", arg_text(v).unwrap_or_default()));
    }
    words.join(" ")
}

/// Every point of the experiment. Machines are resolved (and so checked) once per
/// combination before anything runs.
pub fn expand(exp: &Experiment, sim: &dyn Simulator) -> Result<Vec<Point>, SchemaError> {
    let mut points = Vec::new();
    for combo in combinations(exp) {
        let machine = exp.point_machine(sim, &combo)?;
        let group = group_label(&combo);
        for &seed in &exp.seeds {
            let mut m = machine.clone();
            set_path(
                &mut m,
                &["machine", "seed"],
                toml::Value::Integer(seed as i64),
            );
            points.push(Point {
                index: points.len(),
                id: point_id(&combo, seed),
                group: group.clone(),
                params: combo.clone(),
                seed,
                machine: Arc::new(m),
                bootargs: bootargs(exp, &combo, seed),
            });
        }
    }
    Ok(points)
}

/// A `--shard I/N` slice of the sweep: shard `I` of `N` (1-based) runs the points whose sweep
/// index is `I - 1` modulo `N`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Shard {
    /// Which shard, 1..=count.
    pub index: usize,
    /// How many shards the sweep is cut into.
    pub count: usize,
}

impl Shard {
    /// Parse `I/N` with `1 <= I <= N`; the error names the option and the value.
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let bad = |why: &str| anyhow::anyhow!("--shard {text:?}: {why}");
        let (i, n) = text
            .split_once('/')
            .ok_or_else(|| bad("expected I/N, e.g. 2/8 (shard I of N, 1 <= I <= N)"))?;
        let number = |s: &str, what: &str| {
            s.trim()
                .parse::<usize>()
                .map_err(|_| bad(&format!("{what} {s:?} is not a whole number")))
        };
        let (index, count) = (number(i, "I")?, number(n, "N")?);
        if count == 0 {
            return Err(bad("N must be at least 1"));
        }
        if index == 0 || index > count {
            return Err(bad(&format!("I must be between 1 and N ({count})")));
        }
        Ok(Self { index, count })
    }

    /// Whether the point at sweep position `index` belongs to this shard. Round-robin rather
    /// than contiguous blocks: neighbouring points share their slow parameters, so dealing
    /// them out spreads the expensive ones over every shard.
    pub fn contains(&self, index: usize) -> bool {
        index % self.count == self.index - 1
    }

    /// The shard's directory name, `I-of-N`.
    pub fn dir_name(&self) -> String {
        format!("{}-of-{}", self.index, self.count)
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// A `--only` filter: `key=value[,key=value...]` over swept keys and `seed`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Only {
    /// The filter as given, for messages.
    text: String,
    /// (key, value) pairs, all of which a point must have.
    terms: Vec<(String, String)>,
}

impl Only {
    /// Parse `text`: every key must be swept (or `seed`) and every value one of its values,
    /// else the error names what is swept.
    pub fn parse(text: &str, exp: &Experiment) -> anyhow::Result<Self> {
        let mut terms = Vec::new();
        for part in text.split(',').filter(|p| !p.trim().is_empty()) {
            let (k, v) = part.split_once('=').ok_or_else(|| {
                anyhow::anyhow!("--only {text:?}: {part:?} is not key=value (expected key=value[,key=value...])")
            })?;
            let (k, v) = (k.trim(), v.trim());
            let Some(values) = exp.swept_values(k) else {
                anyhow::bail!(
                    "--only {text:?}: {k} is not swept (swept: {})",
                    exp.swept_summary()
                );
            };
            if !values.iter().any(|x| x == v) {
                anyhow::bail!(
                    "--only {text:?}: {k}={v} is not among the swept values (swept: {})",
                    exp.swept_summary()
                );
            }
            terms.push((k.to_string(), v.to_string()));
        }
        Ok(Self {
            text: text.to_string(),
            terms,
        })
    }

    /// Whether `p` passes.
    pub fn matches(&self, p: &Point) -> bool {
        self.terms.iter().all(|(k, v)| {
            if k == "seed" {
                p.seed.to_string() == *v
            } else {
                p.params
                    .iter()
                    .any(|(pk, pv)| pk == k && value_text(pv) == *v)
            }
        })
    }

    /// Fail unless some point of `points` passes: values that each exist can still exclude
    /// each other (zipped lists, or a key given twice).
    pub fn require_match(&self, points: &[Point]) -> anyhow::Result<()> {
        if points.iter().any(|p| self.matches(p)) {
            return Ok(());
        }
        const SHOWN: usize = 8;
        let mut groups: Vec<&str> = points.iter().map(|p| p.group.as_str()).collect();
        groups.dedup();
        let mut list = groups[..groups.len().min(SHOWN)].join(", ");
        if groups.len() > SHOWN {
            list.push_str(&format!(", ... ({} in all)", groups.len()));
        }
        anyhow::bail!(
            "--only {:?} matches no point of the sweep (its parameter combinations: {list})",
            self.text
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::tests::FakeSim;
    use crate::schema::Profile;
    use std::path::Path;

    fn exp(sweep: &str, kind: &str) -> Experiment {
        let program = if kind == "elf" {
            "Cargo.toml"
        } else {
            "pingpong"
        };
        let text = format!(
            "[experiment]\nname = \"t\"\nseeds = [1, 2]\n[kernel]\nbootargs = \"loglevel=0\"\n\
             [workload]\nkind = \"{kind}\"\nprogram = \"{program}\"\nrounds = 5\nmode = \"fast\"\n{sweep}"
        );
        Experiment::parse(Path::new("exp.toml"), &text, Profile::Full, &FakeSim)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn grid_is_the_cartesian_product_in_key_order() {
        let e = exp(
            "[sweep]\nmachine.harts = [1, 2]\nworkload.mode = [\"a\", \"b\", \"c\"]\n",
            "kernel",
        );
        let points = expand(&e, &FakeSim).unwrap();
        assert_eq!(points.len(), 2 * 3 * 2);
        let groups: Vec<&str> = points.iter().step_by(2).map(|p| p.group.as_str()).collect();
        assert_eq!(
            groups,
            [
                "machine.harts=1 workload.mode=a",
                "machine.harts=1 workload.mode=b",
                "machine.harts=1 workload.mode=c",
                "machine.harts=2 workload.mode=a",
                "machine.harts=2 workload.mode=b",
                "machine.harts=2 workload.mode=c",
            ]
        );
        assert_eq!((points[0].seed, points[1].seed), (1, 2));
        let ids: std::collections::BTreeSet<&str> = points.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids.len(), points.len(), "ids are distinct");
        let m = &points[7].machine;
        assert_eq!(m["machine"]["harts"].as_integer(), Some(2));
        assert_eq!(m["machine"]["seed"].as_integer(), Some(2));
    }

    #[test]
    fn zip_pairs_the_lists() {
        let e = exp(
            "[sweep]\nmode = \"zip\"\nmachine.harts = [1, 2]\nworkload.mode = [\"a\", \"b\"]\n",
            "kernel",
        );
        let points = expand(&e, &FakeSim).unwrap();
        assert_eq!(points.len(), 2 * 2);
        assert_eq!(points[0].group, "machine.harts=1 workload.mode=a");
        assert_eq!(points[2].group, "machine.harts=2 workload.mode=b");
        let nothing = expand(&exp("", "kernel"), &FakeSim).unwrap();
        assert_eq!(nothing.len(), 2);
        assert_eq!(nothing[0].group, "all");
    }

    #[test]
    fn bootargs_compose_program_seed_parameters_and_kernel_arguments() {
        let e = exp("[sweep]\nworkload.rounds = [7]\n", "kernel");
        let p = &expand(&e, &FakeSim).unwrap()[1];
        assert_eq!(
            p.bootargs,
            "loglevel=0 run pingpong seed=2 mode=fast rounds=7"
        );
        let e = exp("[sweep]\n\"kernel.bootargs\" = [\"quiet\"]\n", "elf");
        let p = &expand(&e, &FakeSim).unwrap()[0];
        assert_eq!(p.bootargs, "quiet seed=1 mode=fast rounds=5");
    }

    #[test]
    fn ids_depend_on_parameters_and_seed_only() {
        let a = [("x".to_string(), toml::Value::Integer(1))];
        let b = [("x".to_string(), toml::Value::Integer(2))];
        assert_eq!(point_id(&a, 1), point_id(&a, 1));
        assert_ne!(point_id(&a, 1), point_id(&a, 2));
        assert_ne!(point_id(&a, 1), point_id(&b, 1));
        assert_eq!(point_id(&a, 1).len(), 16);
    }

    #[test]
    fn machine_errors_of_a_point_name_the_sweep_line() {
        let text = "[experiment]\nname = \"t\"\n[workload]\nkind = \"kernel\"\nprogram = \"p\"\n\
                    [sweep]\nmachine.harts = [1, 20]\n";
        let e = Experiment::parse(Path::new("exp.toml"), text, Profile::Full, &FakeSim).unwrap();
        let err = expand(&e, &FakeSim).unwrap_err().to_string();
        assert!(err.starts_with("exp.toml:7: machine.harts = 20"), "{err}");
        assert!(err.contains("(at machine.harts = 20)"), "{err}");
        // Also when [machine] sets the key (to a good value), and in [quick] when it sweeps.
        let text = text.replace("[workload]", "[machine]\nharts = 2\n[workload]")
            + "[quick]\nsweep = { machine = { harts = [30] } }\n";
        let e = Experiment::parse(Path::new("exp.toml"), &text, Profile::Full, &FakeSim).unwrap();
        let err = expand(&e, &FakeSim).unwrap_err().to_string();
        assert!(err.starts_with("exp.toml:9: machine.harts = 20"), "{err}");
        let e = Experiment::parse(Path::new("exp.toml"), &text, Profile::Quick, &FakeSim).unwrap();
        let err = expand(&e, &FakeSim).unwrap_err().to_string();
        assert!(err.starts_with("exp.toml:11: machine.harts = 30"), "{err}");
    }

    #[test]
    fn only_filters_by_parameter_and_seed() {
        let e = exp("[sweep]\nmachine.harts = [1, 2]\n", "kernel");
        let points = expand(&e, &FakeSim).unwrap();
        let only = Only::parse("machine.harts=2,seed=1", &e).unwrap();
        let kept: Vec<usize> = points
            .iter()
            .filter(|p| only.matches(p))
            .map(|p| p.index)
            .collect();
        assert_eq!(kept, [2]);
        assert!(Only::parse("uintr.x=1", &e).is_err());
        assert!(Only::parse("harts", &e).is_err());
    }

    #[test]
    fn shards_deal_the_points_round_robin() {
        let s = Shard::parse("2/3").unwrap();
        let mine: Vec<usize> = (0..8).filter(|&i| s.contains(i)).collect();
        assert_eq!(mine, [1, 4, 7]);
        assert_eq!(
            (s.to_string(), s.dir_name()),
            ("2/3".into(), "2-of-3".into())
        );
        for bad in ["0/3", "4/3", "1/0", "abc", "1/x", "-1/3", ""] {
            let e = Shard::parse(bad).unwrap_err().to_string();
            assert!(e.starts_with(&format!("--shard {bad:?}: ")), "{e}");
        }
        assert_eq!(Shard::parse("3/3").unwrap().index, 3);
    }

    #[test]
    fn only_values_must_be_swept() {
        let e = exp(
            "[sweep]\nmachine.harts = [1, 2]\nworkload.mode = [\"a\", \"b\"]\n",
            "kernel",
        );
        let swept = "machine.harts = [1, 2]; workload.mode = [a, b]; seed = [1, 2]";
        for (only, bad) in [
            ("seed=abc", "seed=abc"),
            ("seed=3", "seed=3"),
            ("machine.harts=5", "machine.harts=5"),
            ("workload.mode=a,machine.harts=1.0", "machine.harts=1.0"),
            ("machine.cores=1", "machine.cores"),
        ] {
            let err = Only::parse(only, &e).unwrap_err().to_string();
            assert!(err.starts_with(&format!("--only {only:?}: {bad}")), "{err}");
            assert!(err.contains(swept), "names what is swept: {err}");
        }
        assert!(Only::parse("workload.mode=b,seed=2", &e).is_ok());
    }

    #[test]
    fn recorded_parameters_read_as_the_experiment_file_writes_them() {
        let array = serde_json::json!([0, 1, 2]);
        assert_eq!(json_value_text(&array), "[0, 1, 2]");
        assert_eq!(json_value_text(&serde_json::json!("kcuc")), "kcuc");
        assert_eq!(json_value_text(&serde_json::json!(4)), "4");
        let swept = toml::Value::Array(vec![0.into(), 1.into(), 2.into()]);
        assert_eq!(json_value_text(&array), value_text(&swept));
    }
}
