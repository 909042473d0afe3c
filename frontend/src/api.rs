//! Fetching and checking feed files.

use std::fmt;
use std::ops::Deref;
use std::rc::Rc;

use shared::feed::v2::{self, Changes, Invalid, Manifest, Matrix, SeriesChunk, SeriesIndex};

use crate::json::FromJson;

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

impl<T> Fetch<T> {
    /// The value, once ready.
    pub fn ready(&self) -> Option<&T> {
        match self {
            Fetch::Ready(v) => Some(v),
            _ => None,
        }
    }
}

/// A fetched feed file, shared without copying. Feed files never change once
/// fetched, so two are equal when they are the same allocation.
#[derive(Debug)]
pub struct Shared<T>(pub Rc<T>);

impl<T> Shared<T> {
    /// Wraps a value.
    pub fn new(v: T) -> Self {
        Shared(Rc::new(v))
    }
}

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared(Rc::clone(&self.0))
    }
}

impl<T> PartialEq for Shared<T> {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl<T> Deref for Shared<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// A feed file the page needs, by path relative to `data/v2/`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Want {
    /// `manifest.json`.
    Manifest,
    /// A window's matrix.
    Matrix(String),
    /// The series index.
    Index(String),
    /// One chunk of one source's series at one resolution.
    Series(String),
    /// `changes.json`, the detected level shifts (a fixed path beside the manifest).
    Changes,
    /// The map's land ([`LAND_PATH`]), fetched when the map opens.
    Land,
}

/// The base map beside the site: built from Natural Earth by
/// `scripts/build-map.mjs`, not part of the feed.
pub const LAND_PATH: &str = "map/land.json";

/// The map's land, as `scripts/build-map.mjs` writes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Land {
    /// Width of the projection, in map units.
    pub width: f64,
    /// Height.
    pub height: f64,
    /// Always `equirectangular`: x from longitude, y from latitude.
    pub projection: String,
    /// Where the geography comes from.
    pub source: String,
    /// The land as one SVG path.
    pub land: String,
}

crate::from_json_struct!(Land {
    width,
    height,
    projection,
    source,
    land
});

impl Land {
    /// Checks what the types cannot: a known projection, a size, and a
    /// path of moves, lines and closes only (nothing to inject into the SVG).
    pub fn validate(&self) -> Result<(), Invalid> {
        if self.projection != "equirectangular" {
            return Err(Invalid(format!(
                "projection `{}` is not equirectangular",
                self.projection
            )));
        }
        if !(self.width > 0.0 && self.height > 0.0) {
            return Err(Invalid("width and height must be positive".into()));
        }
        if let Some(c) = self
            .land
            .chars()
            .find(|c| !matches!(c, 'M' | 'L' | 'Z' | '0'..='9' | '.' | ' ' | '-'))
        {
            return Err(Invalid(format!(
                "land path holds `{c}`, not only M, L, Z and numbers"
            )));
        }
        Ok(())
    }
}

/// A fetch's outcome.
#[derive(Debug, Clone, PartialEq)]
pub enum Loaded {
    /// The manifest.
    Manifest(Result<Shared<Manifest>, FetchError>),
    /// A matrix, by path.
    Matrix(String, Result<Shared<Matrix>, FetchError>),
    /// The series index, by path.
    Index(String, Result<Shared<SeriesIndex>, FetchError>),
    /// A series chunk, by path.
    Series(String, Result<Shared<SeriesChunk>, FetchError>),
    /// The level shifts.
    Changes(Result<Shared<Changes>, FetchError>),
    /// The map's land.
    Land(Result<Shared<Land>, FetchError>),
}

/// Fetches and checks what is wanted: one fetch for every kind of file,
/// then the kind's decoding (a single fetch state machine, not one per
/// feed type, keeps the wasm smaller).
pub async fn load(want: Want) -> Loaded {
    let url = want.url();
    let body = get_text(&url).await;
    let loaded = want.read(&url, body);
    FAILED.with(|f| {
        let mut f = f.borrow_mut();
        f.retain(|u| *u != url);
        if loaded.failed() {
            f.push(url);
        }
    });
    loaded
}

impl Want {
    /// Where the file is, relative to the page.
    pub fn url(&self) -> String {
        match self {
            Want::Manifest => v2::MANIFEST_PATH.to_string(),
            Want::Matrix(p) | Want::Index(p) | Want::Series(p) => url(p),
            Want::Changes => v2::CHANGES_PATH.to_string(),
            Want::Land => LAND_PATH.to_string(),
        }
    }

    /// The outcome, from the body fetched from [`Want::url`].
    fn read(self, url: &str, body: Result<String, FetchError>) -> Loaded {
        fn read<T: FromJson>(
            url: &str,
            body: &Result<String, FetchError>,
            check: impl FnOnce(&T) -> Result<(), Invalid>,
        ) -> Result<Shared<T>, FetchError> {
            let body = body.as_ref().map_err(Clone::clone)?;
            decode(url, body, check).map(Shared::new)
        }
        match self {
            Want::Manifest => Loaded::Manifest(read(url, &body, Manifest::validate)),
            Want::Matrix(p) => Loaded::Matrix(p, read(url, &body, Matrix::validate)),
            Want::Index(p) => Loaded::Index(p, read(url, &body, |_: &SeriesIndex| Ok(()))),
            Want::Series(p) => Loaded::Series(p, read(url, &body, SeriesChunk::validate)),
            Want::Changes => Loaded::Changes(read(url, &body, Changes::validate)),
            Want::Land => Loaded::Land(read(url, &body, Land::validate)),
        }
    }
}

impl Loaded {
    /// Whether the fetch or its checks failed.
    pub fn failed(&self) -> bool {
        match self {
            Loaded::Manifest(r) => r.is_err(),
            Loaded::Matrix(_, r) => r.is_err(),
            Loaded::Index(_, r) => r.is_err(),
            Loaded::Series(_, r) => r.is_err(),
            Loaded::Changes(r) => r.is_err(),
            Loaded::Land(r) => r.is_err(),
        }
    }
}

/// The URL of a feed file named by the manifest (relative to `data/v2/`).
pub fn url(rel: &str) -> String {
    format!("{}/{rel}", v2::ROOT)
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
    /// No complete answer within [`FETCH_TIMEOUT_MS`].
    Timeout {
        /// The URL.
        url: String,
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
            FetchError::Timeout { url } => write!(
                f,
                "{url} did not arrive within {} s; check your connection and retry",
                FETCH_TIMEOUT_MS / 1000
            ),
            // A feed file may be missing because nothing is published yet;
            // a site file (the base map) only if the site was put up without it.
            FetchError::Status { url, status: 404 } if url.starts_with(v2::ROOT) => write!(
                f,
                "{url} was not found (HTTP 404); the feed may not be published yet"
            ),
            FetchError::Status { url, status: 404 } => write!(
                f,
                "{url} was not found (HTTP 404): the site was published without it"
            ),
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
pub fn decode<T: FromJson>(
    url: &str,
    body: &str,
    check: impl FnOnce(&T) -> Result<(), Invalid>,
) -> Result<T, FetchError> {
    let value: T = crate::json::from_str(body).map_err(|e| FetchError::Parse {
        url: url.into(),
        message: e.to_string(),
    })?;
    check(&value).map_err(|e| FetchError::Invalid {
        url: url.into(),
        message: e.0,
    })?;
    Ok(value)
}

thread_local! {
    /// URLs whose last fetch failed (kept by [`load`]). Feed files are cached
    /// for a year, so a retry of a truncated or corrupted one must go past
    /// the browser's cache.
    static FAILED: std::cell::RefCell<Vec<String>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// How long a feed file may take, body included, before it counts as
/// failed (and can be retried): a stalled connection must not leave a
/// view "Loading" for ever. The largest file a view asks for is well under
/// a megabyte, seconds even at 1 Mbps.
pub const FETCH_TIMEOUT_MS: u32 = 30_000;

/// GETs a URL as text (gloo-net over the browser's `fetch`).
async fn get_text(url: &str) -> Result<String, FetchError> {
    let signal = web_sys::AbortSignal::timeout_with_u32(FETCH_TIMEOUT_MS);
    let net = |message: String| {
        if signal.aborted() {
            FetchError::Timeout { url: url.into() }
        } else {
            FetchError::Network {
                url: url.into(),
                message,
            }
        }
    };
    let again = FAILED.with(|f| f.borrow().iter().any(|u| u == url));
    let mut req = gloo_net::http::Request::get(url).abort_signal(Some(&signal));
    if again {
        req = req.cache(web_sys::RequestCache::Reload);
    }
    let resp = req.send().await.map_err(|e| net(e.to_string()))?;
    if !resp.ok() {
        return Err(FetchError::Status {
            url: url.into(),
            status: resp.status(),
        });
    }
    resp.text().await.map_err(|e| net(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_reports_parse_and_shape_errors() {
        let err = decode::<Matrix>("m.json", "{not json", Matrix::validate).unwrap_err();
        assert!(matches!(err, FetchError::Parse { .. }));
        assert!(err.to_string().starts_with("m.json is not valid feed JSON"));
        let body = include_str!("../../shared/tests/fixtures/feed/v2/matrix/1d.json");
        let good = decode::<Matrix>("m.json", body, Matrix::validate).unwrap();
        assert_eq!(good.get("p50", "us-east-1", "eu-west-1"), Some(68.42));
        let broken = body.replacen("\"samples\": [", "\"samples\": [[1],", 1);
        let err = decode::<Matrix>("m.json", &broken, Matrix::validate).unwrap_err();
        assert!(matches!(err, FetchError::Invalid { .. }), "{err:?}");
    }

    #[test]
    fn series_chunks_are_checked_too() {
        let body = include_str!(
            "../../shared/tests/fixtures/feed/v2/series/1h/us-east-1/2026-11-19T00.json"
        );
        let c = decode::<SeriesChunk>("c.json", body, SeriesChunk::validate).unwrap();
        assert_eq!((c.points, c.destinations.len()), (24, 2));
        let short = body.replacen("\"lost\": [0, ", "\"lost\": [", 1);
        let err = decode::<SeriesChunk>("c.json", &short, SeriesChunk::validate).unwrap_err();
        assert!(
            err.to_string().contains("do not all hold 24 points"),
            "{err}"
        );
    }

    #[test]
    fn a_missing_file_is_said_as_the_feed_s_or_the_site_s() {
        let missing = |url: &str| {
            FetchError::Status {
                url: url.into(),
                status: 404,
            }
            .to_string()
        };
        assert_eq!(
            missing(&Want::Manifest.url()),
            "data/v2/manifest.json was not found (HTTP 404); the feed may not be published yet"
        );
        assert_eq!(
            missing(&Want::Land.url()),
            "map/land.json was not found (HTTP 404): the site was published without it"
        );
    }

    #[test]
    fn a_timeout_says_how_long_and_what_to_do() {
        let e = FetchError::Timeout {
            url: "data/v2/manifest.json".into(),
        };
        assert_eq!(
            e.to_string(),
            "data/v2/manifest.json did not arrive within 30 s; check your connection and retry"
        );
    }

    #[test]
    fn shared_files_compare_by_identity() {
        let a = Shared::new(1.0_f64);
        assert_eq!(a, a.clone());
        assert_ne!(a, Shared::new(1.0));
        assert_eq!(Fetch::Ready(3).ready(), Some(&3));
        assert_eq!(Fetch::<i32>::Loading.ready(), None);
    }
}
