//! Drawing a prepared chart on any plotters backend.

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::prelude::*;
use plotters::style::FontTransform;

use super::fold::{Column, Prepared};
use super::ticks::{tick_label, ticks, y_ticks};

/// Colours of the chart.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Theme {
    /// Background.
    pub bg: (u8, u8, u8),
    /// Text and axes.
    pub fg: (u8, u8, u8),
    /// Grid lines.
    pub grid: (u8, u8, u8),
    /// Opacity of the p10–p90 band over the background.
    pub band_alpha: f64,
    /// Opacity of the envelope (lowest to highest median of a column) over the band.
    pub envelope_alpha: f64,
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
            band_alpha: 0.22,
            envelope_alpha: 0.3,
            scale,
        }
    }

    /// On a dark page (`prefers-color-scheme: dark`). The band is denser
    /// than on a light page: at the light page's 22 % the blue band is within
    /// 1.25:1 of the background; at 45 % every palette colour's is 1.6:1 or
    /// more, and the line still stands 2:1 from it.
    pub fn dark(scale: f64) -> Theme {
        Theme {
            bg: (21, 21, 26),
            fg: (236, 236, 241),
            grid: (51, 51, 61),
            band_alpha: 0.45,
            envelope_alpha: 0.25,
            scale,
        }
    }

    /// The colour the band of a pair in `color` shows, over the background.
    pub fn band(&self, color: (u8, u8, u8)) -> (u8, u8, u8) {
        blend(self.bg, color, self.band_alpha)
    }

    /// The colour of the envelope, over the band.
    pub fn envelope(&self, color: (u8, u8, u8)) -> (u8, u8, u8) {
        blend(self.band(color), color, self.envelope_alpha)
    }
}

/// `top` at opacity `alpha` over `under`, as the canvas composes them.
pub fn blend(under: (u8, u8, u8), top: (u8, u8, u8), alpha: f64) -> (u8, u8, u8) {
    let mix = |u: u8, t: u8| {
        (f64::from(u) + (f64::from(t) - f64::from(u)) * alpha.clamp(0.0, 1.0)).round() as u8
    };
    (
        mix(under.0, top.0),
        mix(under.1, top.1),
        mix(under.2, top.2),
    )
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

/// Left and right edge, in CSS pixels, of the plotting area of a chart
/// `width` CSS pixels wide.
pub fn plot_span(width: f64) -> (f64, f64) {
    (LEFT, (width - RIGHT).max(LEFT + 1.0))
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
    /// Columns that fold more than one median, drawn with an envelope.
    pub envelope: usize,
    /// Marks (level shifts) that fall in the range, drawn.
    pub marks: usize,
}

/// Opacity of a mark's span (a level shift) in the text colour, over the plot.
pub const MARK_ALPHA: f64 = 0.12;

fn rgb(c: (u8, u8, u8)) -> RGBColor {
    RGBColor(c.0, c.1, c.2)
}

/// A point in data coordinates: Unix seconds, ms.
type Point = (i64, f64);

/// Runs of contiguous columns that have a median: one band, envelope and line each.
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
/// bands, min–max envelopes of the medians, median lines on top of them all,
/// legend), below it the loss strip, then the time axis. Without a y range
/// (no point in the range) only the background: no axis for no data.
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
    let Some((y_lo, y_hi)) = p.y else {
        root.present().map_err(err)?;
        return Ok(Drawn::default());
    };
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
    let y: RangedCoordf64 = (y_lo..y_hi).into();
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
    for v in y_ticks(y_lo, y_hi, 6) {
        let (_, yy) = plot.map_coordinate(&(p.from, v));
        line((left, yy), (w - right, yy), &grid)?;
        let label = if y_hi - y_lo < 5.0 {
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
        let (xx, _) = plot.map_coordinate(&(t, y_lo));
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
    // Level shifts: a light span from onset to end (the right edge while
    // ongoing) and a line in the pair's colour at the onset, under the data.
    for m in &p.marks {
        let (a, b) = (m.onset.max(p.from), m.end.unwrap_or(p.to).min(p.to));
        if b <= a {
            continue;
        }
        let (x0, _) = plot.map_coordinate(&(a, y_lo));
        let (x1, _) = plot.map_coordinate(&(b, y_lo));
        root.draw(&Rectangle::new(
            [(x0, top), (x1.max(x0 + 1), plot_bottom)],
            fg.mix(MARK_ALPHA).filled(),
        ))
        .map_err(err)?;
        if m.onset >= p.from {
            line((x0, top), (x0, plot_bottom), &rgb(m.color))?;
        }
        drawn.marks += 1;
    }
    let stroke = px(2.0).max(1) as u32;
    // Bands and envelopes of every pair first, so that no pair's band hides
    // another's line.
    for l in &p.lines {
        let color = rgb(l.color);
        let band_fill = color.mix(theme.band_alpha).filled();
        let envelope_fill = color.mix(theme.envelope_alpha).filled();
        if !l.columns.is_empty() {
            drawn.lines += 1;
        }
        drawn.columns += l.columns.len();
        for run in runs(&l.columns) {
            let enveloped = run.iter().filter(|c| c.has_envelope()).count();
            drawn.envelope += enveloped;
            let (band, envelope): (Vec<Point>, Vec<Point>) = if let [c] = run {
                // A lone column: as wide as its time, so it shows.
                let (lo, hi) = c.band.unwrap_or((f64::NAN, f64::NAN));
                let (a, b) = c.envelope.unwrap_or((f64::NAN, f64::NAN));
                (
                    vec![(c.t0, hi), (c.t1, hi), (c.t1, lo), (c.t0, lo)],
                    vec![(c.t0, b), (c.t1, b), (c.t1, a), (c.t0, a)],
                )
            } else {
                let outline = |edge: fn(&Column) -> Option<(f64, f64)>| {
                    let mut out: Vec<Point> = run
                        .iter()
                        .filter_map(|c| edge(c).map(|(_, hi)| (c.t, hi)))
                        .collect();
                    out.extend(
                        run.iter()
                            .rev()
                            .filter_map(|c| edge(c).map(|(lo, _)| (c.t, lo))),
                    );
                    out
                };
                (outline(|c| c.band), outline(|c| c.envelope))
            };
            plot.draw(&Polygon::new(band, band_fill)).map_err(err)?;
            if enveloped > 0 {
                plot.draw(&Polygon::new(envelope, envelope_fill))
                    .map_err(err)?;
            }
        }
    }
    for (k, l) in p.lines.iter().enumerate() {
        let color = rgb(l.color);
        for run in runs(&l.columns) {
            let points: Vec<Point> = if let [c] = run {
                let v = c.p50.unwrap_or(f64::NAN);
                vec![(c.t0, v), (c.t1, v)]
            } else {
                run.iter()
                    .map(|c| (c.t, c.p50.unwrap_or(f64::NAN)))
                    .collect()
            };
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
    use crate::chart::fold::{Input, prepare};
    use crate::chart::testdata::{fixture, input, utc, year};

    /// WCAG 2 contrast ratio of two colours, 1 to 21.
    fn contrast(a: (u8, u8, u8), b: (u8, u8, u8)) -> f64 {
        let lum = |c: (u8, u8, u8)| {
            let lin = |v: u8| {
                let v = f64::from(v) / 255.0;
                if v <= 0.040_45 {
                    v / 12.92
                } else {
                    ((v + 0.055) / 1.055).powf(2.4)
                }
            };
            0.2126 * lin(c.0) + 0.7152 * lin(c.1) + 0.0722 * lin(c.2)
        };
        let (x, y) = (lum(a), lum(b));
        (x.max(y) + 0.05) / (x.min(y) + 0.05)
    }

    /// Vertices of the polylines drawn `stroke-width="2"` in `color` (`#RRGGBB`).
    fn line_vertices(svg: &str, color: &str) -> Vec<usize> {
        let tag = format!("stroke=\"{color}\" stroke-width=\"2\"");
        svg.lines()
            .filter(|l| l.starts_with("<polyline") && l.contains(&tag))
            .map(|l| {
                let pts = l.split("points=\"").nth(1).unwrap_or("");
                pts.split('"')
                    .next()
                    .unwrap_or("")
                    .split_whitespace()
                    .count()
            })
            .collect()
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
        assert_eq!(drawn.envelope, 0, "a point a column: nothing to span");
        assert!(svg.contains("RTT (ms)"));
        assert!(svg.contains("us-east-1 → eu-west-1"), "legend");
        assert!(svg.contains("eu-west-1 → us-east-1"));
        assert!(svg.contains("\n12:00\n"), "local-time axis labels");
        assert!(svg.contains("\n20 Nov\n"), "the date at midnight");
        // Per pair two runs (the gap at 5 breaks the line), each a band and a line.
        assert_eq!(svg.matches("<polygon").count(), 4);
        assert_eq!(svg.matches("opacity=\"0.22\"").count(), 4);
        // A vertex per column with a median: 5 before the gap, 18 after.
        assert_eq!(line_vertices(&svg, "#0072B2"), [5, 18]);
        assert_eq!(line_vertices(&svg, "#E69F00").len(), 2);
        // Every band is under every line.
        let last_band = svg.rfind("<polygon").unwrap();
        let first_line = svg.find("stroke-width=\"2\"").unwrap();
        assert!(last_band < first_line, "the lines are drawn last");
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
        assert!(
            drawn.envelope > 2 * plot_width(width, 1.0),
            "{}",
            drawn.envelope
        );
        assert!(svg.contains("\nJan 2026\n"));
        // One vertex per column with a median, not a zigzag through each
        // column's extremes: the line stays a line.
        let vertices: usize = line_vertices(&svg, "#0072B2").iter().sum();
        let medians = p.lines[0]
            .columns
            .iter()
            .filter(|c| c.p50.is_some())
            .count();
        assert_eq!(vertices, medians);
        assert!(vertices <= plot_width(width, 1.0));
        // Per pair a band and an envelope (the 10-hour gap falls in columns
        // that also hold medians, so nothing breaks the runs).
        assert_eq!(svg.matches("opacity=\"0.45\"").count(), 3, "bands");
        assert_eq!(svg.matches("opacity=\"0.25\"").count(), 3, "envelopes");
    }

    #[test]
    fn the_dark_band_stands_out_from_the_background_and_the_line_from_it() {
        let theme = Theme::dark(1.0);
        for c in PALETTE {
            let band = theme.band(c);
            let ratio = contrast(band, theme.bg);
            assert!(ratio >= 1.5, "{c:?}: band {band:?} is {ratio:.2}:1");
            let ratio = contrast(c, band);
            assert!(ratio >= 2.0, "{c:?}: the line on its band is {ratio:.2}:1");
            let envelope = theme.envelope(c);
            let ratio = contrast(c, envelope);
            assert!(
                ratio >= 1.5,
                "{c:?}: the line on its envelope is {ratio:.2}:1"
            );
        }
        // What the light page's alpha gave on the dark page: too faint.
        let faint = blend(theme.bg, PALETTE[0], Theme::light(1.0).band_alpha);
        assert!(contrast(faint, theme.bg) < 1.3);
        assert_eq!(blend((0, 0, 0), (255, 255, 255), 0.5), (128, 128, 128));
    }

    #[test]
    fn a_level_shift_is_marked_from_its_onset_to_its_end() {
        use crate::chart::Mark;
        let s = fixture("us-east-1/eu-west-1/1h.json");
        let from = shared::time::parse_rfc3339("2026-11-19T00:00:00Z").unwrap();
        let to = from + 2 * 86_400;
        let mut p = prepare(&[input(&s, 0)], Some((from, to)), plot_width(800, 1.0));
        let onset = from + 12 * 3600;
        p.marks = vec![
            // Recovered: a quarter of the range, from a quarter in.
            Mark {
                onset,
                end: Some(onset + 12 * 3600),
                color: PALETTE[0],
            },
            // Ongoing: to the right edge.
            Mark {
                onset: from + 36 * 3600,
                end: None,
                color: PALETTE[0],
            },
            // Over before the range: not drawn.
            Mark {
                onset: from - 86_400,
                end: Some(from - 3600),
                color: PALETTE[0],
            },
        ];
        let mut svg = String::new();
        let drawn = draw(
            SVGBackend::with_string(&mut svg, (800, 360)),
            &p,
            &Theme::light(1.0),
            &utc,
        )
        .unwrap();
        assert_eq!(drawn.marks, 2);
        // The plot spans x = 58 ..= 788: 730 px for 48 hours.
        let x = |t: i64| 58.0 + (t - from) as f64 / (to - from) as f64 * 730.0;
        let attr = |l: &str, name: &str| -> f64 {
            let key = format!(" {name}=\"");
            let v = l.split(&key).nth(1).unwrap().split('"').next().unwrap();
            v.parse().unwrap()
        };
        let spans: Vec<(f64, f64)> = svg
            .lines()
            .filter(|l| l.starts_with("<rect") && l.contains(&format!("opacity=\"{MARK_ALPHA}\"")))
            .map(|l| (attr(l, "x"), attr(l, "width")))
            .collect();
        assert_eq!(spans.len(), 2, "{spans:?}");
        let (x0, w0) = spans[0];
        assert!((x0 - x(onset)).abs() <= 1.0, "{x0} vs {}", x(onset));
        assert!(
            (w0 - 730.0 / 4.0).abs() <= 2.0,
            "a quarter of the plot: {w0}"
        );
        let (x1, w1) = spans[1];
        assert!((x1 - x(from + 36 * 3600)).abs() <= 1.0);
        assert!((x1 + w1 - 788.0).abs() <= 1.0, "ongoing: to the right edge");
        // A line in the pair's colour at each onset, under the median line.
        let onsets: Vec<usize> = svg
            .lines()
            .scan(0, |at, l| {
                let here = *at;
                *at += l.len() + 1;
                Some((here, l))
            })
            .filter(|(_, l)| l.contains("stroke=\"#0072B2\" stroke-width=\"1\""))
            .map(|(at, _)| at)
            .collect();
        assert_eq!(onsets.len(), 2, "a line at each onset in range");
        let first_x: f64 = svg[onsets[0]..]
            .split("points=\"")
            .nth(1)
            .and_then(|p| p.split(',').next())
            .and_then(|v| v.parse().ok())
            .unwrap();
        assert!((first_x - x(onset)).abs() <= 1.0, "{first_x}");
        let data = svg.find("stroke-width=\"2\"").unwrap();
        assert!(
            onsets.iter().all(|at| *at < data),
            "marks are under the data"
        );
    }

    #[test]
    fn nothing_to_draw_draws_no_axis() {
        let s = fixture("us-east-1/eu-west-1/1h.json");
        let from = shared::time::parse_rfc3339("2026-10-01T00:00:00Z").unwrap();
        for p in [
            prepare(&[], Some((0, 86_400)), 500),
            prepare(&[input(&s, 0)], Some((from, from + 2 * 86_400)), 500),
        ] {
            let mut svg = String::new();
            let drawn = draw(
                SVGBackend::with_string(&mut svg, (600, 300)),
                &p,
                &Theme::light(2.0),
                &utc,
            )
            .unwrap();
            assert_eq!(drawn, Drawn::default());
            assert!(!svg.contains("RTT (ms)"), "no axis for no data");
            assert!(!svg.contains("<text") && !svg.contains("<polyline"));
        }
    }
}
