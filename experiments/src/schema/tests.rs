//! Tests of the experiment file's parsing and checks.

use super::*;
use crate::sim::{Job, Outcome};

/// A simulator whose machine is any table with at most `machine.harts` in 1..=8.
pub(crate) struct FakeSim;

impl Simulator for FakeSim {
    fn resolve_machine(&self, m: &toml::Table) -> Result<toml::Table, MachineError> {
        let mut out = m.clone();
        for k in m.keys() {
            if !["machine", "uintr", "interconnect"].contains(&k.as_str()) {
                return Err(MachineError {
                    key: Some(k.clone()),
                    message: format!("unknown field `{k}`"),
                });
            }
        }
        let harts = m
            .get("machine")
            .and_then(|t| t.get("harts"))
            .map(|h| h.as_integer().unwrap_or(0))
            .unwrap_or(1);
        if !(1..=8).contains(&harts) {
            return Err(MachineError {
                key: Some("machine.harts".into()),
                message: format!("machine.harts = {harts}: must be between 1 and 8"),
            });
        }
        set_path(&mut out, &["machine", "harts"], toml::Value::Integer(harts));
        Ok(out)
    }
    fn kernel_image(&self) -> anyhow::Result<Vec<u8>> {
        Ok(vec![1, 2, 3])
    }
    fn run(&self, _job: &Job) -> anyhow::Result<Outcome> {
        Ok(Outcome::default())
    }
}

fn parse(text: &str, profile: Profile) -> Result<Experiment, String> {
    Experiment::parse(Path::new("exp.toml"), text, profile, &FakeSim).map_err(|e| e.to_string())
}

const GOOD: &str = r#"
[experiment]
name = "demo"
seeds = 3
max_sim_time = "5ms"

[machine]
harts = 2

[uintr]
send_visibility_cycles = 1

[kernel]
bootargs = "quiet"

[workload]
kind = "kernel"
program = "pingpong"
iterations = 100
mechanism = "uipi"

[sweep]
machine.harts = [2, 4]
"uintr.send_visibility_cycles" = [1, 10]
workload.mechanism = ["uipi", "ipc"]

[metrics]
latency = { key = 0, unit = "cycles" }
rtt = 1

[[plot]]
kind = "cdf"
metric = "latency"
series = "workload.mechanism"

[[plot]]
kind = "percentile"
metric = "latency"
x = "uintr.send_visibility_cycles"
filter = { "machine.harts" = 2 }

[check]
metrics = ["latency.p50", "latency.p99.9"]
relative = 0.05
tolerance = { "latency.p99.9" = { absolute = 3 } }

[quick]
experiment = { seeds = 1 }
sweep = { machine = { harts = [2] } }
workload = { iterations = 10 }
"#;

#[test]
fn reads_every_table() {
    let e = parse(GOOD, Profile::Full).unwrap();
    assert_eq!(e.name, "demo");
    assert_eq!(e.seeds, [1, 2, 3]);
    assert_eq!(e.max_sim_time_ps, 5_000_000_000);
    assert_eq!(e.max_insns, DEFAULT_MAX_INSNS);
    assert_eq!(e.kernel.bootargs, "quiet");
    assert_eq!(e.workload.kind, WorkloadKind::Kernel);
    assert_eq!(e.workload.params["iterations"].as_integer(), Some(100));
    let keys: Vec<&str> = e.sweep.params.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "machine.harts",
            "uintr.send_visibility_cycles",
            "workload.mechanism"
        ]
    );
    assert_eq!(e.metrics["latency"].unit, "cycles");
    assert_eq!(e.metrics["rtt"].key, 1);
    assert_eq!(e.metric_name(1), "rtt");
    assert_eq!(e.metric_name(7), "key7");
    assert_eq!(e.plots.len(), 2);
    assert_eq!(e.plots[1].percentiles, [50.0, 99.0]);
    let c = e.check.as_ref().unwrap();
    assert_eq!(c.tolerance_of("latency.p50").relative, 0.05);
    assert_eq!(c.tolerance_of("latency.p99.9").absolute, 3.0);
    assert!(e.machine.contains_key("uintr"));
}

/// GOOD with labels: a key's label, a key with value labels, a metric's label.
fn labelled(labels: &str) -> String {
    GOOD.replace(
        "latency = { key = 0, unit = \"cycles\" }",
        "latency = { key = 0, unit = \"cycles\", label = \"wake-up latency\" }",
    ) + "\n[labels]\n"
        + labels
}

#[test]
fn labels_name_swept_keys_values_and_metrics() {
    let text = labelled(
        "\"machine.harts\" = \"harts\"\nworkload.mechanism = { label = \"mechanism\", values = { ipc = \"kernel IPC\" } }\nseed = \"seed\"\n",
    );
    for profile in [Profile::Full, Profile::Quick] {
        let e = parse(&text, profile).unwrap();
        assert_eq!(
            e.metrics["latency"].label.as_deref(),
            Some("wake-up latency")
        );
        assert_eq!(
            crate::labels::key_label(&e.labels, "machine.harts"),
            "harts"
        );
        assert_eq!(
            crate::labels::value_label(&e.labels, "workload.mechanism", "ipc"),
            "kernel IPC"
        );
        assert_eq!(
            crate::labels::value_label(&e.labels, "workload.mechanism", "uipi"),
            "uipi"
        );
        assert_eq!(
            crate::labels::key_label(&e.labels, "uintr.send_visibility_cycles"),
            "uintr.send_visibility_cycles"
        );
    }
    // harts = 4 is swept only in the full profile: labelling it is fine in both.
    let four = labelled("\"machine.harts\" = { values = { 4 = \"four\" } }\n");
    assert!(parse(&four, Profile::Quick).is_ok());
}

#[test]
fn bad_labels_are_named_by_file_line_and_key() {
    let cases = [
        (
            "\"machine.cores\" = \"cores\"\n",
            "labels.machine.cores",
            "not swept in either profile",
        ),
        (
            "\"machine.harts\" = 2\n",
            "labels.machine.harts",
            "must be a label",
        ),
        (
            "\"machine.harts\" = \"\"\n",
            "labels.machine.harts",
            "must not be empty",
        ),
        (
            "\"machine.harts\" = \"two\\nlines\"\n",
            "labels.machine.harts",
            "one line",
        ),
        (
            "workload.mechanism = { values = { pipe = \"pipe\" } }\n",
            "labels.workload.mechanism.values.pipe",
            "not a swept value of workload.mechanism (swept: uipi, ipc)",
        ),
        (
            "workload.mechanism = { label = 3 }\n",
            "labels.workload.mechanism.label",
            "must be a string",
        ),
    ];
    for (labels, key, reason) in cases {
        let text = labelled(labels);
        let e = error(&text);
        // The line after `[labels]`.
        let line = text.lines().position(|l| l == "[labels]").unwrap() + 2;
        assert!(
            e.starts_with(&format!("exp.toml:{line}: {key}: ")),
            "{labels:?}: {e}"
        );
        assert!(e.contains(reason), "{labels:?}: {e}");
    }
    let long = format!("\"machine.harts\" = \"{}\"\n", "h".repeat(81));
    assert!(error(&labelled(&long)).contains("at most 80 characters"));
    let bad_metric = GOOD.replace("unit = \"cycles\" }", "unit = \"cycles\", label = \"\" }");
    let e = error(&bad_metric);
    assert!(
        e.contains("metrics.latency.label: a label must not be empty"),
        "{e}"
    );
}

#[test]
fn x_scales_need_numbers_where_they_place_numbers() {
    let cat = GOOD.replace(
        "x = \"uintr.send_visibility_cycles\"",
        "x = \"workload.mechanism\"\nx_scale = \"log\"",
    );
    let e = error(&cat);
    assert!(
        e.contains("plot[1].x_scale: workload.mechanism = uipi cannot be placed on a log axis"),
        "{e}"
    );
    let log_x = GOOD.replace(
        "x = \"uintr.send_visibility_cycles\"",
        "x = \"workload.mechanism\"\nlog_x = true",
    );
    assert!(error(&log_x)
        .contains("plot[1].log_x: workload.mechanism = uipi cannot be placed on a log axis"));
    let both = GOOD.replace(
        "x = \"uintr.send_visibility_cycles\"",
        "x = \"uintr.send_visibility_cycles\"\nlog_x = true\nx_scale = \"linear\"",
    );
    assert!(error(&both).contains("\"linear\" contradicts log_x = true"));
    let ok = GOOD.replace(
        "x = \"uintr.send_visibility_cycles\"",
        "x = \"uintr.send_visibility_cycles\"\nx_scale = \"log\"",
    );
    let e = parse(&ok, Profile::Full).unwrap();
    assert_eq!(e.plots[1].x_scale(), XScale::Log);
    assert_eq!(
        parse(GOOD, Profile::Full).unwrap().plots[1].x_scale(),
        XScale::Category
    );
}

#[test]
fn quick_profile_merges_over_the_document() {
    let e = parse(GOOD, Profile::Quick).unwrap();
    assert_eq!(e.seeds, [1]);
    assert_eq!(e.workload.params["iterations"].as_integer(), Some(10));
    let harts = &e.sweep.params[0];
    assert_eq!(harts.values, [toml::Value::Integer(2)]);
    assert_eq!(e.sweep.params[1].values.len(), 2, "other lists kept");
}

fn error(text: &str) -> String {
    parse(text, Profile::Full).unwrap_err()
}

fn with(replace: &str, by: &str) -> String {
    assert!(GOOD.contains(replace), "{replace}");
    GOOD.replacen(replace, by, 1)
}

#[test]
fn errors_name_file_line_and_key() {
    let line =
        |needle: &str, text: &str| text.lines().position(|l| l.contains(needle)).unwrap() + 1;
    let cases = [
        (
            with("seeds = 3", "seedz = 3"),
            "seedz",
            "experiment.seedz",
            "unknown field",
        ),
        (
            with("seeds = 3", "seeds = 0"),
            "seeds = 0",
            "experiment.seeds",
            "count",
        ),
        (
            with("max_sim_time = \"5ms\"", "max_sim_time = \"5 fortnights\""),
            "max_sim_time",
            "experiment.max_sim_time",
            "duration",
        ),
        (
            with("kind = \"kernel\"", "kind = \"script\""),
            "kind = \"script\"",
            "workload.kind",
            "must be",
        ),
        (
            with("mechanism = \"uipi\"", "mechanism = \"a b\""),
            "mechanism = \"a b\"",
            "workload.mechanism",
            "without spaces",
        ),
        (
            with("harts = 2\n", "harts = 9\n"),
            "harts = 9",
            "machine.harts",
            "between 1 and 8",
        ),
        (
            with("[uintr]", "[uintrr]"),
            "[uintrr]",
            "uintrr",
            "unknown field",
        ),
        (
            with(
                "workload.mechanism = [\"uipi\", \"ipc\"]",
                "workload.mechanism = []",
            ),
            "workload.mechanism = []",
            "sweep.workload.mechanism",
            "at least one",
        ),
        (
            with(
                "workload.mechanism = [\"uipi\", \"ipc\"]",
                "experiment.name = [\"a\"]",
            ),
            "experiment.name = [",
            "sweep.experiment.name",
            "cannot be swept",
        ),
        (
            with("rtt = 1", "rtt = 600"),
            "rtt = 600",
            "metrics.rtt",
            "0..480",
        ),
        (
            with("kind = \"cdf\"", "kind = \"scatter\""),
            "kind = \"scatter\"",
            "plot[0].kind",
            "unknown variant",
        ),
        (
            with("metric = \"latency\"\nseries", "metric = \"lat\"\nseries"),
            "metric = \"lat\"",
            "plot[0].metric",
            "unknown metric",
        ),
        (
            with(
                "x = \"uintr.send_visibility_cycles\"",
                "x = \"uintr.uipi_cycles\"",
            ),
            "x = \"uintr.uipi_cycles\"",
            "plot[1].x",
            "not a swept parameter",
        ),
        (
            with("\"latency.p50\", \"latency.p99.9\"", "\"latency.p42\""),
            "latency.p42",
            "check.metrics[0]",
            "metric.statistic",
        ),
    ];
    for (text, needle, key, reason) in cases {
        let e = error(&text);
        let want = format!("exp.toml:{}: {key}", line(needle, &text));
        assert!(e.starts_with(&want), "wanted {want:?}...{reason}, got {e}");
        assert!(e.contains(reason), "wanted {reason:?} in {e}");
    }
    let text = with(
        "workload = { iterations = 10 }",
        "workload = { iterations = [10] }",
    );
    let e = parse(&text, Profile::Quick).unwrap_err();
    let want = format!(
        "exp.toml:{}: workload.iterations: ",
        line("iterations = [10]", &text)
    );
    assert!(e.starts_with(&want), "{e}");
    let e = error(
        "[experiment]\nname = \"a\"\n[workload]\nkind = \"elf\"\nprogram = \"missing.elf\"\n",
    );
    assert!(
        e.starts_with("exp.toml:5: workload.program: no file"),
        "{e}"
    );
    let e = error("[experiment\nname = 1");
    assert!(e.starts_with("exp.toml:1: "), "{e}");
    let e = error("[workload]\nkind = \"kernel\"\nprogram = \"p\"\n");
    assert!(e.contains("missing [experiment]"), "{e}");
}

#[test]
fn names_that_become_files_are_portable() {
    let long = "a".repeat(300);
    let plot = |name: &str| {
        with(
            "[[plot]]\nkind = \"percentile\"",
            &format!("[[plot]]\nname = \"{name}\"\nkind = \"percentile\""),
        )
    };
    let cases = [
        (plot(&long), "plot[1].name"),
        (plot("a b"), "plot[1].name"),
        (plot("-x"), "plot[1].name"),
        (
            with("name = \"demo\"", &format!("name = \"{long}\"")),
            "experiment.name",
        ),
        (
            with("rtt = 1", &format!("{} = 1", "r".repeat(65))),
            "metrics.rrrr",
        ),
    ];
    for (text, key) in cases {
        let e = error(&text);
        assert!(e.contains(key), "wanted {key}: {e}");
        assert!(e.contains("portable file name") && e.contains("64"), "{e}");
        assert!(e.len() < 400, "the name is not repeated in full: {e}");
    }
    assert!(parse(&plot(&"b".repeat(64)), Profile::Full).is_ok());
    for reserved in ["con", "NUL", "Com1", "lpt9", "aux.x"] {
        let e = error(&plot(reserved));
        assert!(e.contains("plot[1].name") && e.contains("Windows"), "{e}");
    }
    for fine in ["console", "com", "com0", "lpt10", "nullable"] {
        assert!(parse(&plot(fine), Profile::Full).is_ok(), "{fine}");
    }
    // Figures differing only in case are one file on some file systems.
    let text = with("kind = \"cdf\"", "kind = \"cdf\"\nname = \"Lat\"");
    let text = text.replacen(
        "[[plot]]\nkind = \"percentile\"",
        "[[plot]]\nname = \"lat\"\nkind = \"percentile\"",
        1,
    );
    let e = error(&text);
    assert!(e.contains("plot[1]") && e.contains("\"Lat\""), "{e}");
}

#[test]
fn plot_filters_name_swept_values() {
    let line =
        |needle: &str, text: &str| text.lines().position(|l| l.contains(needle)).unwrap() + 1;
    let text = with(
        "filter = { \"machine.harts\" = 2 }",
        "filter = { \"machine.harts\" = 3 }",
    );
    let e = error(&text);
    let want = format!(
        "exp.toml:{}: plot[1].filter.machine.harts",
        line("filter", &text)
    );
    assert!(e.starts_with(&want), "wanted {want}: {e}");
    assert!(
        e.contains("machine.harts = [2, 4]"),
        "names the swept values: {e}"
    );
    let text = with(
        "filter = { \"machine.harts\" = 2 }",
        "filter = { \"machine.harts\" = 2, seed = 4 }",
    );
    let e = error(&text);
    assert!(
        e.contains("plot[1].filter.seed") && e.contains("seed = [1, 2, 3]"),
        "{e}"
    );
    // The quick profile sweeps machine.harts = [2] only: its figures are checked too.
    let text = with(
        "filter = { \"machine.harts\" = 2 }",
        "filter = { \"machine.harts\" = 4 }",
    );
    assert!(parse(&text, Profile::Full).is_ok());
    let e = parse(&text, Profile::Quick).unwrap_err();
    assert!(
        e.contains("plot[1].filter.machine.harts") && e.contains("[2]"),
        "{e}"
    );
}

#[test]
fn a_json_file_is_not_taken_for_an_experiment() {
    let e =
        error("{\n  \"experiment\": \"wakeup\",\n  \"profile\": \"quick\",\n  \"values\": {}\n}\n");
    assert!(e.starts_with("exp.toml: "), "{e}");
    assert!(
        e.contains("baseline JSON") && e.contains("experiment TOML"),
        "{e}"
    );
    let e = error("[1, 2]");
    assert!(e.contains("JSON") && e.contains("experiment TOML"), "{e}");
}

#[test]
fn load_checks_every_point_of_both_profiles() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("e.toml");
    let text = "[experiment]\nname = \"e\"\n[workload]\nkind = \"kernel\"\nprogram = \"p\"\n\
                [sweep]\nmachine.harts = [0, 2, 100000]\n[quick]\nsweep = { machine = { harts = [2] } }\n";
    std::fs::write(&file, text).unwrap();
    for profile in [Profile::Quick, Profile::Full] {
        let e = Experiment::load(&file, profile.clone(), &FakeSim)
            .unwrap_err()
            .to_string();
        let want = format!("{}:7: machine.harts = 0", file.display());
        assert!(e.starts_with(&want), "{profile:?}: wanted {want}: {e}");
    }
}

#[test]
fn zipped_lists_must_be_equally_long() {
    let text = with("[sweep]\n", "[sweep]\nmode = \"zip\"\n");
    let e = parse(&text, Profile::Full).unwrap();
    assert_eq!(e.sweep.mode, SweepMode::Zip);
    let text = text.replace("machine.harts = [2, 4]", "machine.harts = [2, 4, 8]");
    let e = error(&text);
    assert!(e.contains("equally long"), "{e}");
}

/// GOOD with `latency` a family of 8 priorities (keys 400..=407) and `extra` appended.
fn classed(extra: &str) -> String {
    GOOD.replace(
        "latency = { key = 0, unit = \"cycles\" }",
        "latency = { key = 400, unit = \"ns\", classes = 8, class = \"priority\" }",
    )
    .replace(
        "metrics = [\"latency.p50\", \"latency.p99.9\"]",
        "metrics = [\"latency.p50\", \"latency_priority0.p99\", \"latency_priority7.mean\"]",
    ) + extra
}

#[test]
fn metric_classes_name_their_keys_and_split_figures() {
    let plots = "\n[[plot]]\nkind = \"cdf\"\nmetric = \"latency\"\nseries = \"priority\"\n\
                 filter = { priority = 3 }\n\
                 \n[[plot]]\nkind = \"percentile\"\nmetric = \"latency\"\nx = \"priority\"\nx_scale = \"linear\"\n\
                 \n[labels]\npriority = { label = \"priority\", values = { \"0\" = \"0 (highest)\" } }\n";
    let text = classed(plots);
    for profile in [Profile::Full, Profile::Quick] {
        let e = parse(&text, profile).unwrap();
        let c = e.metrics["latency"].classes.as_ref().unwrap();
        assert_eq!((c.count, c.name.as_str()), (8, "priority"));
        assert_eq!(e.metric_name(400), "latency_priority0");
        assert_eq!(e.metric_name(403), "latency_priority3");
        assert_eq!(e.metric_name(408), "key408");
        assert_eq!(e.metric_name(1), "rtt");
        let r = resolve_metric(&e.metrics, "latency_priority7").unwrap();
        assert_eq!((r.family, r.class), ("latency", Some(7)));
        for not in [
            "latency_priority8",
            "latency_priority07",
            "latency_priority",
            "rtt_priority0",
        ] {
            assert!(resolve_metric(&e.metrics, not).is_none(), "{not}");
        }
        assert_eq!(
            e.plot_values(&e.plots[2], "priority").unwrap(),
            ["0", "1", "2", "3", "4", "5", "6", "7"]
        );
        assert_eq!(
            crate::labels::value_label(&e.labels, "priority", "0"),
            "0 (highest)"
        );
    }
    let mut names: Vec<String> = (0..12).map(|k| format!("latency_priority{k}")).collect();
    names.push("latency".into());
    names.push("key9".into());
    let e = parse(&classed(""), Profile::Full).unwrap();
    names.sort_by_cached_key(|n| metric_order(&e.metrics, n));
    assert_eq!(names[..3], ["key9", "latency", "latency_priority0"]);
    assert_eq!(
        names[12], "latency_priority8",
        "priorities 10 and 11 are not classes here"
    );
}

#[test]
fn bad_metric_classes_are_named_by_file_line_and_key() {
    let line =
        |needle: &str, text: &str| text.lines().position(|l| l.contains(needle)).unwrap() + 1;
    let family = |fields: &str| {
        GOOD.replace(
            "latency = { key = 0, unit = \"cycles\" }",
            &format!("latency = {{ key = 400, unit = \"ns\", {fields} }}"),
        )
    };
    let cases = [
        (
            family("classes = 0, class = \"p\""),
            "metrics.latency.classes",
            "1 to 64",
        ),
        (
            family("classes = 65, class = \"p\""),
            "metrics.latency.classes",
            "1 to 64",
        ),
        (
            family("classes = 64, class = \"p\"").replace("key = 400", "key = 420"),
            "metrics.latency.classes",
            "keys 420..=483, past the last sample key 479",
        ),
        (
            family("classes = 8"),
            "metrics.latency.classes",
            "needs `class`",
        ),
        (
            family("class = \"p\""),
            "metrics.latency.class",
            "needs `classes`",
        ),
        (
            family("classes = 8, class = \"2nd\""),
            "metrics.latency.class",
            "not a class name",
        ),
        (
            family("classes = 8, class = \"a.b\""),
            "metrics.latency.class",
            "not a class name",
        ),
        (
            family("classes = 8, class = \"seed\""),
            "metrics.latency.class",
            "`seed`",
        ),
        (
            family("classes = 8, class = 3"),
            "metrics.latency.class",
            "must be a string",
        ),
        (
            family("classes = 8, class = \"p\"").replace("rtt = 1", "rtt = 405"),
            "metrics.rtt",
            "sample keys 405..=405 overlap metric \"latency\" (keys 400..=407)",
        ),
        (
            family("classes = 8, class = \"p\"").replace("rtt = 1", "latency_p3 = 1"),
            "metrics.latency.class",
            "class 3 of latency would be metric \"latency_p3\"",
        ),
    ];
    for (text, key, reason) in cases {
        let e = error(&text);
        let want = format!(
            "exp.toml:{}: {key}: ",
            line("latency = {", &text).max(if key == "metrics.rtt" {
                line("rtt = ", &text)
            } else {
                0
            })
        );
        assert!(e.starts_with(&want), "wanted {want}...{reason}: {e}");
        assert!(e.contains(reason), "wanted {reason:?}: {e}");
    }
    // A plot of a metric without the class cannot split by it.
    let text = classed("\n[[plot]]\nkind = \"cdf\"\nmetric = \"rtt\"\nseries = \"priority\"\n");
    let e = error(&text);
    assert!(
        e.starts_with(&format!(
            "exp.toml:{}: plot[2].series: ",
            text.lines().count()
        )),
        "{e}"
    );
    assert!(
        e.contains("the class of metric \"latency\"; metric \"rtt\" has no class"),
        "{e}"
    );
    let text =
        classed("\n[[plot]]\nkind = \"cdf\"\nmetric = \"latency\"\nfilter = { priority = 8 }\n");
    assert!(error(&text).contains("plot[2].filter.priority: 8 is not a swept value of priority"));
    // A class's metric is not a family: it has no class to split by.
    let text = classed(
        "\n[[plot]]\nkind = \"cdf\"\nmetric = \"latency_priority2\"\nseries = \"priority\"\n",
    );
    assert!(error(&text).contains("plot[2].series"), "{}", error(&text));
    let text = classed("").replace("latency_priority7.mean", "latency_priority8.mean");
    assert!(
        error(&text).contains("check.metrics[2]"),
        "{}",
        error(&text)
    );
}

#[test]
fn density_plots_need_no_x_and_keep_a_linear_y() {
    let text = with("kind = \"cdf\"", "kind = \"density\"\nlog_x = true");
    let e = parse(&text, Profile::Full).unwrap();
    assert_eq!(e.plots[0].kind, PlotKind::Density);
    assert_eq!(e.plots[0].file_stem(0), "density-latency-1");
    let text = with("kind = \"cdf\"", "kind = \"density\"\nlog_y = true");
    let e = error(&text);
    assert!(
        e.contains("plot[0].log_y: a density figure's y axis is linear"),
        "{e}"
    );
}

const PAPER: &str =
    "\n[profile.paper]\nexperiment = { seeds = 5 }\nworkload = { iterations = 1000 }\n\
                     sweep = { machine = { harts = [1, 2, 4] } }\n";

#[test]
fn named_profiles_merge_over_the_document() {
    let text = format!("{GOOD}{PAPER}");
    let e = parse(&text, Profile::Named("paper".into())).unwrap();
    assert_eq!(e.profile.name(), "paper");
    assert_eq!(e.seeds, [1, 2, 3, 4, 5]);
    assert_eq!(e.workload.params["iterations"].as_integer(), Some(1000));
    assert_eq!(e.sweep.params[0].values.len(), 3);
    assert_eq!(e.profiles, ["paper"]);
    assert!(!e.document.contains_key("profile") && !e.document.contains_key("quick"));
    // The other profiles do not see it.
    assert_eq!(parse(&text, Profile::Full).unwrap().seeds, [1, 2, 3]);
    assert_eq!(parse(&text, Profile::Quick).unwrap().seeds, [1]);
    // What only the paper profile sweeps may be labelled.
    let labelled =
        format!("{text}\n[labels]\n\"machine.harts\" = {{ values = {{ 1 = \"one\" }} }}\n");
    assert!(parse(&labelled, Profile::Full).is_ok());
    // Profiles by name, as on the command line.
    assert_eq!(Profile::from("quick".to_string()), Profile::Quick);
    assert_eq!(Profile::from("full".to_string()), Profile::Full);
    assert_eq!(
        serde_json::to_string(&Profile::Named("paper".into())).unwrap(),
        "\"paper\""
    );
    assert_eq!(serde_json::to_string(&Profile::Quick).unwrap(), "\"quick\"");
}

#[test]
fn unknown_and_bad_profiles_are_refused() {
    let text = format!("{GOOD}{PAPER}");
    let e = parse(&text, Profile::Named("nope".into())).unwrap_err();
    assert!(
        e.starts_with("exp.toml: no profile \"nope\" (the profiles are full, quick, paper;"),
        "{e}"
    );
    let line =
        |needle: &str, text: &str| text.lines().position(|l| l.contains(needle)).unwrap() + 1;
    let cases = [
        (
            "[profile.quick]\nexperiment = { seeds = 1 }\n",
            "[profile.quick]",
            "profile.quick",
            "another name",
        ),
        (
            "[profile.\"a b\"]\nexperiment = { seeds = 1 }\n",
            "[profile.",
            "profile.a b",
            "portable file name",
        ),
        (
            "[profile]\npaper = 3\n",
            "paper = 3",
            "profile.paper",
            "must be a table",
        ),
        (
            "[profile.p]\nquick = { experiment = { seeds = 1 } }\n",
            "quick = {",
            "profile.p.quick",
            "cannot nest",
        ),
        ("profile = 3\n", "profile = 3", "profile", "[profile.NAME]"),
    ];
    for (extra, needle, key, reason) in cases {
        // Top-level keys before GOOD's first table.
        let text = if extra.starts_with("profile =") {
            format!("{extra}{GOOD}")
        } else {
            format!("{GOOD}\n{extra}")
        };
        let e = error(&text);
        let want = format!("exp.toml:{}: {key}: ", line(needle, &text));
        assert!(e.starts_with(&want), "wanted {want}...{reason}: {e}");
        assert!(e.contains(reason), "wanted {reason}: {e}");
    }
}

#[test]
fn load_checks_every_named_profile_too() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("e.toml");
    let text = format!("{GOOD}{}", PAPER.replace("[1, 2, 4]", "[2, 9]"));
    std::fs::write(&file, &text).unwrap();
    let line = text.lines().position(|l| l.contains("[2, 9]")).unwrap() + 1;
    for profile in [Profile::Full, Profile::Quick] {
        let e = Experiment::load(&file, profile.clone(), &FakeSim)
            .unwrap_err()
            .to_string();
        let want = format!("{}:{line}: machine.harts = 9", file.display());
        assert!(e.starts_with(&want), "{profile:?}: wanted {want}: {e}");
        assert!(
            e.ends_with("(in the paper profile; every profile is checked on every run)"),
            "{e}"
        );
    }
}

#[test]
fn experiment_names_resolve_in_experiments() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("experiments")).unwrap();
    std::fs::write(dir.path().join("experiments/p.toml"), "").unwrap();
    std::fs::write(dir.path().join("here.toml"), "").unwrap();
    std::fs::write(dir.path().join("experiments/here.toml"), "").unwrap();
    let find = |name: &str| find_experiment(dir.path(), Path::new(name));
    assert_eq!(find("p.toml").unwrap(), Path::new("experiments/p.toml"));
    assert_eq!(
        find("experiments/p.toml").unwrap(),
        Path::new("experiments/p.toml")
    );
    assert_eq!(
        find("here.toml").unwrap(),
        Path::new("here.toml"),
        "./ first"
    );
    let e = find("nope.toml").unwrap_err().to_string();
    assert_eq!(
        e,
        "nope.toml: no such experiment file (looked for ./nope.toml and experiments/nope.toml)"
    );
    let abs = dir.path().join("p.toml");
    let e = find_experiment(dir.path(), &abs).unwrap_err().to_string();
    assert!(e.ends_with("p.toml: no such experiment file"), "{e}");
}

#[test]
fn durations_parse() {
    assert_eq!(parse_duration_ps("10ms"), Some(10_000_000_000));
    assert_eq!(parse_duration_ps("1s"), Some(1_000_000_000_000));
    assert_eq!(parse_duration_ps("7ps"), Some(7));
    assert_eq!(parse_duration_ps("ms"), None);
    assert_eq!(parse_duration_ps("3 days"), None);
}
