//! CloudPing's Lambda functions.
//!
//! Each `src/bin/*.rs` is thin: logging, configuration from the environment,
//! AWS clients, then `lambda_runtime::run`. The handlers here are generic over
//! the `store` traits, so tests call them directly against moto's server (and
//! could against the embedded store) with the very code that runs on Lambda.
//!
//! Errors: a handler returns `Err` when the invocation should fail. Lambda's
//! asynchronous invocation (the schedule) then retries it, twice; every
//! handler is idempotent, so a retry never duplicates data.

pub mod aggregate;
pub mod config;
pub mod probe;
pub mod publish;

/// Installs JSON logs (one object per line, as CloudWatch Logs Insights likes them).
pub fn init_logging() {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_current_span(false)
        .without_time() // CloudWatch stamps each line itself.
        .init();
}
