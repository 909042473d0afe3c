//! The publish function: on schedule (after the aggregate one), write the
//! feed to the S3 bucket behind CloudFront (`publisher::export`).
//!
//! A run stopped at any point leaves the previous manifest and everything it
//! names in place; the next run writes what is still missing.

use publisher::export::{self, Options, Report};
use store::{Bucket, RoundStore, SketchStore, SummaryStore};

/// Handles one scheduled event.
pub async fn handle<S, B>(store: &S, bucket: &B, opts: &Options) -> Result<Report, publisher::Error>
where
    S: RoundStore + SketchStore + SummaryStore,
    B: Bucket,
{
    let report = export::run(store, bucket, opts, |stage| {
        tracing::info!(stage, "publish")
    })
    .await?;
    tracing::info!(
        written = report.written.len(),
        skipped = report.skipped,
        bytes = report.bytes,
        "feed published"
    );
    Ok(report)
}
