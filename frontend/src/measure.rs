//! "From your browser": the visitor's round trip to every region of the
//! catalog's commercial partition, measured by the page itself.
//!
//! # What is measured
//!
//! Per region, HTTPS `GET https://dynamodb.<region>.amazonaws.com/ping` (the
//! host from [`shared::catalog`]): one request warms the connection (DNS,
//! TCP and TLS, timed apart when the browser exposes them, which it does
//! only for servers that send `Timing-Allow-Origin`), then [`TIMED`] requests
//! over the warm connection, one after another, each timed from the request
//! to its response's headers. That is an HTTP request's round trip, so it
//! reads a few ms above the matrix's TCP connect between regions. Each
//! request has [`TIMEOUT_MS`]; at most [`PARALLEL`] regions are measured at
//! once, so the requests of one region do not queue behind another's.
//!
//! The results stay in the browser: nothing is sent anywhere. This module is
//! the pure part (summaries, ranking, the downloads), tested on the host;
//! `components::browser` runs the requests.

use shared::catalog::{self, Partition};

use crate::json::{Object, ToJson};

/// Timed requests per region, after the warm-up.
pub const TIMED: usize = 5;

/// Per-request timeout, ms.
pub const TIMEOUT_MS: u32 = 4_000;

/// Regions measured at once.
pub const PARALLEL: usize = 4;

/// `localStorage` key remembering that the visitor asked to be measured.
pub const CONSENT_KEY: &str = "cloudping.measure";

/// Whether this build honours an endpoint override (see [`overrides`]):
/// only a build made with `CLOUDPING_TEST_ENDPOINTS=1` in its environment,
/// as the end-to-end tests make one. The published site is built without it,
/// so no stored value can point its requests elsewhere.
pub const TEST_BUILD: bool = is_one(option_env!("CLOUDPING_TEST_ENDPOINTS"));

/// `Some("1")`, in a constant.
const fn is_one(v: Option<&str>) -> bool {
    match v {
        Some(s) => s.len() == 1 && s.as_bytes()[0] == b'1',
        None => false,
    }
}

/// `localStorage` key of the test build's endpoint override.
pub const OVERRIDE_KEY: &str = "cloudping.test-endpoints";

/// What the warm-up request took.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Warmup {
    /// The whole first request, ms: DNS, TCP, TLS and the request itself.
    pub total_ms: f64,
    /// DNS lookup, ms, when the browser exposes it.
    pub dns_ms: Option<f64>,
    /// TCP connect, ms, when exposed.
    pub tcp_ms: Option<f64>,
    /// TLS handshake, ms, when exposed.
    pub tls_ms: Option<f64>,
}

/// How one region's measurement went.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Queued or under way.
    Pending,
    /// Every timed request answered.
    Measured {
        /// Median of the timed requests, ms.
        median_ms: f64,
        /// Fastest, ms.
        min_ms: f64,
        /// Slowest, ms.
        max_ms: f64,
        /// Every timed request, ms, in order.
        rtts_ms: Vec<f64>,
        /// How the requests were timed: [`Timing::Network`] where the
        /// browser exposes it, else [`Timing::Script`].
        timing: Timing,
        /// The warm-up request.
        warmup: Warmup,
    },
    /// A request failed or timed out: never a 0.
    Failed {
        /// What went wrong, for a reader.
        error: String,
    },
}

/// How a request's round trip was timed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timing {
    /// The browser's Resource Timing, request sent to first byte back: the
    /// network round trip and the server's time, nothing of the page's own
    /// (the endpoint allows CORS and sends `Timing-Allow-Origin`).
    Network,
    /// Resource Timing's whole fetch (CORS without `Timing-Allow-Origin`).
    Fetch,
    /// Measured by the page around the request: includes the browser's own
    /// work, a few ms on a busy machine (the endpoint allows no CORS).
    Script,
}

/// One region's result.
#[derive(Debug, Clone, PartialEq)]
pub struct RegionRtt {
    /// Region code.
    pub region: String,
    /// What was requested.
    pub url: String,
    /// The result (its members beside the region's, `status` saying which).
    pub outcome: Outcome,
}

impl RegionRtt {
    /// The median, if measured.
    pub fn median(&self) -> Option<f64> {
        match self.outcome {
            Outcome::Measured { median_ms, .. } => Some(median_ms),
            _ => None,
        }
    }
}

/// Median, min and max of the timed requests; `None` if there are none.
pub fn summarize(rtts: &[f64]) -> Option<(f64, f64, f64)> {
    if rtts.is_empty() {
        return None;
    }
    let mut s = rtts.to_vec();
    crate::format::sort_small(&mut s, |a, b| a < b);
    let n = s.len();
    let median = if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    };
    Some((median, s[0], s[n - 1]))
}

/// The outcome of a region's timed requests.
pub fn outcome(rtts: &[f64], timing: Timing, warmup: Warmup) -> Outcome {
    match summarize(rtts) {
        Some((median_ms, min_ms, max_ms)) => Outcome::Measured {
            median_ms,
            min_ms,
            max_ms,
            rtts_ms: rtts.to_vec(),
            timing,
            warmup,
        },
        None => Outcome::Failed {
            error: "no request answered".into(),
        },
    }
}

/// Every region of the commercial partition, in the catalog's geographic
/// order, with its `/ping` URL: from `overrides` (region → base URL) in a
/// test build, else its public DynamoDB endpoint.
///
/// A test build given an override measures the overridden regions only, so
/// that its tests wait on their own servers alone.
pub fn targets(overrides: &[(String, String)]) -> Vec<(String, String)> {
    let only_overridden = TEST_BUILD && !overrides.is_empty();
    catalog::REGIONS
        .iter()
        .filter(|r| r.partition == Partition::Aws)
        .filter(|r| !only_overridden || overrides.iter().any(|(code, _)| code == r.code))
        .map(|r| {
            let url = overrides
                .iter()
                .find(|(code, _)| code == r.code)
                .filter(|_| TEST_BUILD)
                .map_or_else(
                    || format!("https://{}/ping", r.endpoint_host()),
                    |(_, base)| format!("{}/ping", base.trim_end_matches('/')),
                );
            (r.code.to_string(), url)
        })
        .collect()
}

/// The test build's override, `{"us-east-1": "http://127.0.0.1:8001", …}`,
/// parsed; empty when absent, unreadable, or in any other build.
pub fn overrides(stored: Option<&str>) -> Vec<(String, String)> {
    if !TEST_BUILD {
        return Vec::new();
    }
    stored
        .and_then(|s| crate::json::from_str::<std::collections::BTreeMap<String, String>>(s).ok())
        .map(|m| m.into_iter().collect())
        .unwrap_or_default()
}

/// The measured regions, closest first; failed ones after them, by code.
pub fn ranked(results: &[RegionRtt]) -> Vec<&RegionRtt> {
    let mut out: Vec<&RegionRtt> = results
        .iter()
        .filter(|r| !matches!(r.outcome, Outcome::Pending))
        .collect();
    crate::format::sort_small(&mut out, |a, b| match (a.median(), b.median()) {
        (Some(x), Some(y)) => x < y,
        (Some(_), None) => true,
        (None, Some(_)) => false,
        (None, None) => a.region < b.region,
    });
    out
}

/// What the downloads hold: the method and every region's result.
#[derive(Debug)]
pub struct Report<'a> {
    /// When the measurement ended, RFC 3339.
    pub measured_at: String,
    /// What was measured, in words.
    pub method: &'static str,
    /// Timed requests per region.
    pub timed_requests: usize,
    /// Per-request timeout, ms.
    pub timeout_ms: u32,
    /// Every region, closest first.
    pub regions: Vec<&'a RegionRtt>,
}

/// The method, as the page and the downloads state it.
pub const METHOD: &str = "HTTPS GET of each region's DynamoDB /ping from this browser: one request warms the connection, then each timed request's round trip over the warm connection, from the request sent to the first byte back where the browser's Resource Timing exposes it, else as the page sees it. An HTTP round trip, so a few ms above the matrix's TCP connect. Nothing is sent anywhere.";

crate::to_json_struct!(Report<'_> { measured_at, method, timed_requests, timeout_ms, regions });

impl ToJson for Warmup {
    fn write_json(&self, out: &mut String) {
        let mut o = Object::start(out);
        o.field("total_ms", &self.total_ms);
        for (name, v) in [
            ("dns_ms", self.dns_ms),
            ("tcp_ms", self.tcp_ms),
            ("tls_ms", self.tls_ms),
        ] {
            if let Some(v) = v {
                o.field(name, &v);
            }
        }
        o.end();
    }
}

impl ToJson for RegionRtt {
    fn write_json(&self, out: &mut String) {
        let mut o = Object::start(out);
        o.field("region", &self.region).field("url", &self.url);
        match &self.outcome {
            Outcome::Pending => {
                o.field("status", "pending");
            }
            Outcome::Measured {
                median_ms,
                min_ms,
                max_ms,
                rtts_ms,
                timing,
                warmup,
            } => {
                let timing = match timing {
                    Timing::Network => "network",
                    Timing::Fetch => "fetch",
                    Timing::Script => "script",
                };
                o.field("status", "measured")
                    .field("median_ms", median_ms)
                    .field("min_ms", min_ms)
                    .field("max_ms", max_ms)
                    .field("rtts_ms", rtts_ms)
                    .field("timing", timing)
                    .field("warmup", warmup);
            }
            Outcome::Failed { error } => {
                o.field("status", "failed").field("error", error);
            }
        }
        o.end();
    }
}

/// The report as JSON.
pub fn json(results: &[RegionRtt], measured_at: i64) -> String {
    let report = Report {
        measured_at: shared::time::rfc3339(measured_at),
        method: METHOD,
        timed_requests: TIMED,
        timeout_ms: TIMEOUT_MS,
        regions: ranked(results),
    };
    crate::json::to_string(&report)
}

/// The report as CSV: one row per region, closest first.
pub fn csv(results: &[RegionRtt]) -> String {
    let mut out = String::from("region,url,status,median_ms,min_ms,max_ms,rtts_ms,error\n");
    for r in ranked(results) {
        let row = match &r.outcome {
            Outcome::Measured {
                median_ms,
                min_ms,
                max_ms,
                rtts_ms,
                ..
            } => {
                let all: Vec<String> = rtts_ms.iter().map(|v| format!("{v:.3}")).collect();
                format!(
                    "{},{},measured,{median_ms:.3},{min_ms:.3},{max_ms:.3},{},\n",
                    r.region,
                    r.url,
                    all.join(" ")
                )
            }
            Outcome::Failed { error } => format!(
                "{},{},failed,,,,,\"{}\"\n",
                r.region,
                r.url,
                error.replace('"', "\"\"")
            ),
            Outcome::Pending => continue,
        };
        out.push_str(&row);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn measured(region: &str, rtts: &[f64]) -> RegionRtt {
        RegionRtt {
            region: region.into(),
            url: format!("https://dynamodb.{region}.amazonaws.com/ping"),
            outcome: outcome(rtts, Timing::Network, Warmup::default()),
        }
    }

    fn failed(region: &str) -> RegionRtt {
        RegionRtt {
            region: region.into(),
            url: String::new(),
            outcome: Outcome::Failed {
                error: "no answer in 4 s".into(),
            },
        }
    }

    #[test]
    fn the_summary_is_the_median_and_the_extremes() {
        assert_eq!(summarize(&[]), None);
        assert_eq!(
            summarize(&[20.0, 25.0, 21.0, 80.0, 22.0]),
            Some((22.0, 20.0, 80.0))
        );
        assert_eq!(summarize(&[3.0, 1.0]), Some((2.0, 1.0, 3.0)));
        assert!(
            matches!(
                outcome(&[], Timing::Script, Warmup::default()),
                Outcome::Failed { .. }
            ),
            "never a 0"
        );
    }

    #[test]
    fn the_ranking_puts_the_closest_first_and_failures_last() {
        let rs = vec![
            measured("eu-west-1", &[80.0, 81.0, 79.0]),
            failed("ap-south-1"),
            measured("us-east-1", &[20.0]),
            RegionRtt {
                region: "sa-east-1".into(),
                url: String::new(),
                outcome: Outcome::Pending,
            },
            failed("af-south-1"),
            measured("ap-northeast-1", &[150.0]),
        ];
        let order: Vec<&str> = ranked(&rs).iter().map(|r| r.region.as_str()).collect();
        assert_eq!(
            order,
            [
                "us-east-1",
                "eu-west-1",
                "ap-northeast-1",
                "af-south-1",
                "ap-south-1"
            ]
        );
        let csv = csv(&rs);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 6, "header and five settled regions: {csv}");
        assert_eq!(
            lines[1],
            "us-east-1,https://dynamodb.us-east-1.amazonaws.com/ping,measured,20.000,20.000,20.000,20.000,"
        );
        assert_eq!(lines[4], "af-south-1,,failed,,,,,\"no answer in 4 s\"");
        let json: serde_json::Value = serde_json::from_str(&json(&rs, 1_795_132_800)).unwrap();
        assert_eq!(json["measured_at"], "2026-11-20T00:00:00Z");
        assert_eq!(json["regions"][0]["status"], "measured");
        assert_eq!(json["regions"][0]["median_ms"], 20.0);
        assert_eq!(json["regions"][0]["timing"], "network");
        assert_eq!(json["regions"][4]["status"], "failed");
        assert!(
            json["regions"][4].get("median_ms").is_none(),
            "a failure has no figure"
        );
    }

    #[test]
    fn every_commercial_region_is_a_target_and_the_production_build_takes_no_override() {
        let stored = r#"{"us-east-1": "http://127.0.0.1:9/"}"#;
        let t = targets(&overrides(Some(stored)));
        let commercial = catalog::REGIONS
            .iter()
            .filter(|r| r.partition == Partition::Aws)
            .count();
        assert_eq!(t.len(), commercial);
        assert!(
            t.iter()
                .all(|(c, _)| !c.starts_with("cn-") && !c.starts_with("us-gov-"))
        );
        let virginia = &t.iter().find(|(c, _)| c == "us-east-1").unwrap().1;
        if TEST_BUILD {
            assert_eq!(virginia, "http://127.0.0.1:9/ping");
        } else {
            assert!(overrides(Some(stored)).is_empty());
            assert_eq!(virginia, "https://dynamodb.us-east-1.amazonaws.com/ping");
        }
    }
}
