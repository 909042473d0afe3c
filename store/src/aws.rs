//! Building AWS SDK clients, and mapping SDK errors onto [`StoreError`].
//!
//! Clients are built with an explicit rustls (ring) HTTP client: the SDK
//! crates are used without default features to keep builds small, and then
//! carry no connector of their own.

use std::time::Duration;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_dynamodb::config::Credentials;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};

use crate::StoreError;

/// The HTTPS client every SDK client here uses.
pub fn https_client() -> aws_sdk_dynamodb::config::SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
        .build_https()
}

/// Every call runs under a timeout: an attempt that hangs (a response slower
/// than this) is cut off and retried by the SDK, and a whole call, retries
/// included, gives up after a minute with an error that says so.
fn timeouts(attempt: Duration) -> aws_config::timeout::TimeoutConfig {
    aws_config::timeout::TimeoutConfig::builder()
        .operation_attempt_timeout(attempt)
        .operation_timeout(Duration::from_secs(60))
        .build()
}

/// SDK configuration from the environment (on Lambda: the function's role and region).
pub async fn from_env() -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .http_client(https_client())
        .timeout_config(timeouts(Duration::from_secs(10)))
        .load()
        .await
}

/// SDK configuration for a local endpoint (moto's server in tests) with static
/// test credentials.
pub async fn local(endpoint: &str, region: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .http_client(https_client())
        .timeout_config(timeouts(Duration::from_secs(5)))
        .endpoint_url(endpoint)
        .region(Region::new(region.to_string()))
        .credentials_provider(Credentials::new("test", "test", None, None, "static"))
        .load()
        .await
}

/// Maps an SDK error: throttling and transport failures are retryable, a
/// missing table or bucket is a configuration error, the rest is reported.
pub(crate) fn classify<E, R>(err: SdkError<E, R>, what: &str) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    if matches!(
        err,
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) | SdkError::ResponseError(_)
    ) {
        return StoreError::Unreachable(format!(
            "{what}: {}",
            aws_smithy_types::error::display::DisplayErrorContext(&err)
        ));
    }
    let code = err.code().unwrap_or("").to_string();
    let message = err.message().unwrap_or("").to_string();
    match code.as_str() {
        "ProvisionedThroughputExceededException"
        | "ThrottlingException"
        | "RequestLimitExceeded"
        | "SlowDown"
        | "InternalServerError"
        | "InternalError"
        | "ServiceUnavailable" => StoreError::Throttled(format!("{what}: {code} {message}")),
        "ResourceNotFoundException" | "NoSuchBucket" => {
            StoreError::Missing(format!("{what} ({code}: {message})"))
        }
        _ => StoreError::Aws(format!(
            "{what}: {}",
            aws_smithy_types::error::display::DisplayErrorContext(&err)
        )),
    }
}

/// An S3 client; `path_style` for endpoints without virtual-host buckets (moto).
pub fn s3_client(conf: &SdkConfig, path_style: bool) -> aws_sdk_s3::Client {
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(conf)
            .force_path_style(path_style)
            .build(),
    )
}
