//! The S3 adapter of [`Bucket`].
//!
//! S3 replaces an object whole on `PutObject`, so readers see the old or the
//! new body, never half; headers (type, encoding, cache) are stored with it
//! and served by CloudFront as they are.

use aws_sdk_s3::Client;
use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::primitives::ByteStream;

use crate::aws::classify;
use crate::{Bucket, ObjectMeta, Result, StoreError};

/// A bucket in S3.
#[derive(Debug, Clone)]
pub struct S3Bucket {
    client: Client,
    bucket: String,
}

impl S3Bucket {
    /// The bucket named `bucket`, reached through `client`.
    pub fn new(client: Client, bucket: impl Into<String>) -> Self {
        S3Bucket {
            client,
            bucket: bucket.into(),
        }
    }

    /// The bucket's name.
    pub fn name(&self) -> &str {
        &self.bucket
    }

    /// Creates the bucket if it does not exist (tests and local setups).
    pub async fn create(&self) -> Result<()> {
        match self
            .client
            .create_bucket()
            .bucket(&self.bucket)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e)
                if matches!(
                    e.code(),
                    Some("BucketAlreadyOwnedByYou" | "BucketAlreadyExists")
                ) =>
            {
                Ok(())
            }
            Err(e) => Err(classify(e, &format!("creating bucket {}", self.bucket))),
        }
    }
}

impl Bucket for S3Bucket {
    async fn list(&self, prefix: &str) -> Result<std::collections::BTreeSet<String>> {
        let mut out = std::collections::BTreeSet::new();
        let mut token = None;
        loop {
            let resp = self
                .client
                .list_objects_v2()
                .bucket(&self.bucket)
                .prefix(prefix)
                .set_continuation_token(token)
                .send()
                .await
                .map_err(|e| classify(e, &format!("listing s3://{}/{prefix}", self.bucket)))?;
            out.extend(
                resp.contents()
                    .iter()
                    .filter_map(|o| o.key().map(str::to_string)),
            );
            token = resp.next_continuation_token().map(str::to_string);
            if token.is_none() {
                return Ok(out);
            }
        }
    }

    async fn put(&self, key: &str, body: &[u8], meta: &ObjectMeta) -> Result<()> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .body(ByteStream::from(body.to_vec()))
            .content_type(&meta.content_type)
            .cache_control(&meta.cache_control)
            .set_content_encoding(meta.content_encoding.clone())
            .send()
            .await
            .map_err(|e| classify(e, &format!("s3://{}/{key}", self.bucket)))?;
        Ok(())
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        let resp = match self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(r) => r,
            Err(e) if e.code() == Some("NoSuchKey") => return Ok(None),
            Err(e) => return Err(classify(e, &format!("s3://{}/{key}", self.bucket))),
        };
        let body = resp.body.collect().await.map_err(|e| {
            StoreError::Unreachable(format!("reading s3://{}/{key}: {e}", self.bucket))
        })?;
        Ok(Some(body.into_bytes().to_vec()))
    }
}
