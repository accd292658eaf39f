//! The experiment runner end to end through `hartlab experiment / plot / check`, with a
//! bare-metal user-IPI wake-up benchmark (`tests/guest/simctl/uipi_ping.S`) as the workload:
//! schema errors, sweep expansion, determinism across --jobs, resume, failed points, redrawn
//! figures, regression checks and seeds.

mod support;

use std::path::{Path, PathBuf};
use std::process::Output;

use experiments::store::{read_points, PointRecord};

/// The ping guest built as `variant`. Builds are not bit-reproducible (debug information
/// names temporary files) and a changed image is a new run, so each test builds its own.
fn ping(variant: &str, defines: &[&str]) -> PathBuf {
    support::build_asm_guest("simctl", "uipi_ping", variant, defines)
}

/// An experiment on the ping guest `elf`: `body` follows the `[experiment]` name line and
/// the workload.
fn write_experiment(dir: &Path, elf: &Path, body: &str) -> PathBuf {
    let text = format!(
        "[experiment]\nname = \"ping\"\n{body}\n\n[workload]\nkind = \"elf\"\nprogram = \"{}\"\n",
        elf.display()
    );
    let path = dir.join("ping.toml");
    std::fs::write(&path, text).unwrap();
    path
}

const SWEEP: &str = r#"seeds = 2
max_insns = 20_000_000

[machine]
harts = 2
start_jitter_cycles = 2000

[sweep]
machine.harts = [2, 3]
uintr.send_visibility_cycles = [1, 50]

[metrics]
latency = { key = 0, unit = "ps" }

[[plot]]
kind = "cdf"
metric = "latency"
series = "uintr.send_visibility_cycles"

[[plot]]
kind = "percentile"
metric = "latency"
x = "uintr.send_visibility_cycles"
series = "machine.harts"

[[plot]]
kind = "violin"
metric = "latency"
x = "uintr.send_visibility_cycles"

[check]
metrics = ["latency.p50", "latency.p99", "latency.count"]
relative = 0.001

[quick]
experiment = { seeds = 1 }
sweep = { machine = { harts = [2] } }
"#;

fn hartlab(args: &[&str]) -> Output {
    support::hartlab_cli(args)
}

fn text(o: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn run(file: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "experiment",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    hartlab(&args)
}

fn run_ok(file: &Path, out: &Path, extra: &[&str]) -> Vec<PointRecord> {
    let o = run(file, out, extra);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    read_points(out).unwrap()
}

#[test]
fn schema_errors_name_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let elf = ping("-schema", &[]);
    for (body, line, key, reason) in [
        (
            "seeds = 2\nsedes = 1",
            4,
            "experiment.sedes",
            "unknown field",
        ),
        ("seeds = \"many\"", 3, "experiment.seeds", "a count"),
        (
            "[machine]\nharts = 0",
            4,
            "machine.harts",
            "between 1 and 512",
        ),
        (
            "[uintr]\nsend_visibility = 3",
            4,
            "uintr.send_visibility",
            "unknown field",
        ),
        (
            "[interconnect]\nmmio_cycles = \"slow\"",
            4,
            "interconnect.mmio_cycles",
            "invalid type",
        ),
        (
            "[sweep]\nuintr.uintc_slots = [8, 0]",
            4,
            "uintr.uintc_slots",
            "between 1 and 4096",
        ),
        (
            "[[plot]]\nkind = \"pie\"\nmetric = \"x\"",
            4,
            "plot[0].kind",
            "unknown variant",
        ),
    ] {
        let file = write_experiment(dir.path(), &elf, body);
        let out = dir.path().join("out");
        let o = run(&file, &out, &[]);
        assert_eq!(o.status.code(), Some(251), "{body:?}: {}", text(&o));
        let stderr = String::from_utf8_lossy(&o.stderr);
        let want = format!("hartlab: {}:{line}: {key}", file.display());
        assert!(
            stderr.starts_with(&want),
            "{body:?}: wanted {want:?}, got {stderr}"
        );
        assert!(
            stderr.contains(reason),
            "{body:?}: wanted {reason:?} in {stderr}"
        );
        assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
        assert!(!out.join("points.jsonl").exists(), "nothing ran");
    }
}

#[test]
fn grid_and_zip_sweeps_expand_to_their_points() {
    let dir = tempfile::tempdir().unwrap();
    let elf = ping("-grid", &[]);
    let file = write_experiment(dir.path(), &elf, SWEEP);
    let grid = run_ok(&file, &dir.path().join("grid"), &[]);
    let groups: Vec<&str> = grid.iter().map(|r| r.group.as_str()).collect();
    assert_eq!(
        groups,
        [
            "machine.harts=2 uintr.send_visibility_cycles=1",
            "machine.harts=2 uintr.send_visibility_cycles=1",
            "machine.harts=2 uintr.send_visibility_cycles=50",
            "machine.harts=2 uintr.send_visibility_cycles=50",
            "machine.harts=3 uintr.send_visibility_cycles=1",
            "machine.harts=3 uintr.send_visibility_cycles=1",
            "machine.harts=3 uintr.send_visibility_cycles=50",
            "machine.harts=3 uintr.send_visibility_cycles=50",
        ]
    );
    assert!(grid
        .iter()
        .all(|r| r.ok() && r.metrics["latency"].count == 20));
    let zip = write_experiment(
        dir.path(),
        &elf,
        &SWEEP
            .replace("[sweep]\n", "[sweep]\nmode = \"zip\"\n")
            .replace("sweep = { machine = { harts = [2] } }\n", ""),
    );
    let zipped = run_ok(&zip, &dir.path().join("zip"), &[]);
    let groups: Vec<&str> = zipped.iter().step_by(2).map(|r| r.group.as_str()).collect();
    assert_eq!(
        groups,
        [
            "machine.harts=2 uintr.send_visibility_cycles=1",
            "machine.harts=3 uintr.send_visibility_cycles=50"
        ]
    );
    // The latency follows the swept visibility delay: 49 cycles (49 ns at 1 GHz) more.
    let fastest = |r: &PointRecord| r.metrics["latency"].min;
    assert_eq!(fastest(&zipped[2]) - fastest(&zipped[0]), 49_000);
}

#[test]
fn results_are_byte_identical_whatever_the_jobs() {
    let dir = tempfile::tempdir().unwrap();
    let elf = ping("-results", &[]);
    let file = write_experiment(dir.path(), &elf, SWEEP);
    let (a, b) = (dir.path().join("jobs1"), dir.path().join("jobs2"));
    run_ok(&file, &a, &["--jobs", "1"]);
    run_ok(&file, &b, &["--jobs", "2"]);
    for name in ["points.jsonl", "summary.csv", "resolved.toml"] {
        let (x, y) = (
            std::fs::read(a.join(name)).unwrap(),
            std::fs::read(b.join(name)).unwrap(),
        );
        assert!(x == y, "{name} differs between --jobs 1 and --jobs 2");
    }
    let svg = |d: &Path| std::fs::read(d.join("figures/percentile-latency-2.svg")).unwrap();
    assert_eq!(svg(&a), svg(&b));
}

#[test]
fn seeds_change_the_simulation() {
    let dir = tempfile::tempdir().unwrap();
    let elf = ping("-seeds", &[]);
    let file = write_experiment(dir.path(), &elf, SWEEP);
    let records = run_ok(&file, &dir.path().join("out"), &["--quick"]);
    assert_eq!(
        records.len(),
        2,
        "quick: one seed, two harts values... {records:?}"
    );
    let file = write_experiment(
        dir.path(),
        &elf,
        &SWEEP.replace("experiment = { seeds = 1 }", ""),
    );
    let records = run_ok(&file, &dir.path().join("seeds"), &["--quick"]);
    let (s1, s2) = (&records[0], &records[1]);
    assert_eq!((s1.seed, s2.seed), (1, 2));
    assert_eq!(s1.bootargs, "seed=1");
    assert_ne!(
        s1.events[0].time_ps, s2.events[0].time_ps,
        "start jitter drawn from the seed moves the run"
    );
    assert_eq!(s1.stats["harts"].as_array().unwrap().len(), 2);
}

#[test]
fn resume_runs_only_the_missing_points() {
    let dir = tempfile::tempdir().unwrap();
    let elf = ping("-resume", &[]);
    let file = write_experiment(dir.path(), &elf, SWEEP);
    let out = dir.path().join("out");
    let part = run_ok(&file, &out, &["--only", "machine.harts=2"]);
    assert_eq!(part.len(), 4);
    // An interruption in the middle of writing a record leaves a torn last line.
    let points = out.join("points.jsonl");
    let mut bytes = std::fs::read(&points).unwrap();
    bytes.truncate(bytes.len() - 100);
    std::fs::write(&points, bytes).unwrap();
    let o = run(&file, &out, &["--resume", "--jobs", "2"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("8 points: 5 run, 3 already done"),
        "{}",
        text(&o)
    );
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("--resume dropped line 4 of"),
        "the torn line is reported: {}",
        text(&o)
    );
    let all = read_points(&out).unwrap();
    assert_eq!(all.len(), 8);
    assert_eq!(all[..3], part[..3], "kept as they were");
    let fresh = run_ok(&file, &dir.path().join("fresh"), &[]);
    assert_eq!(all, fresh, "a resumed run equals an uninterrupted one");
    // A changed experiment does not resume into another configuration's points.
    let changed = write_experiment(
        dir.path(),
        &elf,
        &SWEEP.replace("harts = 2\n", "harts = 3\n"),
    );
    let o = run(&changed, &out, &["--resume"]);
    assert_eq!(o.status.code(), Some(251), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("different configuration"),
        "{}",
        text(&o)
    );
}

#[test]
fn failed_points_are_recorded_and_the_sweep_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let elf = ping("-fail3", &["-DFAIL_AT_ITERATION=3"]);
    let body = "max_insns = 5_000_000\n[metrics]\nlatency = 0\n[sweep]\nmachine.harts = [1, 2]";
    let file = write_experiment(dir.path(), &elf, body);
    let out = dir.path().join("out");
    let o = run(&file, &out, &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let r = read_points(&out).unwrap();
    assert_eq!(r.len(), 2, "both points recorded");
    assert!(r.iter().all(|r| !r.ok()));
    // One hart: the receiver never answers and the guest gives up; two: it fails on purpose.
    assert!(
        r[0].reason
            .as_deref()
            .unwrap()
            .starts_with("guest ended with fail"),
        "{:?}",
        r[0].reason
    );
    assert!(
        r[0].console.contains("FAIL"),
        "console kept: {}",
        r[0].console
    );
    assert_eq!(
        r[1].reason.as_deref(),
        Some("guest ended with fail (code 7)")
    );
    assert_eq!(
        r[1].metrics["latency"].count, 3,
        "samples up to the failure are kept"
    );
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("## Failed points"), "{report}");
    let summary = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    assert!(summary.contains(",failed,"), "{summary}");

    let hang = ping("-hang", &["-DHANG"]);
    let file = write_experiment(
        dir.path(),
        &hang,
        "max_insns = 200_000\n[machine]\nharts = 2",
    );
    let o = run(&file, &dir.path().join("hang"), &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let r = read_points(&dir.path().join("hang")).unwrap();
    assert_eq!(
        r[0].reason.as_deref(),
        Some("instruction limit reached (200000 instructions)")
    );
    let file = write_experiment(
        dir.path(),
        &hang,
        "max_sim_time = \"50us\"\n[machine]\nharts = 2",
    );
    let o = run(&file, &dir.path().join("time"), &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let r = read_points(&dir.path().join("time")).unwrap();
    assert_eq!(
        r[0].reason.as_deref(),
        Some("simulated-time limit reached (50000000 ps)")
    );
}

#[test]
fn plot_redraws_figures_summary_and_report_from_saved_data() {
    let dir = tempfile::tempdir().unwrap();
    let elf = ping("-plot", &[]);
    let file = write_experiment(dir.path(), &elf, SWEEP);
    let out = dir.path().join("out");
    run_ok(&file, &out, &["--quick"]);
    let summary = std::fs::read(out.join("summary.csv")).unwrap();
    let figures = ["cdf-latency-1", "percentile-latency-2", "violin-latency-3"];
    let png = std::fs::read(out.join("figures/cdf-latency-1.png")).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let pdf = std::fs::read(out.join("figures/cdf-latency-1.pdf")).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    std::fs::remove_dir_all(out.join("figures")).unwrap();
    std::fs::remove_file(out.join("summary.csv")).unwrap();
    std::fs::remove_file(out.join("report.md")).unwrap();
    std::fs::remove_file(&file).unwrap();
    let o = hartlab(&["plot", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(std::fs::read(out.join("summary.csv")).unwrap(), summary);
    assert_eq!(
        std::fs::read(out.join("figures/cdf-latency-1.png")).unwrap(),
        png
    );
    assert_eq!(
        std::fs::read(out.join("figures/cdf-latency-1.pdf")).unwrap(),
        pdf,
        "the PDF is redrawn byte for byte"
    );
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    for f in figures {
        let svg = std::fs::read_to_string(out.join(format!("figures/{f}.svg"))).unwrap();
        assert!(svg.contains("<svg") && svg.contains("latency"), "{f}");
        assert!(report.contains(&format!("figures/{f}.svg")), "{report}");
        assert!(report.contains(&format!("figures/{f}.pdf")), "{report}");
    }
    assert!(
        report.contains("send_visibility_cycles = 1"),
        "configuration listed: {report}"
    );
    let o = hartlab(&["plot", dir.path().to_str().unwrap()]);
    assert_eq!(
        o.status.code(),
        Some(251),
        "not a run directory: {}",
        text(&o)
    );
}

/// `hartlab check EXPERIMENT --baseline BASELINE --out OUT EXTRA...`.
fn run_check(experiment: &Path, baseline: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "check",
        experiment.to_str().unwrap(),
        "--baseline",
        baseline.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    hartlab(&args)
}

#[test]
fn check_passes_fails_on_a_changed_latency_and_blesses() {
    let dir = tempfile::tempdir().unwrap();
    let elf = ping("-check", &[]);
    let file = write_experiment(dir.path(), &elf, SWEEP);
    let baseline = dir.path().join("baselines/ping.json");
    let results = dir.path().join("results");
    let check = |extra: &[&str]| run_check(&file, &baseline, &results, extra);
    let o = check(&[]);
    assert_eq!(o.status.code(), Some(251), "no baseline yet: {}", text(&o));
    let o = check(&["--bless"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let base: experiments::check::Baseline =
        serde_json::from_str(&std::fs::read_to_string(&baseline).unwrap()).unwrap();
    assert_eq!(base.values.len(), 2, "quick profile: two groups: {base:?}");
    let o = check(&[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    // A deliberate change of a latency parameter (U trap entry, 2 -> 22 cycles) moves the
    // latency by 20 ns.
    let changed = std::fs::read_to_string(&file)
        .unwrap()
        .replace("[machine]\n", "[traps]\nentry_cycles_u = 22\n\n[machine]\n");
    std::fs::write(&file, changed).unwrap();
    let o = check(&[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains(
            "check failed: latency.p50 at machine.harts=2 uintr.send_visibility_cycles=1: baseline 38000, new 58000"
        ),
        "{stderr}"
    );
    assert!(
        !stderr.contains("latency.count"),
        "counts did not move: {stderr}"
    );
    let o = check(&["--bless"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = check(&[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}

#[test]
fn kernel_workloads_boot_the_bundled_image_with_run_bootargs() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("kernel.toml");
    std::fs::write(
        &file,
        "[experiment]\nname = \"k\"\nmax_insns = 50_000_000\n[kernel]\nbootargs = \"tick_us=100\"\n\
         [workload]\nkind = \"kernel\"\nprogram = \"hello\"\nrounds = 3\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let o = run(&file, &out, &[]);
    let r = read_points(&out).unwrap();
    assert_eq!(r.len(), 1, "{}", text(&o));
    assert_eq!(r[0].bootargs, "tick_us=100 run hello seed=1 rounds=3");
    assert!(
        r[0].console
            .contains("tick_us=100 run hello seed=1 rounds=3"),
        "the guest kernel saw the command line: {}",
        r[0].console
    );
    assert!(r[0].ok(), "hello exits 0: {}", r[0].console);
    assert!(
        r[0].console.contains("arg 1: seed=1\narg 2: rounds=3"),
        "the program got its arguments: {}",
        r[0].console
    );
}

/// `hartlab` run in `cwd`.
fn hartlab_in(cwd: &Path, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_hartlab"))
        .args(args)
        .current_dir(cwd)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run hartlab")
}

/// One line on stderr, exit status 251, and `want` in it.
fn assert_refused(o: &Output, want: &[&str]) -> String {
    assert_eq!(o.status.code(), Some(251), "{}", text(o));
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    for w in want {
        assert!(stderr.contains(w), "wanted {w:?} in {stderr}");
    }
    stderr
}

#[test]
fn run_ids_depend_on_the_content_not_the_path_spelling() {
    let dir = tempfile::tempdir().unwrap();
    let elf = ping("-spelling", &[]);
    let file = write_experiment(dir.path(), &elf, SWEEP);
    let o = hartlab_in(dir.path(), &["experiment", "ping.toml", "--quick"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    for spelling in ["./ping.toml", file.to_str().unwrap(), "sub/../ping.toml"] {
        let o = hartlab_in(dir.path(), &["experiment", spelling, "--quick", "--resume"]);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
        assert!(
            String::from_utf8_lossy(&o.stderr).contains("2 points: 0 run, 2 already done"),
            "{spelling}: the earlier run was found: {}",
            text(&o)
        );
    }
    let runs = std::fs::read_dir(dir.path().join("results/ping"))
        .unwrap()
        .count();
    assert_eq!(runs, 1, "one run directory");
}

#[test]
fn plot_refuses_corrupt_points_unless_told_to_skip_them() {
    let dir = tempfile::tempdir().unwrap();
    let elf = ping("-corrupt", &[]);
    let file = write_experiment(dir.path(), &elf, SWEEP);
    let out = dir.path().join("out");
    run_ok(&file, &out, &["--quick"]);
    let points = out.join("points.jsonl");
    let summary = std::fs::read(out.join("summary.csv")).unwrap();
    let text_of = std::fs::read_to_string(&points).unwrap();
    let mut lines: Vec<&str> = text_of.lines().collect();
    let cut = &lines[0][..40].to_string();
    lines[0] = cut;
    std::fs::write(&points, lines.join("\n") + "\n").unwrap();
    let o = hartlab(&["plot", out.to_str().unwrap()]);
    let want = format!("{}:1:", points.display());
    assert_refused(&o, &[&want, "--skip-bad"]);
    assert_eq!(
        std::fs::read(out.join("summary.csv")).unwrap(),
        summary,
        "nothing rewritten"
    );
    let o = hartlab(&["plot", out.to_str().unwrap(), "--skip-bad"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("skipped 1 corrupt line"),
        "{}",
        text(&o)
    );
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        report.contains("1 corrupt line of `points.jsonl` skipped (line 1)"),
        "{report}"
    );
}

#[test]
fn quick_runs_check_the_full_profile_too() {
    let dir = tempfile::tempdir().unwrap();
    let elf = ping("-profiles", &[]);
    let file = write_experiment(
        dir.path(),
        &elf,
        &SWEEP.replace("machine.harts = [2, 3]", "machine.harts = [0, 2, 100000]"),
    );
    let line = std::fs::read_to_string(&file)
        .unwrap()
        .lines()
        .position(|l| l.starts_with("machine.harts = [0"))
        .unwrap()
        + 1;
    let want = format!("{}:{line}: machine.harts = 0", file.display());
    let out = dir.path().join("out");
    let o = run(&file, &out, &["--quick"]);
    assert_refused(&o, &[&want, "full profile"]);
    let baseline = dir.path().join("ping.json");
    let o = hartlab(&[
        "check",
        file.to_str().unwrap(),
        "--baseline",
        baseline.to_str().unwrap(),
        "--bless",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_refused(&o, &[&want]);
    assert!(!out.join("points.jsonl").exists(), "nothing ran");
}

#[test]
fn only_and_plot_filters_must_name_swept_values() {
    let dir = tempfile::tempdir().unwrap();
    let elf = ping("-only", &[]);
    let file = write_experiment(dir.path(), &elf, SWEEP);
    let out = dir.path().join("out");
    let swept = "machine.harts = [2, 3]; uintr.send_visibility_cycles = [1, 50]; seed = [1, 2]";
    for only in ["seed=abc", "machine.harts=4", "machine.cores=2"] {
        let o = run(&file, &out, &["--only", only]);
        assert_refused(&o, &[only.split('=').next().unwrap(), swept]);
        assert!(!out.join("points.jsonl").exists(), "nothing ran");
    }
    let o = run(&file, &out, &["--quick", "--only", "machine.harts=3"]);
    assert_refused(&o, &["machine.harts = [2]"]);
    let filtered = write_experiment(
        dir.path(),
        &elf,
        &SWEEP.replace(
            "series = \"uintr.send_visibility_cycles\"",
            "series = \"uintr.send_visibility_cycles\"\nfilter = { \"machine.harts\" = 4 }",
        ),
    );
    let line = std::fs::read_to_string(&filtered)
        .unwrap()
        .lines()
        .position(|l| l.starts_with("filter"))
        .unwrap()
        + 1;
    let o = run(&filtered, &out, &[]);
    let want = format!(
        "{}:{line}: plot[0].filter.machine.harts",
        filtered.display()
    );
    assert_refused(&o, &[&want, "machine.harts = [2, 3]"]);
    assert!(!out.join("points.jsonl").exists(), "nothing ran");
}

#[test]
fn long_figure_names_are_refused_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let elf = ping("-names", &[]);
    let name = "n".repeat(300);
    let file = write_experiment(
        dir.path(),
        &elf,
        &SWEEP.replace(
            "kind = \"violin\"",
            &format!("kind = \"violin\"\nname = \"{name}\""),
        ),
    );
    let line = std::fs::read_to_string(&file)
        .unwrap()
        .lines()
        .position(|l| l.starts_with("name = \"nnn"))
        .unwrap()
        + 1;
    let out = dir.path().join("out");
    let o = run(&file, &out, &[]);
    let want = format!("{}:{line}: plot[2].name", file.display());
    let stderr = assert_refused(&o, &[&want, "portable file name"]);
    assert!(!stderr.contains(&name), "not repeated in full: {stderr}");
    assert!(!out.join("points.jsonl").exists(), "nothing ran");
}

#[test]
fn check_and_plot_say_which_file_they_expected() {
    let dir = tempfile::tempdir().unwrap();
    let elf = ping("-expected", &[]);
    let file = write_experiment(dir.path(), &elf, SWEEP);
    let baseline = dir.path().join("ping.json");
    let out = dir.path().join("out");
    let check = |exp: &Path, base: &Path, extra: &[&str]| run_check(exp, base, &out, extra);
    let o = check(&file, &baseline, &["--bless"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    std::fs::remove_dir_all(&out).unwrap();
    // The baseline where the experiment belongs, and the other way round.
    let o = check(&baseline, &baseline, &[]);
    assert_refused(
        &o,
        &[
            baseline.to_str().unwrap(),
            "baseline JSON",
            "experiment TOML",
        ],
    );
    let o = check(&file, &file, &[]);
    assert_refused(
        &o,
        &[file.to_str().unwrap(), "experiment TOML", "--baseline"],
    );
    assert!(!out.exists(), "nothing ran");
    let missing = dir.path().join("none.json");
    let o = check(&file, &missing, &[]);
    assert_refused(&o, &[missing.to_str().unwrap(), "--bless"]);
    assert!(!out.exists(), "nothing ran");

    // `plot` on an experiment's directory lists its runs.
    for extra in [&["--quick"][..], &[]] {
        let mut args = vec!["experiment", "ping.toml"];
        args.extend_from_slice(extra);
        let o = hartlab_in(dir.path(), &args);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    }
    let runs: Vec<String> = std::fs::read_dir(dir.path().join("results/ping"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(runs.len(), 2, "{runs:?}");
    let o = hartlab_in(dir.path(), &["plot", "results/ping"]);
    let stderr = assert_refused(&o, &["results/ping", "2 of 2 points", "8 of 8 points"]);
    for r in &runs {
        assert!(stderr.contains(r.as_str()), "lists {r}: {stderr}");
    }
}

/// The files of a run directory that a merge must reproduce exactly.
const RUN_FILES: [&str; 7] = [
    "points.jsonl",
    "summary.csv",
    "run.json",
    "report.md",
    "resolved.toml",
    "experiment.toml",
    "figures/percentile-latency-2.svg",
];

fn assert_same_files(a: &Path, b: &Path, names: &[&str]) {
    for name in names {
        let (x, y) = (
            std::fs::read(a.join(name)).unwrap(),
            std::fs::read(b.join(name)).unwrap(),
        );
        assert!(
            x == y,
            "{name} differs between {} and {}",
            a.display(),
            b.display()
        );
    }
}

/// `hartlab merge --out OUT DIRS... EXTRA...`.
fn merge(out: &Path, dirs: &[&Path], extra: &[&str]) -> Output {
    let mut args = vec!["merge", "--out", out.to_str().unwrap()];
    args.extend(dirs.iter().map(|d| d.to_str().unwrap()));
    args.extend_from_slice(extra);
    hartlab(&args)
}

#[test]
fn shards_merge_into_the_files_of_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let elf = ping("-shards", &[]);
    let file = write_experiment(dir.path(), &elf, SWEEP);
    let single = dir.path().join("single");
    run_ok(&file, &single, &["--jobs", "2"]);
    let s = |i: usize| dir.path().join(format!("s{i}"));
    // Shard 2 of 3 holds sweep indices 1, 4 and 7; --only keeps index 1 (two harts).
    let o = run(
        &file,
        &s(2),
        &["--shard", "2/3", "--only", "machine.harts=2"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("shard 2/3: 3 points: 1 run, 2 already done"),
        "{}",
        text(&o)
    );
    for i in [3, 1] {
        run_ok(&file, &s(i), &["--shard", &format!("{i}/3"), "--jobs", "1"]);
    }
    let out = dir.path().join("merged");
    let o = merge(&out, &[&s(1), &s(2), &s(3)], &[]);
    assert_refused(
        &o,
        &[
            "2 of 8 points missing",
            "shard 2/3 (unfinished): 2 points, sweep indices 4, 7",
            "--partial",
        ],
    );
    assert!(!out.exists(), "nothing written");
    let o = run(&file, &s(2), &["--shard", "2/3", "--resume"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("3 points: 2 run, 1 already done"),
        "{}",
        text(&o)
    );
    // Any order of the directories gives the same files as the single run.
    let o = merge(&out, &[&s(3), &s(1), &s(2)], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_same_files(&single, &out, &RUN_FILES);
    assert!(!out.join("shard.json").exists());

    // A missing shard is refused, naming it, unless --partial.
    let partial = dir.path().join("partial");
    let o = merge(&partial, &[&s(3), &s(1)], &[]);
    assert_refused(
        &o,
        &[
            "3 of 8 points missing",
            "shard 2/3 (not given): 3 points, sweep indices 1, 4, 7",
        ],
    );
    assert!(!partial.exists(), "nothing written");
    let o = merge(&partial, &[&s(3), &s(1)], &["--partial"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(read_points(&partial).unwrap().len(), 5);
    let report = std::fs::read_to_string(partial.join("report.md")).unwrap();
    assert!(
        report.contains("merged without every point: 3 of 8 points missing: shard 2/3 (not given)"),
        "{report}"
    );
    assert!(report.contains("points: 5 of 8 stored"), "{report}");

    // A shard given twice, and a point in the wrong shard.
    let twice = dir.path().join("twice");
    std::fs::create_dir(&twice).unwrap();
    for f in [
        "run.json",
        "shard.json",
        "points.jsonl",
        "experiment.toml",
        "resolved.toml",
    ] {
        std::fs::copy(s(1).join(f), twice.join(f)).unwrap();
    }
    let o = merge(&dir.path().join("m2"), &[&s(1), &s(2), &s(3), &twice], &[]);
    assert_refused(&o, &["both are shard 1/3", twice.to_str().unwrap()]);
    let stray = std::fs::read_to_string(s(2).join("points.jsonl")).unwrap();
    let first = stray.lines().next().unwrap();
    let mut points = std::fs::read_to_string(twice.join("points.jsonl")).unwrap();
    points.push_str(first);
    points.push('\n');
    std::fs::write(twice.join("points.jsonl"), points).unwrap();
    let o = merge(&dir.path().join("m3"), &[&twice, &s(2), &s(3)], &[]);
    assert_refused(&o, &["sweep index 1", "belongs to shard 2/3, not 1/3"]);

    // Shards of another experiment, of another shard count, and a whole run.
    let other = dir.path().join("other");
    std::fs::create_dir(&other).unwrap();
    let other_file = write_experiment(&other, &elf, &SWEEP.replace("seeds = 2", "seeds = 3"));
    let other_text = std::fs::read_to_string(&other_file)
        .unwrap()
        .replace("name = \"ping\"", "name = \"pong\"");
    std::fs::write(&other_file, other_text).unwrap();
    let o2 = dir.path().join("o2");
    run_ok(&other_file, &o2, &["--shard", "2/3", "--quick"]);
    let o = merge(&dir.path().join("m4"), &[&s(1), &o2, &s(3)], &[]);
    assert_refused(
        &o,
        &[
            "shards of different experiments (ping and pong)",
            o2.to_str().unwrap(),
        ],
    );
    let halves = dir.path().join("h1");
    run_ok(
        &file,
        &halves,
        &["--shard", "1/2", "--only", "machine.harts=2,seed=1"],
    );
    let o = merge(&dir.path().join("m5"), &[&halves, &s(2)], &[]);
    assert_refused(&o, &["different shard counts (2 and 3)"]);
    let o = merge(&dir.path().join("m6"), &[&s(1), &single], &[]);
    assert_refused(&o, &[single.to_str().unwrap(), "not a shard's directory"]);
}

#[test]
fn bad_shards_are_refused_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let elf = ping("-badshard", &[]);
    let file = write_experiment(dir.path(), &elf, SWEEP);
    let out = dir.path().join("out");
    for bad in ["0/3", "4/3", "1/0", "abc"] {
        let o = run(&file, &out, &["--shard", bad]);
        assert_refused(&o, &[&format!("--shard {bad:?}")]);
        assert!(!out.exists(), "nothing ran");
    }
}

/// The Slurm scripts of `file` (quick profile, 2 shards) written into `out`, `extra` added.
fn slurm(file: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "experiment",
        file.to_str().unwrap(),
        "--quick",
        "--out",
        out.to_str().unwrap(),
        "--slurm",
        "--array-size",
        "2",
        "--partition",
        "debug",
        "--time",
        "0:10:00",
    ];
    args.extend_from_slice(extra);
    hartlab(&args)
}

fn bash(script: &Path, args: &[&str], task: Option<usize>) -> Output {
    let mut cmd = std::process::Command::new("bash");
    cmd.args(args)
        .arg(script)
        .stdin(std::process::Stdio::null());
    if let Some(t) = task {
        cmd.env("SLURM_ARRAY_TASK_ID", t.to_string());
    }
    cmd.output().expect("run bash")
}

#[test]
fn slurm_scripts_run_the_shards_and_merge_them_without_slurm() {
    let dir = tempfile::tempdir().unwrap();
    let elf = ping("-slurm", &[]);
    let file = write_experiment(dir.path(), &elf, SWEEP);
    let out = dir.path().join("run");
    let o = slurm(&file, &out, &["--dry-run"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let (array, merge_job) = (
        out.join("slurm/array.sbatch"),
        out.join("slurm/merge.sbatch"),
    );
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("jobid=$(sbatch --parsable")
            && stdout.contains("sbatch --dependency=afterok:\"${jobid%%;*}\"")
            && stdout.contains(merge_job.to_str().unwrap()),
        "{stdout}"
    );
    let script = std::fs::read_to_string(&array).unwrap();
    assert!(stdout.contains(&script), "the script is printed: {stdout}");
    for want in [
        "#SBATCH --array=0-1\n",
        "#SBATCH --partition=debug\n",
        "#SBATCH --time=0:10:00\n",
        &format!("hartlab='{}'\n", env!("CARGO_BIN_EXE_hartlab")),
        &format!("experiment='{}'\n", file.canonicalize().unwrap().display()),
        "--shard \"$shard/2\"",
        " --quick",
    ] {
        assert!(script.contains(want), "{want:?} in {script}");
    }
    let merge_text = std::fs::read_to_string(&merge_job).unwrap();
    assert!(merge_text.contains(" merge --out "), "{merge_text}");
    for s in [&array, &merge_job] {
        let o = bash(s, &["-n"], None);
        assert_eq!(
            o.status.code(),
            Some(0),
            "bash -n {}: {}",
            s.display(),
            text(&o)
        );
    }
    // The array's tasks in any order, then the merge job, as Slurm would run them.
    for task in [1, 0] {
        let o = bash(&array, &[], Some(task));
        assert_eq!(o.status.code(), Some(0), "task {task}: {}", text(&o));
    }
    let o = bash(&array, &[], None);
    assert_ne!(o.status.code(), Some(0), "no task id: {}", text(&o));
    let o = bash(&merge_job, &[], None);
    assert_eq!(o.status.code(), Some(0), "merge: {}", text(&o));
    let single = dir.path().join("single");
    run_ok(&file, &single, &["--quick"]);
    assert_same_files(&single, &out, &["points.jsonl", "summary.csv"]);

    // With sbatch on PATH both jobs are submitted, the merge after the array.
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let log = dir.path().join("sbatch.log");
    let fake = bin.join("sbatch");
    std::fs::write(
        &fake,
        format!(
            "#!/bin/sh\necho \"$@\" >> '{}'\necho '4242;cluster'\n",
            log.display()
        ),
    )
    .unwrap();
    std::process::Command::new("chmod")
        .arg("+x")
        .arg(&fake)
        .status()
        .unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_hartlab"))
        .args(["experiment", file.to_str().unwrap(), "--quick", "--out"])
        .arg(&out)
        .args(["--slurm", "--array-size", "2"])
        .env("PATH", path)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout), "4242\n");
    let calls = std::fs::read_to_string(&log).unwrap();
    assert_eq!(
        calls,
        format!(
            "--parsable {}\n--parsable --dependency=afterok:4242 {}\n",
            array.display(),
            merge_job.display()
        )
    );
}

/// `[profile.paper]`: one combination, three seeds.
const PAPER: &str = r#"
[profile.paper]
experiment = { seeds = 3 }
sweep = { machine = { harts = [3] }, uintr = { send_visibility_cycles = [50] } }
"#;

#[test]
fn named_profiles_run_into_their_own_directories() {
    let dir = tempfile::tempdir().unwrap();
    let elf = ping("-named", &[]);
    std::fs::create_dir(dir.path().join("experiments")).unwrap();
    write_experiment(
        &dir.path().join("experiments"),
        &elf,
        &format!("{SWEEP}{PAPER}"),
    );
    // From the repository's root, a bare name is the experiments/ file.
    let o = hartlab_in(
        dir.path(),
        &["experiment", "ping.toml", "--profile", "paper"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let runs: Vec<PathBuf> = std::fs::read_dir(dir.path().join("results/ping"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    let name = run.file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.starts_with("paper-"), "{name}");
    let records = read_points(run).unwrap();
    let seeds: Vec<u64> = records.iter().map(|r| r.seed).collect();
    assert_eq!(seeds, [1, 2, 3]);
    assert!(records
        .iter()
        .all(|r| r.group == "machine.harts=3 uintr.send_visibility_cycles=50"));
    let meta = std::fs::read_to_string(run.join("run.json")).unwrap();
    assert!(meta.contains("\"profile\": \"paper\""), "{meta}");
    assert!(
        meta.contains("\"file\": \"experiments/ping.toml\""),
        "{meta}"
    );
    let report = std::fs::read_to_string(run.join("report.md")).unwrap();
    assert!(report.contains("- profile: paper, run `paper-"), "{report}");

    // `--profile quick` is --quick: its own directory, as before.
    let o = hartlab_in(
        dir.path(),
        &["experiment", "ping.toml", "--profile", "quick"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(std::fs::read_dir(dir.path().join("results/ping"))
        .unwrap()
        .any(|e| e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .starts_with("quick-")));

    // An unknown profile: one line naming the known ones, before anything runs.
    let o = hartlab_in(
        dir.path(),
        &["experiment", "ping.toml", "--profile", "papers"],
    );
    assert_refused(
        &o,
        &[
            "no profile \"papers\"",
            "the profiles are full, quick, paper",
        ],
    );
    // Neither ./NAME nor experiments/NAME: both are named.
    for command in ["experiment", "check"] {
        let mut args = vec![command, "nope.toml"];
        if command == "check" {
            args.extend(["--baseline", "b.json"]);
        }
        let o = hartlab_in(dir.path(), &args);
        assert_refused(
            &o,
            &["nope.toml: no such experiment file (looked for ./nope.toml and experiments/nope.toml)"],
        );
    }
    // `hartlab check` finds it too.
    let o = hartlab_in(
        dir.path(),
        &["check", "ping.toml", "--baseline", "b.json", "--bless"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(dir.path().join("b.json").exists());
}

#[test]
fn metric_classes_reach_the_summary_and_checks() {
    let dir = tempfile::tempdir().unwrap();
    let elf = ping("-classes", &[]);
    // The ping guest samples key 0 only: class 0 of two.
    let body = SWEEP
        .replace(
            "latency = { key = 0, unit = \"ps\" }",
            "latency = { key = 0, unit = \"ps\", classes = 2, class = \"side\" }",
        )
        .replace(
            "series = \"uintr.send_visibility_cycles\"",
            "series = \"side\"",
        )
        .replace(
            "\"latency.count\"]",
            "\"latency.count\", \"latency_side0.p99\"]",
        );
    let file = write_experiment(dir.path(), &elf, &body);
    let out = dir.path().join("out");
    let records = run_ok(&file, &out, &["--quick"]);
    for r in &records {
        assert_eq!(
            r.metrics.keys().collect::<Vec<_>>(),
            ["latency", "latency_side0"]
        );
        let (pooled, side0) = (&r.metrics["latency"], &r.metrics["latency_side0"]);
        assert_eq!(
            (pooled.count, pooled.histogram.clone(), pooled.throughput),
            (side0.count, side0.histogram.clone(), side0.throughput)
        );
    }
    let summary = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    let rows: Vec<&str> = summary
        .lines()
        .filter(|l| l.starts_with("group,"))
        .collect();
    assert_eq!(
        rows.len(),
        4,
        "two groups, latency and latency_side0 each: {summary}"
    );
    assert!(rows[0].contains(",latency,ps,") && rows[1].contains(",latency_side0,ps,"));
    assert!(out.join("figures/cdf-latency-1.svg").exists());
    // run.json keeps the classes: `hartlab plot` redraws the same summary and figure.
    let svg = std::fs::read(out.join("figures/cdf-latency-1.svg")).unwrap();
    let o = hartlab(&["plot", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(
        std::fs::read_to_string(out.join("summary.csv")).unwrap(),
        summary
    );
    assert_eq!(
        std::fs::read(out.join("figures/cdf-latency-1.svg")).unwrap(),
        svg
    );
    let baseline = dir.path().join("ping.json");
    let o = run_check(&file, &baseline, &dir.path().join("check"), &["--bless"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let base = std::fs::read_to_string(&baseline).unwrap();
    assert!(base.contains("\"latency_side0.p99\""), "{base}");
}
