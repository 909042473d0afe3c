//! From rounds to the public feed.
//!
//! * [`rollup`]: rounds → per-window summaries (statistics over every connect).
//! * [`export`]: summaries → feed v2 files in a bucket, data first, manifest last.
//!
//! Both are generic over the storage traits, so the same code runs on the
//! embedded store and on AWS.

pub mod export;
pub mod rollup;

/// What can stop a rollup or a publish.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] store::StoreError),
    /// There is nothing to summarise yet.
    #[error("no rounds stored yet; run `cloudping simulate` or `cloudping probe` first")]
    NoRounds,
    /// There is nothing to publish yet.
    #[error("no summaries stored yet; run `cloudping rollup` first")]
    NoSummaries,
    /// A raw file could not be compressed.
    #[error("compressing raw rounds: {0}")]
    Compress(String),
    /// A feed file could not be encoded.
    #[error("encoding {file}: {source}")]
    Encode {
        /// The file being written.
        file: String,
        /// The encoder's error.
        source: serde_json::Error,
    },
}

impl Error {
    /// Whether running the same step again later may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Error::Store(e) if e.is_retryable())
    }
}

/// A result of this crate.
pub type Result<T> = std::result::Result<T, Error>;
