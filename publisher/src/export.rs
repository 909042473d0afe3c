//! Window summaries → feed v1 files.
//!
//! Order matters for readers: every matrix is written before the manifest
//! that names it, so a reader following the manifest never meets a missing
//! file. Matrices change with every run, so they carry a short cache
//! lifetime for now; content-addressed names arrive with the full feed.

use std::collections::{BTreeMap, BTreeSet};

use shared::catalog;
use shared::feed::v1::{self, Manifest, Matrix, RegionInfo, WindowInfo, round_ms};
use shared::stats::{Stat, WINDOWS};
use shared::time::rfc3339;
use store::{Bucket, ObjectMeta, SummaryStore, WindowSummaries};

use crate::rollup::DEFAULT_INTERVAL;
use crate::{Error, Result};

/// What a publish wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Keys written, in order.
    pub written: Vec<String>,
    /// Bytes written.
    pub bytes: usize,
}

fn json_meta(cache_control: &str) -> ObjectMeta {
    ObjectMeta {
        content_type: "application/json".into(),
        cache_control: cache_control.into(),
        content_encoding: None,
    }
}

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
    let row_of: BTreeMap<&str, usize> = sources
        .iter()
        .enumerate()
        .map(|(i, s)| (s.as_str(), i))
        .collect();
    let col_of: BTreeMap<&str, usize> = destinations
        .iter()
        .enumerate()
        .map(|(i, s)| (s.as_str(), i))
        .collect();
    let mut stats: BTreeMap<String, Vec<Vec<Option<f64>>>> = Stat::ALL
        .iter()
        .map(|s| (s.id().to_string(), vec![vec![None; cols]; rows]))
        .collect();
    let mut samples = vec![vec![0; cols]; rows];
    let mut lost = vec![vec![0; cols]; rows];
    for ((s, d), sum) in &ws.pairs {
        let (i, j) = (row_of[s.as_str()], col_of[d.as_str()]);
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
        version: v1::VERSION,
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

fn region_info(code: &str) -> Option<RegionInfo> {
    let r = catalog::region(code)?;
    Some(RegionInfo {
        code: r.code.into(),
        name: r.name.into(),
        city: r.city.into(),
        geography: r.geography.id().into(),
        lat: r.lat,
        lon: r.lon,
        partition: r.partition.id().into(),
        opt_in: r.opt_in,
    })
}

/// Publishes every summarised window and then the manifest.
pub async fn run<S, B>(summaries: &S, bucket: &B, now: i64) -> Result<Report>
where
    S: SummaryStore,
    B: Bucket,
{
    let simulated = summaries.meta(store::META_SIMULATED).await?.as_deref() == Some("true");
    let interval = summaries
        .meta(store::META_INTERVAL)
        .await?
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_INTERVAL);
    let mut report = Report {
        written: Vec::new(),
        bytes: 0,
    };
    let mut windows = Vec::new();
    let mut codes = BTreeSet::new();
    let mut data_end = None;
    for w in WINDOWS {
        let Some(ws) = summaries.window(w.id).await? else {
            continue;
        };
        let m = matrix(&ws);
        codes.extend(m.sources.iter().chain(&m.destinations).cloned());
        let rel = format!("matrix/{}.json", w.id);
        let key = format!("{}/{rel}", v1::ROOT);
        let body = serde_json::to_vec(&m).map_err(|source| Error::Encode {
            file: key.clone(),
            source,
        })?;
        bucket
            .put(&key, &body, &json_meta("public, max-age=60"))
            .await?;
        report.bytes += body.len();
        report.written.push(key);
        data_end = Some(ws.span.end - interval);
        windows.push(WindowInfo {
            id: w.id.into(),
            label: w.label.into(),
            start: m.start.clone(),
            end: m.end.clone(),
            matrix: rel,
        });
    }
    if windows.is_empty() {
        return Err(Error::NoSummaries);
    }
    let mut regions: Vec<RegionInfo> = codes.iter().filter_map(|c| region_info(c)).collect();
    regions.sort_by_key(|r| catalog::display_rank(&r.code));
    let manifest = Manifest {
        version: v1::VERSION,
        generated_at: rfc3339(now),
        interval_seconds: interval as u32,
        simulated,
        data_end: data_end.map(rfc3339),
        regions,
        stats: Stat::ALL.iter().map(|s| s.id().to_string()).collect(),
        windows,
    };
    let body = serde_json::to_vec_pretty(&manifest).map_err(|source| Error::Encode {
        file: v1::MANIFEST_PATH.into(),
        source,
    })?;
    bucket
        .put(
            v1::MANIFEST_PATH,
            &body,
            &json_meta("public, max-age=30, must-revalidate"),
        )
        .await?;
    report.bytes += body.len();
    report.written.push(v1::MANIFEST_PATH.into());
    Ok(report)
}
