//! Figures: each `[[plot]]` is reduced to a [`Figure`] model (panels, axes, styled lines or
//! boxes, legend, notes; [`kinds`]) from the stored records, laid out and drawn with plotters
//! ([`render`]) as SVG and as PNG (at twice the resolution), and the SVG converted to PDF
//! ([`pdf`]). Text uses the DejaVu Sans font built into the binary (plotters' `ab_glyph`
//! backend), so every format carries its labels on machines without fonts; the same records
//! give byte-identical files.

pub mod axes;
pub mod kinds;
pub mod model;
pub mod pdf;
pub mod render;
pub mod style;

use std::path::Path;
use std::sync::Once;

use anyhow::{Context, Result};
use plotters::prelude::*;

pub use model::Figure;

use crate::store::{self, PointRecord, RunMeta};

/// The PNG's resolution relative to the SVG's (and the PDF's) user units.
const PNG_SCALE: f64 = 2.0;

/// A figure that was drawn, or why not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drawn {
    /// File stem under `figures/`.
    pub stem: String,
    /// Title.
    pub title: String,
    /// Why it was not drawn (no matching data).
    pub note: Option<String>,
}

fn register_fonts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The bundled font parses; if it ever did not, text would be missing, not the figure.
        let _ = plotters::style::register_font(
            "sans-serif",
            FontStyle::Normal,
            dejavu::sans::regular(),
        );
        let _ = plotters::style::register_font("sans-serif", FontStyle::Bold, dejavu::sans::bold());
    });
}

/// The figure models of a run, by file stem: each figure, or why there is none.
pub fn figures(meta: &RunMeta, records: &[PointRecord]) -> Vec<(String, Result<Figure, String>)> {
    meta.plots
        .iter()
        .enumerate()
        .map(|(i, spec)| (spec.file_stem(i), kinds::figure(meta, spec, records)))
        .collect()
}

/// The SVG text of `fig`.
pub fn svg_of(fig: &Figure) -> Result<String, String> {
    register_fonts();
    let lay = render::layout(fig);
    let mut svg = String::new();
    {
        let size = (lay.size.0 as u32, lay.size.1 as u32);
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        render::render(&root, fig, &lay, 1.0)?;
    }
    Ok(svg)
}

/// Write `fig` as `stem.svg`, `stem.png` and `stem.pdf` into `dir`.
pub fn write(dir: &Path, stem: &str, fig: &Figure) -> Result<()> {
    let svg = svg_of(fig).map_err(|e| anyhow::anyhow!("cannot draw {stem}.svg: {e}"))?;
    store::write_atomic(&dir.join(format!("{stem}.svg")), svg.as_bytes())?;
    let pdf = pdf::from_svg(&svg).map_err(|e| anyhow::anyhow!("cannot write {stem}.pdf: {e}"))?;
    store::write_atomic(&dir.join(format!("{stem}.pdf")), &pdf)?;
    let lay = render::layout(fig);
    let png = dir.join(format!("{stem}.png"));
    let size = (
        (lay.size.0 * PNG_SCALE) as u32,
        (lay.size.1 * PNG_SCALE) as u32,
    );
    let root = BitMapBackend::new(&png, size).into_drawing_area();
    render::render(&root, fig, &lay, PNG_SCALE)
        .map_err(|e| anyhow::anyhow!("cannot draw {}: {e}", png.display()))
}

/// Draw every figure of the run into `dir/figures`.
pub fn draw_all(dir: &Path, meta: &RunMeta, records: &[PointRecord]) -> Result<Vec<Drawn>> {
    let out_dir = dir.join(store::FIGURES);
    std::fs::create_dir_all(&out_dir)
        .with_context(|| format!("cannot create {}", out_dir.display()))?;
    let mut out = Vec::new();
    for ((stem, fig), spec) in figures(meta, records).into_iter().zip(&meta.plots) {
        let title = spec
            .title
            .clone()
            .unwrap_or_else(|| kinds::default_title(meta, spec));
        out.push(drawn(&out_dir, stem, title, fig)?);
    }
    for spec in &meta.theory {
        let stem = format!("theory-{}", spec.name);
        let fig = crate::theory::figure(meta, spec, records);
        let title = match &fig {
            Ok(f) => f.title.clone(),
            Err(_) => format!("{}: measured against theory", spec.name),
        };
        out.push(drawn(&out_dir, stem, title, fig)?);
    }
    Ok(out)
}

/// Writes figure `fig` under `stem` (or keeps why it could not be drawn) and says so.
fn drawn(
    out_dir: &Path,
    stem: String,
    title: String,
    fig: Result<Figure, String>,
) -> Result<Drawn> {
    let note = match fig {
        Err(note) => Some(note),
        Ok(fig) => {
            write(out_dir, &stem, &fig)?;
            None
        }
    };
    Ok(Drawn { stem, title, note })
}
