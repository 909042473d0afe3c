//! Downloads of what is shown: the matrix (rows and columns as filtered and
//! ordered) and the graph's series (cut to the range), as JSON and CSV.
//!
//! The JSON keeps the feed's own shapes (a v2 matrix; v2 series), so the same
//! code reads a download and the feed. A comparison the matrix shows
//! (asymmetry, or one window against another) has a shape of its own.

use std::fmt::Write;

use shared::compare::Compared;
use shared::feed::v2::{Matrix, Series};

use crate::grid::Layout;

/// The cells of `grid` at the layout's rows and columns; `missing` where the
/// grid is short (a malformed feed must not panic).
fn pick<T: Copy>(grid: &[Vec<T>], layout: &Layout, missing: T) -> Vec<Vec<T>> {
    layout
        .rows
        .iter()
        .map(|&i| {
            layout
                .cols
                .iter()
                .map(|&j| {
                    grid.get(i)
                        .and_then(|r| r.get(j))
                        .copied()
                        .unwrap_or(missing)
                })
                .collect()
        })
        .collect()
}

/// The region codes at the layout's rows (or columns), in its order.
fn shown_codes(codes: &[String], at: &[usize]) -> Vec<String> {
    at.iter().map(|&i| codes[i].clone()).collect()
}

/// The shown part of a matrix: the layout's rows and columns, every statistic.
pub fn matrix_view(x: &Matrix, layout: &Layout) -> Matrix {
    Matrix {
        version: x.version,
        window: x.window.clone(),
        start: x.start.clone(),
        end: x.end.clone(),
        unit: x.unit.clone(),
        sources: shown_codes(&x.sources, &layout.rows),
        destinations: shown_codes(&x.destinations, &layout.cols),
        // Inserted, not collected: collecting into a map sorts, more wasm.
        stats: {
            let mut stats = std::collections::BTreeMap::new();
            for (k, g) in &x.stats {
                stats.insert(k.clone(), pick(g, layout, None));
            }
            stats
        },
        samples: pick(&x.samples, layout, 0),
        lost: pick(&x.lost, layout, 0),
    }
}

/// The comparison the matrix shows, at the layout's rows and columns.
#[derive(Debug)]
pub struct ComparisonDownload {
    /// Feed version of the figures compared.
    pub version: u32,
    /// What each cell is: `p50 A→B − B→A over 7 days`, `p50 1 day − 30 days`.
    pub what: String,
    /// The matrix's window.
    pub window: String,
    /// Row regions, in the order shown.
    pub sources: Vec<String>,
    /// Column regions, in the order shown.
    pub destinations: Vec<String>,
    /// The difference, ms; `null` where there is none.
    pub delta_ms: Vec<Vec<Option<f64>>>,
    /// The same as a percentage of the reference; `null` where there is none.
    pub delta_pct: Vec<Vec<Option<f64>>>,
    /// `true` where the cell has a figure but nothing to hold it against
    /// (measured one way only; no sample in the base window).
    pub no_reference: Vec<Vec<bool>>,
}

crate::to_json_struct!(ComparisonDownload {
    version,
    what,
    window,
    sources,
    destinations,
    delta_ms,
    delta_pct,
    no_reference,
});

/// The shown part of a comparison: `cells` (one per cell of `x`) at the
/// layout's rows and columns.
pub fn comparison_view(
    x: &Matrix,
    cells: &[Vec<Compared>],
    what: &str,
    layout: &Layout,
) -> ComparisonDownload {
    let shown = pick(cells, layout, Compared::Missing);
    let each = |f: &dyn Fn(&Compared) -> Option<f64>| -> Vec<Vec<Option<f64>>> {
        shown.iter().map(|r| r.iter().map(f).collect()).collect()
    };
    ComparisonDownload {
        version: x.version,
        what: what.to_string(),
        window: x.window.clone(),
        sources: shown_codes(&x.sources, &layout.rows),
        destinations: shown_codes(&x.destinations, &layout.cols),
        delta_ms: each(&|c| c.delta().map(|d| d.ms)),
        delta_pct: each(&|c| c.delta().and_then(|d| d.pct)),
        no_reference: shown
            .iter()
            .map(|r| r.iter().map(|c| *c == Compared::NoReference).collect())
            .collect(),
    }
}

impl ComparisonDownload {
    /// As CSV: one row per pair; `note` says why a cell has no difference.
    pub fn to_csv(&self) -> String {
        let mut out = String::from("source,destination,delta_ms,delta_pct,note\n");
        for (i, src) in self.sources.iter().enumerate() {
            for (j, dst) in self.destinations.iter().enumerate() {
                let cell =
                    |g: &Vec<Vec<Option<f64>>>| g[i][j].map(|v| v.to_string()).unwrap_or_default();
                let note = match (self.delta_ms[i][j], self.no_reference[i][j]) {
                    (Some(_), _) => "",
                    (None, true) => "no reference",
                    (None, false) => "no figure",
                };
                let _ = writeln!(
                    out,
                    "{src},{dst},{},{},{note}",
                    cell(&self.delta_ms),
                    cell(&self.delta_pct)
                );
            }
        }
        out
    }
}

/// The points of `s` inside `[from, to)`, as a series of its own.
pub fn series_slice(s: &Series, from: i64, to: i64) -> Series {
    let step = s.step_seconds.max(1);
    let start = shared::time::parse_rfc3339(&s.start).unwrap_or(from);
    let n = s.samples.len();
    let first = if from > start {
        usize::try_from((from - start + step - 1) / step).unwrap_or(n)
    } else {
        0
    }
    .min(n);
    let last = usize::try_from((to - start + step - 1).div_euclid(step))
        .unwrap_or(0)
        .clamp(first, n);
    let cut = |v: &Vec<Option<f64>>| v.get(first..last).map(<[_]>::to_vec).unwrap_or_default();
    let cut_n = |v: &Vec<u64>| v.get(first..last).map(<[_]>::to_vec).unwrap_or_default();
    Series {
        version: s.version,
        source: s.source.clone(),
        destination: s.destination.clone(),
        resolution: s.resolution.clone(),
        step_seconds: s.step_seconds,
        start: shared::time::rfc3339(start + first as i64 * step),
        unit: s.unit.clone(),
        p10: cut(&s.p10),
        p50: cut(&s.p50),
        p90: cut(&s.p90),
        min: cut(&s.min),
        max: cut(&s.max),
        samples: cut_n(&s.samples),
        lost: cut_n(&s.lost),
    }
}

/// The graph's download: the range and one v2 series per pair.
#[derive(Debug)]
pub struct SeriesDownload<'a> {
    /// Feed version of the series.
    pub version: u32,
    /// Start of the range shown, RFC 3339.
    pub from: String,
    /// End of the range shown (exclusive).
    pub to: String,
    /// One per pair, in the graph's order.
    pub series: &'a [Series],
}

crate::to_json_struct!(SeriesDownload<'_> { version, from, to, series });

/// The series as JSON.
pub fn series_json(slices: &[Series], from: i64, to: i64) -> String {
    let d = SeriesDownload {
        version: shared::feed::v2::VERSION,
        from: shared::time::rfc3339(from),
        to: shared::time::rfc3339(to),
        series: slices,
    };
    crate::json::to_string(&d)
}

/// The series as CSV: one row per pair and point; empty where no sample.
pub fn series_csv(slices: &[Series]) -> String {
    let mut out = String::from("source,destination,time,p10,p50,p90,min,max,samples,lost\n");
    for s in slices {
        let start = shared::time::parse_rfc3339(&s.start).unwrap_or(0);
        for k in 0..s.samples.len() {
            let _ = write!(
                out,
                "{},{},{}",
                s.source,
                s.destination,
                shared::time::rfc3339(start + k as i64 * s.step_seconds)
            );
            for col in [&s.p10, &s.p50, &s.p90, &s.min, &s.max] {
                out.push(',');
                if let Some(v) = col.get(k).copied().flatten() {
                    let _ = write!(out, "{v}");
                }
            }
            let _ = writeln!(
                out,
                ",{},{}",
                s.samples[k],
                s.lost.get(k).copied().unwrap_or(0)
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::View;

    fn read(rel: &str) -> String {
        let path = format!(
            "{}/../shared/tests/fixtures/feed/v2/{rel}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read_to_string(path).unwrap()
    }

    #[test]
    fn the_whole_matrix_csv_equals_the_published_one() {
        let x: Matrix = serde_json::from_str(&read("matrix/1d.json")).unwrap();
        let all = Layout {
            rows: (0..x.sources.len()).collect(),
            cols: (0..x.destinations.len()).collect(),
        };
        assert_eq!(matrix_view(&x, &all), x);
        assert_eq!(x.to_csv(), read("matrix/1d.csv"));
    }

    #[test]
    fn the_shown_matrix_is_a_valid_matrix() {
        let m = serde_json::from_str(&read("manifest.json")).unwrap();
        let x: Matrix = serde_json::from_str(&read("matrix/1d.json")).unwrap();
        let view = View {
            regions: vec!["eu-west-1".into(), "us-east-1".into()],
            sort: crate::view::Sort::Code,
            ..View::default()
        };
        let shown = matrix_view(&x, &crate::grid::layout(&m, &x, &view));
        shown.validate().unwrap();
        assert_eq!(shown.sources, ["eu-west-1", "us-east-1"]);
        assert_eq!(shown.destinations, ["us-east-1", "eu-west-1"]);
        assert_eq!(shown.get("p50", "us-east-1", "eu-west-1"), Some(68.42));
        let csv = shown.to_csv();
        assert_eq!(csv.lines().count(), 1 + 4);
        assert!(
            csv.contains("\nus-east-1,eu-west-1,2880,0,0.000,66.37,67.39,68.42,"),
            "{csv}"
        );
    }

    #[test]
    fn the_shown_comparison_follows_the_layout() {
        let m = serde_json::from_str(&read("manifest.json")).unwrap();
        let x: Matrix = serde_json::from_str(&read("matrix/1d.json")).unwrap();
        let cells = shared::compare::asymmetry(&x, "p50").unwrap();
        let view = View {
            regions: vec!["eu-west-1".into(), "us-east-1".into()],
            sort: crate::view::Sort::Code,
            ..View::default()
        };
        let layout = crate::grid::layout(&m, &x, &view);
        let d = comparison_view(&x, &cells, "p50 A→B − B→A over 1 day", &layout);
        assert_eq!(d.sources, ["eu-west-1", "us-east-1"]);
        assert_eq!(d.destinations, ["us-east-1", "eu-west-1"]);
        let i = x.sources.iter().position(|s| s == "us-east-1").unwrap();
        let j = x
            .destinations
            .iter()
            .position(|s| s == "eu-west-1")
            .unwrap();
        let want = cells[i][j].delta().unwrap();
        assert_eq!(d.delta_ms[1][1], Some(want.ms));
        assert_eq!(d.delta_pct[1][1], want.pct);
        // A region against itself: the same figure both ways, 0.
        assert_eq!(d.delta_ms[1][0], Some(0.0));
        let csv = d.to_csv();
        assert_eq!(csv.lines().count(), 1 + 4);
        assert!(
            csv.contains(&format!("\nus-east-1,eu-west-1,{},", want.ms)),
            "{csv}"
        );
        let json: serde_json::Value = serde_json::from_str(&crate::json::to_string(&d)).unwrap();
        assert_eq!(json["what"], "p50 A→B − B→A over 1 day");
        assert_eq!(json["no_reference"][0][0], false);
    }

    #[test]
    fn cells_without_a_difference_say_why() {
        let x: Matrix = serde_json::from_str(&read("matrix/1d.json")).unwrap();
        let n = x.sources.len();
        let mut cells = vec![vec![Compared::Missing; x.destinations.len()]; n];
        cells[0][1] = Compared::NoReference;
        let all = Layout {
            rows: (0..n).collect(),
            cols: (0..x.destinations.len()).collect(),
        };
        let csv = comparison_view(&x, &cells, "p50", &all).to_csv();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(
            lines[1],
            format!("{},{},,,no figure", x.sources[0], x.destinations[0])
        );
        assert_eq!(
            lines[2],
            format!("{},{},,,no reference", x.sources[0], x.destinations[1])
        );
    }

    #[test]
    fn series_are_cut_to_the_range() {
        let s: Series = serde_json::from_str(&read("series/us-east-1/eu-west-1/1h.json")).unwrap();
        let from = shared::time::parse_rfc3339("2026-11-19T15:30:00Z").unwrap();
        let cut = series_slice(&s, from, from + 4 * 3600);
        cut.validate().unwrap();
        assert_eq!(cut.start, "2026-11-19T16:00:00Z");
        assert_eq!(cut.p50.len(), 4);
        assert_eq!(cut.p50[0], Some(70.08));
        assert_eq!(cut.p50[1], None, "the gap stays a gap");
        let none = series_slice(&s, 0, 10);
        assert_eq!(none.p50.len(), 0);
        none.validate().unwrap();

        let csv = series_csv(std::slice::from_ref(&cut));
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 5);
        assert_eq!(
            lines[1],
            "us-east-1,eu-west-1,2026-11-19T16:00:00Z,69.28,70.08,71.98,68.58,79.08,120,0"
        );
        assert_eq!(
            lines[2],
            "us-east-1,eu-west-1,2026-11-19T17:00:00Z,,,,,,0,120"
        );
        let json: serde_json::Value =
            serde_json::from_str(&series_json(&[cut], from, from + 4 * 3600)).unwrap();
        assert_eq!(json["from"], "2026-11-19T15:30:00Z");
        let back: Series = serde_json::from_value(json["series"][0].clone()).unwrap();
        assert_eq!(back.p50[0], Some(70.08));
    }
}
