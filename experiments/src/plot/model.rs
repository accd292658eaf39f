//! The figure model: what a figure shows (panels, axes, lines, boxes, legend, notes), built
//! from the records before anything is drawn, so its structure can be tested without
//! reading images. Coordinates are data values (category index on a categorical axis).

use super::style::Style;

/// How an axis places values.
#[derive(Debug, Clone, PartialEq)]
pub enum Scale {
    /// Evenly spaced categories at 0, 1, ...; their labels.
    Category(Vec<String>),
    /// Linear.
    Linear,
    /// Logarithmic (base 10); only positive values.
    Log,
}

/// A tick mark: labelled (major) or not (minor).
#[derive(Debug, Clone, PartialEq)]
pub struct Tick {
    /// Position, in data units.
    pub value: f64,
    /// Label; empty for a minor tick.
    pub label: String,
}

/// An axis.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    /// Axis title, with the unit when tick labels do not carry it.
    pub title: String,
    /// Placement.
    pub scale: Scale,
    /// Shown range, in data units (positive on a log axis).
    pub lo: f64,
    /// Shown range's top.
    pub hi: f64,
    /// Ticks within the range.
    pub ticks: Vec<Tick>,
}

impl Axis {
    /// Whether `v` lies in the shown range.
    pub fn contains(&self, v: f64) -> bool {
        let eps = (self.hi - self.lo).abs() * 1e-9;
        v >= self.lo - eps && v <= self.hi + eps
    }
}

/// A line (with markers and error bars).
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// Legend text (empty: not in the legend).
    pub label: String,
    /// Colour, marker, dash.
    pub style: Style,
    /// The path.
    pub points: Vec<(f64, f64)>,
    /// Where markers sit (every point of a line plot; a few quantiles of a CDF).
    pub markers: Vec<(f64, f64)>,
    /// (x, low, high) error bars.
    pub errors: Vec<(f64, f64, f64)>,
}

/// A box or a violin: a distribution at one x position.
#[derive(Debug, Clone, PartialEq)]
pub struct Dist {
    /// Centre on the x axis (category index, dodged for series).
    pub x: f64,
    /// Width in x units.
    pub width: f64,
    /// Colour.
    pub style: Style,
    /// Smallest sample shown (the smallest positive one on a log axis).
    pub min: f64,
    /// First quartile.
    pub q1: f64,
    /// Median.
    pub median: f64,
    /// Third quartile.
    pub q3: f64,
    /// Largest sample.
    pub max: f64,
    /// Violin outline: (value, relative width 0..=1), ascending values.
    pub density: Vec<(f64, f64)>,
}

/// One set of axes.
#[derive(Debug, Clone, PartialEq)]
pub struct Panel {
    /// Title above the panel (the facet's value), may be empty.
    pub title: String,
    /// x axis.
    pub x: Axis,
    /// y axis.
    pub y: Axis,
    /// Lines.
    pub lines: Vec<Line>,
    /// Boxes or violins.
    pub dists: Vec<Dist>,
    /// Draw `dists` as violins rather than boxes.
    pub violins: bool,
}

/// A legend entry.
#[derive(Debug, Clone, PartialEq)]
pub struct LegendEntry {
    /// Text.
    pub label: String,
    /// Its style.
    pub style: Style,
    /// Drawn as a filled patch (boxes, violins) rather than a line with a marker.
    pub patch: bool,
}

/// A whole figure.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    /// Title.
    pub title: String,
    /// Second line under the title (the filter), may be empty.
    pub subtitle: String,
    /// Panels (small multiples), row by row.
    pub panels: Vec<Panel>,
    /// Panels per row.
    pub columns: usize,
    /// Panels share the x axis (tick labels only on the bottom panels, one title).
    pub share_x: bool,
    /// Panels share the y axis (tick labels only on the left panels, one title).
    pub share_y: bool,
    /// Legend title, may be empty.
    pub legend_title: String,
    /// Legend, drawn outside the panels; empty for none.
    pub legend: Vec<LegendEntry>,
    /// Notes under the figure: what was clipped, what the bars mean.
    pub notes: Vec<String>,
}

impl Figure {
    /// Every line of every panel.
    pub fn lines(&self) -> impl Iterator<Item = &Line> {
        self.panels.iter().flat_map(|p| &p.lines)
    }
}
