//! The latency-over-time chart: data prepared apart from drawing, drawing
//! generic over plotters' `DrawingBackend`.
//!
//! [`prepare`] cuts each series to the range and folds its points into at
//! most one column per pixel (first, min, max and last median, so spikes
//! survive; lowest p10 and highest p90 for the band; summed samples and loss).
//! [`draw`] then draws per pair a p10–p90 band and a median line, the loss
//! per column in a strip below, axes in ms and local time, and a legend. The
//! browser draws on a canvas; host tests draw the same chart into an SVG string.

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::prelude::*;
use plotters::style::FontTransform;
use shared::feed::v2::Series;

/// One column of a pair's line: the points that fall in one pixel.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Column {
    /// Which pixel column (0 = the range's start).
    pub bucket: usize,
    /// Middle of the time the column's points cover, Unix seconds.
    pub t: i64,
    /// Start and end of that time.
    pub t0: i64,
    /// End, exclusive.
    pub t1: i64,
    /// Medians: first, lowest, highest and last; `None` when every point was lost.
    pub p50: Option<[f64; 4]>,
    /// Lowest p10 and highest p90.
    pub band: Option<(f64, f64)>,
    /// Successful connects.
    pub samples: u64,
    /// Failed connects.
    pub lost: u64,
}

impl Column {
    /// Fraction of connects lost.
    pub fn loss(&self) -> f64 {
        let n = self.samples + self.lost;
        if n == 0 {
            0.0
        } else {
            self.lost as f64 / n as f64
        }
    }
}

/// One pair, ready to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// Legend text.
    pub label: String,
    /// Colour.
    pub color: (u8, u8, u8),
    /// Columns in time order; a missing bucket is a gap.
    pub columns: Vec<Column>,
    /// Points of the series inside the range.
    pub points: usize,
}

/// Every pair, ready to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    /// Start of the x axis, Unix seconds.
    pub from: i64,
    /// End of the x axis.
    pub to: i64,
    /// Range of the y axis, ms.
    pub y: (f64, f64),
    /// The pairs.
    pub lines: Vec<Line>,
}

/// What goes into [`prepare`]: one series per pair.
pub struct Input<'a> {
    /// Legend text.
    pub label: String,
    /// Colour.
    pub color: (u8, u8, u8),
    /// The series.
    pub series: &'a Series,
}

fn series_start(s: &Series) -> Option<i64> {
    shared::time::parse_rfc3339(&s.start)
}

/// Cuts the series to `[from, to)` (`None`: their whole extent) and folds
/// them into at most `buckets` columns each.
pub fn prepare(inputs: &[Input<'_>], range: Option<(i64, i64)>, buckets: usize) -> Prepared {
    let buckets = buckets.max(1);
    let (from, to) = range.unwrap_or_else(|| {
        let mut lo = i64::MAX;
        let mut hi = i64::MIN;
        for i in inputs {
            if let Some(s) = series_start(i.series) {
                lo = lo.min(s);
                hi = hi.max(s + i.series.step_seconds * i.series.samples.len() as i64);
            }
        }
        if lo < hi { (lo, hi) } else { (0, 1) }
    });
    let width = (to - from).max(1) as f64 / buckets as f64;
    let mut y_lo = f64::INFINITY;
    let mut y_hi = f64::NEG_INFINITY;
    let mut lines = Vec::with_capacity(inputs.len());
    for input in inputs {
        let s = input.series;
        let step = s.step_seconds.max(1);
        let mut columns: Vec<Column> = Vec::new();
        let mut points = 0;
        if let Some(start) = series_start(s) {
            // Columns of unequal length (which `Series::validate` refuses) are cut to the shortest.
            let n = [s.p10.len(), s.p50.len(), s.p90.len(), s.lost.len()]
                .into_iter()
                .fold(s.samples.len(), usize::min);
            // Only the indices inside the range.
            let first = if from > start {
                usize::try_from((from - start + step - 1) / step).unwrap_or(usize::MAX)
            } else {
                0
            };
            let last = usize::try_from(((to - start) + step - 1).div_euclid(step))
                .unwrap_or(0)
                .min(n);
            for k in first..last {
                let t = start + k as i64 * step;
                let (samples, lost) = (s.samples[k], s.lost[k]);
                let p50 = s.p50[k];
                if samples + lost == 0 && p50.is_none() {
                    continue;
                }
                points += 1;
                let bucket = (((t - from) as f64 / width) as usize).min(buckets - 1);
                let lo = s.p10[k].or(p50);
                let hi = s.p90[k].or(p50);
                if columns.last().is_none_or(|c| c.bucket != bucket) {
                    columns.push(Column {
                        bucket,
                        t,
                        t0: t,
                        t1: t + step,
                        p50: None,
                        band: None,
                        samples: 0,
                        lost: 0,
                    });
                }
                let Some(col) = columns.last_mut() else {
                    continue;
                };
                col.t1 = t + step;
                col.t = col.t0 + (col.t1 - col.t0) / 2;
                col.samples += samples;
                col.lost += lost;
                if let Some(v) = p50 {
                    col.p50 = Some(match col.p50 {
                        None => [v, v, v, v],
                        Some([f, lo, hi, _]) => [f, lo.min(v), hi.max(v), v],
                    });
                }
                if let (Some(a), Some(b)) = (lo, hi) {
                    col.band = Some(match col.band {
                        None => (a, b),
                        Some((x, y)) => (x.min(a), y.max(b)),
                    });
                    y_lo = y_lo.min(a);
                    y_hi = y_hi.max(b);
                }
            }
        }
        lines.push(Line {
            label: input.label.clone(),
            color: input.color,
            columns,
            points,
        });
    }
    let y = if y_lo.is_finite() && y_hi.is_finite() {
        let pad = ((y_hi - y_lo) * 0.08).max(0.5);
        ((y_lo - pad).max(0.0), y_hi + pad)
    } else {
        (0.0, 100.0)
    };
    Prepared { from, to, y, lines }
}

/// Colours of the chart.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Theme {
    /// Background.
    pub bg: (u8, u8, u8),
    /// Text and axes.
    pub fg: (u8, u8, u8),
    /// Grid lines.
    pub grid: (u8, u8, u8),
    /// Device pixels per CSS pixel: sizes of text and lines scale by it.
    pub scale: f64,
}

impl Theme {
    /// On a light page.
    pub fn light(scale: f64) -> Theme {
        Theme {
            bg: (255, 255, 255),
            fg: (27, 27, 31),
            grid: (216, 216, 224),
            scale,
        }
    }

    /// On a dark page (`prefers-color-scheme: dark`).
    pub fn dark(scale: f64) -> Theme {
        Theme {
            bg: (21, 21, 26),
            fg: (236, 236, 241),
            grid: (51, 51, 61),
            scale,
        }
    }
}

/// The pairs' colours: Okabe–Ito, distinguishable with every common colour-vision deficiency.
pub const PALETTE: [(u8, u8, u8); 6] = [
    (0, 114, 178),
    (230, 159, 0),
    (0, 158, 115),
    (204, 121, 167),
    (86, 180, 233),
    (213, 94, 0),
];

const LEFT: f64 = 58.0;
const RIGHT: f64 = 12.0;

/// Width in pixels of the plotting area of a chart `width` pixels wide: the
/// number of columns worth preparing.
pub fn plot_width(width: u32, scale: f64) -> usize {
    (f64::from(width) - (LEFT + RIGHT) * scale).max(1.0) as usize
}

/// Spacing of the time axis's ticks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Hours apart (1, 3, 6 or 12).
    Hours(i64),
    /// Days apart (1, 2, 7 or 14).
    Days(i64),
    /// Months apart (1, 2, 3, 6 or 12).
    Months(i64),
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `(year, month, day, hour, minute)` of Unix seconds `t` shifted by `offset`.
fn civil(t: i64, offset: i64) -> (i64, usize, i64, i64, i64) {
    let s = shared::time::rfc3339(t + offset);
    let n = |r: std::ops::Range<usize>| s.get(r).and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
    (
        n(0..4),
        usize::try_from(n(5..7)).unwrap_or(1),
        n(8..10),
        n(11..13),
        n(14..16),
    )
}

/// Ticks on `[from, to)` at round local times, at most about `max` of them.
/// `tz(t)` is the local offset from UTC in seconds at `t`.
pub fn ticks(from: i64, to: i64, max: usize, tz: &dyn Fn(i64) -> i64) -> (Unit, Vec<i64>) {
    const H: i64 = 3600;
    const D: i64 = 86_400;
    let span = (to - from).max(1);
    let max = max.max(2) as i64;
    let units = [
        Unit::Hours(1),
        Unit::Hours(3),
        Unit::Hours(6),
        Unit::Hours(12),
        Unit::Days(1),
        Unit::Days(2),
        Unit::Days(7),
        Unit::Days(14),
        Unit::Months(1),
        Unit::Months(2),
        Unit::Months(3),
        Unit::Months(6),
        Unit::Months(12),
    ];
    let approx = |u: Unit| match u {
        Unit::Hours(h) => h * H,
        Unit::Days(d) => d * D,
        Unit::Months(m) => m * 30 * D,
    };
    let unit = units
        .into_iter()
        .find(|&u| span / approx(u) <= max)
        .unwrap_or(Unit::Months(12));
    let mut out = Vec::new();
    match unit {
        Unit::Hours(_) | Unit::Days(_) => {
            let step = approx(unit);
            // Weeks start on Monday (1970-01-05 was one).
            let origin = if step >= 7 * D { 4 * D } else { 0 };
            let off = tz(from);
            let local = from + off - origin;
            let mut k = local.div_euclid(step) * step + origin;
            if k < from + off {
                k += step;
            }
            while k - off < to && out.len() < 1000 {
                let t = k - tz(k - off);
                if t >= from {
                    out.push(t);
                }
                k += step;
            }
        }
        Unit::Months(m) => {
            let (mut y, mut mo, ..) = civil(from, tz(from));
            // Round up to the next month boundary that is a multiple of m.
            let mut idx = y * 12 + mo as i64 - 1;
            idx = (idx + 1).div_euclid(m) * m + if (idx + 1).rem_euclid(m) == 0 { 0 } else { m };
            for _ in 0..1000 {
                y = idx.div_euclid(12);
                mo = usize::try_from(idx.rem_euclid(12)).unwrap_or(0) + 1;
                let Some(local) = shared::time::parse_rfc3339(&format!("{y:04}-{mo:02}-01")) else {
                    break;
                };
                let t = local - tz(local);
                if t >= to {
                    break;
                }
                if t >= from {
                    out.push(t);
                }
                idx += m;
            }
        }
    }
    (unit, out)
}

/// The label of a tick.
pub fn tick_label(t: i64, unit: Unit, tz: &dyn Fn(i64) -> i64) -> String {
    let (y, mo, d, h, mi) = civil(t, tz(t));
    let month = MONTHS.get(mo.wrapping_sub(1)).copied().unwrap_or("?");
    match unit {
        Unit::Hours(_) if h != 0 || mi != 0 => format!("{h:02}:{mi:02}"),
        Unit::Hours(_) | Unit::Days(_) => format!("{d} {month}"),
        Unit::Months(_) if mo == 1 => format!("{month} {y}"),
        Unit::Months(_) => month.to_string(),
    }
}

/// A time axis whose key points are given (round local times).
#[derive(Clone)]
struct TimeAxis {
    from: i64,
    to: i64,
    ticks: Vec<i64>,
}

impl Ranged for TimeAxis {
    type FormatOption = DefaultFormatting;
    type ValueType = i64;

    fn map(&self, v: &i64, limit: (i32, i32)) -> i32 {
        let f = (*v - self.from) as f64 / (self.to - self.from).max(1) as f64;
        limit.0 + (f * f64::from(limit.1 - limit.0)).round() as i32
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<i64> {
        if hint.weight().allow_light_points() || hint.max_num_points() == 0 {
            return Vec::new();
        }
        self.ticks.clone()
    }

    fn range(&self) -> std::ops::Range<i64> {
        self.from..self.to
    }
}

/// What was drawn, for tests and the page's data attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Drawn {
    /// Pairs with at least one column.
    pub lines: usize,
    /// Columns drawn over all pairs.
    pub columns: usize,
    /// Columns with loss.
    pub lossy: usize,
}

fn rgb(c: (u8, u8, u8)) -> RGBColor {
    RGBColor(c.0, c.1, c.2)
}

/// Round values for the y axis: steps of 1, 2 or 5 × 10ⁿ, at most `max` of them.
pub fn y_ticks(lo: f64, hi: f64, max: usize) -> Vec<f64> {
    let span = (hi - lo).max(1e-9);
    let raw = span / max.max(1) as f64;
    let mag = 10f64.powi(raw.log10().floor() as i32);
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| span / s <= max as f64)
        .unwrap_or(10.0 * mag);
    let mut out = Vec::new();
    let mut v = (lo / step).ceil() * step;
    while v <= hi && out.len() <= max {
        out.push(v);
        v += step;
    }
    out
}

/// A point in data coordinates: Unix seconds, ms.
type Point = (i64, f64);

/// Runs of contiguous columns that have a median: one band and one line each.
fn runs(columns: &[Column]) -> Vec<&[Column]> {
    let mut out = Vec::new();
    let mut start = 0;
    for k in 0..=columns.len() {
        let ends = k == columns.len()
            || columns[k].p50.is_none()
            || (k > start && columns[k].t0 != columns[k - 1].t1);
        if ends {
            if k > start {
                out.push(&columns[start..k]);
            }
            start = if k < columns.len() && columns[k].p50.is_none() {
                k + 1
            } else {
                k
            };
        }
    }
    out
}

/// Draws the chart on any plotters backend: the latency plot (grid, p10–p90
/// bands, median lines, legend), below it the loss strip, then the time axis.
///
/// Layout is computed here in pixels rather than by plotters' `ChartBuilder`,
/// which measures every label through the backend (on a canvas, by laying out
/// DOM nodes) and weighs heavily in the wasm bundle.
pub fn draw<DB: DrawingBackend>(
    backend: DB,
    p: &Prepared,
    theme: &Theme,
    tz: &dyn Fn(i64) -> i64,
) -> Result<Drawn, String> {
    use plotters::coord::types::RangedCoordf64;
    use plotters::style::text_anchor::{HPos, Pos, VPos};

    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| format!("drawing failed: {e}");
    let s = theme.scale;
    let px = |v: f64| (v * s).round() as i32;
    let (fg, grid, bg) = (rgb(theme.fg), rgb(theme.grid), rgb(theme.bg));
    let font = |size: f64| (FontFamily::SansSerif, size * s).into_font().color(&fg);
    let at = |h: HPos, v: VPos| Pos::new(h, v);

    let root = backend.into_drawing_area();
    root.fill(&bg).map_err(err)?;
    let (w, h) = root.dim_in_pixel();
    let (w, h) = (w as i32, h as i32);
    let rows = p.lines.len().max(1);
    let (left, right, top) = (px(LEFT), px(RIGHT), px(10.0));
    let axis_h = px(24.0);
    let strip_h = px(6.0 + 9.0 * rows as f64);
    let gap = px(6.0);
    let plot_bottom = (h - axis_h - strip_h - gap).max(top + px(40.0));
    let strip_top = plot_bottom + gap;
    let strip_bottom = strip_top + strip_h;

    let max_ticks = plot_width(w.max(0) as u32, s) / (px(80.0).max(1) as usize);
    let (unit, tick_list) = ticks(p.from, p.to, max_ticks, tz);
    let axis = TimeAxis {
        from: p.from,
        to: p.to,
        ticks: tick_list,
    };
    let y: RangedCoordf64 = (p.y.0..p.y.1).into();
    let plot = root.apply_coord_spec(
        plotters::prelude::Cartesian2d::<TimeAxis, RangedCoordf64>::new(
            axis.clone(),
            y,
            (left..w - right, plot_bottom..top),
        ),
    );
    let strip_y: RangedCoordf64 = (0.0..rows as f64).into();
    let strip = root.apply_coord_spec(
        plotters::prelude::Cartesian2d::<TimeAxis, RangedCoordf64>::new(
            axis.clone(),
            strip_y,
            (left..w - right, strip_bottom..strip_top),
        ),
    );

    // Grid, y labels and the axis title.
    let line = |a: (i32, i32), b: (i32, i32), c: &RGBColor| {
        root.draw(&PathElement::new(vec![a, b], c.stroke_width(1)))
            .map_err(err)
    };
    for v in y_ticks(p.y.0, p.y.1, 6) {
        let (_, yy) = plot.map_coordinate(&(p.from, v));
        line((left, yy), (w - right, yy), &grid)?;
        let label = if p.y.1 - p.y.0 < 5.0 {
            format!("{v:.1}")
        } else {
            format!("{v:.0}")
        };
        root.draw(&Text::new(
            label,
            (left - px(5.0), yy),
            font(12.0).pos(at(HPos::Right, VPos::Center)),
        ))
        .map_err(err)?;
    }
    for &t in &axis.ticks {
        let (xx, _) = plot.map_coordinate(&(t, p.y.0));
        line((xx, top), (xx, strip_bottom), &grid)?;
        root.draw(&Text::new(
            tick_label(t, unit, tz),
            (xx, strip_bottom + px(5.0)),
            font(12.0).pos(at(HPos::Center, VPos::Top)),
        ))
        .map_err(err)?;
    }
    root.draw(&Text::new(
        "RTT (ms)",
        (px(4.0), (top + plot_bottom) / 2),
        font(12.0)
            .transform(FontTransform::Rotate270)
            .pos(at(HPos::Center, VPos::Top)),
    ))
    .map_err(err)?;
    root.draw(&Text::new(
        "loss",
        (left - px(5.0), (strip_top + strip_bottom) / 2),
        font(11.0).pos(at(HPos::Right, VPos::Center)),
    ))
    .map_err(err)?;
    for (a, b) in [
        ((left, top), (left, plot_bottom)),
        ((left, plot_bottom), (w - right, plot_bottom)),
        ((left, strip_top), (left, strip_bottom)),
        ((left, strip_bottom), (w - right, strip_bottom)),
    ] {
        line(a, b, &fg)?;
    }

    let mut drawn = Drawn::default();
    let stroke = px(2.0).max(1) as u32;
    for (k, l) in p.lines.iter().enumerate() {
        let color = rgb(l.color);
        if !l.columns.is_empty() {
            drawn.lines += 1;
        }
        drawn.columns += l.columns.len();
        for run in runs(&l.columns) {
            let (band, points): (Vec<Point>, Vec<Point>) = if let [c] = run {
                // A lone column: as wide as its time, so it shows.
                let (lo, hi) = c.band.unwrap_or((f64::NAN, f64::NAN));
                let v = c.p50.map_or(f64::NAN, |p| p[0]);
                (
                    vec![(c.t0, hi), (c.t1, hi), (c.t1, lo), (c.t0, lo)],
                    vec![(c.t0, v), (c.t1, v)],
                )
            } else {
                let mut band: Vec<(i64, f64)> = run
                    .iter()
                    .filter_map(|c| c.band.map(|(_, hi)| (c.t, hi)))
                    .collect();
                band.extend(
                    run.iter()
                        .rev()
                        .filter_map(|c| c.band.map(|(lo, _)| (c.t, lo))),
                );
                let points = run
                    .iter()
                    .flat_map(|c| {
                        let [f, lo, hi, l] = c.p50.unwrap_or([f64::NAN; 4]);
                        let (a, b) = if l >= f { (lo, hi) } else { (hi, lo) };
                        [(c.t, f), (c.t, a), (c.t, b), (c.t, l)]
                    })
                    .collect();
                (band, points)
            };
            plot.draw(&Polygon::new(band, color.mix(0.22).filled()))
                .map_err(err)?;
            plot.draw(&PathElement::new(points, color.stroke_width(stroke)))
                .map_err(err)?;
        }
        // The loss strip: one row per pair, a bar per column that lost
        // connects, as tall as the loss (an eighth at least, so one lost
        // connect shows).
        let row = (rows - 1 - k) as f64;
        for c in l.columns.iter().filter(|c| c.lost > 0) {
            let hgt = 0.1 + 0.8 * c.loss().max(0.125);
            strip
                .draw(&Rectangle::new(
                    [(c.t0, row + 0.1), (c.t1, row + hgt)],
                    color.filled(),
                ))
                .map_err(err)?;
            drawn.lossy += 1;
        }
    }

    // Legend, top left inside the plot.
    if drawn.lines > 0 {
        let row_h = px(17.0);
        let chars = p
            .lines
            .iter()
            .map(|l| l.label.chars().count())
            .max()
            .unwrap_or(0);
        let (x0, y0) = (left + px(8.0), top + px(6.0));
        let width = px(34.0) + (chars as f64 * 7.2 * s) as i32;
        root.draw(&Rectangle::new(
            [
                (x0, y0),
                (x0 + width, y0 + px(6.0) + row_h * p.lines.len() as i32),
            ],
            ShapeStyle::from(bg.mix(0.85)).filled(),
        ))
        .map_err(err)?;
        root.draw(&Rectangle::new(
            [
                (x0, y0),
                (x0 + width, y0 + px(6.0) + row_h * p.lines.len() as i32),
            ],
            grid.stroke_width(1),
        ))
        .map_err(err)?;
        for (k, l) in p.lines.iter().enumerate() {
            let yy = y0 + px(3.0) + row_h * k as i32 + row_h / 2;
            root.draw(&PathElement::new(
                vec![(x0 + px(6.0), yy), (x0 + px(24.0), yy)],
                rgb(l.color).stroke_width(px(3.0).max(1) as u32),
            ))
            .map_err(err)?;
            root.draw(&Text::new(
                l.label.clone(),
                (x0 + px(30.0), yy),
                font(12.0).pos(at(HPos::Left, VPos::Center)),
            ))
            .map_err(err)?;
        }
    }
    root.present().map_err(err)?;
    Ok(drawn)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(rel: &str) -> Series {
        let path = format!(
            "{}/../shared/tests/fixtures/feed/v2/series/{rel}",
            env!("CARGO_MANIFEST_DIR")
        );
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    /// A year of hourly points with a daily cycle, a gap and some loss.
    pub(crate) fn year(src: &str, base: f64) -> Series {
        let n = 365 * 24;
        let mut s = Series {
            version: 1,
            source: src.into(),
            destination: "eu-west-1".into(),
            resolution: "1h".into(),
            step_seconds: 3600,
            start: "2025-11-20T12:00:00Z".into(),
            unit: "ms".into(),
            p10: Vec::new(),
            p50: Vec::new(),
            p90: Vec::new(),
            min: Vec::new(),
            max: Vec::new(),
            samples: Vec::new(),
            lost: Vec::new(),
        };
        for i in 0..n {
            let gap = (1000..1010).contains(&i);
            let v = base
                + 3.0 * ((i % 24) as f64 / 24.0 * std::f64::consts::TAU).sin()
                + if i == 5000 { 80.0 } else { 0.0 };
            let opt = |x: f64| (!gap).then_some(x);
            s.p10.push(opt(v * 0.98));
            s.p50.push(opt(v));
            s.p90.push(opt(v * 1.05));
            s.min.push(opt(v * 0.97));
            s.max.push(opt(v * 1.2));
            s.samples.push(if gap { 0 } else { 120 });
            s.lost.push(if gap { 120 } else { u64::from(i % 500 == 0) });
        }
        s
    }

    fn input(s: &Series, k: usize) -> Input<'_> {
        Input {
            label: format!("{} → {}", s.source, s.destination),
            color: PALETTE[k],
            series: s,
        }
    }

    fn utc(_: i64) -> i64 {
        0
    }

    #[test]
    fn small_series_keep_every_point() {
        let s = fixture("us-east-1/eu-west-1/1h.json");
        let p = prepare(&[input(&s, 0)], None, 800);
        let line = &p.lines[0];
        assert_eq!(line.points, 24);
        assert_eq!(
            line.columns.len(),
            24,
            "the gap is lost connects: a column without median"
        );
        assert_eq!(line.columns[5].p50, None);
        assert_eq!(line.columns[5].loss(), 1.0);
        assert_eq!(line.columns[0].p50, Some([68.4; 4]));
        assert_eq!(line.columns[0].band, Some((67.6, 70.3)));
        assert!((line.columns[6].loss() - 0.025).abs() < 1e-12);
        assert_eq!(shared::time::rfc3339(p.from), "2026-11-19T12:00:00Z");
        assert_eq!(p.to - p.from, 24 * 3600);
        assert!(p.y.0 < 65.6 && p.y.1 > 72.29, "{:?}", p.y);
    }

    #[test]
    fn uneven_columns_are_cut_not_a_panic() {
        let mut s = fixture("us-east-1/eu-west-1/1h.json");
        s.p10.truncate(10);
        let p = prepare(&[input(&s, 0)], None, 100);
        assert_eq!(p.lines[0].points, 10);
    }

    #[test]
    fn the_range_cuts_the_series() {
        let s = fixture("us-east-1/eu-west-1/1h.json");
        let from = shared::time::parse_rfc3339("2026-11-20T00:00:00Z").unwrap();
        let p = prepare(&[input(&s, 0)], Some((from, from + 6 * 3600)), 800);
        assert_eq!(p.lines[0].points, 6);
        assert_eq!(p.lines[0].columns[0].p50.map(|v| v[0]), Some(68.68));
    }

    #[test]
    fn a_year_folds_into_pixel_columns_and_keeps_its_spike() {
        let s = year("us-east-1", 70.0);
        let p = prepare(&[input(&s, 0)], None, 700);
        let line = &p.lines[0];
        assert_eq!(line.points, 365 * 24, "lost points count too");
        assert!(
            line.columns.len() <= 700 && line.columns.len() >= 690,
            "{}",
            line.columns.len()
        );
        let peak = line
            .columns
            .iter()
            .filter_map(|c| c.p50.map(|v| v[2]))
            .fold(0.0, f64::max);
        let want = s.p50.iter().flatten().copied().fold(0.0, f64::max);
        assert!(want > 150.0);
        assert_eq!(peak, want, "the spike survives decimation");
        let lost: u64 = line.columns.iter().map(|c| c.lost).sum();
        let want: u64 = s.lost.iter().sum();
        assert_eq!(lost, want, "no lost connect is dropped");
    }

    #[test]
    fn ticks_fall_on_round_local_times() {
        let from = shared::time::parse_rfc3339("2026-11-19T12:00:00Z").unwrap();
        let (unit, t) = ticks(from, from + 86_400, 10, &utc);
        assert_eq!(unit, Unit::Hours(3));
        assert_eq!(shared::time::rfc3339(t[0]), "2026-11-19T12:00:00Z");
        assert_eq!(tick_label(t[0], unit, &utc), "12:00");
        assert_eq!(
            tick_label(t[4], unit, &utc),
            "20 Nov",
            "midnight shows the date"
        );
        // An hour east of UTC: ticks at local 3-hour marks.
        let cet = |_: i64| 3600;
        let (_, t) = ticks(from, from + 86_400, 10, &cet);
        assert_eq!(shared::time::rfc3339(t[0]), "2026-11-19T14:00:00Z");
        assert_eq!(tick_label(t[0], unit, &cet), "15:00");
        // A year: months.
        let (unit, t) = ticks(from - 365 * 86_400, from, 12, &utc);
        assert_eq!(unit, Unit::Months(1));
        assert_eq!(shared::time::rfc3339(t[0]), "2025-12-01T00:00:00Z");
        assert_eq!(tick_label(t[1], unit, &utc), "Jan 2026");
        assert_eq!(t.len(), 12);
        // Weeks start on Mondays (2026-11-09 is one).
        let (unit, t) = ticks(from - 60 * 86_400, from, 6, &utc);
        assert_eq!(unit, Unit::Days(14));
        assert_eq!(
            shared::time::rfc3339(*t.last().unwrap()),
            "2026-11-09T00:00:00Z"
        );
    }

    #[test]
    fn draws_to_svg() {
        let a = fixture("us-east-1/eu-west-1/1h.json");
        let b = fixture("eu-west-1/us-east-1/1h.json");
        let p = prepare(&[input(&a, 0), input(&b, 1)], None, plot_width(800, 1.0));
        let mut svg = String::new();
        let drawn = draw(
            SVGBackend::with_string(&mut svg, (800, 360)),
            &p,
            &Theme::light(1.0),
            &utc,
        )
        .unwrap();
        assert_eq!(drawn.lines, 2);
        assert_eq!(drawn.columns, 48);
        assert_eq!(drawn.lossy, 4, "two lossy hours in each");
        assert!(svg.contains("RTT (ms)"));
        assert!(svg.contains("us-east-1 → eu-west-1"), "legend");
        assert!(svg.contains("eu-west-1 → us-east-1"));
        assert!(svg.contains("\n12:00\n"), "local-time axis labels");
        assert!(svg.contains("\n20 Nov\n"), "the date at midnight");
        // Per pair two runs (the gap at 5 breaks the line), each a band and a line.
        assert_eq!(svg.matches("<polygon").count(), 4);
        assert_eq!(
            svg.matches("stroke=\"#0072B2\" stroke-width=\"2\"").count(),
            2
        );
        assert_eq!(
            svg.matches("stroke=\"#E69F00\" stroke-width=\"2\"").count(),
            2
        );
    }

    #[test]
    fn draws_a_year_of_three_pairs() {
        let series = [year("a", 70.0), year("b", 140.0), year("c", 200.0)];
        let inputs: Vec<Input<'_>> = series
            .iter()
            .enumerate()
            .map(|(k, s)| input(s, k))
            .collect();
        let width = 1000;
        let p = prepare(&inputs, None, plot_width(width, 1.0));
        let mut svg = String::new();
        let drawn = draw(
            SVGBackend::with_string(&mut svg, (width, 420)),
            &p,
            &Theme::dark(1.0),
            &utc,
        )
        .unwrap();
        assert_eq!(drawn.lines, 3);
        assert!(drawn.columns <= 3 * plot_width(width, 1.0));
        assert!(svg.contains("\nJan 2026\n"));
    }

    #[test]
    fn nothing_to_draw_still_draws_axes() {
        let p = prepare(&[], Some((0, 86_400)), 500);
        let mut svg = String::new();
        let drawn = draw(
            SVGBackend::with_string(&mut svg, (600, 300)),
            &p,
            &Theme::light(2.0),
            &utc,
        )
        .unwrap();
        assert_eq!(drawn, Drawn::default());
        assert!(svg.contains("RTT (ms)"));
    }
}
