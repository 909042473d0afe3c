//! The aggregate function: on schedule, fold new rounds into hourly, daily and
//! monthly sketches and refresh the window summaries (`publisher::rollup`).
//!
//! A failed or retried run is harmless: the watermark moves only after every
//! summary is written, and hours are recomputed whole, never added to.

use publisher::rollup::{self, Options, Report};
use store::{RoundStore, SketchStore, SummaryStore};

/// Handles one scheduled event.
pub async fn handle<S>(store: &S, opts: &Options) -> Result<Report, publisher::Error>
where
    S: RoundStore + SketchStore + SummaryStore,
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
    Ok(report)
}
