//! SVG line charts, one line per run (plotters' SVG backend; text is left to
//! the SVG viewer, so no system fonts are needed).

use std::path::Path;

use plotters::prelude::*;

use super::format;

const SIZE_PX: (u32, u32) = (960, 540);
const FUNDAMENTAL_COLOR: RGBColor = RGBColor(0, 0, 0);
/// Colours of runs not named below, in order of appearance.
const EXTRA_COLORS: [RGBColor; 4] = [
    RGBColor(31, 119, 180),
    RGBColor(117, 112, 179),
    RGBColor(231, 41, 138),
    RGBColor(140, 86, 75),
];

/// One line of a chart: a value per slot.
pub struct Line<'a> {
    pub label: String,
    pub color: RGBColor,
    pub values: &'a [f64],
    pub dashed: bool,
}

/// What a chart shows.
pub struct ChartSpec<'a> {
    pub title: &'a str,
    pub y_label: &'a str,
    /// Keep 0 inside the y range (amounts that start at 0).
    pub from_zero: bool,
    /// Where the legend goes: a corner the lines usually leave free.
    pub legend: SeriesLabelPosition,
}

/// The colour of a run: fixed for the four standard runs, from a small
/// palette (by position among the extra runs) otherwise.
pub fn run_color(name: &str, extra_index: usize) -> RGBColor {
    match name {
        "soft" => RGBColor(27, 158, 119),
        "hard" => RGBColor(214, 39, 40),
        "partial" => RGBColor(230, 145, 0),
        "none" => RGBColor(127, 127, 127),
        _ => EXTRA_COLORS[extra_index % EXTRA_COLORS.len()],
    }
}

pub fn fundamental_color() -> RGBColor {
    FUNDAMENTAL_COLOR
}

/// Draws `lines` into an SVG file at `path`.
pub fn draw(path: &Path, spec: &ChartSpec<'_>, lines: &[Line<'_>]) -> Result<(), String> {
    let root = SVGBackend::new(path, SIZE_PX).into_drawing_area();
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let x_max = lines
        .iter()
        .map(|line| line.values.len())
        .max()
        .unwrap_or(0)
        .saturating_sub(1)
        .max(1) as f64;
    let (y_min, y_max) = y_range(lines, spec.from_zero);
    let mut chart = ChartBuilder::on(&root)
        .caption(spec.title, ("sans-serif", 22))
        .margin(16)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(0f64..x_max, y_min..y_max)
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .max_light_lines(1)
        .x_desc("slot")
        .y_desc(spec.y_label)
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|y| format::compact(*y))
        .draw()
        .map_err(|e| e.to_string())?;
    for line in lines {
        let points = line
            .values
            .iter()
            .enumerate()
            .filter(|(_, value)| value.is_finite())
            .map(|(slot, value)| (slot as f64, *value));
        let color = line.color;
        let anchor = if line.dashed {
            let style = color.stroke_width(2);
            chart.draw_series(DashedLineSeries::new(points, 6, 4, style))
        } else {
            chart.draw_series(LineSeries::new(points, color.stroke_width(2)))
        }
        .map_err(|e| e.to_string())?;
        anchor.label(line.label.as_str()).legend(move |(x, y)| {
            PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
        });
    }
    chart
        .configure_series_labels()
        .position(legend_position(&spec.legend))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()
        .map_err(|e| e.to_string())?;
    root.present().map_err(|e| e.to_string())
}

/// `SeriesLabelPosition` is not `Copy`: rebuild it.
fn legend_position(position: &SeriesLabelPosition) -> SeriesLabelPosition {
    match position {
        SeriesLabelPosition::UpperLeft => SeriesLabelPosition::UpperLeft,
        SeriesLabelPosition::LowerLeft => SeriesLabelPosition::LowerLeft,
        SeriesLabelPosition::LowerRight => SeriesLabelPosition::LowerRight,
        _ => SeriesLabelPosition::UpperRight,
    }
}

/// The y range covering every finite value with a 5% margin; never empty.
fn y_range(lines: &[Line<'_>], from_zero: bool) -> (f64, f64) {
    let finite = lines
        .iter()
        .flat_map(|line| line.values.iter().copied())
        .filter(|value| value.is_finite());
    let (mut low, mut high) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if low > high {
        return (0.0, 1.0);
    }
    if from_zero {
        low = low.min(0.0);
        high = high.max(0.0);
    }
    let span = high - low;
    if span <= 0.0 {
        let pad = (high.abs() * 0.05).max(1.0);
        return (low - pad, high + pad);
    }
    let pad = span * 0.05;
    let low = if from_zero && low >= 0.0 {
        0.0
    } else {
        low - pad
    };
    (low, high + pad)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(values: &[f64]) -> Line<'_> {
        Line {
            label: "x".into(),
            color: FUNDAMENTAL_COLOR,
            values,
            dashed: false,
        }
    }

    #[test]
    fn y_range_is_never_empty() {
        assert_eq!(y_range(&[], false), (0.0, 1.0));
        assert_eq!(y_range(&[line(&[f64::NAN])], true), (0.0, 1.0));
        assert_eq!(y_range(&[line(&[0.0, 0.0])], true), (-1.0, 1.0));
        let (low, high) = y_range(&[line(&[100.0, 100.0])], false);
        assert!(low < 100.0 && high > 100.0);
    }

    #[test]
    fn y_range_pads_and_keeps_zero_when_asked() {
        let values = [60.0, 100.0];
        let (low, high) = y_range(&[line(&values)], false);
        assert!((low - 58.0).abs() < 1e-9 && (high - 102.0).abs() < 1e-9);
        let (low, high) = y_range(&[line(&values)], true);
        assert_eq!(low, 0.0);
        assert!((high - 105.0).abs() < 1e-9);
    }

    #[test]
    fn standard_runs_have_distinct_colors() {
        let colors: Vec<RGBColor> = ["soft", "hard", "partial", "none", "dynamic"]
            .iter()
            .map(|name| run_color(name, 0))
            .collect();
        for (i, a) in colors.iter().enumerate() {
            for b in &colors[i + 1..] {
                assert_ne!(a, b);
            }
        }
    }
}
