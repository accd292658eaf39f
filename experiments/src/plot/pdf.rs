//! PDF figures: the SVG that plotters wrote, converted by svg2pdf (typst's maintained
//! converter), so the PDF shows exactly what the SVG does, as vectors.
//!
//! Text becomes outlines (glyph paths of the bundled font) rather than embedded fonts: svg2pdf
//! writes embedded fonts in hash-map order, which would make the same figure's PDF differ
//! from run to run, and outlined text is what publishers' PDF checks accept without font
//! questions. Fills are opaque (see `render::tint`) for the same reason.

use std::sync::Arc;

use svg2pdf::usvg;

/// The PDF of `svg` (text in the bundled DejaVu Sans, which plotters names `sans-serif`).
pub fn from_svg(svg: &str) -> Result<Vec<u8>, String> {
    let mut db = usvg::fontdb::Database::new();
    db.load_font_data(dejavu::sans::regular().to_vec());
    db.load_font_data(dejavu::sans::bold().to_vec());
    db.set_sans_serif_family("DejaVu Sans");
    let options = usvg::Options {
        font_family: "DejaVu Sans".into(),
        fontdb: Arc::new(db),
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(svg, &options).map_err(|e| format!("{e}"))?;
    svg2pdf::to_pdf(
        &tree,
        svg2pdf::ConversionOptions {
            embed_text: false,
            ..svg2pdf::ConversionOptions::default()
        },
        svg2pdf::PageOptions::default(),
    )
    .map_err(|e| format!("{e}"))
}
