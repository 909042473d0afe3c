//! Two matrix views that compare figures instead of showing them:
//!
//! - **asymmetry**: a pair against its reverse, A→B minus B→A, from one
//!   window's matrix. A TCP connect's round trip crosses both directions, so
//!   a large asymmetry means the two probes see different paths (a route
//!   that differs by direction, a slow first hop at one end), not one-way
//!   delay;
//! - **difference**: one window against another, e.g. the last day against
//!   the last 30 days ("today against usual"), pair by pair.
//!
//! Both give a [`Compared`] per cell of the matrix the view is built on, in
//! that matrix's row and column order, so the table lays them out as it lays
//! out latencies. A difference can also hold two custom spans of whole days
//! against each other: [`span_matrix`] makes a matrix of one from the daily
//! series. Pure and small; it compiles for the browser.

use std::collections::BTreeMap;

use crate::feed::v2::{Columns, Matrix, SeriesChunk, round_ms};

/// The statistics [`span_matrix`] can give: those the series carry.
pub const SPAN_STATS: [&str; 5] = ["p10", "p50", "p90", "min", "max"];

/// A figure against its reference.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Delta {
    /// The figure minus the reference, ms (rounded to 1 µs, as the feed's
    /// figures are).
    pub ms: f64,
    /// The same as a percentage of the reference; `None` when the
    /// reference is 0 (no ratio to give).
    pub pct: Option<f64>,
}

impl Delta {
    /// `value` against `reference`.
    pub fn between(value: f64, reference: f64) -> Delta {
        let diff = value - reference;
        Delta {
            ms: round_ms(diff),
            pct: (reference > 0.0).then(|| 100.0 * diff / reference),
        }
    }
}

/// What one compared cell shows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Compared {
    /// Both figures exist.
    Delta(Delta),
    /// The cell has a figure, its reference has none: for asymmetry, the
    /// pair is measured in one direction only; for a difference, the
    /// reference window has no sample of the pair.
    NoReference,
    /// The cell itself has no figure.
    Missing,
}

impl Compared {
    /// The delta, if there is one.
    pub fn delta(&self) -> Option<Delta> {
        match self {
            Compared::Delta(d) => Some(*d),
            _ => None,
        }
    }
}

/// `grid[i][j]`, if any.
fn at(grid: &[Vec<Option<f64>>], i: usize, j: usize) -> Option<f64> {
    grid.get(i)?.get(j).copied().flatten()
}

fn compare(value: Option<f64>, reference: Option<f64>) -> Compared {
    match (value, reference) {
        (None, _) => Compared::Missing,
        (Some(_), None) => Compared::NoReference,
        (Some(v), Some(r)) => Compared::Delta(Delta::between(v, r)),
    }
}

/// For every cell of `x` (`sources × destinations`), A→B minus B→A of
/// statistic `stat`, the percentage of B→A. The reverse of row `a`, column
/// `b` is the row labelled `b`, column labelled `a`, wherever they are; a
/// pair whose reverse is no row or column of `x`, or has no figure, is
/// [`Compared::NoReference`]. `None` if `x` has no such statistic.
pub fn asymmetry(x: &Matrix, stat: &str) -> Option<Vec<Vec<Compared>>> {
    let grid = x.stats.get(stat)?;
    // Where each source is a destination, and each destination a source.
    let col_of = positions(&x.sources, &x.destinations);
    let row_of = positions(&x.destinations, &x.sources);
    Some(cells(x.sources.len(), x.destinations.len(), |i, j| {
        let reverse = match (row_of[j], col_of[i]) {
            (Some(r), Some(c)) => at(grid, r, c),
            _ => None,
        };
        compare(at(grid, i, j), reverse)
    }))
}

/// For every cell of `now`, its `stat` minus the same pair's in `base`
/// (found by region code, wherever its row and column are there), the
/// percentage of `base`'s. `None` if `now` has no such statistic; a `base`
/// without it is a reference with no figure anywhere.
pub fn difference(now: &Matrix, base: &Matrix, stat: &str) -> Option<Vec<Vec<Compared>>> {
    let grid = now.stats.get(stat)?;
    let reference = base.stats.get(stat);
    let rows = positions(&now.sources, &base.sources);
    let cols = positions(&now.destinations, &base.destinations);
    Some(cells(now.sources.len(), now.destinations.len(), |i, j| {
        let r = match (reference, rows[i], cols[j]) {
            (Some(g), Some(r), Some(c)) => at(g, r, c),
            _ => None,
        };
        compare(at(grid, i, j), r)
    }))
}

/// Where each of `labels` stands among `among`, if it does.
fn positions(labels: &[String], among: &[String]) -> Vec<Option<usize>> {
    labels
        .iter()
        .map(|l| among.iter().position(|a| a == l))
        .collect()
}

/// A `rows × cols` grid of `f(i, j)`.
fn cells<T>(rows: usize, cols: usize, f: impl Fn(usize, usize) -> T) -> Vec<Vec<T>> {
    (0..rows)
        .map(|i| (0..cols).map(|j| f(i, j)).collect())
        .collect()
}

/// The column of `stat` in a series chunk, if the series carry it.
fn column<'c>(c: &'c Columns, stat: &str) -> Option<&'c [Option<f64>]> {
    Some(match stat {
        "p10" => &c.p10,
        "p50" => &c.p50,
        "p90" => &c.p90,
        "min" => &c.min,
        "max" => &c.max,
        _ => return None,
    })
}

/// The value below which half the weight lies: the lower weighted median.
fn weighted_median(mut points: Vec<(f64, u64)>) -> Option<f64> {
    // A few dozen days or weeks: the small sort (see `crate::sort`).
    crate::sort::small(&mut points, |a, b| a.0.total_cmp(&b.0).is_lt());
    let total: u64 = points.iter().map(|p| p.1).sum();
    let mut seen = 0;
    for (v, w) in points {
        seen += w;
        if 2 * seen >= total {
            return Some(v);
        }
    }
    None
}

/// A matrix of `stat` over `[start, end)` from series chunks (the daily
/// ones, `1d`), laid out as `sources × destinations` (those of the matrix
/// it will be shown with), with the samples and lost of the points inside
/// the span. Only points wholly inside the span count.
///
/// - `min` and `max` are exact: the smallest daily min, the largest max.
/// - A percentile is the median of the points' values of it, each point
///   weighted by its samples: close to the percentile over every connect of
///   the span when the days are alike, but not that percentile (the series
///   keep no sketch to merge), and the page says so.
///
/// `None` for a statistic the series do not carry (see [`SPAN_STATS`]).
pub fn span_matrix(
    sources: &[String],
    destinations: &[String],
    chunks: &[&SeriesChunk],
    start: i64,
    end: i64,
    stat: &str,
) -> Option<Matrix> {
    SPAN_STATS.contains(&stat).then_some(())?;
    // Per pair, its (value, samples) points, samples and lost.
    type Acc = (Vec<(f64, u64)>, u64, u64);
    let mut acc: BTreeMap<(String, String), Acc> = BTreeMap::new();
    for c in chunks {
        let Some(first) = crate::time::parse_rfc3339(&c.start) else {
            continue;
        };
        let step = c.step_seconds.max(1);
        for (dst, cols) in &c.destinations {
            let Some(values) = column(cols, stat) else {
                continue;
            };
            let a = acc.entry((c.source.clone(), dst.clone())).or_default();
            for k in 0..c.points {
                let t = first + step * k as i64;
                if t < start || t + step > end {
                    continue;
                }
                let samples = cols.samples.get(k).copied().unwrap_or(0);
                a.1 += samples;
                a.2 += cols.lost.get(k).copied().unwrap_or(0);
                if let Some(Some(v)) = values.get(k) {
                    a.0.push((*v, samples.max(1)));
                }
            }
        }
    }
    let cell = |i: usize, j: usize| acc.get(&(sources[i].clone(), destinations[j].clone()));
    let (n, m) = (sources.len(), destinations.len());
    let grid = cells(n, m, |i, j| {
        let (points, _, _) = cell(i, j)?;
        match stat {
            "min" => points.iter().map(|p| p.0).reduce(f64::min),
            "max" => points.iter().map(|p| p.0).reduce(f64::max),
            _ => weighted_median(points.clone()),
        }
    });
    let counts = |pick: fn(&Acc) -> u64| cells(n, m, |i, j| cell(i, j).map_or(0, pick));
    Some(Matrix {
        version: crate::feed::v2::VERSION,
        window: format!(
            "{}..{}",
            crate::time::rfc3339(start),
            crate::time::rfc3339(end)
        ),
        start: crate::time::rfc3339(start),
        end: crate::time::rfc3339(end),
        unit: "ms".into(),
        sources: sources.to_vec(),
        destinations: destinations.to_vec(),
        stats: BTreeMap::from([(stat.to_string(), grid)]),
        samples: counts(|a| a.1),
        lost: counts(|a| a.2),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matrix(sources: &[&str], destinations: &[&str], p50: Vec<Vec<Option<f64>>>) -> Matrix {
        let n = sources.len();
        let m = destinations.len();
        Matrix {
            version: 2,
            window: "1d".into(),
            start: "2026-11-19T00:00:00Z".into(),
            end: "2026-11-20T00:00:00Z".into(),
            unit: "ms".into(),
            sources: sources.iter().map(|s| s.to_string()).collect(),
            destinations: destinations.iter().map(|s| s.to_string()).collect(),
            stats: BTreeMap::from([("p50".to_string(), p50)]),
            samples: vec![vec![1; m]; n],
            lost: vec![vec![0; m]; n],
        }
    }

    #[test]
    fn a_delta_is_rounded_to_the_microsecond_and_relative_to_the_reference() {
        let d = Delta::between(75.5, 70.0);
        assert_eq!(d.ms, 5.5);
        assert!((d.pct.unwrap() - 7.857_142_857).abs() < 1e-6);
        // 0.1 + 0.2 - 0.3 is not 0 in binary; a published difference is.
        assert_eq!(Delta::between(0.1 + 0.2, 0.3).ms, 0.0);
        assert_eq!(Delta::between(12.345_678_9, 12.0).ms, 0.346);
        let faster = Delta::between(60.0, 80.0);
        assert_eq!((faster.ms, faster.pct), (-20.0, Some(-25.0)));
        assert_eq!(Delta::between(1.0, 0.0).pct, None, "no ratio to nothing");
    }

    #[test]
    fn asymmetry_finds_the_reverse_by_code_whatever_the_order() {
        // Rows and columns in different orders; a destination with no probe
        // (ap-south-1 is no source) and a source measured nowhere back.
        let x = matrix(
            &["us-east-1", "eu-west-1"],
            &["eu-west-1", "ap-south-1", "us-east-1"],
            vec![
                vec![Some(70.0), Some(190.0), Some(1.2)],
                vec![Some(3.0), Some(120.0), Some(72.5)],
            ],
        );
        let a = asymmetry(&x, "p50").unwrap();
        // us-east-1 → eu-west-1: 70 − 72.5.
        let d = a[0][0].delta().unwrap();
        assert_eq!(d.ms, -2.5);
        assert!((d.pct.unwrap() + 100.0 * 2.5 / 72.5).abs() < 1e-9);
        // eu-west-1 → us-east-1: the opposite sign.
        assert_eq!(a[1][2].delta().unwrap().ms, 2.5);
        // The diagonal is against itself: zero.
        assert_eq!(
            a[0][2].delta().unwrap(),
            Delta {
                ms: 0.0,
                pct: Some(0.0)
            }
        );
        assert_eq!(a[1][0].delta().unwrap().ms, 0.0);
        // No probe in ap-south-1: one way only.
        assert_eq!(a[0][1], Compared::NoReference);
        assert_eq!(a[1][1], Compared::NoReference);
        assert!(asymmetry(&x, "p90").is_none());
    }

    #[test]
    fn asymmetry_marks_a_missing_reverse_and_a_missing_cell() {
        let x = matrix(
            &["a-east-1", "b-west-1"],
            &["a-east-1", "b-west-1"],
            vec![vec![Some(1.0), Some(50.0)], vec![None, Some(1.0)]],
        );
        let a = asymmetry(&x, "p50").unwrap();
        assert_eq!(a[0][1], Compared::NoReference, "the reverse has no sample");
        assert_eq!(a[1][0], Compared::Missing);
    }

    #[test]
    fn the_difference_matches_pairs_by_code() {
        let now = matrix(
            &["us-east-1", "eu-west-1"],
            &["us-east-1", "eu-west-1"],
            vec![vec![Some(1.5), Some(84.0)], vec![Some(70.0), None]],
        );
        // The usual: rows swapped, one more column, a pair never seen.
        let base = matrix(
            &["eu-west-1", "us-east-1"],
            &["ap-south-1", "eu-west-1", "us-east-1"],
            vec![
                vec![Some(120.0), Some(1.0), None],
                vec![Some(190.0), Some(70.0), Some(1.5)],
            ],
        );
        let d = difference(&now, &base, "p50").unwrap();
        let slower = d[0][1].delta().unwrap();
        assert_eq!((slower.ms, slower.pct), (14.0, Some(20.0)));
        assert_eq!(d[0][0].delta().unwrap().ms, 0.0);
        assert_eq!(d[1][0], Compared::NoReference, "not seen in the usual");
        assert_eq!(d[1][1], Compared::Missing);
        // A base without the statistic: no reference anywhere.
        let mut other = base.clone();
        other.stats.clear();
        let d = difference(&now, &other, "p50").unwrap();
        assert!(
            d.iter()
                .flatten()
                .all(|c| *c != Compared::Delta(Delta::between(1.5, 1.5)))
        );
        assert_eq!(d[0][1], Compared::NoReference);
        assert!(difference(&now, &base, "max").is_none());
    }

    fn chunk(
        source: &str,
        start: &str,
        dst: &str,
        p50: &[Option<f64>],
        samples: &[u64],
    ) -> SeriesChunk {
        let n = p50.len();
        let mut cols = Columns::gaps(n);
        cols.p50 = p50.to_vec();
        cols.min = p50.iter().map(|v| v.map(|v| v - 1.0)).collect();
        cols.max = p50.iter().map(|v| v.map(|v| v + 10.0)).collect();
        cols.samples = samples.to_vec();
        cols.lost = vec![1; n];
        SeriesChunk {
            version: 2,
            source: source.into(),
            resolution: "1d".into(),
            step_seconds: 86_400,
            start: start.into(),
            unit: "ms".into(),
            points: n,
            destinations: BTreeMap::from([(dst.to_string(), cols)]),
        }
    }

    #[test]
    fn a_span_matrix_weights_the_days_by_their_samples_and_keeps_to_the_span() {
        let t = |s: &str| crate::time::parse_rfc3339(s).unwrap();
        // Five days from 2026-11-01; the span is the 2nd to the 4th.
        let c = chunk(
            "us-east-1",
            "2026-11-01T00:00:00Z",
            "eu-west-1",
            &[Some(500.0), Some(70.0), Some(90.0), None, Some(500.0)],
            &[10, 100, 300, 0, 10],
        );
        // Another source in a chunk of its own, no destination we show.
        let d = chunk(
            "eu-west-1",
            "2026-11-01T00:00:00Z",
            "ap-south-1",
            &[Some(1.0)],
            &[5],
        );
        let src = vec!["us-east-1".to_string(), "eu-west-1".to_string()];
        let dst = vec!["eu-west-1".to_string()];
        let (a, b) = (t("2026-11-02T00:00:00Z"), t("2026-11-05T00:00:00Z"));
        let m = span_matrix(&src, &dst, &[&c, &d], a, b, "p50").unwrap();
        // 300 samples at 90 outweigh 100 at 70: the weighted median is 90.
        assert_eq!(m.stats["p50"], vec![vec![Some(90.0)], vec![None]]);
        assert_eq!(m.samples, vec![vec![400], vec![0]]);
        assert_eq!(m.lost, vec![vec![3], vec![0]]);
        assert_eq!(
            (m.start.as_str(), m.end.as_str()),
            ("2026-11-02T00:00:00Z", "2026-11-05T00:00:00Z")
        );
        assert_eq!(
            span_matrix(&src, &dst, &[&c], a, b, "min").unwrap().stats["min"][0][0],
            Some(69.0)
        );
        assert_eq!(
            span_matrix(&src, &dst, &[&c], a, b, "max").unwrap().stats["max"][0][0],
            Some(100.0)
        );
        // A day half inside the span does not count.
        let m = span_matrix(&src, &dst, &[&c], a + 3600, b, "p50").unwrap();
        assert_eq!(m.stats["p50"][0][0], Some(90.0));
        assert_eq!(m.samples[0][0], 300);
        assert!(
            span_matrix(&src, &dst, &[&c], a, b, "mean").is_none(),
            "the series carry no mean"
        );
        // Two spans against each other.
        let before = span_matrix(&src, &dst, &[&c], t("2026-11-01T00:00:00Z"), a, "p50").unwrap();
        let now = span_matrix(&src, &dst, &[&c], a, b, "p50").unwrap();
        let d = difference(&now, &before, "p50").unwrap();
        assert_eq!(d[0][0].delta().unwrap().ms, -410.0);
        assert_eq!(d[1][0], Compared::Missing);
    }

    #[test]
    fn the_weighted_median_is_the_lower_middle() {
        assert_eq!(weighted_median(vec![]), None);
        assert_eq!(
            weighted_median(vec![(3.0, 1), (1.0, 1), (2.0, 1)]),
            Some(2.0)
        );
        assert_eq!(weighted_median(vec![(1.0, 1), (2.0, 1)]), Some(1.0));
        assert_eq!(weighted_median(vec![(1.0, 1), (2.0, 5)]), Some(2.0));
    }
}
