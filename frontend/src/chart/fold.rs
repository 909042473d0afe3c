//! Folding a series' points into pixel columns.
//!
//! Each column holds the points that fall in one pixel: the median of their
//! medians (the line), the lowest and highest of those medians (the
//! envelope, so a spike survives and a long range stays readable), the
//! lowest p10 and highest p90 (the band), and the summed samples and losses.

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
    /// Median of the medians of the column's points (of the middle two when
    /// they are even); `None` when every point was lost.
    pub p50: Option<f64>,
    /// Lowest and highest median of the column's points.
    pub envelope: Option<(f64, f64)>,
    /// Points with a median.
    pub medians: usize,
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

    /// Whether the column folds more than one median: only then has its
    /// envelope a height worth drawing.
    pub fn has_envelope(&self) -> bool {
        self.medians > 1
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
    /// Time of the newest of those points, Unix seconds.
    pub last: Option<i64>,
}

/// Every pair, ready to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    /// Start of the x axis, Unix seconds.
    pub from: i64,
    /// End of the x axis.
    pub to: i64,
    /// Range of the y axis, ms; `None` when no pair has a point in the range
    /// (then there is nothing to draw, not even an axis). Points that all
    /// lost every connect give 0 to 100 ms, so their loss still shows.
    pub y: Option<(f64, f64)>,
    /// The pairs.
    pub lines: Vec<Line>,
    /// Spans of time to mark (level shifts); [`prepare`] leaves it empty.
    pub marks: Vec<Mark>,
}

/// A span of time the chart marks: a level shift of a shown pair, from its
/// onset to its end.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mark {
    /// Start of the first hour at the new level, Unix seconds.
    pub onset: i64,
    /// Start of the first hour back; `None` while ongoing (to the right edge).
    pub end: Option<i64>,
    /// The pair's colour, for the line at the onset.
    pub color: (u8, u8, u8),
}

/// What the chart shows at `t`, as a line of text: the time of the column
/// there, then each pair's median, p10–p90 band and loss; "no data" for a
/// pair with no column within `tolerance` seconds (a gap). `None` when no
/// pair has one.
pub fn read_out(p: &Prepared, t: i64, tolerance: i64) -> Option<String> {
    fn near(l: &Line, t: i64, tolerance: i64) -> Option<&Column> {
        l.columns
            .iter()
            .min_by_key(|c| {
                if (c.t0..c.t1).contains(&t) {
                    0
                } else {
                    (c.t - t).abs()
                }
            })
            .filter(|c| (c.t0..c.t1).contains(&t) || (c.t - t).abs() <= tolerance)
    }
    let at: Vec<(&Line, Option<&Column>)> =
        p.lines.iter().map(|l| (l, near(l, t, tolerance))).collect();
    let first = at.iter().find_map(|(_, c)| *c)?;
    let ms = shared::display::cell_ms;
    let parts: Vec<String> = at
        .iter()
        .map(|(l, c)| match c {
            None => format!("{}: no data", l.label),
            Some(c) => {
                let median = c.p50.map_or_else(
                    || "every connect lost".to_string(),
                    |v| format!("{} ms", ms(v)),
                );
                let band = c
                    .band
                    .map(|(a, b)| format!(" (p10–p90 {}–{} ms)", ms(a), ms(b)))
                    .unwrap_or_default();
                let loss = if c.lost > 0 {
                    format!(", {:.1} % lost", 100.0 * c.loss())
                } else {
                    String::new()
                };
                format!("{}: {median}{band}{loss}", l.label)
            }
        })
        .collect();
    Some(format!(
        "{} — {}",
        crate::format::utc(first.t0),
        parts.join("; ")
    ))
}

impl Prepared {
    /// Points inside the range over all pairs.
    pub fn points(&self) -> usize {
        self.lines.iter().map(|l| l.points).sum()
    }

    /// Time of the newest point over all pairs, Unix seconds.
    pub fn last(&self) -> Option<i64> {
        self.lines.iter().filter_map(|l| l.last).max()
    }
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

/// The median of `v` (the mean of the middle two when even); `None` when empty.
pub(super) fn median(v: &mut [f64]) -> Option<f64> {
    // A column holds a few dozen points at most: the small sort keeps the
    // standard library's quicksort out of the wasm.
    crate::format::sort_small(v, |a, b| a.total_cmp(b).is_lt());
    let n = v.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(v[n / 2]),
        _ => Some((v[n / 2 - 1] + v[n / 2]) / 2.0),
    }
}

/// Sets the median of the column from the medians folded into it.
fn close(col: Option<&mut Column>, medians: &mut Vec<f64>) {
    if let Some(c) = col {
        c.p50 = median(medians);
        c.medians = medians.len();
    }
    medians.clear();
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
    // The medians of the column being filled.
    let mut medians: Vec<f64> = Vec::new();
    for input in inputs {
        let s = input.series;
        let step = s.step_seconds.max(1);
        let mut columns: Vec<Column> = Vec::new();
        let mut points = 0;
        let mut last = None;
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
            let end = usize::try_from(((to - start) + step - 1).div_euclid(step))
                .unwrap_or(0)
                .min(n);
            for k in first..end {
                let t = start + k as i64 * step;
                let (samples, lost) = (s.samples[k], s.lost[k]);
                let p50 = s.p50[k];
                if samples + lost == 0 && p50.is_none() {
                    continue;
                }
                points += 1;
                last = Some(t);
                let bucket = (((t - from) as f64 / width) as usize).min(buckets - 1);
                let lo = s.p10[k].or(p50);
                let hi = s.p90[k].or(p50);
                if columns.last().is_none_or(|c| c.bucket != bucket) {
                    close(columns.last_mut(), &mut medians);
                    columns.push(Column {
                        bucket,
                        t,
                        t0: t,
                        t1: t + step,
                        p50: None,
                        envelope: None,
                        medians: 0,
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
                    medians.push(v);
                    col.envelope = Some(match col.envelope {
                        None => (v, v),
                        Some((a, b)) => (a.min(v), b.max(v)),
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
            close(columns.last_mut(), &mut medians);
        }
        lines.push(Line {
            label: input.label.clone(),
            color: input.color,
            columns,
            points,
            last,
        });
    }
    let y = if y_lo.is_finite() && y_hi.is_finite() {
        let pad = ((y_hi - y_lo) * 0.08).max(0.5);
        Some(((y_lo - pad).max(0.0), y_hi + pad))
    } else if lines.iter().any(|l| l.points > 0) {
        Some((0.0, 100.0))
    } else {
        None
    };
    Prepared {
        from,
        to,
        y,
        lines,
        marks: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::testdata::{fixture, input, year};
    use shared::time::{parse_rfc3339, rfc3339};

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
        assert_eq!(line.columns[5].envelope, None);
        assert_eq!(line.columns[5].loss(), 1.0);
        assert_eq!(line.columns[0].p50, Some(68.4));
        assert_eq!(line.columns[0].envelope, Some((68.4, 68.4)));
        assert!(!line.columns[0].has_envelope(), "one point: no envelope");
        assert_eq!(line.columns[0].band, Some((67.6, 70.3)));
        assert!((line.columns[6].loss() - 0.025).abs() < 1e-12);
        assert_eq!(rfc3339(p.from), "2026-11-19T12:00:00Z");
        assert_eq!(p.to - p.from, 24 * 3600);
        let (lo, hi) = p.y.unwrap();
        assert!(lo < 65.6 && hi > 72.29, "{:?}", p.y);
        assert_eq!(p.points(), 24);
        assert_eq!(
            p.last().map(rfc3339).as_deref(),
            Some("2026-11-20T11:00:00Z")
        );
    }

    #[test]
    fn the_read_out_gives_each_pair_at_a_time() {
        let s = fixture("us-east-1/eu-west-1/1h.json");
        let p = prepare(&[input(&s, 0)], None, 800);
        let at = |t: &str| read_out(&p, parse_rfc3339(t).unwrap(), 1800);
        assert_eq!(
            at("2026-11-19T12:20:00Z").as_deref(),
            Some("2026-11-19 12:00 UTC — us-east-1 → eu-west-1: 68.4 ms (p10–p90 67.6–70.3 ms)")
        );
        // The hour every connect was lost, and one with some loss.
        let lost = at("2026-11-19T17:30:00Z").unwrap();
        assert!(lost.ends_with("every connect lost, 100.0 % lost"), "{lost}");
        assert!(
            at("2026-11-19T18:10:00Z")
                .unwrap()
                .ends_with(", 2.5 % lost")
        );
        // Outside the data, beyond the tolerance: nothing.
        assert_eq!(at("2026-11-21T00:00:00Z"), None);
        // Two pairs, one without data there.
        let mut t = fixture("us-east-1/eu-west-1/1h.json");
        t.source = "eu-west-1".into();
        t.destination = "us-east-1".into();
        t.start = "2026-11-20T06:00:00Z".into();
        let two = prepare(&[input(&s, 0), input(&t, 1)], None, 800);
        let text = read_out(&two, parse_rfc3339("2026-11-19T12:20:00Z").unwrap(), 1800).unwrap();
        assert!(text.ends_with("; eu-west-1 → us-east-1: no data"), "{text}");
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
        let from = parse_rfc3339("2026-11-20T00:00:00Z").unwrap();
        let p = prepare(&[input(&s, 0)], Some((from, from + 6 * 3600)), 800);
        assert_eq!(p.lines[0].points, 6);
        assert_eq!(p.lines[0].columns[0].p50, Some(68.68));
        assert_eq!(
            p.last().map(rfc3339).as_deref(),
            Some("2026-11-20T05:00:00Z")
        );
    }

    #[test]
    fn a_range_without_points_has_no_y_axis() {
        let s = fixture("us-east-1/eu-west-1/1h.json");
        let from = parse_rfc3339("2026-10-01T00:00:00Z").unwrap();
        let p = prepare(&[input(&s, 0)], Some((from, from + 2 * 86_400)), 800);
        assert_eq!(p.points(), 0);
        assert_eq!(p.y, None, "no made-up 0 to 100 ms");
        assert_eq!(p.last(), None);
        assert!(p.lines[0].columns.is_empty());
        assert_eq!(prepare(&[], Some((0, 86_400)), 500).y, None);
        // Points that lost every connect still have an axis, for their loss.
        let mut lost = s.clone();
        lost.p10.fill(None);
        lost.p50.fill(None);
        lost.p90.fill(None);
        let p = prepare(&[input(&lost, 0)], None, 800);
        assert_eq!(p.y, Some((0.0, 100.0)));
    }

    #[test]
    fn the_median_of_a_column_is_the_median_of_its_points() {
        let mut s = fixture("us-east-1/eu-west-1/1h.json");
        s.p50 = vec![Some(1.0), Some(2.0), Some(10.0), Some(3.0), None, Some(4.0)];
        s.p10 = s.p50.iter().map(|v| v.map(|v| v - 0.5)).collect();
        s.p90 = s.p50.iter().map(|v| v.map(|v| v + 0.5)).collect();
        s.samples = vec![10, 10, 10, 10, 0, 10];
        s.lost = vec![0, 0, 0, 0, 10, 0];
        // Four points in the first column, two in the second.
        let start = parse_rfc3339(&s.start).unwrap();
        let p = prepare(&[input(&s, 0)], Some((start, start + 8 * 3600)), 2);
        let c = &p.lines[0].columns;
        assert_eq!(c.len(), 2);
        assert_eq!(
            c[0].p50,
            Some(2.5),
            "the mean of the middle two of 1, 2, 3, 10"
        );
        assert_eq!(c[0].envelope, Some((1.0, 10.0)));
        assert_eq!(c[0].medians, 4);
        assert_eq!(c[0].band, Some((0.5, 10.5)), "the p10–p90 band stays");
        assert_eq!(c[1].p50, Some(4.0), "a lost point has no median");
        assert_eq!(c[1].medians, 1);
        assert_eq!((c[1].samples, c[1].lost), (10, 10));
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&mut []), None);
    }

    #[test]
    fn a_year_hourly_folds_into_600_columns_of_medians_and_envelopes() {
        let s = year("us-east-1", 70.0);
        let p = prepare(&[input(&s, 0)], None, 600);
        let line = &p.lines[0];
        assert_eq!(line.points, 8760, "lost points count too");
        assert!(
            (590..=600).contains(&line.columns.len()),
            "{}",
            line.columns.len()
        );
        let mut buckets: Vec<usize> = line.columns.iter().map(|c| c.bucket).collect();
        buckets.dedup();
        assert_eq!(buckets.len(), line.columns.len(), "one column per pixel");
        for c in &line.columns {
            let (Some(m), Some((lo, hi))) = (c.p50, c.envelope) else {
                assert_eq!(c.medians, 0);
                continue;
            };
            assert!(lo <= m && m <= hi, "{lo} ≤ {m} ≤ {hi}");
            assert!(c.has_envelope(), "14 or 15 points a column");
            let (b0, b1) = c.band.unwrap();
            assert!(b0 <= lo && hi <= b1, "the band holds the envelope");
        }
        // The spike (point 5000, 80 ms above the rest) is the top of its
        // column's envelope, not its median.
        let spike = parse_rfc3339(&s.start).unwrap() + 5000 * 3600;
        let want = s.p50[5000].unwrap();
        assert!(want > 150.0);
        let col = line
            .columns
            .iter()
            .find(|c| c.t0 <= spike && spike < c.t1)
            .unwrap();
        assert_eq!(col.envelope.map(|e| e.1), Some(want), "the spike survives");
        assert!(
            col.p50.unwrap() < 74.0,
            "the median ignores it: {:?}",
            col.p50
        );
        let peak = line
            .columns
            .iter()
            .filter_map(|c| c.p50)
            .fold(0.0, f64::max);
        assert!(peak < 74.0, "no median is the spike: {peak}");
        let lost: u64 = line.columns.iter().map(|c| c.lost).sum();
        let want: u64 = s.lost.iter().sum();
        assert_eq!(lost, want, "no lost connect is dropped");
        assert_eq!(
            p.last(),
            Some(parse_rfc3339(&s.start).unwrap() + 8759 * 3600)
        );
    }

    #[test]
    fn the_newest_point_is_over_every_pair() {
        let a = fixture("us-east-1/eu-west-1/1h.json");
        let mut b = fixture("eu-west-1/us-east-1/1h.json");
        for v in [&mut b.samples, &mut b.lost] {
            v.truncate(20);
        }
        let p = prepare(&[input(&a, 0), input(&b, 1)], None, 800);
        assert_eq!(
            p.lines[1].last.map(rfc3339).as_deref(),
            Some("2026-11-20T07:00:00Z")
        );
        assert_eq!(
            p.last().map(rfc3339).as_deref(),
            Some("2026-11-20T11:00:00Z")
        );
    }
}
