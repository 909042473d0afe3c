//! Storage for CloudPing: one trait per role, each with adapters.
//!
//! * [`RoundStore`]: the rounds table (one item per source × scheduled time).
//! * [`SketchStore`]: the rollup's sketches (one item per source × hour, day or month).
//! * [`SummaryStore`]: per-window summaries and a little metadata.
//! * [`Bucket`]: where the feed is published (a folder here, S3 on AWS).
//!
//! The embedded adapters ([`sqlite::SqliteStore`], [`folder::FolderBucket`]) let
//! the whole pipeline run on one machine with no AWS account. Handlers are
//! generic over these traits, so the same code runs on either.
//!
//! The traits are `async` because the AWS adapters are; the embedded ones do
//! their (short) blocking work inline, which is fine for a CLI that runs one
//! task at a time.

use std::future::Future;

use shared::Round;
use shared::stats::Summary;

pub mod aws;
pub mod codec;
pub mod dynamo;
pub mod folder;
pub mod s3;
pub mod sqlite;

pub use dynamo::DynamoStore;
pub use folder::FolderBucket;
pub use s3::S3Bucket;
pub use sqlite::SqliteStore;

/// What can go wrong in storage.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The embedded database failed.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file concerned.
        path: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// A stored item could not be decoded.
    #[error("corrupt item {key}: {reason}")]
    Corrupt {
        /// The item's key.
        key: String,
        /// What was wrong.
        reason: String,
    },
    /// The service asked us to slow down; the work can be retried.
    #[error("throttled: {0}")]
    Throttled(String),
    /// The service could not be reached; the work can be retried.
    #[error("unreachable: {0}")]
    Unreachable(String),
    /// An AWS call failed for a reason that retrying will not fix.
    #[error("aws: {0}")]
    Aws(String),
    /// The table or bucket does not exist: a configuration error.
    #[error("missing {0}; create it (see the deploy docs) or check the name and region")]
    Missing(String),
}

impl StoreError {
    /// Whether retrying the same call later may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, StoreError::Throttled(_) | StoreError::Unreachable(_))
            || matches!(self, StoreError::Sqlite(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::DatabaseBusy || e.code == rusqlite::ErrorCode::DatabaseLocked)
    }
}

/// A result from storage.
pub type Result<T> = std::result::Result<T, StoreError>;

/// A (source, target) pair.
pub type Pair = (String, String);

/// The rounds table: one item per (source, scheduled time), holding every
/// target that source measured then (see [`codec`]).
pub trait RoundStore: Send + Sync {
    /// Stores rounds. A round whose identity (source, target, scheduled time)
    /// is already stored is left untouched, so a retry never duplicates and the
    /// first write wins; a target new to a stored (source, time) is added to it.
    /// Returns how many rounds were new.
    fn put_rounds(&self, rounds: &[Round]) -> impl Future<Output = Result<usize>> + Send;

    /// Every round of `source` scheduled in `[from, to)`, oldest first, the
    /// targets of one time in name order.
    fn source_rounds(
        &self,
        source: &str,
        from: i64,
        to: i64,
    ) -> impl Future<Output = Result<Vec<Round>>> + Send;

    /// Every source that has rounds, with the newest scheduled time of each,
    /// in display order. Costs O(sources), whatever the history's length.
    fn sources(&self) -> impl Future<Output = Result<Vec<(String, i64)>>> + Send;
}

/// The regions table: which regions are switched on, so a region is added or
/// removed without a deploy.
pub trait RegionStore: Send + Sync {
    /// The enabled region codes in display order; `None` when the table is
    /// empty (callers then use the catalog's commercial regions).
    fn enabled_regions(&self) -> impl Future<Output = Result<Option<Vec<String>>>> + Send;
    /// Switches a region on or off.
    fn set_region_enabled(
        &self,
        code: &str,
        enabled: bool,
    ) -> impl Future<Output = Result<()>> + Send;
}

/// The time resolution of stored sketches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Level {
    /// One sketch group per source per UTC hour.
    Hour,
    /// One per source per UTC day (the merge of its hours).
    Day,
    /// One per source per calendar month, UTC (the merge of its days), for
    /// the long windows.
    Month,
}

impl Level {
    /// The level's name in keys (`hour`, `day`, `month`).
    pub fn id(self) -> &'static str {
        match self {
            Level::Hour => "hour",
            Level::Day => "day",
            Level::Month => "month",
        }
    }
}

pub use codec::SketchGroup;

/// Percentile sketches per source per hour, day and month, each a group of
/// every target's sketch: the rollup's state.
pub trait SketchStore: Send + Sync {
    /// Writes (replaces) sketch groups of one source, keyed by the start of their period.
    fn put_sketches(
        &self,
        level: Level,
        source: &str,
        groups: &[(i64, SketchGroup)],
    ) -> impl Future<Output = Result<()>> + Send;
    /// The start of the oldest group of one source at one level, if any
    /// (one small read, whatever the history's length).
    fn first(&self, level: Level, source: &str)
    -> impl Future<Output = Result<Option<i64>>> + Send;
    /// Reads the sketch groups of one source starting in `[from, to)`, oldest first.
    fn sketches(
        &self,
        level: Level,
        source: &str,
        from: i64,
        to: i64,
    ) -> impl Future<Output = Result<Vec<(i64, SketchGroup)>>> + Send;
}

/// A window's bounds, `[start, end)` in Unix seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// Inclusive start.
    pub start: i64,
    /// Exclusive end.
    pub end: i64,
}

/// Summaries of one window for every pair.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowSummaries {
    /// Window id (`1d`, ...).
    pub window: String,
    /// The span summarised.
    pub span: Span,
    /// One entry per pair.
    pub pairs: Vec<(Pair, Summary)>,
}

/// The summaries table, plus small metadata the publisher needs.
pub trait SummaryStore: Send + Sync {
    /// Replaces the summaries of one window.
    fn put_window(&self, summaries: &WindowSummaries) -> impl Future<Output = Result<()>> + Send;
    /// Reads one window's summaries, if computed.
    fn window(&self, window: &str) -> impl Future<Output = Result<Option<WindowSummaries>>> + Send;
    /// Reads a metadata value.
    fn meta(&self, key: &str) -> impl Future<Output = Result<Option<String>>> + Send;
    /// Writes a metadata value.
    fn set_meta(&self, key: &str, value: &str) -> impl Future<Output = Result<()>> + Send;
}

/// Metadata key: `"true"` once any simulated round was stored.
pub const META_SIMULATED: &str = "simulated";
/// Metadata key: seconds between scheduled rounds.
pub const META_INTERVAL: &str = "interval_seconds";

/// How an object should be served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectMeta {
    /// MIME type.
    pub content_type: String,
    /// HTTP Cache-Control.
    pub cache_control: String,
    /// HTTP Content-Encoding (`gzip` for pre-compressed files), if any.
    pub content_encoding: Option<String>,
}

/// Where the feed is published: a folder locally, an S3 bucket on AWS.
pub trait Bucket: Send + Sync {
    /// Writes an object whole; readers see the old or the new object, never half.
    fn put(
        &self,
        key: &str,
        body: &[u8],
        meta: &ObjectMeta,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Reads an object, `None` if absent.
    fn get(&self, key: &str) -> impl Future<Output = Result<Option<Vec<u8>>>> + Send;
    /// Every key under `prefix`.
    fn list(
        &self,
        prefix: &str,
    ) -> impl Future<Output = Result<std::collections::BTreeSet<String>>> + Send;
}
