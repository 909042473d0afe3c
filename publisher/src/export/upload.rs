//! Uploading feed files, skipping those the previous publish already wrote.
//!
//! There is no LIST of the bucket: the previous manifest and series index say
//! what exists. A content-addressed or closed file they name holds the same
//! bytes it would get now, so it is not uploaded again.

use std::collections::BTreeSet;

use shared::feed::v2;
use store::{Bucket, ObjectMeta};

use crate::Result;

/// Cache-Control of every file but the manifest: names never change meaning.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// Cache-Control of the files rewritten in place under a fixed name (the
/// manifest, the changes): a reader sees a new version within a minute.
pub const SHORT: &str = "public, max-age=60, must-revalidate";

/// How an object is served.
pub fn meta(content_type: &str, cache_control: &str) -> ObjectMeta {
    ObjectMeta {
        content_type: content_type.into(),
        cache_control: cache_control.into(),
        content_encoding: None,
    }
}

/// JSON, cached forever.
pub fn json_immutable() -> ObjectMeta {
    meta("application/json", IMMUTABLE)
}

/// What a publish did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Report {
    /// Keys uploaded, in order (the manifest last).
    pub written: Vec<String>,
    /// Data files the previous publish already wrote, not uploaded again.
    pub skipped: usize,
    /// Bytes uploaded.
    pub bytes: usize,
    /// Bytes of the prerendered `index.html`, if the bucket holds the site.
    pub page: Option<usize>,
}

/// Uploads feed files under `data/v2/`, remembering what it did.
pub struct Uploader<'a, B> {
    bucket: &'a B,
    /// Paths (relative to `data/v2/`) the previous publish vouches for.
    known: BTreeSet<String>,
    /// What was done.
    pub report: Report,
}

impl<'a, B: Bucket> Uploader<'a, B> {
    /// An uploader that skips the `known` paths.
    pub fn new(bucket: &'a B, known: BTreeSet<String>) -> Self {
        Uploader {
            bucket,
            known,
            report: Report::default(),
        }
    }

    /// Uploads an immutable file unless the previous publish wrote it.
    pub async fn data(&mut self, rel: &str, body: &[u8], meta: &ObjectMeta) -> Result<()> {
        if self.known.contains(rel) {
            self.report.skipped += 1;
            return Ok(());
        }
        self.always(rel, body, meta).await?;
        self.known.insert(rel.to_string());
        Ok(())
    }

    /// Uploads a file whatever was there.
    pub async fn always(&mut self, rel: &str, body: &[u8], meta: &ObjectMeta) -> Result<()> {
        let key = format!("{}/{rel}", v2::ROOT);
        self.bucket.put(&key, body, meta).await?;
        self.report.bytes += body.len();
        self.report.written.push(key);
        Ok(())
    }
}

/// `name.{hash}.ext`: the first 16 hex digits of the body's SHA-256.
pub fn addressed(stem: &str, ext: &str, body: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(body);
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("{stem}.{hex}.{ext}")
}

/// JSON bytes of a feed file.
pub fn encode<T: serde::Serialize>(file: &str, value: &T) -> Result<Vec<u8>> {
    serde_json::to_vec(value).map_err(|source| crate::Error::Encode {
        file: file.into(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_the_content_hash() {
        let a = addressed("matrix/1d", "json", b"{}");
        assert!(
            a.starts_with("matrix/1d.")
                && a.ends_with(".json")
                && a.len() == "matrix/1d..json".len() + 16
        );
        assert_eq!(a, addressed("matrix/1d", "json", b"{}"));
        assert_ne!(a, addressed("matrix/1d", "json", b"{ }"));
    }
}
