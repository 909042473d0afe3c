//! Folding a series' points into pixel columns.

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::testdata::{fixture, input, year};

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
}
