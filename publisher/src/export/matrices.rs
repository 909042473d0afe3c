//! Window summaries → matrix files: per window the full matrix (JSON, CSV)
//! and one file per statistic.

use std::collections::{BTreeMap, BTreeSet};

use shared::catalog;
use shared::feed::v2::{self, Matrix, WindowInfo, round_ms};
use shared::stats::{Stat, WINDOWS};
use shared::time::rfc3339;
use store::{Bucket, Pair, SummaryStore, WindowSummaries};

use super::upload::{Uploader, addressed, encode, json_immutable, meta};
use crate::{Error, Result};

/// Orders labels geographically (catalog order), unknown names (custom
/// vantage points) last, alphabetically.
fn ordered(labels: BTreeSet<&str>) -> Vec<String> {
    let mut v: Vec<&str> = labels.into_iter().collect();
    v.sort_by_key(|c| (catalog::display_rank(c), c.to_string()));
    v.into_iter().map(str::to_string).collect()
}

/// Builds one window's matrix from its summaries.
pub fn matrix(ws: &WindowSummaries) -> Matrix {
    let sources = ordered(ws.pairs.iter().map(|((s, _), _)| s.as_str()).collect());
    let destinations = ordered(ws.pairs.iter().map(|((_, d), _)| d.as_str()).collect());
    let (rows, cols) = (sources.len(), destinations.len());
    let index = |v: &[String]| -> BTreeMap<String, usize> {
        v.iter().enumerate().map(|(i, s)| (s.clone(), i)).collect()
    };
    let (row_of, col_of) = (index(&sources), index(&destinations));
    let mut stats: BTreeMap<String, Vec<Vec<Option<f64>>>> = Stat::ALL
        .iter()
        .map(|s| (s.id().to_string(), vec![vec![None; cols]; rows]))
        .collect();
    let mut samples = vec![vec![0; cols]; rows];
    let mut lost = vec![vec![0; cols]; rows];
    for ((s, d), sum) in &ws.pairs {
        let (i, j) = (row_of[s], col_of[d]);
        samples[i][j] = sum.samples;
        lost[i][j] = sum.lost;
        if let Some(l) = &sum.latency {
            for stat in Stat::ALL {
                if let Some(grid) = stats.get_mut(stat.id()) {
                    grid[i][j] = Some(round_ms(l.get(stat)));
                }
            }
        }
    }
    Matrix {
        version: v2::VERSION,
        window: ws.window.clone(),
        start: rfc3339(ws.span.start),
        end: rfc3339(ws.span.end),
        unit: "ms".into(),
        sources,
        destinations,
        stats,
        samples,
        lost,
    }
}

/// One matrix per statistic, each holding that statistic alone: what a view
/// of one statistic fetches before anything else.
pub fn stat_views(m: &Matrix) -> Vec<(String, Matrix)> {
    m.stats
        .iter()
        .map(|(stat, grid)| {
            let view = Matrix {
                version: m.version,
                window: m.window.clone(),
                start: m.start.clone(),
                end: m.end.clone(),
                unit: m.unit.clone(),
                sources: m.sources.clone(),
                destinations: m.destinations.clone(),
                stats: BTreeMap::from([(stat.clone(), grid.clone())]),
                samples: m.samples.clone(),
                lost: m.lost.clone(),
            };
            (stat.clone(), view)
        })
        .collect()
}

/// What the matrices stage found, for the manifest.
pub struct Matrices {
    /// The windows published, shortest first.
    pub windows: Vec<WindowInfo>,
    /// Every region named in a matrix.
    pub codes: BTreeSet<String>,
    /// The pairs of the longest window (which decides `one_way`).
    pub measured: BTreeSet<Pair>,
    /// Every window's full matrix, for the prerendered page.
    pub matrices: Vec<Matrix>,
}

/// Publishes every window's files. A window whose matrix did not change
/// since the previous publish (same content address) is not uploaded again.
pub async fn publish<S: SummaryStore, B: Bucket>(
    st: &S,
    up: &mut Uploader<'_, B>,
) -> Result<Matrices> {
    let mut out = Matrices {
        windows: Vec::new(),
        codes: BTreeSet::new(),
        measured: BTreeSet::new(),
        matrices: Vec::new(),
    };
    for w in WINDOWS {
        let Some(ws) = st.window(w.id).await? else {
            continue;
        };
        out.measured = ws.pairs.iter().map(|(p, _)| p.clone()).collect();
        let m = matrix(&ws);
        out.codes
            .extend(m.sources.iter().chain(&m.destinations).cloned());
        let json = encode(w.id, &m)?;
        let rel = addressed(&format!("matrix/{}", w.id), "json", &json);
        let csv = m.to_csv();
        let rel_csv = addressed(&format!("matrix/{}", w.id), "csv", csv.as_bytes());
        up.data(&rel, &json, &json_immutable()).await?;
        up.data(
            &rel_csv,
            csv.as_bytes(),
            &meta("text/csv; charset=utf-8", super::upload::IMMUTABLE),
        )
        .await?;
        let mut views = BTreeMap::new();
        for (stat, view) in stat_views(&m) {
            let json = encode(w.id, &view)?;
            let path = addressed(&format!("matrix/{}-{stat}", w.id), "json", &json);
            up.data(&path, &json, &json_immutable()).await?;
            views.insert(stat, path);
        }
        out.windows.push(WindowInfo {
            id: w.id.into(),
            label: w.label.into(),
            start: m.start.clone(),
            end: m.end.clone(),
            matrix: rel,
            matrix_csv: rel_csv,
            views,
        });
        out.matrices.push(m);
    }
    if out.windows.is_empty() {
        return Err(Error::NoSummaries);
    }
    Ok(out)
}
