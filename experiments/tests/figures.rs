//! The figures' structure, checked on the figure model before anything is drawn: small
//! multiples, distinct series styles, axis kinds, clipped values on log axes, percentiles
//! within the samples, the CDF's tail view, labels; and the files written (SVG, PNG, PDF),
//! byte for byte the same for the same data.

use std::collections::BTreeSet;

use experiments::labels::{KeyLabel, Labels};
use experiments::plot::model::{Figure, Scale};
use experiments::plot::{self, render};
use experiments::schema::{Classes, Metric, PlotSpec, Profile};
use experiments::sim::{Dropped, Sample};
use experiments::stats::{metrics_of, named_metrics, Pooled};
use experiments::store::{PointRecord, RunMeta, Status};

/// A passing point with `params`, `seed` and latency samples `values`.
fn point(
    index: usize,
    params: &[(&str, serde_json::Value)],
    seed: u64,
    values: &[u64],
) -> PointRecord {
    let samples: Vec<Sample> = values
        .iter()
        .enumerate()
        .map(|(i, &value)| Sample {
            key: 0,
            value,
            hart: 0,
            time_ps: 1_000 * (i as u64 + 1),
        })
        .collect();
    let mut metrics = std::collections::BTreeMap::new();
    if let Some(d) = metrics_of(&samples, 0).remove(&0) {
        metrics.insert("latency".to_string(), d);
    }
    PointRecord {
        id: format!("p{index}"),
        index,
        group: String::new(),
        params: params
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
        seed,
        bootargs: String::new(),
        status: Status::Ok,
        reason: None,
        exit: "pass".into(),
        metrics,
        events: Vec::new(),
        dropped: Dropped::default(),
        window_start_ps: 0,
        stats: serde_json::Value::Null,
        dumps: Vec::new(),
        console: String::new(),
    }
}

fn meta(plots: &[&str], labels: Labels) -> RunMeta {
    RunMeta {
        theory: Vec::new(),
        name: "t".into(),
        description: String::new(),
        file: "t.toml".into(),
        profile: Profile::Full,
        run_id: "full-0".into(),
        sweep: vec!["machine.harts".into(), "workload.mechanism".into()],
        seeds: vec![1, 2, 3],
        points: 0,
        metrics: [(
            "latency".to_string(),
            Metric {
                key: 0,
                unit: "ns".into(),
                label: Some("wake-up latency".into()),
                classes: None,
            },
        )]
        .into(),
        plots: plots
            .iter()
            .map(|p| toml::from_str::<PlotSpec>(p).unwrap())
            .collect(),
        labels,
        check: None,
    }
}

/// Deterministic pseudo-random samples around `centre` with a long tail.
fn samples(centre: u64, seed: u64, n: usize) -> Vec<u64> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let r = x % 1000;
            if r < 10 {
                centre * 5 + r * 7
            } else {
                centre + r % (centre / 4 + 1)
            }
        })
        .collect()
}

const MECHANISMS: [&str; 8] = [
    "futex",
    "pipe",
    "upcall",
    "uipi",
    "uipi-spin",
    "taskctl",
    "taskctl-preempt",
    "poll",
];

/// Harts 1, 2, 4 x the first `mechanisms` mechanisms x 3 seeds.
fn sweep(mechanisms: usize) -> Vec<PointRecord> {
    let mut out = Vec::new();
    for harts in [1, 2, 4] {
        for (m, mech) in MECHANISMS[..mechanisms].iter().enumerate() {
            for seed in 1..=3 {
                let params = [
                    ("machine.harts", serde_json::json!(harts)),
                    ("workload.mechanism", serde_json::json!(mech)),
                ];
                let centre = 100 * (m as u64 + 1) * harts;
                out.push(point(
                    out.len(),
                    &params,
                    seed,
                    &samples(centre, seed * 31 + m as u64, 400),
                ));
            }
        }
    }
    out
}

fn only(meta: &RunMeta, records: &[PointRecord]) -> Figure {
    let mut figs = plot::figures(meta, records);
    assert_eq!(figs.len(), 1);
    figs.remove(0).1.unwrap()
}

const PERCENTILES: &str = r#"
kind = "percentile"
metric = "latency"
x = "machine.harts"
series = "workload.mechanism"
percentiles = [50, 99]
log_y = true
"#;

#[test]
fn more_than_six_lines_become_small_multiples() {
    // 3 mechanisms x 2 percentiles = 6 lines: one panel, every line styled apart.
    let f = only(&meta(&[PERCENTILES], Labels::new()), &sweep(3));
    assert_eq!(f.panels.len(), 1);
    assert_eq!(f.panels[0].lines.len(), 6);
    let looks: BTreeSet<_> = f.lines().map(|l| (l.style.color, l.style.dash)).collect();
    assert_eq!(looks.len(), 6, "colour and dash tell the six lines apart");
    let markers: BTreeSet<_> = f.lines().map(|l| l.style.marker).collect();
    assert_eq!(
        markers.len(),
        6,
        "a series' p50 and p99 differ in marker too"
    );
    let colours: BTreeSet<_> = f.lines().map(|l| l.style.color).collect();
    assert_eq!(colours.len(), 3, "a series' percentiles share its colour");
    assert_eq!(f.legend.len(), 6);

    // 4 x 2 = 8 lines: a panel per percentile, four series each, in distinct colours,
    // markers and dashes.
    let f = only(&meta(&[PERCENTILES], Labels::new()), &sweep(4));
    assert_eq!(f.panels.len(), 2);
    let titles: Vec<&str> = f.panels.iter().map(|p| p.title.as_str()).collect();
    assert_eq!(titles, ["p50", "p99"]);
    for p in &f.panels {
        assert_eq!(p.lines.len(), 4);
        let colours: BTreeSet<_> = p.lines.iter().map(|l| l.style.color).collect();
        let markers: BTreeSet<_> = p.lines.iter().map(|l| l.style.marker).collect();
        let dashes: BTreeSet<_> = p.lines.iter().map(|l| l.style.dash).collect();
        assert_eq!((colours.len(), markers.len(), dashes.len()), (4, 4, 4));
    }
    assert_eq!(f.legend.len(), 4, "one legend for both panels");

    // 8 x 2 = 16 lines: a panel per mechanism, its two percentiles told apart by marker
    // and dash, the mechanisms by colour.
    let f = only(&meta(&[PERCENTILES], Labels::new()), &sweep(8));
    assert_eq!(f.panels.len(), 8);
    assert_eq!(f.columns, 4);
    let colours: BTreeSet<_> = f.panels.iter().map(|p| p.lines[0].style.color).collect();
    assert_eq!(colours.len(), 8);
    for p in &f.panels {
        assert_eq!(p.lines.len(), 2);
        assert_ne!(p.lines[0].style.marker, p.lines[1].style.marker);
        assert_ne!(p.lines[0].style.dash, p.lines[1].style.dash);
        assert!(p.lines.len() <= experiments::plot::kinds::MAX_LINES);
    }
    let legend: Vec<&str> = f.legend.iter().map(|e| e.label.as_str()).collect();
    assert_eq!(legend, ["p50", "p99"]);
}

#[test]
fn a_series_keeps_its_style_in_every_figure() {
    let cdf = r#"
kind = "cdf"
metric = "latency"
series = "workload.mechanism"
filter = { "machine.harts" = 2 }
"#;
    let boxes = r#"
kind = "box"
metric = "latency"
x = "workload.mechanism"
filter = { "machine.harts" = 2 }
"#;
    let m = meta(&[cdf, boxes], Labels::new());
    let records = sweep(5);
    let figs = plot::figures(&m, &records);
    let (cdf, boxes) = (figs[0].1.as_ref().unwrap(), figs[1].1.as_ref().unwrap());
    let cdf_colours: Vec<_> = cdf.panels[0].lines.iter().map(|l| l.style.color).collect();
    let box_colours: Vec<_> = boxes.panels[0]
        .dists
        .iter()
        .map(|d| d.style.color)
        .collect();
    assert_eq!(cdf_colours, box_colours);
    assert_eq!(cdf_colours.iter().collect::<BTreeSet<_>>().len(), 5);
}

#[test]
fn categorical_sweeps_get_categorical_axes() {
    let f = only(&meta(&[PERCENTILES], Labels::new()), &sweep(2));
    let x = &f.panels[0].x;
    assert_eq!(
        x.scale,
        Scale::Category(vec!["1".into(), "2".into(), "4".into()])
    );
    let ticks: Vec<(f64, &str)> = x
        .ticks
        .iter()
        .map(|t| (t.value, t.label.as_str()))
        .collect();
    assert_eq!(
        ticks,
        [(0.0, "1"), (1.0, "2"), (2.0, "4")],
        "no tick at 1.5 or 3.5"
    );
    for l in f.lines() {
        for &(px, _) in &l.points {
            assert!(
                (px - px.round()).abs() < 0.2,
                "dodged, but on its category: {px}"
            );
        }
    }
    assert_eq!(f.panels[0].y.scale, Scale::Log);

    let linear = PERCENTILES.replace("log_y = true", "x_scale = \"linear\"");
    let f = only(&meta(&[&linear], Labels::new()), &sweep(2));
    assert_eq!(f.panels[0].x.scale, Scale::Linear);
    assert_eq!(f.panels[0].y.scale, Scale::Linear);
    let xs: BTreeSet<u64> = f
        .lines()
        .flat_map(|l| l.points.iter().map(|p| p.0 as u64))
        .collect();
    assert_eq!(xs, [1, 2, 4].into());

    let log = PERCENTILES.replace("log_y = true", "log_x = true");
    let f = only(&meta(&[&log], Labels::new()), &sweep(2));
    assert_eq!(f.panels[0].x.scale, Scale::Log);
}

#[test]
fn log_axes_say_what_they_cannot_show() {
    let boxes = r#"
kind = "box"
metric = "latency"
x = "workload.mechanism"
log_y = true
"#;
    let cdf = r#"
kind = "cdf"
metric = "latency"
series = "workload.mechanism"
log_x = true
"#;
    let mut records = sweep(2);
    // One sample of 0 (a receiver that saw the store before its clock reached the send).
    records[0] = point(
        0,
        &[
            ("machine.harts", serde_json::json!(1)),
            ("workload.mechanism", serde_json::json!("futex")),
        ],
        1,
        &[0, 120, 130, 140],
    );
    let figs = plot::figures(&meta(&[boxes, cdf], Labels::new()), &records);
    let (b, c) = (figs[0].1.as_ref().unwrap(), figs[1].1.as_ref().unwrap());
    let y = &b.panels[0].y;
    assert_eq!(y.scale, Scale::Log);
    assert!(
        y.lo > 10.0,
        "the axis follows the positive samples, not 1e-9: {}",
        y.lo
    );
    assert!(
        b.notes
            .iter()
            .any(|n| n == "log y axis: 1 sample ≤ 0 not shown (futex: 1)"),
        "{:?}",
        b.notes
    );
    for d in &b.panels[0].dists {
        for v in [d.min, d.q1, d.median, d.q3, d.max] {
            assert!(y.contains(v), "{v} outside the axis");
        }
    }
    assert!(
        c.notes
            .iter()
            .any(|n| n == "log x axis: 1 sample ≤ 0 not shown (futex: 1)"),
        "{:?}",
        c.notes
    );
    let labelled: Vec<&str> = y
        .ticks
        .iter()
        .filter(|t| !t.label.is_empty())
        .map(|t| t.label.as_str())
        .collect();
    assert!(
        labelled.contains(&"1 µs"),
        "decade ticks in time units: {labelled:?}"
    );

    // Nothing positive at all: a linear axis, and the note says why.
    let zeros = [point(
        0,
        &[("workload.mechanism", serde_json::json!("futex"))],
        1,
        &[0, 0, 0],
    )];
    let f = only(&meta(&[boxes], Labels::new()), &zeros);
    assert_eq!(f.panels[0].y.scale, Scale::Linear);
    assert!(
        f.notes.iter().any(|n| n.starts_with("no value > 0")),
        "{:?}",
        f.notes
    );
    assert!(
        !f.notes.iter().any(|n| n.contains("not shown")),
        "{:?}",
        f.notes
    );
}

#[test]
fn jitter_bars_never_run_below_a_log_axis() {
    // Per-seed standard deviations of about 5, 6 and 35 ns: mean - sd is below 0.
    let jitter = r#"
kind = "jitter"
metric = "latency"
x = "machine.harts"
log_y = true
error = "stddev"
"#;
    let spread = |sd: u64| -> Vec<u64> {
        (0..200)
            .map(|i| 1000 + if i % 2 == 0 { sd } else { 0 })
            .collect()
    };
    let records: Vec<PointRecord> = [10, 12, 70]
        .into_iter()
        .enumerate()
        .map(|(i, sd)| {
            point(
                i,
                &[("machine.harts", serde_json::json!(2))],
                i as u64 + 1,
                &spread(sd),
            )
        })
        .collect();
    let f = only(&meta(&[jitter], Labels::new()), &records);
    let y = &f.panels[0].y;
    assert!(
        y.hi / y.lo < 1e3,
        "a sane range, not 300 decades: {} .. {}",
        y.lo,
        y.hi
    );
    let line = &f.panels[0].lines[0];
    assert_eq!(line.errors.len(), 1);
    let (_, lo, hi) = line.errors[0];
    assert!(
        y.contains(lo) && y.contains(hi),
        "bar {lo}..{hi} within {} .. {}",
        y.lo,
        y.hi
    );
    assert!(
        f.notes
            .iter()
            .any(|n| n == "log y axis: 1 error bar reaching ≤ 0 cut at the axis"),
        "{:?}",
        f.notes
    );
    assert!(f
        .notes
        .iter()
        .any(|n| n.contains("± one standard deviation over the 3 seeds")));

    // By default the bars span the seeds' values: within the data, no cut.
    let f = only(
        &meta(&[&jitter.replace("error = \"stddev\"", "")], Labels::new()),
        &records,
    );
    let (_, lo, hi) = f.panels[0].lines[0].errors[0];
    assert!(
        (lo - 5.0).abs() < 0.1 && (hi - 35.0).abs() < 0.1,
        "{lo}..{hi}"
    );
    assert!(f
        .notes
        .iter()
        .any(|n| n == "bars: smallest to largest of the 3 seeds"));
    assert!(!f.notes.iter().any(|n| n.contains("cut")));
}

#[test]
fn percentiles_and_their_bars_stay_within_the_samples() {
    for error in ["minmax", "stddev", "ci95"] {
        let spec =
            format!("{PERCENTILES}\nerror = \"{error}\"\npercentiles = [0, 50, 99, 99.9, 100]")
                .replace("percentiles = [50, 99]\n", "");
        let records = sweep(2);
        let f = only(&meta(&[&spec], Labels::new()), &records);
        for l in f.lines() {
            let mech = if l.style.color == experiments::plot::style::series(0).color {
                "futex"
            } else {
                "pipe"
            };
            for (k, &(x, y)) in l.points.iter().enumerate() {
                let harts = [1, 2, 4][x.round() as usize];
                let data: Vec<_> = records
                    .iter()
                    .filter(|r| {
                        r.params["machine.harts"] == harts && r.params["workload.mechanism"] == mech
                    })
                    .map(|r| &r.metrics["latency"])
                    .collect();
                let pooled = Pooled::of(&data);
                let (lo, hi) = (pooled.min() as f64, pooled.max() as f64);
                assert!(
                    lo <= y && y <= hi,
                    "{error}: {} = {y} outside [{lo}, {hi}]",
                    l.label
                );
                if let Some(&(_, a, b)) = l.errors.get(k) {
                    assert!(
                        lo <= a && b <= hi,
                        "{error}: bar {a}..{b} outside [{lo}, {hi}]"
                    );
                }
            }
        }
    }
}

#[test]
fn the_cdf_has_a_log_tail_view_and_its_legend_outside() {
    let cdf = r#"
kind = "cdf"
metric = "latency"
series = "workload.mechanism"
filter = { "machine.harts" = 2 }
log_x = true
"#;
    let f = only(&meta(&[cdf], Labels::new()), &sweep(4));
    assert_eq!(f.panels.len(), 2);
    let (dist, tail) = (&f.panels[0], &f.panels[1]);
    assert_eq!(dist.y.scale, Scale::Linear);
    assert_eq!(tail.y.scale, Scale::Log);
    assert_eq!(dist.x.scale, Scale::Log);
    for l in &tail.lines {
        let first = l.points.first().unwrap();
        assert!((first.1 - 1.0).abs() < 1e-12, "the tail starts at 1");
        // 1200 samples: the rarest level shown is 1/1200, on the axis.
        let last = l.points.last().unwrap();
        assert!(last.1 > 0.0 && tail.y.contains(last.1), "{last:?}");
        assert!(l.points.windows(2).all(|w| w[1].1 <= w[0].1), "falling");
    }
    assert_eq!(f.legend.len(), 4);
    let lay = render::layout(&f);
    let right = lay.panels.iter().map(|r| r.0 + r.2).fold(0.0, f64::max);
    assert!(lay.legend.0 > right, "legend right of every panel");
}

#[test]
fn labels_become_axis_titles_legend_entries_and_ticks() {
    let labels: Labels = [
        (
            "machine.harts".to_string(),
            KeyLabel {
                label: Some("harts".into()),
                values: Default::default(),
            },
        ),
        (
            "workload.mechanism".to_string(),
            KeyLabel {
                label: Some("mechanism".into()),
                values: [("futex".to_string(), "kernel futex".to_string())].into(),
            },
        ),
    ]
    .into();
    let spec = PERCENTILES.replace("log_y = true", "");
    let f = only(&meta(&[&spec], labels), &sweep(2));
    let p = &f.panels[0];
    assert_eq!(p.x.title, "harts");
    assert_eq!(
        p.y.title, "wake-up latency",
        "a linear time axis's ticks carry the unit (\"2.5 µs\"), so its title does not"
    );
    assert_eq!(f.legend_title, "mechanism");
    let legend: Vec<&str> = f.legend.iter().map(|e| e.label.as_str()).collect();
    assert_eq!(
        legend,
        [
            "kernel futex p50",
            "kernel futex p99",
            "pipe p50",
            "pipe p99"
        ]
    );
    assert_eq!(f.title, "Wake-up latency: percentiles by harts");
}

#[test]
fn files_are_svg_png_and_pdf_and_the_same_every_time() {
    let cdf = r#"
kind = "cdf"
metric = "latency"
series = "workload.mechanism"
log_x = true
name = "cdf"
"#;
    let m = meta(&[cdf, PERCENTILES], Labels::new());
    let records = sweep(8);
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    for d in &dirs {
        let drawn = plot::draw_all(d.path(), &m, &records).unwrap();
        assert!(drawn.iter().all(|d| d.note.is_none()));
    }
    for stem in ["cdf", "percentile-latency-2"] {
        for ext in ["svg", "png", "pdf"] {
            let name = format!("figures/{stem}.{ext}");
            let a = std::fs::read(dirs[0].path().join(&name)).unwrap();
            let b = std::fs::read(dirs[1].path().join(&name)).unwrap();
            assert!(
                a == b,
                "{name} differs between two drawings of the same data"
            );
            match ext {
                "pdf" => assert!(a.starts_with(b"%PDF-"), "{name}"),
                "png" => assert!(a.starts_with(b"\x89PNG\r\n\x1a\n"), "{name}"),
                _ => {
                    let svg = String::from_utf8(a).unwrap();
                    assert!(
                        svg.contains("<svg") && svg.contains("wake-up latency"),
                        "{name}"
                    );
                }
            }
        }
    }
}

#[test]
fn violins_are_densities_within_their_axis() {
    let violin = r#"
kind = "violin"
metric = "latency"
x = "workload.mechanism"
filter = { "machine.harts" = 2 }
log_y = true
"#;
    let mut records = sweep(3);
    // One mechanism (futex at 2 harts: points 9, 10, 11) with a single repeated value: still
    // a visible outline.
    for (i, seed) in [(9, 1), (10, 2), (11, 3)] {
        let params = [
            ("machine.harts", serde_json::json!(2)),
            ("workload.mechanism", serde_json::json!("futex")),
        ];
        records[i] = point(i, &params, seed, &[500; 50]);
    }
    let labels: Labels = [(
        "workload.mechanism".to_string(),
        KeyLabel {
            label: None,
            values: [("pipe".to_string(), "a pipe".to_string())].into(),
        },
    )]
    .into();
    let f = only(&meta(&[violin], labels), &records);
    let p = &f.panels[0];
    assert!(p.violins);
    assert_eq!(
        p.x.scale,
        Scale::Category(vec!["futex".into(), "a pipe".into(), "upcall".into()])
    );
    assert_eq!(p.dists.len(), 3);
    for d in &p.dists {
        assert!(d.density.len() > 10);
        assert!(d
            .density
            .iter()
            .all(|&(v, w)| p.y.contains(v) && (0.0..=1.0).contains(&w)));
        assert!(d.density.iter().any(|&(_, w)| w == 1.0));
        let (lo, hi) = (d.density.first().unwrap().0, d.density.last().unwrap().0);
        assert!(lo < d.min && d.max < hi, "the outline covers the samples");
        assert!(hi / lo > 1.02, "a single value still has a visible outline");
    }
    assert_eq!((p.dists[0].min, p.dists[0].max), (500.0, 500.0));
    for d in &p.dists {
        assert!(d.min <= d.q1 && d.q1 <= d.median && d.median <= d.q3 && d.q3 <= d.max);
    }
}

/// Request latencies of priorities 0..`classes` (keys 400 + priority) at harts 1, 2 and 4,
/// two seeds: priority p centred at 1000 (p + 1) / harts ns; priority 2 never answered at
/// 4 harts.
fn priority_sweep(classes: u16) -> (RunMeta, Vec<PointRecord>) {
    let mut meta = meta(&[], Labels::new());
    meta.sweep = vec!["machine.harts".into()];
    meta.metrics = [(
        "latency".to_string(),
        Metric {
            key: 400,
            unit: "ns".into(),
            label: Some("request latency".into()),
            classes: Some(Classes {
                count: 8,
                name: "priority".into(),
            }),
        },
    )]
    .into();
    let mut records = Vec::new();
    for harts in [1u64, 2, 4] {
        for seed in 1..=2 {
            let mut all = Vec::new();
            for p in 0..classes {
                if harts == 4 && p == 2 {
                    continue;
                }
                let centre = 1000 * (u64::from(p) + 1) / harts;
                let values = samples(centre, seed * 7 + u64::from(p), 300);
                all.extend(values.iter().enumerate().map(|(i, &value)| Sample {
                    key: 400 + p,
                    value,
                    hart: 0,
                    time_ps: 1_000_000 * (i as u64 + 1),
                }));
            }
            let mut r = point(
                records.len(),
                &[("machine.harts", serde_json::json!(harts))],
                seed,
                &[],
            );
            r.metrics = named_metrics(&meta.metrics, &all, 0);
            records.push(r);
        }
    }
    (meta, records)
}

#[test]
fn a_class_split_cdf_draws_one_line_per_class() {
    let (mut m, records) = priority_sweep(4);
    m.labels = [(
        "priority".to_string(),
        KeyLabel {
            label: Some("priority".into()),
            values: [("0".to_string(), "0 (highest)".to_string())].into(),
        },
    )]
    .into();
    m.plots = vec![toml::from_str(
        "kind = \"cdf\"\nmetric = \"latency\"\nseries = \"priority\"\nlog_x = true\nfilter = { \"machine.harts\" = 4 }",
    )
    .unwrap()];
    let f = only(&m, &records);
    assert_eq!(f.legend_title, "priority");
    let legend: Vec<&str> = f.legend.iter().map(|e| e.label.as_str()).collect();
    assert_eq!(
        legend,
        ["0 (highest)", "1", "3"],
        "only the classes with samples"
    );
    assert_eq!(f.title, "Distribution of request latency");
    // Each line is its class's samples alone: its median is that class's.
    let dist = &f.panels[0];
    for (line, p) in dist.lines.iter().zip([0u64, 1, 3]) {
        let median = line.points.iter().find(|q| q.1 >= 0.5).unwrap().0;
        let centre = 1000 * (p + 1) / 4;
        assert!(
            median >= centre as f64 && median < 1.3 * centre as f64,
            "priority {p}: median {median}"
        );
    }
    let colours: BTreeSet<_> = dist.lines.iter().map(|l| l.style.color).collect();
    assert_eq!(colours.len(), 3);

    // Per class against harts: 4 priorities x p50, p99 = 8 lines, a panel per percentile.
    m.plots = vec![toml::from_str(
        "kind = \"percentile\"\nmetric = \"latency\"\nx = \"machine.harts\"\nseries = \"priority\"",
    )
    .unwrap()];
    let f = only(&m, &records);
    assert_eq!(f.panels.len(), 2);
    assert_eq!(f.panels[0].lines.len(), 4);
    let p2 = &f.panels[0].lines[2];
    assert_eq!(p2.label, "2");
    assert_eq!(p2.points.len(), 2, "priority 2 has no samples at 4 harts");
    // p50 of priority 0 at 1 hart pooled over both seeds, as summary.csv's group row.
    let data: Vec<_> = records[..2]
        .iter()
        .map(|r| &r.metrics["latency_priority0"])
        .collect();
    let want = Pooled::of(&data).quantile(0.5) as f64;
    assert!((f.panels[0].lines[0].points[0].1 - want).abs() < 1e-9);

    // A filter on a class, and the class on x.
    m.plots = vec![toml::from_str(
        "kind = \"box\"\nmetric = \"latency\"\nx = \"priority\"\nfilter = { priority = 1 }",
    )
    .unwrap()];
    let f = only(&m, &records);
    assert_eq!(f.panels[0].dists.len(), 1);
    assert_eq!(f.subtitle, "priority = 1");

    // Without the class key, the pooled metric: one line of every class's samples.
    m.plots = vec![toml::from_str("kind = \"cdf\"\nmetric = \"latency\"").unwrap()];
    let f = only(&m, &records);
    assert_eq!(f.panels[0].lines.len(), 1);
    let pooled: u64 = records.iter().map(|r| r.metrics["latency"].count).sum();
    assert_eq!(pooled, 3 * 2 * 4 * 300 - 2 * 300);
}

/// The area under `points` (trapezoids), x mapped by `t`.
fn area(points: &[(f64, f64)], t: impl Fn(f64) -> f64) -> f64 {
    points
        .windows(2)
        .map(|w| (t(w[1].0) - t(w[0].0)) * (w[0].1 + w[1].1) / 2.0)
        .sum()
}

#[test]
fn density_lines_are_kernel_estimates_of_each_series() {
    let density = r#"
kind = "density"
metric = "latency"
series = "workload.mechanism"
filter = { "machine.harts" = 2 }
"#;
    let records = sweep(3);
    let f = only(&meta(&[density], Labels::new()), &records);
    assert_eq!(f.title, "Density of wake-up latency");
    assert_eq!(f.panels.len(), 1);
    let p = &f.panels[0];
    assert_eq!(
        (p.x.scale.clone(), p.y.scale.clone()),
        (Scale::Linear, Scale::Linear)
    );
    assert_eq!(p.y.title, "density (per ns)");
    assert_eq!(p.y.lo, 0.0, "densities from 0");
    let legend: Vec<&str> = f.legend.iter().map(|e| e.label.as_str()).collect();
    assert_eq!(legend, ["futex", "pipe", "upcall"]);
    for (l, m) in p.lines.iter().zip(0u64..) {
        let a = area(&l.points, |x| x);
        assert!((a - 1.0).abs() < 0.01, "{}: area {a}", l.label);
        assert!(l
            .points
            .iter()
            .all(|&(x, y)| y >= 0.0 && p.x.contains(x) && p.y.contains(y)));
        // The mode lies in the bulk of the samples, centre to centre + 25 %.
        let mode = l
            .points
            .iter()
            .fold((0.0, 0.0), |a, &b| if b.1 > a.1 { b } else { a })
            .0;
        let centre = (200 * (m + 1)) as f64;
        assert!(
            mode > 0.9 * centre && mode < 1.35 * centre,
            "{}: mode {mode}",
            l.label
        );
        assert_eq!(l.markers.len(), 3);
    }
    assert!(f
        .notes
        .iter()
        .any(|n| n.contains("Silverman") && n.contains("3 seeds")));

    // On a log axis: the logarithms' density, per decade, its area 1 in decades.
    let log = format!("{density}log_x = true\n");
    let f = only(&meta(&[&log], Labels::new()), &records);
    let p = &f.panels[0];
    assert_eq!(p.x.scale, Scale::Log);
    assert_eq!(p.y.title, "density (per decade)");
    for l in &p.lines {
        let a = area(&l.points, f64::log10);
        assert!((a - 1.0).abs() < 0.01, "{}: area {a}", l.label);
    }

    // Split by class, like any figure of a family.
    let (mut m, records) = priority_sweep(3);
    m.plots = vec![toml::from_str(
        "kind = \"density\"\nmetric = \"latency\"\nseries = \"priority\"\nlog_x = true",
    )
    .unwrap()];
    let f = only(&m, &records);
    assert_eq!(f.panels[0].lines.len(), 3);
    assert_eq!(f.legend_title, "priority");
}

/// With `HARTLAB_FIGURES_OUT=DIR`, also copies the PNGs there, to look at.
#[test]
fn density_and_class_figures_are_the_same_every_time() {
    let (mut m, records) = priority_sweep(8);
    m.labels = [(
        "priority".to_string(),
        KeyLabel {
            label: Some("priority".into()),
            values: [("0".to_string(), "0 (highest)".to_string())].into(),
        },
    )]
    .into();
    let one = "series = \"priority\"\nlog_x = true\nfilter = { \"machine.harts\" = 2 }";
    let specs = [
        ("cdf", format!("kind = \"cdf\"\n{one}")),
        ("density", format!("kind = \"density\"\n{one}")),
        (
            "percentile",
            "kind = \"percentile\"\nx = \"machine.harts\"\nseries = \"priority\"\nlog_y = true"
                .into(),
        ),
    ];
    m.plots = specs
        .iter()
        .map(|(name, spec)| {
            toml::from_str(&format!("{spec}\nmetric = \"latency\"\nname = \"{name}\"")).unwrap()
        })
        .collect();
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    for d in &dirs {
        let drawn = plot::draw_all(d.path(), &m, &records).unwrap();
        assert!(drawn.iter().all(|d| d.note.is_none()), "{drawn:?}");
    }
    for (name, _) in &specs {
        for ext in ["svg", "png", "pdf"] {
            let file = format!("figures/{name}.{ext}");
            let a = std::fs::read(dirs[0].path().join(&file)).unwrap();
            let b = std::fs::read(dirs[1].path().join(&file)).unwrap();
            assert!(a == b, "{file} differs between two drawings");
        }
        if let Some(out) = std::env::var_os("HARTLAB_FIGURES_OUT") {
            let file = format!("figures/{name}.png");
            std::fs::copy(
                dirs[0].path().join(&file),
                std::path::Path::new(&out).join(format!("{name}.png")),
            )
            .unwrap();
        }
    }
}
