//! What the matrix shows: which rows and columns, in which order, and every
//! figure of one cell. Pure, so it is tested on the host.

use shared::catalog::Geography;
use shared::feed::v2::{Manifest, Matrix};
use shared::geo::{self, LatLon};

use crate::format::sort_small;
use crate::view::{Sort, View};

/// The rows (source indices) and columns (destination indices) shown, in order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Layout {
    /// Indices into `matrix.sources`.
    pub rows: Vec<usize>,
    /// Indices into `matrix.destinations`.
    pub cols: Vec<usize>,
}

/// Geographic rank of a region: its place in the manifest.
fn rank(m: &Manifest, code: &str) -> usize {
    m.regions
        .iter()
        .position(|r| r.code == code)
        .unwrap_or(usize::MAX)
}

/// Whether the filters let a region through.
pub fn visible(m: &Manifest, view: &View, code: &str) -> bool {
    let geo_ok = view.geos.is_empty()
        || m.region(code)
            .is_some_and(|r| view.geos.contains(&r.geography));
    let region_ok = view.regions.is_empty() || view.regions.iter().any(|r| r == code);
    geo_ok && region_ok
}

/// Rows and columns for the view: filtered, columns in geographic order, rows
/// in the chosen order (missing values last when sorting by a column).
pub fn layout(m: &Manifest, x: &Matrix, view: &View) -> Layout {
    let grid = x.stats.get(&view.stat);
    layout_by(m, x, view, &|i, j| {
        grid.and_then(|g| g.get(i)?.get(j).copied().flatten())
    })
}

/// [`layout`], sorting a column by `value(i, j)` (matrix indices) instead
/// of the statistic: what the cells show when they compare.
pub fn layout_by(
    m: &Manifest,
    x: &Matrix,
    view: &View,
    value: &dyn Fn(usize, usize) -> Option<f64>,
) -> Layout {
    let by_geo = |labels: &[String]| {
        let mut idx: Vec<usize> = (0..labels.len())
            .filter(|&i| visible(m, view, &labels[i]))
            .collect();
        sort_small(&mut idx, |&a, &b| rank(m, &labels[a]) < rank(m, &labels[b]));
        idx
    };
    let cols = by_geo(&x.destinations);
    let mut rows = by_geo(&x.sources);
    match &view.sort {
        Sort::Geo => {}
        Sort::Code => sort_small(&mut rows, |&a, &b| x.sources[a] < x.sources[b]),
        Sort::Column { dst, desc } => {
            if let Some(j) = x.destinations.iter().position(|d| d == dst) {
                let value = |i: usize| value(i, j);
                // Missing values go last either way.
                sort_small(&mut rows, |&a, &b| match (value(a), value(b)) {
                    (Some(va), Some(vb)) if *desc => va > vb,
                    (Some(va), Some(vb)) => va < vb,
                    (Some(_), None) => true,
                    _ => false,
                });
            }
        }
    }
    Layout { rows, cols }
}

/// The geographies present in the feed, in geographic order, with labels.
pub fn geographies(m: &Manifest) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for r in &m.regions {
        if !out.iter().any(|(id, _)| *id == r.geography) {
            let label = Geography::ALL
                .iter()
                .find(|g| g.id() == r.geography)
                .map_or_else(|| r.geography.clone(), |g| g.label().to_string());
            out.push((r.geography.clone(), label));
        }
    }
    out
}

/// Every figure of one cell, for the hover/focus details.
#[derive(Debug, Clone, PartialEq)]
pub struct Details {
    /// Source code.
    pub src: String,
    /// Destination code.
    pub dst: String,
    /// Source display name.
    pub src_name: String,
    /// Destination display name.
    pub dst_name: String,
    /// Every statistic, in the manifest's order.
    pub stats: Vec<(String, Option<f64>)>,
    /// Successful connects.
    pub samples: u64,
    /// Failed connects.
    pub lost: u64,
    /// Loss in percent, if anything was attempted.
    pub loss_pct: Option<f64>,
    /// Fiber round-trip floor between the two metros, ms.
    pub floor_ms: Option<f64>,
    /// The shown statistic ÷ the floor.
    pub stretch: Option<f64>,
}

/// The details of cell `(i, j)` (matrix indices), with stretch taken for `stat`.
pub fn details(m: &Manifest, x: &Matrix, i: usize, j: usize, stat: &str) -> Option<Details> {
    let src = x.sources.get(i)?;
    let dst = x.destinations.get(j)?;
    let at = |g: &Vec<Vec<Option<f64>>>| g.get(i).and_then(|r| r.get(j)).copied().flatten();
    let mut ids: Vec<&String> = m.stats.iter().collect();
    for k in x.stats.keys() {
        if !ids.contains(&k) {
            ids.push(k);
        }
    }
    let stats: Vec<(String, Option<f64>)> = ids
        .into_iter()
        .map(|id| (id.clone(), x.stats.get(id).and_then(at)))
        .collect();
    let samples = x
        .samples
        .get(i)
        .and_then(|r| r.get(j))
        .copied()
        .unwrap_or(0);
    let lost = x.lost.get(i).and_then(|r| r.get(j)).copied().unwrap_or(0);
    let total = samples + lost;
    let loss_pct = (total > 0).then(|| 100.0 * lost as f64 / total as f64);
    let (a, b) = (m.region(src), m.region(dst));
    let floor_ms = a.zip(b).map(|(a, b)| {
        geo::fiber_floor_ms(
            LatLon {
                lat: a.lat,
                lon: a.lon,
            },
            LatLon {
                lat: b.lat,
                lon: b.lon,
            },
        )
    });
    let value = x.stats.get(stat).and_then(at);
    let stretch = value.zip(floor_ms).and_then(|(v, f)| geo::stretch(v, f));
    let name = |code: &String, r: Option<&shared::feed::v2::RegionInfo>| {
        r.map_or_else(|| code.clone(), |r| format!("{} — {}", r.name, r.city))
    };
    Some(Details {
        src: src.clone(),
        dst: dst.clone(),
        src_name: name(src, a),
        dst_name: name(dst, b),
        stats,
        samples,
        lost,
        loss_pct,
        floor_ms,
        stretch,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture() -> (Manifest, Matrix) {
        let m = serde_json::from_str(include_str!(
            "../../shared/tests/fixtures/feed/v2/manifest.json"
        ))
        .unwrap();
        let x = serde_json::from_str(include_str!(
            "../../shared/tests/fixtures/feed/v2/matrix/1d.json"
        ))
        .unwrap();
        (m, x)
    }

    fn codes(labels: &[String], idx: &[usize]) -> Vec<String> {
        idx.iter().map(|&i| labels[i].clone()).collect()
    }

    #[test]
    fn filters_apply_to_rows_and_columns() {
        let (m, x) = fixture();
        let all = layout(&m, &x, &View::default());
        assert_eq!(
            codes(&x.sources, &all.rows),
            ["us-east-1", "eu-west-1", "ap-northeast-1"]
        );
        let europe = View {
            geos: vec!["europe".into()],
            ..View::default()
        };
        let l = layout(&m, &x, &europe);
        assert_eq!(codes(&x.sources, &l.rows), ["eu-west-1"]);
        assert_eq!(codes(&x.destinations, &l.cols), ["eu-west-1"]);
        let two = View {
            regions: vec!["ap-northeast-1".into(), "us-east-1".into()],
            ..View::default()
        };
        let l = layout(&m, &x, &two);
        assert_eq!(codes(&x.sources, &l.rows), ["us-east-1", "ap-northeast-1"]);
        // Both filters must let a region through.
        let none = View {
            geos: vec!["europe".into()],
            regions: vec!["us-east-1".into()],
            ..View::default()
        };
        assert!(layout(&m, &x, &none).rows.is_empty());
        assert_eq!(
            geographies(&m),
            vec![
                ("north-america".to_string(), "North America".to_string()),
                ("europe".to_string(), "Europe".to_string()),
                ("asia-pacific".to_string(), "Asia Pacific".to_string())
            ]
        );
    }

    #[test]
    fn rows_sort_by_a_column_with_missing_last() {
        let (m, x) = fixture();
        let mut v = View {
            sort: Sort::Column {
                dst: "eu-west-1".into(),
                desc: false,
            },
            ..View::default()
        };
        // eu-west-1 column, p50: us-east-1 68.42, eu-west-1 1.31, ap-northeast-1 missing.
        let l = layout(&m, &x, &v);
        assert_eq!(
            codes(&x.sources, &l.rows),
            ["eu-west-1", "us-east-1", "ap-northeast-1"]
        );
        v.sort = Sort::Column {
            dst: "eu-west-1".into(),
            desc: true,
        };
        let l = layout(&m, &x, &v);
        assert_eq!(
            codes(&x.sources, &l.rows),
            ["us-east-1", "eu-west-1", "ap-northeast-1"]
        );
        v.sort = Sort::Code;
        let l = layout(&m, &x, &v);
        assert_eq!(
            codes(&x.sources, &l.rows),
            ["ap-northeast-1", "eu-west-1", "us-east-1"]
        );
        assert_eq!(
            codes(&x.destinations, &l.cols),
            ["us-east-1", "eu-west-1", "ap-northeast-1"],
            "columns stay geographic"
        );
    }

    #[test]
    fn details_carry_every_figure() {
        let (m, x) = fixture();
        let d = details(&m, &x, 0, 1, "p50").unwrap();
        assert_eq!(d.src_name, "US East (N. Virginia) — Ashburn");
        assert_eq!(d.stats.len(), 10);
        assert_eq!(d.stats[2], ("p50".to_string(), Some(68.42)));
        assert_eq!((d.samples, d.lost), (2880, 0));
        assert_eq!(d.loss_pct, Some(0.0));
        // Ashburn–Dublin is about 5 450 km: a floor of about 53 ms.
        let floor = d.floor_ms.unwrap();
        assert!((floor - 53.5).abs() < 1.5, "{floor}");
        let stretch = d.stretch.unwrap();
        assert!((stretch - 68.42 / floor).abs() < 1e-9);
        // A pair that lost everything: no latency, no stretch, 100 % loss.
        let d = details(&m, &x, 2, 1, "p50").unwrap();
        assert!(d.stats.iter().all(|(_, v)| v.is_none()));
        assert_eq!(d.loss_pct, Some(100.0));
        assert_eq!(d.stretch, None);
        // A region to itself has no meaningful stretch.
        assert_eq!(details(&m, &x, 0, 0, "p50").unwrap().stretch, None);
        assert_eq!(details(&m, &x, 9, 0, "p50"), None);
    }
}
