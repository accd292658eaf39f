//! Drawing a [`Figure`] with plotters onto any backend (SVG, PNG): the layout (title, a grid
//! of panels, one legend outside them on the right, notes underneath), then each panel's
//! frame, grid, ticks and content, all in pixel coordinates mapped from the model's axes.
//! `scale` multiplies every length, so a PNG can be drawn at twice the SVG's resolution.

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::model::{Axis, Dist, Figure, Line, Panel, Scale};
use super::style::{Dash, Marker, Style};

const FONT: &str = "sans-serif";
// Font sizes as plotters takes them (it draws text at about 0.8 of the size given): ticks
// about 12 px high, so text stays legible when a figure is scaled to a paper's column.
const TITLE: f64 = 19.0;
const SUBTITLE: f64 = 15.0;
const PANEL_TITLE: f64 = 15.0;
const TICK: f64 = 14.5;
const AXIS_TITLE: f64 = 16.0;
const LEGEND: f64 = 15.0;
const NOTE: f64 = 13.5;
const NOTE_LINE: f64 = 18.0;
const GRID: RGBColor = RGBColor(225, 225, 225);
const FRAME: RGBColor = RGBColor(90, 90, 90);
const MUTED: RGBColor = RGBColor(90, 90, 90);

/// Width of `text` at `size` points (the bundled font), in unscaled pixels.
fn text_width(text: &str, size: f64) -> f64 {
    if text.is_empty() {
        return 0.0;
    }
    (FONT, size)
        .into_font()
        .box_size(text)
        .map(|(w, _)| w as f64)
        .unwrap_or(text.chars().count() as f64 * size * 0.6)
}

/// Where everything goes, in unscaled pixels.
pub struct Layout {
    /// Figure size.
    pub size: (f64, f64),
    /// Plot rectangle (x, y, w, h) of each panel.
    pub panels: Vec<(f64, f64, f64, f64)>,
    /// The legend's top left corner.
    pub legend: (f64, f64),
    /// The legend's width (0 without a legend).
    pub legend_width: f64,
    notes_top: f64,
    y_tick_width: f64,
}

/// Plot area of one panel, by how many panels there are and how many categories.
fn panel_size(fig: &Figure) -> (f64, f64) {
    // Sized so that text is about as large relative to the panels as in matplotlib's and
    // seaborn's defaults: it stays legible when the figure is scaled to a paper's column.
    let (mut w, h) = match (fig.panels.len(), fig.columns) {
        (1, _) => (440.0, 280.0),
        (_, 2) => (320.0, 230.0),
        (_, 3) => (230.0, 170.0),
        _ => (190.0, 140.0),
    };
    // Room for every category label side by side.
    for p in &fig.panels {
        if let Scale::Category(labels) = &p.x.scale {
            let widest = labels
                .iter()
                .map(|l| text_width(l, TICK))
                .fold(0.0, f64::max);
            w = f64::max(w, labels.len() as f64 * (widest + 14.0));
        }
    }
    (w, h)
}

/// The layout of `fig`.
pub fn layout(fig: &Figure) -> Layout {
    let n = fig.panels.len().max(1);
    let cols = fig.columns.clamp(1, n);
    let rows = n.div_ceil(cols);
    let (pw, ph) = panel_size(fig);
    let y_tick_width = fig
        .panels
        .iter()
        .flat_map(|p| &p.y.ticks)
        .map(|t| text_width(&t.label, TICK))
        .fold(0.0, f64::max)
        + 10.0;
    let y_title = 24.0;
    let x_ticks = 24.0;
    let x_title = 30.0;
    let panel_title = if fig.panels.iter().any(|p| !p.title.is_empty()) {
        22.0
    } else {
        0.0
    };
    let col_gap = if fig.share_y {
        14.0
    } else {
        y_tick_width + y_title + 18.0
    };
    let row_gap = if fig.share_x { 6.0 } else { x_title };
    let mut top = 14.0 + TITLE + 10.0;
    if !fig.subtitle.is_empty() {
        top += SUBTITLE + 6.0;
    }
    let left = 12.0 + y_title + y_tick_width;
    let mut panels = Vec::new();
    for i in 0..n {
        let (r, c) = ((i / cols) as f64, (i % cols) as f64);
        panels.push((
            left + c * (pw + col_gap),
            top + panel_title + r * (panel_title + ph + x_ticks + row_gap),
            pw,
            ph,
        ));
    }
    let grid_right = left + cols as f64 * pw + (cols - 1) as f64 * col_gap;
    let grid_bottom =
        top + rows as f64 * (panel_title + ph + x_ticks) + (rows - 1) as f64 * row_gap;
    let legend_width = if fig.legend.is_empty() {
        0.0
    } else {
        fig.legend
            .iter()
            .map(|e| text_width(&e.label, LEGEND))
            .chain([text_width(&fig.legend_title, LEGEND)])
            .fold(0.0, f64::max)
            + 54.0
    };
    let legend = (grid_right + 18.0, top + panel_title);
    let legend_height = legend_rows(fig) as f64 * 20.0 + 16.0;
    let notes_top = grid_bottom + x_title + 6.0;
    let widest_note = fig
        .notes
        .iter()
        .map(|n| text_width(n, NOTE))
        .chain([
            text_width(&fig.title, TITLE),
            text_width(&fig.subtitle, SUBTITLE),
        ])
        .fold(0.0, f64::max);
    let width = f64::max(
        legend.0 + legend_width + 14.0,
        f64::max(grid_right + 20.0, widest_note + 40.0),
    );
    let height = f64::max(
        notes_top + fig.notes.len() as f64 * NOTE_LINE + 10.0,
        legend.1 + legend_height + 14.0,
    );
    Layout {
        size: (width.ceil(), height.ceil()),
        panels,
        legend,
        legend_width,
        notes_top,
        y_tick_width,
    }
}

fn legend_rows(fig: &Figure) -> usize {
    fig.legend.len() + usize::from(!fig.legend_title.is_empty())
}

/// Maps data to pixels in one panel.
struct Map<'a> {
    rect: (f64, f64, f64, f64),
    x: &'a Axis,
    y: &'a Axis,
    s: f64,
}

fn t(axis: &Axis, v: f64) -> f64 {
    match axis.scale {
        Scale::Log => v.max(f64::MIN_POSITIVE).log10(),
        _ => v,
    }
}

impl Map<'_> {
    fn fx(&self, v: f64) -> f64 {
        let (lo, hi) = (t(self.x, self.x.lo), t(self.x, self.x.hi));
        self.rect.0 + (t(self.x, v) - lo) / (hi - lo) * self.rect.2
    }
    fn fy(&self, v: f64) -> f64 {
        let (lo, hi) = (t(self.y, self.y.lo), t(self.y, self.y.hi));
        self.rect.1 + self.rect.3 - (t(self.y, v) - lo) / (hi - lo) * self.rect.3
    }
    fn px(&self, p: (f64, f64)) -> (i32, i32) {
        (
            (self.fx(p.0) * self.s).round() as i32,
            (self.fy(p.1) * self.s).round() as i32,
        )
    }
}

fn err<E: std::fmt::Debug>(e: E) -> String {
    format!("{e:?}")
}

fn rgb(c: (u8, u8, u8)) -> RGBColor {
    RGBColor(c.0, c.1, c.2)
}

/// `c` at `strength` over white, as an opaque colour: fills need no transparency, which
/// keeps the PDF free of graphics-state resources (whose order svg2pdf does not fix).
fn tint(c: (u8, u8, u8), strength: f64) -> RGBColor {
    let mix = |v: u8| (255.0 - (255.0 - f64::from(v)) * strength).round() as u8;
    RGBColor(mix(c.0), mix(c.1), mix(c.2))
}

/// How a text is set.
struct Look {
    size: f64,
    color: RGBColor,
    pos: Pos,
    bold: bool,
    vertical: bool,
}

struct Painter<'a, DB: DrawingBackend> {
    root: &'a DrawingArea<DB, Shift>,
    s: f64,
}

impl<DB: DrawingBackend> Painter<'_, DB> {
    fn p(&self, x: f64, y: f64) -> (i32, i32) {
        ((x * self.s).round() as i32, (y * self.s).round() as i32)
    }

    fn text(&self, text: &str, at: (f64, f64), look: Look) -> Result<(), String> {
        if text.is_empty() {
            return Ok(());
        }
        let mut font = (FONT, look.size * self.s).into_font();
        if look.bold {
            font = font.style(FontStyle::Bold);
        }
        if look.vertical {
            font = font.transform(FontTransform::Rotate270);
        }
        let style = font.color(&look.color).pos(look.pos);
        self.root
            .draw(&Text::new(text.to_string(), self.p(at.0, at.1), style))
            .map_err(err)
    }

    fn path(&self, pts: Vec<(i32, i32)>, style: ShapeStyle) -> Result<(), String> {
        self.root.draw(&PathElement::new(pts, style)).map_err(err)
    }

    fn line(&self, pts: Vec<(i32, i32)>, st: &Style, width: f64) -> Result<(), String> {
        let style = rgb(st.color).stroke_width((width * self.s).round().max(1.0) as u32);
        let (on, off) = match st.dash {
            Dash::Solid => return self.path(pts, style),
            Dash::Dashed => (7.0, 4.0),
            Dash::Dotted => (1.5, 3.5),
            Dash::Short => (3.5, 3.0),
        };
        let (on, off) = ((on * self.s).round() as i32, (off * self.s).round() as i32);
        self.root
            .draw(&DashedPathElement::new(pts, on, off, style))
            .map_err(err)
    }

    fn marker(&self, at: (i32, i32), st: &Style, radius: f64) -> Result<(), String> {
        let r = radius * self.s;
        let color = rgb(st.color);
        let fill = color.filled();
        let edge = color.stroke_width((1.5 * self.s).round().max(1.0) as u32);
        let poly = |pts: &[(f64, f64)]| -> Vec<(i32, i32)> {
            pts.iter()
                .map(|(x, y)| (at.0 + (x * r).round() as i32, at.1 + (y * r).round() as i32))
                .collect()
        };
        let ri = r.round() as i32;
        match st.marker {
            Marker::Circle => self.root.draw(&Circle::new(at, ri, fill)).map_err(err),
            Marker::Ring => {
                self.root
                    .draw(&Circle::new(at, ri, WHITE.filled()))
                    .map_err(err)?;
                self.root.draw(&Circle::new(at, ri, edge)).map_err(err)
            }
            Marker::Square => {
                let k = (0.85 * r).round() as i32;
                self.root
                    .draw(&Rectangle::new(
                        [(at.0 - k, at.1 - k), (at.0 + k, at.1 + k)],
                        fill,
                    ))
                    .map_err(err)
            }
            Marker::TriangleUp => self
                .root
                .draw(&Polygon::new(
                    poly(&[(0.0, -1.2), (1.1, 0.8), (-1.1, 0.8)]),
                    fill,
                ))
                .map_err(err),
            Marker::TriangleDown => self
                .root
                .draw(&Polygon::new(
                    poly(&[(0.0, 1.2), (1.1, -0.8), (-1.1, -0.8)]),
                    fill,
                ))
                .map_err(err),
            Marker::Diamond => self
                .root
                .draw(&Polygon::new(
                    poly(&[(0.0, -1.3), (1.0, 0.0), (0.0, 1.3), (-1.0, 0.0)]),
                    fill,
                ))
                .map_err(err),
            Marker::Cross => {
                self.path(poly(&[(-1.0, -1.0), (1.0, 1.0)]), edge)?;
                self.path(poly(&[(-1.0, 1.0), (1.0, -1.0)]), edge)
            }
            Marker::Plus => {
                self.path(poly(&[(-1.2, 0.0), (1.2, 0.0)]), edge)?;
                self.path(poly(&[(0.0, -1.2), (0.0, 1.2)]), edge)
            }
        }
    }
}

/// Draw `fig` on `root`, laid out by `lay`, every length times `scale`.
pub fn render<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    fig: &Figure,
    lay: &Layout,
    scale: f64,
) -> Result<(), String> {
    root.fill(&WHITE).map_err(err)?;
    let pa = Painter { root, s: scale };
    let centre = lay.size.0 / 2.0;
    pa.text(
        &fig.title,
        (centre, 12.0),
        Look {
            size: TITLE,
            color: BLACK,
            pos: Pos::new(HPos::Center, VPos::Top),
            bold: true,
            vertical: false,
        },
    )?;
    pa.text(
        &fig.subtitle,
        (centre, 14.0 + TITLE + 6.0),
        Look {
            size: SUBTITLE,
            color: MUTED,
            pos: Pos::new(HPos::Center, VPos::Top),
            bold: false,
            vertical: false,
        },
    )?;
    let n = fig.panels.len();
    let cols = fig.columns.clamp(1, n.max(1));
    for (i, (panel, rect)) in fig.panels.iter().zip(&lay.panels).enumerate() {
        let first_col = i % cols == 0;
        let bottom = i + cols >= n;
        let show_y = !fig.share_y || first_col;
        let show_x = !fig.share_x || bottom;
        draw_panel(&pa, panel, *rect, show_x, show_y)?;
        if !fig.share_y {
            y_title(&pa, &panel.y.title, *rect, lay.y_tick_width)?;
        }
        if !fig.share_x {
            x_title(&pa, &panel.x.title, rect.0 + rect.2 / 2.0, rect.1 + rect.3)?;
        }
    }
    if let (Some(first), Some(last)) = (lay.panels.first(), lay.panels.last()) {
        if fig.share_y {
            // Centred on the left column.
            let rows: Vec<_> = lay.panels.iter().step_by(cols).collect();
            let top = rows.first().map_or(first.1, |r| r.1);
            let bottom = rows.last().map_or(first.1 + first.3, |r| r.1 + r.3);
            y_title(
                &pa,
                &fig.panels[0].y.title,
                (first.0, top, first.2, bottom - top),
                lay.y_tick_width,
            )?;
        }
        if fig.share_x {
            let right = lay.panels.iter().map(|r| r.0 + r.2).fold(first.0, f64::max);
            x_title(
                &pa,
                &fig.panels[0].x.title,
                (first.0 + right) / 2.0,
                last.1 + last.3,
            )?;
        }
    }
    draw_legend(&pa, fig, lay)?;
    for (k, note) in fig.notes.iter().enumerate() {
        pa.text(
            note,
            (14.0, lay.notes_top + k as f64 * NOTE_LINE),
            Look {
                size: NOTE,
                color: MUTED,
                pos: Pos::new(HPos::Left, VPos::Top),
                bold: false,
                vertical: false,
            },
        )?;
    }
    root.present().map_err(err)
}

fn y_title<DB: DrawingBackend>(
    pa: &Painter<DB>,
    title: &str,
    rect: (f64, f64, f64, f64),
    tick_width: f64,
) -> Result<(), String> {
    pa.text(
        title,
        (rect.0 - tick_width - 8.0, rect.1 + rect.3 / 2.0),
        Look {
            size: AXIS_TITLE,
            color: BLACK,
            pos: Pos::new(HPos::Center, VPos::Bottom),
            bold: false,
            vertical: true,
        },
    )
}

fn x_title<DB: DrawingBackend>(
    pa: &Painter<DB>,
    title: &str,
    x: f64,
    bottom: f64,
) -> Result<(), String> {
    pa.text(
        title,
        (x, bottom + 27.0),
        Look {
            size: AXIS_TITLE,
            color: BLACK,
            pos: Pos::new(HPos::Center, VPos::Top),
            bold: false,
            vertical: false,
        },
    )
}

fn draw_panel<DB: DrawingBackend>(
    pa: &Painter<DB>,
    panel: &Panel,
    rect: (f64, f64, f64, f64),
    show_x: bool,
    show_y: bool,
) -> Result<(), String> {
    let m = Map {
        rect,
        x: &panel.x,
        y: &panel.y,
        s: pa.s,
    };
    let (x0, y0, w, h) = rect;
    let thin = (pa.s).round().max(1.0) as u32;
    let decade = |axis: &Axis, v: f64| {
        matches!(axis.scale, Scale::Log) && (v.log10() - v.log10().round()).abs() < 1e-9
    };
    let y_keep = legible(
        &panel.y,
        |v| m.fy(v),
        |_| TICK * 1.6,
        |v| decade(&panel.y, v),
        2.0,
    );
    let x_keep = legible(
        &panel.x,
        |v| m.fx(v),
        |l| text_width(l, TICK),
        |v| decade(&panel.x, v),
        8.0,
    );
    // Grid at the labels drawn (not across categories of x).
    for (tk, &keep) in panel.y.ticks.iter().zip(&y_keep) {
        if keep {
            let y = m.fy(tk.value);
            pa.path(vec![pa.p(x0, y), pa.p(x0 + w, y)], GRID.stroke_width(thin))?;
        }
    }
    if !matches!(panel.x.scale, Scale::Category(_)) {
        for (tk, &keep) in panel.x.ticks.iter().zip(&x_keep) {
            if keep {
                let x = m.fx(tk.value);
                pa.path(vec![pa.p(x, y0), pa.p(x, y0 + h)], GRID.stroke_width(thin))?;
            }
        }
    }
    // Ticks and their labels.
    for (tk, &keep) in panel.y.ticks.iter().zip(&y_keep) {
        let y = m.fy(tk.value);
        let len = if keep { 5.0 } else { 2.5 };
        pa.path(
            vec![pa.p(x0 - len, y), pa.p(x0, y)],
            FRAME.stroke_width(thin),
        )?;
        if show_y && keep {
            pa.text(
                &tk.label,
                (x0 - 8.0, y),
                Look {
                    size: TICK,
                    color: BLACK,
                    pos: Pos::new(HPos::Right, VPos::Center),
                    bold: false,
                    vertical: false,
                },
            )?;
        }
    }
    for (tk, &keep) in panel.x.ticks.iter().zip(&x_keep) {
        let x = m.fx(tk.value);
        let len = if keep { 5.0 } else { 2.5 };
        pa.path(
            vec![pa.p(x, y0 + h), pa.p(x, y0 + h + len)],
            FRAME.stroke_width(thin),
        )?;
        if show_x && keep {
            pa.text(
                &tk.label,
                (x, y0 + h + 7.0),
                Look {
                    size: TICK,
                    color: BLACK,
                    pos: Pos::new(HPos::Center, VPos::Top),
                    bold: false,
                    vertical: false,
                },
            )?;
        }
    }
    pa.text(
        &panel.title,
        (x0 + w / 2.0, y0 - 5.0),
        Look {
            size: PANEL_TITLE,
            color: BLACK,
            pos: Pos::new(HPos::Center, VPos::Bottom),
            bold: false,
            vertical: false,
        },
    )?;
    for d in &panel.dists {
        draw_dist(pa, &m, d, panel.violins)?;
    }
    for line in &panel.lines {
        draw_line(pa, &m, line)?;
    }
    pa.root
        .draw(&Rectangle::new(
            [pa.p(x0, y0), pa.p(x0 + w, y0 + h)],
            FRAME.stroke_width(thin),
        ))
        .map_err(err)
}

/// Which of `axis`' ticks get their label drawn: labelled ticks that do not crowd each other
/// (centres at least half their extents plus `gap` apart), powers of ten first, then the
/// others in order.
fn legible(
    axis: &Axis,
    pos: impl Fn(f64) -> f64,
    extent: impl Fn(&str) -> f64,
    decade: impl Fn(f64) -> bool,
    gap: f64,
) -> Vec<bool> {
    let mut keep = vec![false; axis.ticks.len()];
    let mut order: Vec<usize> = (0..axis.ticks.len())
        .filter(|&i| !axis.ticks[i].label.is_empty())
        .collect();
    order.sort_by_key(|&i| (!decade(axis.ticks[i].value), i));
    let mut placed: Vec<(f64, f64)> = Vec::new();
    for i in order {
        let (p, e) = (pos(axis.ticks[i].value), extent(&axis.ticks[i].label));
        if placed
            .iter()
            .all(|&(q, f)| (p - q).abs() >= (e + f) / 2.0 + gap)
        {
            placed.push((p, e));
            keep[i] = true;
        }
    }
    keep
}

fn draw_line<DB: DrawingBackend>(pa: &Painter<DB>, m: &Map, line: &Line) -> Result<(), String> {
    let color = rgb(line.style.color);
    let bar = color.stroke_width((1.3 * pa.s).round().max(1.0) as u32);
    let cap = 4.0 * pa.s;
    for &(x, lo, hi) in &line.errors {
        let (a, b) = (m.px((x, lo)), m.px((x, hi)));
        pa.path(vec![a, b], bar)?;
        for end in [a, b] {
            pa.path(
                vec![(end.0 - cap as i32, end.1), (end.0 + cap as i32, end.1)],
                bar,
            )?;
        }
    }
    let pts: Vec<(i32, i32)> = line.points.iter().map(|&p| m.px(p)).collect();
    pa.line(pts, &line.style, 2.0)?;
    for &p in &line.markers {
        pa.marker(m.px(p), &line.style, 4.0)?;
    }
    Ok(())
}

fn draw_dist<DB: DrawingBackend>(
    pa: &Painter<DB>,
    m: &Map,
    d: &Dist,
    violin: bool,
) -> Result<(), String> {
    let color = rgb(d.style.color);
    let stroke = color.stroke_width((1.5 * pa.s).round().max(1.0) as u32);
    // The median in a darker shade of the box's colour: a box squeezed flat keeps its colour.
    let shade = |c: u8| (f64::from(c) * 0.6).round() as u8;
    let dark = RGBColor(
        shade(d.style.color.0),
        shade(d.style.color.1),
        shade(d.style.color.2),
    )
    .stroke_width((2.5 * pa.s).round().max(1.0) as u32);
    let half = d.width / 2.0;
    if violin {
        let mut outline: Vec<(i32, i32)> = d
            .density
            .iter()
            .map(|&(v, w)| m.px((d.x + half * w, v)))
            .collect();
        outline.extend(
            d.density
                .iter()
                .rev()
                .map(|&(v, w)| m.px((d.x - half * w, v))),
        );
        pa.root
            .draw(&Polygon::new(
                outline.clone(),
                tint(d.style.color, 0.35).filled(),
            ))
            .map_err(err)?;
        if let Some(&first) = outline.first() {
            outline.push(first);
        }
        pa.path(outline, stroke)?;
        pa.path(
            vec![m.px((d.x, d.q1)), m.px((d.x, d.q3))],
            BLACK.stroke_width((4.0 * pa.s).round() as u32),
        )?;
        let k = half * 0.35;
        return pa.path(
            vec![m.px((d.x - k, d.median)), m.px((d.x + k, d.median))],
            WHITE.stroke_width((2.0 * pa.s).round() as u32),
        );
    }
    let (a, b) = (m.px((d.x - half, d.q3)), m.px((d.x + half, d.q1)));
    pa.root
        .draw(&Rectangle::new([a, b], tint(d.style.color, 0.3).filled()))
        .map_err(err)?;
    pa.root.draw(&Rectangle::new([a, b], stroke)).map_err(err)?;
    let cap = half * 0.45;
    for (from, to) in [(d.q3, d.max), (d.q1, d.min)] {
        pa.path(vec![m.px((d.x, from)), m.px((d.x, to))], stroke)?;
        pa.path(vec![m.px((d.x - cap, to)), m.px((d.x + cap, to))], stroke)?;
    }
    // A white halo keeps the median visible on a dark box and on a box squeezed flat.
    let median = vec![
        m.px((d.x - half * 1.1, d.median)),
        m.px((d.x + half * 1.1, d.median)),
    ];
    pa.path(
        median.clone(),
        WHITE.stroke_width((4.5 * pa.s).round() as u32),
    )?;
    pa.path(median, dark)
}

fn draw_legend<DB: DrawingBackend>(
    pa: &Painter<DB>,
    fig: &Figure,
    lay: &Layout,
) -> Result<(), String> {
    if fig.legend.is_empty() {
        return Ok(());
    }
    let (x, mut y) = lay.legend;
    let height = legend_rows(fig) as f64 * 20.0 + 12.0;
    pa.root
        .draw(&Rectangle::new(
            [pa.p(x, y), pa.p(x + lay.legend_width, y + height)],
            GRID.stroke_width(pa.s.round().max(1.0) as u32),
        ))
        .map_err(err)?;
    y += 16.0;
    if !fig.legend_title.is_empty() {
        pa.text(
            &fig.legend_title,
            (x + 10.0, y),
            Look {
                size: LEGEND,
                color: BLACK,
                pos: Pos::new(HPos::Left, VPos::Center),
                bold: true,
                vertical: false,
            },
        )?;
        y += 20.0;
    }
    for e in &fig.legend {
        let (a, b) = (pa.p(x + 10.0, y), pa.p(x + 40.0, y));
        if e.patch {
            let k = (6.0 * pa.s) as i32;
            let color = rgb(e.style.color);
            pa.root
                .draw(&Rectangle::new(
                    [(a.0 + 6, a.1 - k), (b.0 - 6, b.1 + k)],
                    tint(e.style.color, 0.3).filled(),
                ))
                .map_err(err)?;
            pa.root
                .draw(&Rectangle::new(
                    [(a.0 + 6, a.1 - k), (b.0 - 6, b.1 + k)],
                    color.stroke_width((1.5 * pa.s).round() as u32),
                ))
                .map_err(err)?;
        } else {
            pa.line(vec![a, b], &e.style, 2.0)?;
            pa.marker(((a.0 + b.0) / 2, a.1), &e.style, 4.0)?;
        }
        pa.text(
            &e.label,
            (x + 46.0, y),
            Look {
                size: LEGEND,
                color: BLACK,
                pos: Pos::new(HPos::Left, VPos::Center),
                bold: false,
                vertical: false,
            },
        )?;
        y += 20.0;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::axes;

    #[test]
    fn crowded_tick_labels_give_way_to_powers_of_ten() {
        let axis = axes::log_between("t".into(), 40.0, 6000.0, "");
        let drawn = |px: f64| -> Vec<String> {
            let span = (6000f64 / 40.0).log10();
            let keep = legible(
                &axis,
                |v| (v / 40.0).log10() / span * px,
                |_| TICK * 1.6,
                |v| (v.log10() - v.log10().round()).abs() < 1e-9,
                2.0,
            );
            axis.ticks
                .iter()
                .zip(keep)
                .filter(|(_, k)| *k)
                .map(|(t, _)| t.label.clone())
                .collect()
        };
        assert_eq!(
            drawn(300.0),
            ["50", "100", "200", "500", "1000", "2000", "5000"]
        );
        assert_eq!(drawn(60.0), ["100", "1000"]);
    }
}
