//! What a run leaves besides its points: `summary.csv` (per point and per group pooled over
//! seeds), the figures, and `report.md`, all computed from the stored records in sweep
//! order, so they are the same whatever `--jobs` was and `hartlab plot` can redraw them.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use anyhow::Result;

use crate::schema::metric_order;
use crate::stats::{summarize, MetricData, Summary};
use crate::store::{self, BadLine, PointRecord, RunMeta};

/// Summary of one metric in one group (pooled over its passing seeds).
#[derive(Debug, Clone)]
pub struct GroupRow {
    /// Group label.
    pub group: String,
    /// Its parameters.
    pub params: BTreeMap<String, serde_json::Value>,
    /// Metric name.
    pub metric: String,
    /// The statistics.
    pub summary: Summary,
    /// Seeds that failed.
    pub failed: usize,
}

/// Groups in sweep order with their records.
pub fn groups(records: &[PointRecord]) -> Vec<(String, Vec<&PointRecord>)> {
    let mut out: Vec<(String, Vec<&PointRecord>)> = Vec::new();
    for r in records {
        match out.iter_mut().find(|(g, _)| *g == r.group) {
            Some((_, v)) => v.push(r),
            None => out.push((r.group.clone(), vec![r])),
        }
    }
    out
}

/// Per-group summaries of every metric, in sweep order then metric name (a family's classes
/// after it, in class order).
pub fn group_rows(meta: &RunMeta, records: &[PointRecord]) -> Vec<GroupRow> {
    let mut rows = Vec::new();
    for (group, recs) in groups(records) {
        let ok: Vec<&PointRecord> = recs.iter().copied().filter(|r| r.ok()).collect();
        let failed = recs.len() - ok.len();
        let mut names: Vec<&String> = ok.iter().flat_map(|r| r.metrics.keys()).collect();
        names.sort_by_cached_key(|n| metric_order(&meta.metrics, n));
        names.dedup();
        for name in names {
            let data: Vec<&MetricData> = ok.iter().filter_map(|r| r.metrics.get(name)).collect();
            if let Some(summary) = summarize(&data) {
                rows.push(GroupRow {
                    group: group.clone(),
                    params: recs[0].params.clone(),
                    metric: name.clone(),
                    summary,
                    failed,
                });
            }
        }
    }
    rows
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The statistics columns of `summary.csv`: the ones `[check]` and plots name.
const STAT_COLUMNS: [&str; 11] = crate::schema::STATISTICS;

/// `summary.csv`: a row per point and metric (`scope = point`), then a row per group and
/// metric pooled over the group's passing seeds (`scope = group`, `seed = all`). Failed
/// points get one row with their status and no numbers.
pub fn summary_csv(meta: &RunMeta, records: &[PointRecord]) -> String {
    let mut out = String::from("scope,group,seed,status");
    for k in &meta.sweep {
        out.push(',');
        out.push_str(&csv_field(k));
    }
    out.push_str(",metric,unit");
    for c in STAT_COLUMNS {
        out.push(',');
        out.push_str(c);
    }
    out.push('\n');
    let params = |p: &BTreeMap<String, serde_json::Value>| {
        meta.sweep
            .iter()
            .map(|k| {
                csv_field(
                    &p.get(k)
                        .map(crate::sweep::json_value_text)
                        .unwrap_or_default(),
                )
            })
            .collect::<Vec<_>>()
            .join(",")
    };
    let sep = if meta.sweep.is_empty() { "" } else { "," };
    let stats = |s: &Summary| {
        STAT_COLUMNS
            .iter()
            .map(|c| format_number(s.get(c).unwrap_or(f64::NAN)))
            .collect::<Vec<_>>()
            .join(",")
    };
    for r in records {
        let head = format!(
            "point,{},{},{}{sep}{}",
            csv_field(&r.group),
            r.seed,
            if r.ok() { "ok" } else { "failed" },
            params(&r.params)
        );
        if !r.ok() || r.metrics.is_empty() {
            let _ = writeln!(out, "{head},,{}", ",".repeat(STAT_COLUMNS.len() - 1));
            continue;
        }
        let mut metrics: Vec<(&String, &MetricData)> = r.metrics.iter().collect();
        metrics.sort_by_cached_key(|(n, _)| metric_order(&meta.metrics, n));
        for (name, d) in metrics {
            if let Some(s) = summarize(&[d]) {
                let _ = writeln!(
                    out,
                    "{head},{},{},{}",
                    csv_field(name),
                    csv_field(meta.unit(name)),
                    stats(&s)
                );
            }
        }
    }
    for g in group_rows(meta, records) {
        let status = if g.failed == 0 {
            "ok".to_string()
        } else {
            format!("{} failed", g.failed)
        };
        let _ = writeln!(
            out,
            "group,{},all,{}{sep}{},{},{},{}",
            csv_field(&g.group),
            csv_field(&status),
            params(&g.params),
            csv_field(&g.metric),
            csv_field(meta.unit(&g.metric)),
            stats(&g.summary)
        );
    }
    out
}

/// A number for tables: integers without a fraction, others with up to 6 significant digits.
pub fn format_number(x: f64) -> String {
    if !x.is_finite() {
        return String::new();
    }
    if x.fract() == 0.0 && x.abs() < 1e15 {
        return format!("{}", x as i64);
    }
    let digits = (6 - 1 - x.abs().log10().floor() as i32).clamp(0, 12) as usize;
    let s = format!("{x:.digits$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// Write `summary.csv`, the figures and `report.md` into `dir`; `skipped` are lines of
/// `points.jsonl` left out (`hartlab plot --skip-bad`), which the report states.
pub fn finish(
    dir: &Path,
    meta: &RunMeta,
    records: &[PointRecord],
    skipped: &[BadLine],
) -> Result<()> {
    finish_with(dir, meta, records, skipped, None)
}

/// [`finish`], with `missing` (what a `hartlab merge --partial` lacks) stated in the report.
pub fn finish_with(
    dir: &Path,
    meta: &RunMeta,
    records: &[PointRecord],
    skipped: &[BadLine],
    missing: Option<&str>,
) -> Result<()> {
    store::write_atomic(
        &dir.join(store::SUMMARY),
        summary_csv(meta, records).as_bytes(),
    )?;
    let figures = crate::plot::draw_all(dir, meta, records)?;
    store::write_atomic(
        &dir.join(store::REPORT),
        report(dir, meta, records, skipped, missing, &figures).as_bytes(),
    )
}

fn report(
    dir: &Path,
    meta: &RunMeta,
    records: &[PointRecord],
    skipped: &[BadLine],
    missing: Option<&str>,
    figures: &[crate::plot::Drawn],
) -> String {
    let mut md = format!("# {}\n\n", meta.name);
    if !meta.description.is_empty() {
        let _ = writeln!(md, "{}\n", meta.description.trim());
    }
    let failed = records.iter().filter(|r| !r.ok()).count();
    let _ = writeln!(md, "- experiment file: `{}`", meta.file);
    let _ = writeln!(
        md,
        "- profile: {}, run `{}`",
        meta.profile.name(),
        meta.run_id
    );
    let _ = writeln!(
        md,
        "- points: {} of {} stored ({} passed, {failed} failed); seeds: {:?}",
        records.len(),
        meta.points,
        records.len() - failed,
        meta.seeds
    );
    if let Some(missing) = missing {
        let _ = writeln!(md, "- merged without every point: {missing}");
    }
    if !skipped.is_empty() {
        let _ = writeln!(
            md,
            "- {}: the summary and figures leave their points out",
            skipped_text(skipped, "`points.jsonl`")
        );
    }
    let _ = writeln!(
        md,
        "- swept: {}",
        if meta.sweep.is_empty() {
            "nothing".to_string()
        } else {
            meta.sweep.join(", ")
        }
    );
    let _ = writeln!(
        md,
        "- data: [`points.jsonl`](points.jsonl), [`summary.csv`](summary.csv)\n"
    );
    let _ = writeln!(md, "## Figures\n");
    if figures.is_empty() {
        let _ = writeln!(md, "No `[[plot]]` in the experiment.\n");
    }
    for f in figures {
        let _ = writeln!(md, "### {}\n", f.title);
        match &f.note {
            Some(note) => {
                let _ = writeln!(md, "Not drawn: {note}\n");
            }
            None => {
                let _ = writeln!(
                    md,
                    "![{}](figures/{}.svg)\n\n[SVG](figures/{}.svg) · [PNG](figures/{}.png) · [PDF](figures/{}.pdf)\n",
                    f.title, f.stem, f.stem, f.stem, f.stem
                );
            }
        }
    }
    md.push_str(&crate::theory::report_section(meta, records));
    let _ = writeln!(md, "## Summary by group (pooled over seeds)\n");
    let rows = group_rows(meta, records);
    if rows.is_empty() {
        let _ = writeln!(md, "No samples.\n");
    } else {
        let _ = writeln!(
            md,
            "| group | metric | seeds | count | mean | stddev | p50 | p99 | p99.9 | max |"
        );
        let _ = writeln!(md, "|---|---|---|---|---|---|---|---|---|---|");
        for g in &rows {
            let s = &g.summary;
            let unit = meta.unit(&g.metric);
            let metric = if unit.is_empty() {
                g.metric.clone()
            } else {
                format!("{} ({unit})", g.metric)
            };
            let _ = writeln!(
                md,
                "| {} | {metric} | {} | {} | {} | {} | {} | {} | {} | {} |",
                g.group,
                s.seeds,
                s.count,
                format_number(s.mean),
                format_number(s.stddev),
                format_number(s.p50),
                format_number(s.p99),
                format_number(s.p999),
                format_number(s.max)
            );
        }
        md.push('\n');
    }
    if failed > 0 {
        let _ = writeln!(md, "## Failed points\n");
        for r in records.iter().filter(|r| !r.ok()) {
            let _ = writeln!(
                md,
                "- {} seed {}: {} (console in `points.jsonl`, id `{}`)",
                r.group,
                r.seed,
                r.reason.as_deref().unwrap_or("?"),
                r.id
            );
        }
        md.push('\n');
    }
    let _ = writeln!(md, "## Configuration\n");
    match std::fs::read_to_string(dir.join(store::RESOLVED)) {
        Ok(text) => {
            let _ = writeln!(md, "```toml\n{}```", text);
        }
        Err(_) => {
            let _ = writeln!(md, "(`{}` is missing)", store::RESOLVED);
        }
    }
    md
}

/// `N corrupt line(s) of FILE skipped (line(s) ...)`.
fn skipped_text(skipped: &[BadLine], file: &str) -> String {
    format!(
        "{} corrupt line{} of {file} skipped ({})",
        skipped.len(),
        if skipped.len() == 1 { "" } else { "s" },
        store::lines_text(skipped)
    )
}

/// What `hartlab plot` redrew.
#[derive(Debug, Clone)]
pub struct Redrawn {
    /// Points the summary, figures and report come from.
    pub points: usize,
    /// Lines of `points.jsonl` left out (only with `skip_bad`).
    pub skipped: Vec<BadLine>,
}

/// Redraw the summary, figures and report of the run in `dir` from its saved data
/// (`hartlab plot DIR`). A line of `points.jsonl` that is not a record is an error naming
/// the file and line, unless `skip_bad`, when it is left out and the report says so. An
/// experiment's directory (`results/NAME`) is an error listing its runs.
pub fn redraw(dir: &Path, skip_bad: bool) -> Result<Redrawn> {
    if !dir.join(store::RUN).exists() {
        let runs = store::runs_in(dir);
        if !runs.is_empty() {
            let list: Vec<String> = runs.iter().map(|r| r.describe()).collect();
            anyhow::bail!(
                "{} holds {} run{} of experiment {:?}, not one run's data: plot one of them: {}",
                dir.display(),
                runs.len(),
                if runs.len() == 1 { "" } else { "s" },
                runs[0].meta.name,
                list.join("; ")
            );
        }
    }
    let meta = RunMeta::read(dir)?;
    let file = store::PointsFile::read(dir)?;
    if !skip_bad {
        if let Some(bad) = file.bad.first() {
            anyhow::bail!(
                "{}; `hartlab plot --skip-bad` redraws without the {} such line{}",
                file.describe(bad),
                file.bad.len(),
                if file.bad.len() == 1 { "" } else { "s" }
            );
        }
    }
    finish(dir, &meta, &file.records, &file.bad)?;
    Ok(Redrawn {
        points: file.records.len(),
        skipped: file.bad,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_compactly() {
        assert_eq!(format_number(33000.0), "33000");
        assert_eq!(format_number(12.345678901), "12.3457");
        assert_eq!(format_number(0.000123456789), "0.000123457");
        assert_eq!(format_number(f64::NAN), "");
        assert_eq!(format_number(141200.00000000001), "141200");
        assert_eq!(format_number(920980.4), "920980");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
    }
}
