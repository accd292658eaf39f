//! Series styles: a colour-blind-safe palette (Okabe and Ito's) combined with a marker and a
//! dash pattern per series, so that lines differ in more than colour (in print, for readers
//! with colour-vision deficiencies, and where lines overlap).

/// A dash pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dash {
    /// Solid.
    Solid,
    /// Long dashes.
    Dashed,
    /// Dots.
    Dotted,
    /// Short dashes.
    Short,
}

/// A marker shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Marker {
    /// Filled circle.
    Circle,
    /// Filled square.
    Square,
    /// Filled triangle pointing up.
    TriangleUp,
    /// Filled diamond.
    Diamond,
    /// Filled triangle pointing down.
    TriangleDown,
    /// Open circle.
    Ring,
    /// Diagonal cross.
    Cross,
    /// Plus sign.
    Plus,
}

/// How a series is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Style {
    /// RGB colour.
    pub color: (u8, u8, u8),
    /// Marker.
    pub marker: Marker,
    /// Line dash.
    pub dash: Dash,
}

/// Okabe and Ito's eight colours (Color Universal Design), ordered so the first ones are the
/// most distinct; their yellow (240, 228, 66) is darkened to (190, 170, 0), since the original
/// has too little contrast against white for a thin line.
pub const PALETTE: [(u8, u8, u8); 8] = [
    (0, 114, 178),   // blue
    (213, 94, 0),    // vermillion
    (0, 158, 115),   // bluish green
    (204, 121, 167), // reddish purple
    (230, 159, 0),   // orange
    (86, 180, 233),  // sky blue
    (0, 0, 0),       // black
    (190, 170, 0),   // yellow, darkened
];

const MARKERS: [Marker; 8] = [
    Marker::Circle,
    Marker::Square,
    Marker::TriangleUp,
    Marker::Diamond,
    Marker::TriangleDown,
    Marker::Ring,
    Marker::Cross,
    Marker::Plus,
];

const DASHES: [Dash; 4] = [Dash::Solid, Dash::Dashed, Dash::Dotted, Dash::Short];

/// Grey for things that are not a series (legend samples of statistics).
pub const NEUTRAL: (u8, u8, u8) = (64, 64, 64);

/// The colour of series `i`.
pub fn color(i: usize) -> (u8, u8, u8) {
    PALETTE[i % PALETTE.len()]
}

/// The marker of `i`.
pub fn marker(i: usize) -> Marker {
    MARKERS[i % MARKERS.len()]
}

/// The dash of `i`.
pub fn dash(i: usize) -> Dash {
    DASHES[i % DASHES.len()]
}

/// The style of series `i`: colour, marker and dash all from `i`, so any two of the first
/// eight series differ in colour and marker (and the first four in dash too); after eight,
/// the dash shifts, so the first 32 styles are all different.
pub fn series(i: usize) -> Style {
    Style {
        color: color(i),
        marker: marker(i),
        dash: dash(i + i / PALETTE.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_eight_series_differ_in_colour_marker_and_dash_pattern() {
        for i in 0..8 {
            for j in 0..i {
                let (a, b) = (series(i), series(j));
                assert_ne!(a.color, b.color);
                assert_ne!(a.marker, b.marker);
                if i % 4 != j % 4 {
                    assert_ne!(a.dash, b.dash);
                }
            }
        }
        let all: std::collections::BTreeSet<Style> = (0..32).map(series).collect();
        assert_eq!(all.len(), 32, "colour x dash combinations stay distinct");
    }
}
