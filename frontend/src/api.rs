//! Fetching and checking feed files.

use std::fmt;

use serde::de::DeserializeOwned;
use shared::feed::v1::{self, Invalid, Manifest, Matrix};

/// The state of one fetch.
#[derive(Debug, Clone, PartialEq)]
pub enum Fetch<T> {
    /// Under way.
    Loading,
    /// Arrived and checked.
    Ready(T),
    /// Failed; the error says what and how to retry.
    Failed(FetchError),
}

/// Why a feed file could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchError {
    /// The request did not complete (offline, blocked, server down).
    Network {
        /// The URL.
        url: String,
        /// The browser's message.
        message: String,
    },
    /// The server answered with an error status.
    Status {
        /// The URL.
        url: String,
        /// The HTTP status.
        status: u16,
    },
    /// The body is not the JSON the feed promises.
    Parse {
        /// The URL.
        url: String,
        /// The parser's message.
        message: String,
    },
    /// The JSON parsed but does not hold together.
    Invalid {
        /// The URL.
        url: String,
        /// What is wrong.
        message: String,
    },
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchError::Network { url, message } => {
                write!(
                    f,
                    "could not reach {url} ({message}); check your connection and retry"
                )
            }
            FetchError::Status { url, status: 404 } => {
                write!(
                    f,
                    "{url} was not found (HTTP 404); the feed may not be published yet"
                )
            }
            FetchError::Status { url, status } => {
                write!(f, "{url} answered HTTP {status}; retry in a moment")
            }
            FetchError::Parse { url, message } => {
                write!(f, "{url} is not valid feed JSON: {message}")
            }
            FetchError::Invalid { url, message } => write!(f, "{url} is malformed: {message}"),
        }
    }
}

/// Parses and checks a body; pure, so it is tested on the host.
pub fn decode<T: DeserializeOwned>(
    url: &str,
    body: &str,
    check: impl FnOnce(&T) -> Result<(), Invalid>,
) -> Result<T, FetchError> {
    let value: T = serde_json::from_str(body).map_err(|e| FetchError::Parse {
        url: url.into(),
        message: e.to_string(),
    })?;
    check(&value).map_err(|e| FetchError::Invalid {
        url: url.into(),
        message: e.0,
    })?;
    Ok(value)
}

async fn get_text(url: &str) -> Result<String, FetchError> {
    let resp = gloo_net::http::Request::get(url)
        .send()
        .await
        .map_err(|e| FetchError::Network {
            url: url.into(),
            message: e.to_string(),
        })?;
    if !resp.ok() {
        return Err(FetchError::Status {
            url: url.into(),
            status: resp.status(),
        });
    }
    resp.text().await.map_err(|e| FetchError::Network {
        url: url.into(),
        message: e.to_string(),
    })
}

/// Fetches and checks the manifest.
pub async fn manifest() -> Result<Manifest, FetchError> {
    let url = v1::MANIFEST_PATH;
    decode(url, &get_text(url).await?, Manifest::validate)
}

/// Fetches and checks a matrix named by the manifest.
pub async fn matrix(rel: &str) -> Result<Matrix, FetchError> {
    let url = format!("{}/{rel}", v1::ROOT);
    decode(&url, &get_text(&url).await?, Matrix::validate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_reports_parse_and_shape_errors() {
        let err = decode::<Matrix>("m.json", "{not json", Matrix::validate).unwrap_err();
        assert!(matches!(err, FetchError::Parse { .. }));
        assert!(err.to_string().starts_with("m.json is not valid feed JSON"));
        let body = include_str!("../../shared/tests/fixtures/feed/v1/matrix/1d.json");
        let good = decode::<Matrix>("m.json", body, Matrix::validate).unwrap();
        assert_eq!(good.get("p50", "us-east-1", "eu-west-1"), Some(68.42));
        let broken = body.replacen("\"samples\": [", "\"samples\": [[1],", 1);
        let err = decode::<Matrix>("m.json", &broken, Matrix::validate).unwrap_err();
        assert!(matches!(err, FetchError::Invalid { .. }), "{err:?}");
    }
}
