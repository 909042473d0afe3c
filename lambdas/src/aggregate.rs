//! The aggregate function: on schedule, fold new rounds into hourly, daily and
//! monthly sketches and refresh the window summaries (`publisher::rollup`).
//!
//! A failed or retried run is harmless: the watermark moves only after every
//! summary is written, and hours are recomputed whole, never added to.

use publisher::rollup::{self, Options, Report};
use store::{RegionStore, RoundStore, SketchStore, SummaryStore};

/// Intervals a region may go without a round before it counts as silent.
pub const SILENT_INTERVALS: i64 = 3;

/// The enabled regions (the catalog's commercial ones while the regions
/// table is empty) whose newest round is older than `SILENT_INTERVALS`
/// intervals at `now`, or that have none.
pub async fn silent_regions<S: RoundStore + RegionStore>(
    store: &S,
    now: i64,
    interval: i64,
) -> Result<Vec<String>, store::StoreError> {
    let enabled = match store.enabled_regions().await? {
        Some(r) => r,
        None => shared::catalog::commercial()
            .map(|r| r.code.to_string())
            .collect(),
    };
    let latest: std::collections::BTreeMap<String, i64> =
        store.sources().await?.into_iter().collect();
    Ok(enabled
        .into_iter()
        .filter(|r| {
            latest
                .get(r)
                .is_none_or(|&t| t < now - SILENT_INTERVALS * interval)
        })
        .collect())
}

/// Handles one scheduled event at `now` (Unix seconds): rolls up, then
/// logs how many regions are silent, the one figure the silent-regions
/// alarm watches.
pub async fn handle<S>(store: &S, opts: &Options, now: i64) -> Result<Report, publisher::Error>
where
    S: RoundStore + SketchStore + SummaryStore + RegionStore,
{
    let report = rollup::run(store, opts, |_, _| {}).await?;
    tracing::info!(
        sources = report.sources,
        rounds = report.rounds,
        hours = report.hours,
        days = report.days,
        months = report.months,
        windows = report.windows.join(","),
        from = report.from,
        end = report.end,
        "rollup done"
    );
    let interval = store
        .meta(store::META_INTERVAL)
        .await?
        .and_then(|v| v.parse().ok())
        .unwrap_or(rollup::DEFAULT_INTERVAL);
    let silent = silent_regions(store, now, interval).await?;
    tracing::info!(
        silent = silent.len(),
        regions = silent.join(","),
        "regions checked"
    );
    Ok(report)
}
