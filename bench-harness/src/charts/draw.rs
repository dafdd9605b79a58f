//! Drawing: line and bar charts on any plotters backend, rendered as SVG text and PNG bytes.
//! Only the bundled DejaVu Sans font is used, so no system font library is needed.

use std::collections::HashMap;
use std::sync::Once;

use std::ops::Range;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;

const FONT: &str = "sans-serif";
const SIZE: (u32, u32) = (1000, 620);

/// One colour per collector, by its position in the run's collector order: Tableau 10, then
/// ten darker or lighter colours far from those (from Tableau 20b and 20), so a run of every
/// collector (more than ten) draws no two in one colour.
const PALETTE: [RGBColor; 20] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
    RGBColor(0, 0, 0),
    RGBColor(57, 59, 121),
    RGBColor(99, 121, 57),
    RGBColor(140, 109, 49),
    RGBColor(132, 60, 57),
    RGBColor(123, 65, 115),
    RGBColor(0, 128, 128),
    RGBColor(255, 187, 120),
    RGBColor(152, 223, 138),
    RGBColor(174, 199, 232),
];

/// How much of its colour a secondary line keeps over the white page. Secondary lines are
/// pale rather than dashed: plotters writes an SVG element per dash, thousands on a long
/// line, while a pale line is one polyline; pale still reads apart from the solid line
/// where both are one pixel wide, and keeps its collector's hue.
const SECONDARY_OPACITY: f64 = 0.4;

/// The colour of series number `index`.
pub fn color(index: usize) -> RGBColor {
    PALETTE[index % PALETTE.len()]
}

fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let bytes: &'static [u8] = include_bytes!("../../assets/DejaVuSans.ttf");
        if plotters::style::register_font(FONT, FontStyle::Normal, bytes).is_err() {
            panic!("the bundled DejaVu Sans is not a valid font");
        }
    });
}

/// How an axis maps values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scale {
    /// Linear.
    Linear,
    /// Base-10 logarithmic (values must be positive).
    Log,
}

/// A line of a line chart.
#[derive(Clone, Debug)]
pub struct Series {
    /// Legend text.
    pub label: String,
    /// Colour index.
    pub color: usize,
    /// A secondary quantity (reserved bytes beside the heap in use, GC time beside total
    /// time): drawn pale in its colour instead of solid.
    pub secondary: bool,
    /// (x, y) points in data units, in x order.
    pub points: Vec<(f64, f64)>,
}

/// A chart of lines.
#[derive(Clone, Debug)]
pub struct LineChart {
    /// Caption.
    pub title: String,
    /// x-axis description with unit.
    pub x_desc: String,
    /// y-axis description with unit.
    pub y_desc: String,
    /// x scale.
    pub x_scale: Scale,
    /// Formats an x value (in data units) as a tick label.
    pub x_format: fn(f64) -> String,
    /// Fixed y range, or `None` for 0..max.
    pub y_range: Option<(f64, f64)>,
    /// Where the legend goes.
    pub legend: SeriesLabelPosition,
    /// The lines.
    pub series: Vec<Series>,
    /// A remark shown as the last legend entry (what is missing and why).
    pub note: Option<String>,
    /// A legend entry standing for the secondary lines that have no label of their own,
    /// with a pale sample in the first such line's colour.
    pub secondary_key: Option<String>,
    /// Line width in pixels (1 for jagged lines: wide strokes spike at sharp turns).
    pub stroke: u32,
}

/// Grouped bars: one group per category, one bar per series.
#[derive(Clone, Debug)]
pub struct BarChart {
    /// Caption.
    pub title: String,
    /// y-axis description with unit.
    pub y_desc: String,
    /// Category names along x.
    pub groups: Vec<String>,
    /// (legend text, colour index) per series.
    pub series: Vec<(String, usize)>,
    /// `values[group][series]`; `None` draws no bar.
    pub values: Vec<Vec<Option<f64>>>,
    /// A remark shown as the last legend entry.
    pub note: Option<String>,
}

/// Either kind of chart.
#[derive(Clone, Debug)]
pub enum Chart {
    /// Lines.
    Line(LineChart),
    /// Bars.
    Bar(BarChart),
}

/// A linear f64 axis whose labelled ticks are exactly `keys` (log axes are drawn as linear
/// axes over log10 of the data, so decade ticks come out exact).
#[derive(Clone, Debug)]
struct KeyedAxis {
    range: Range<f64>,
    keys: Vec<f64>,
}

impl Ranged for KeyedAxis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let span = self.range.end - self.range.start;
        let f = (value - self.range.start) / span;
        limit.0 + (f * f64::from(limit.1 - limit.0)).round() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.keys.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.range.clone()
    }
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// Tick positions (in axis units) for `lo..hi`: whole decades on a log axis, 1-2-5 steps on
/// a linear one.
fn ticks(lo: f64, hi: f64, scale: Scale) -> Vec<f64> {
    match scale {
        Scale::Log => {
            let (a, b) = (lo.ceil() as i64, hi.floor() as i64);
            if b - a >= 1 {
                (a..=b).map(|k| k as f64).collect()
            } else {
                // Less than a decade: 1, 2, 5 multiples.
                let mut v = Vec::new();
                for k in (lo.floor() as i64)..=(hi.ceil() as i64) {
                    for m in [1.0f64, 2.0, 5.0] {
                        let t = k as f64 + m.log10();
                        if t >= lo && t <= hi {
                            v.push(t);
                        }
                    }
                }
                v
            }
        }
        Scale::Linear => {
            let span = (hi - lo).max(f64::MIN_POSITIVE);
            let raw = span / 8.0;
            let magnitude = 10f64.powf(raw.log10().floor());
            let step = [1.0, 2.0, 5.0, 10.0]
                .iter()
                .map(|m| m * magnitude)
                .find(|s| *s >= raw)
                .unwrap_or(10.0 * magnitude);
            let first = (lo / step).ceil() as i64;
            let last = (hi / step).floor() as i64;
            (first..=last).map(|k| k as f64 * step).collect()
        }
    }
}

fn to_axis(x: f64, scale: Scale) -> f64 {
    match scale {
        Scale::Linear => x,
        Scale::Log => x.log10(),
    }
}

fn from_axis(v: f64, scale: Scale) -> f64 {
    match scale {
        Scale::Linear => v,
        Scale::Log => 10f64.powf(v),
    }
}

/// Adds `note` as a legend entry without a marker.
fn legend_note<'a, DB: DrawingBackend + 'a, X: Ranged<ValueType = f64>>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<X, RangedCoordf64>>,
    note: &Option<String>,
) -> Result<(), String> {
    if let Some(note) = note {
        chart
            .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())
            .map_err(err)?
            .label(note.clone())
            .legend(|(x, y)| EmptyElement::at((x, y)));
    }
    Ok(())
}

fn draw_lines<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    c: &LineChart,
) -> Result<(), String> {
    root.fill(&WHITE).map_err(err)?;
    let points = || {
        c.series
            .iter()
            .flat_map(|s| s.points.iter())
            .filter(|(x, y)| {
                x.is_finite() && y.is_finite() && (c.x_scale == Scale::Linear || *x > 0.0)
            })
    };
    let (mut x_lo, mut x_hi) = points()
        .map(|&(x, _)| to_axis(x, c.x_scale))
        .fold((f64::MAX, f64::MIN), |(lo, hi), x| (lo.min(x), hi.max(x)));
    if x_lo > x_hi {
        (x_lo, x_hi) = (0.0, 1.0);
    }
    if x_hi - x_lo < 1e-9 {
        x_lo -= 0.5;
        x_hi += 0.5;
    }
    if c.series.iter().all(|s| s.points.len() == 1) {
        // A scatter (one point per series): keep the points off the frame.
        let pad = 0.08 * (x_hi - x_lo);
        x_lo -= pad;
        x_hi += pad;
    }
    if c.x_scale == Scale::Linear && x_lo > 0.0 && x_lo < 0.05 * (x_hi - x_lo) {
        // Time axes start at zero: keep the origin (and its tick).
        x_lo = 0.0;
    }
    let (y_lo, y_hi) = c.y_range.unwrap_or_else(|| {
        let max = points().map(|&(_, y)| y).fold(0.0, f64::max);
        (0.0, if max > 0.0 { max * 1.08 } else { 1.0 })
    });
    let keys = ticks(x_lo, x_hi, c.x_scale);
    let scale = c.x_scale;
    let format = c.x_format;
    let mut chart = ChartBuilder::on(root)
        .caption(&c.title, (FONT, 24))
        .margin(18)
        .x_label_area_size(50)
        .y_label_area_size(80)
        .build_cartesian_2d(
            KeyedAxis {
                range: x_lo..x_hi,
                keys,
            },
            y_lo..y_hi,
        )
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc(&c.x_desc)
        .y_desc(&c.y_desc)
        .x_label_formatter(&|v| format(from_axis(*v, scale)))
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 16))
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(err)?;
    let line_style = |colour: RGBColor, secondary: bool| {
        let opacity = if secondary { SECONDARY_OPACITY } else { 1.0 };
        colour.mix(opacity).stroke_width(c.stroke)
    };
    let legend_line = |style: ShapeStyle| {
        move |(x, y): (i32, i32)| PathElement::new(vec![(x, y), (x + 24, y)], style)
    };
    for s in &c.series {
        let style = line_style(color(s.color), s.secondary);
        let data: Vec<(f64, f64)> = s
            .points
            .iter()
            .filter(|(x, y)| x.is_finite() && y.is_finite() && (scale == Scale::Linear || *x > 0.0))
            .map(|&(x, y)| (to_axis(x, scale), y))
            .collect();
        let drawn = if data.len() == 1 {
            chart
                .draw_series(std::iter::once(Circle::new(data[0], 5, style.filled())))
                .map_err(err)?
        } else {
            chart
                .draw_series(LineSeries::new(data, style))
                .map_err(err)?
        };
        // A series without a label (a second line of a collector already in the legend)
        // has no legend entry.
        if !s.label.is_empty() {
            drawn.label(s.label.clone()).legend(legend_line(style));
        }
    }
    if let Some(key) = &c.secondary_key {
        // A pale sample in a collector's colour, as the lines are drawn: a pale grey or
        // black one would read as the grey or black collector's line.
        let first = c.series.iter().find(|s| s.secondary);
        let style = line_style(first.map_or(BLACK, |s| color(s.color)), true);
        chart
            .draw_series(LineSeries::new(std::iter::empty(), style))
            .map_err(err)?
            .label(key.clone())
            .legend(legend_line(style));
    }
    legend_note(&mut chart, &c.note)?;
    if !c.series.is_empty() || c.note.is_some() || c.secondary_key.is_some() {
        chart
            .configure_series_labels()
            .position(c.legend.clone())
            .label_font((FONT, 15))
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.5))
            .draw()
            .map_err(err)?;
    }
    root.present().map_err(err)
}

fn draw_bars<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    c: &BarChart,
) -> Result<(), String> {
    root.fill(&WHITE).map_err(err)?;
    let groups = c.groups.len().max(1);
    let max = c
        .values
        .iter()
        .flatten()
        .flatten()
        .copied()
        .fold(1.0, f64::max);
    let keys: Vec<f64> = (0..groups).map(|g| g as f64 + 0.5).collect();
    let names = c.groups.clone();
    // The legend sits in the upper right over the bars: leave the share of the plot it covers
    // (about 19 px per row plus its frame, of a plot area about 494 px high) above the
    // tallest bar, so a matrix with peers (ten rows) hides no bar.
    let rows = c.series.len() + usize::from(c.note.is_some());
    let covered = (rows as f64 * 19.0 + 30.0) / 494.0;
    let headroom = (1.0 / (1.0 - covered.min(0.7))).max(1.45);
    let mut chart = ChartBuilder::on(root)
        .caption(&c.title, (FONT, 24))
        .margin(18)
        .x_label_area_size(50)
        .y_label_area_size(80)
        .build_cartesian_2d(
            KeyedAxis {
                range: 0.0..groups as f64,
                keys,
            },
            0.0..max * headroom,
        )
        .map_err(err)?;
    chart
        .configure_mesh()
        .y_desc(&c.y_desc)
        .x_desc("workload")
        .x_label_formatter(&|v| names.get(v.floor() as usize).cloned().unwrap_or_default())
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 16))
        .disable_x_mesh()
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(err)?;
    let k = c.series.len().max(1) as f64;
    let width = 0.8 / k;
    for (s, (label, colour_index)) in c.series.iter().enumerate() {
        let colour = color(*colour_index);
        let bars = c.values.iter().enumerate().filter_map(move |(g, row)| {
            let v = row.get(s).copied().flatten()?;
            let x0 = g as f64 + 0.1 + s as f64 * width;
            Some(Rectangle::new(
                [(x0, 0.0), (x0 + width * 0.92, v)],
                colour.filled(),
            ))
        });
        chart
            .draw_series(bars)
            .map_err(err)?
            .label(label.clone())
            .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 14, y + 6)], colour.filled()));
    }
    legend_note(&mut chart, &c.note)?;
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .label_font((FONT, 15))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.5))
        .draw()
        .map_err(err)?;
    root.present().map_err(err)
}

fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, chart: &Chart) -> Result<(), String> {
    match chart {
        Chart::Line(c) => draw_lines(root, c),
        Chart::Bar(c) => draw_bars(root, c),
    }
}

fn size_of(chart: &Chart) -> (u32, u32) {
    match chart {
        Chart::Bar(c) => (SIZE.0.max(140 * c.groups.len() as u32 + 200), SIZE.1),
        Chart::Line(_) => SIZE,
    }
}

/// The chart's colours as a palette of at most 256: the most frequent ones (ties by colour,
/// so the result is deterministic), and each pixel's index, the nearest palette colour for
/// the rare anti-aliasing shades beyond 256.
fn palette_of(rgb: &[u8]) -> (Vec<[u8; 3]>, Vec<u8>) {
    let mut counts: HashMap<[u8; 3], u64> = HashMap::new();
    for px in rgb.chunks_exact(3) {
        *counts.entry([px[0], px[1], px[2]]).or_default() += 1;
    }
    let mut by_use: Vec<([u8; 3], u64)> = counts.into_iter().collect();
    by_use.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let palette: Vec<[u8; 3]> = by_use.iter().take(256).map(|&(c, _)| c).collect();
    let mut index: HashMap<[u8; 3], u8> = palette
        .iter()
        .enumerate()
        .map(|(i, &c)| (c, i as u8))
        .collect();
    let distance = |a: [u8; 3], b: [u8; 3]| -> i32 {
        (0..3)
            .map(|k| (i32::from(a[k]) - i32::from(b[k])).pow(2))
            .sum()
    };
    let pixels = rgb
        .chunks_exact(3)
        .map(|px| {
            let c = [px[0], px[1], px[2]];
            *index.entry(c).or_insert_with(|| {
                (0..palette.len())
                    .min_by_key(|&i| distance(palette[i], c))
                    .unwrap_or(0) as u8
            })
        })
        .collect();
    (palette, pixels)
}

/// Encodes an RGB buffer as an indexed (palette) PNG at the strongest compression. Charts
/// are a few flat colours plus anti-aliasing shades; 256 colours keep 98-100% of pixels exact
/// and halve the file against RGB, and committed charts are most of what a results refresh
/// adds to the repository.
fn encode_png(rgb: &[u8], (width, height): (u32, u32)) -> Result<Vec<u8>, String> {
    let (palette, pixels) = palette_of(rgb);
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Indexed);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_palette(palette.concat());
    encoder.set_compression(png::Compression::Best);
    encoder.set_filter(png::FilterType::NoFilter);
    let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
    writer
        .write_image_data(&pixels)
        .map_err(|e| e.to_string())?;
    writer.finish().map_err(|e| e.to_string())?;
    Ok(out)
}

/// Renders `chart` as (SVG text, PNG bytes).
pub fn render(chart: &Chart) -> Result<(String, Vec<u8>), String> {
    register_font();
    let size = size_of(chart);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        draw(&root, chart)?;
    }
    let mut rgb = vec![0u8; size.0 as usize * size.1 as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, size).into_drawing_area();
        draw(&root, chart)?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok((svg, encode_png(&rgb, size)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_decades_or_nice_steps() {
        assert_eq!(ticks(-0.5, 2.5, Scale::Log), vec![0.0, 1.0, 2.0]);
        assert_eq!(
            ticks(0.0, 10.0, Scale::Linear),
            vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]
        );
    }

    /// A heap-like chart: a solid line and, if `with_secondary`, a secondary line zigzagging
    /// over the whole plot (long on the page, as dashes would count it) with its legend key.
    fn zigzag_chart(with_secondary: bool) -> Chart {
        let zigzag: Vec<(f64, f64)> = (0..1000)
            .map(|i| (f64::from(i), f64::from(i % 2) * 100.0))
            .collect();
        let mut series = vec![Series {
            label: "in use".into(),
            color: 0,
            secondary: false,
            points: vec![(0.0, 10.0), (999.0, 20.0)],
        }];
        if with_secondary {
            series.push(Series {
                label: String::new(),
                color: 0,
                secondary: true,
                points: zigzag,
            });
        }
        Chart::Line(LineChart {
            title: "zigzag".into(),
            x_desc: "x".into(),
            y_desc: "y".into(),
            x_scale: Scale::Linear,
            x_format: |v| v.to_string(),
            y_range: Some((0.0, 100.0)),
            legend: SeriesLabelPosition::UpperRight,
            series,
            note: None,
            secondary_key: with_secondary.then(|| "reserved".into()),
            stroke: 1,
        })
    }

    #[test]
    fn a_long_secondary_line_is_one_pale_polyline_and_one_legend_sample() {
        let polylines = |svg: &str| svg.matches("<polyline").count();
        let (without, _) = render(&zigzag_chart(false)).unwrap();
        let (with, _) = render(&zigzag_chart(true)).unwrap();
        assert_eq!(polylines(&with), polylines(&without) + 2);
        let pale = format!("opacity=\"{SECONDARY_OPACITY}\"");
        assert_eq!(
            with.matches(&pale).count(),
            2,
            "the line and its legend sample"
        );
        assert_eq!(without.matches(&pale).count(), 0);
    }
}
