//! Feed v2: a manifest naming content-addressed data files.
//!
//! ```text
//! data/v2/manifest.json                          short cache; fetch first
//! data/v2/matrix/{window}.{hash}.json | .csv     every pair × every statistic over a window
//! data/v2/matrix/{window}-{stat}.{hash}.json     the same, one statistic (what a view draws first)
//! data/v2/series/index.{hash}.json               which series chunks exist, per source
//! data/v2/series/{res}/{src}/{start}.json        a closed chunk: every destination of src
//! data/v2/series/{res}/{src}/{start}.{hash}.json an open chunk (the newest)
//! data/v2/raw/{yyyy-mm-dd}.ndjson.gz             every round of a complete UTC day
//! data/v2/schema/{kind}.schema.json              JSON Schemas of the files above
//! data/v2/changes.json                           lasting latency shifts (fixed name, short cache)
//! data/v2/changes.atom                           the same as an Atom feed
//! ```
//!
//! Every data file's name carries a hash of its content, so it never changes
//! once written and can be cached forever; only the manifest is rewritten.
//! Units: latencies in milliseconds to the microsecond ([`round_ms`]), times as
//! RFC 3339 UTC. Missing data is `null`, never 0. What each figure is good to is
//! in the manifest's [`Precision`].
//!
//! What changed from v1: latencies carry three decimals (µs) instead of 0.1 ms
//! above 10 ms; percentiles are good to 0.1 % or 10 µs instead of 0.5 %; each
//! window has a file per statistic besides the full matrix; the raw rounds have
//! a wire type of their own ([`RawRound`]) with the scheduled time in RFC 3339.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// The feed version these types describe.
pub const VERSION: u32 = 2;
/// Path of the manifest below the site root.
pub const MANIFEST_PATH: &str = "data/v2/manifest.json";
/// Folder of the v2 feed below the site root; file paths in the manifest are relative to it.
pub const ROOT: &str = "data/v2";

/// The entry point of the feed: what exists and how fresh it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Always [`VERSION`].
    pub version: u32,
    /// When this manifest was published.
    pub generated_at: String,
    /// Seconds between scheduled rounds.
    pub interval_seconds: u32,
    /// True when the data comes from `cloudping simulate`, not from measurements.
    pub simulated: bool,
    /// The scheduled time of the newest round included.
    pub data_end: Option<String>,
    /// Every region that appears in the feed, in geographic order.
    pub regions: Vec<RegionInfo>,
    /// Statistic ids available in the matrices (`p50`, `mean`, ...).
    pub stats: Vec<String>,
    /// What the figures are good to.
    pub precision: Precision,
    /// The windows published, shortest first.
    pub windows: Vec<WindowInfo>,
    /// Path of the series index ([`SeriesIndex`]), relative to `data/v2/`.
    pub series_index: Option<String>,
    /// The raw days published, oldest first.
    pub raw: Vec<RawDay>,
    /// Pairs `[source, destination]` measured in that direction only (over the
    /// longest window): the reverse has no round, e.g. because no probe runs in
    /// the destination (another partition, or a vantage point that is not a
    /// region). Absent when every pair is measured both ways.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub one_way: Vec<[String; 2]>,
}

/// What the published figures are good to, against the exact statistics of
/// the same connects.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Precision {
    /// A percentile is within this fraction of the exact one (linear
    /// interpolation, numpy's default), or within `percentile_absolute_ms`,
    /// whichever is larger.
    pub percentile_relative: f64,
    /// The absolute floor of the percentile bound, ms.
    pub percentile_absolute_ms: f64,
    /// Mean, min and max are within this many ms of the exact value (the
    /// rounding to 1 µs).
    pub exact_ms: f64,
}

impl Precision {
    /// The bound this version publishes: 0.1 % or 10 µs for percentiles,
    /// 1 µs for mean, min and max.
    pub const PUBLISHED: Precision = Precision {
        percentile_relative: 0.001,
        percentile_absolute_ms: 0.01,
        exact_ms: 0.001,
    };

    /// The largest error a percentile of `value` ms may have.
    pub fn percentile_bound_ms(&self, value: f64) -> f64 {
        (self.percentile_relative * value.abs()).max(self.percentile_absolute_ms)
    }

    /// The decimals a statistic (`p50`, `mean`, ...) of `value` ms really has:
    /// down to the first digit its bound leaves uncertain (a percentile of
    /// 217.4 ms, good to 0.22 ms, has 1; mean, min and max have 3).
    pub fn decimals(&self, stat: &str, value: f64) -> usize {
        let bound = if matches!(stat, "mean" | "min" | "max") {
            self.exact_ms
        } else {
            self.percentile_bound_ms(value)
        };
        (-crate::math::log10(bound)).ceil().clamp(0.0, 3.0) as usize
    }
}

/// One round as `raw/{date}.ndjson.gz` holds it, one per line.
///
/// The wire shape of a [`crate::Round`]: the same figures, with the scheduled
/// time as RFC 3339 so the file reads without a Unix-time conversion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRound {
    /// Where the probe ran.
    pub source: String,
    /// The region measured.
    pub target: String,
    /// The scheduled time of the round, RFC 3339 UTC.
    pub scheduled_at: String,
    /// Time to resolve the endpoint, µs, when measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns_us: Option<u32>,
    /// The address connected to, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    /// RTTs of the connects that succeeded, µs, ascending.
    pub rtts_us: Vec<u32>,
    /// Failed connects by kind; kinds with none are left out.
    pub failures: RawFailures,
}

/// Failed connects of a [`RawRound`], by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFailures {
    /// The endpoint name did not resolve.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns: Option<u16>,
    /// No answer within the connect timeout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<u16>,
    /// Refused (reset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused: Option<u16>,
    /// Network or host unreachable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unreachable: Option<u16>,
    /// Any other error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other: Option<u16>,
}

impl From<&crate::Round> for RawRound {
    fn from(r: &crate::Round) -> RawRound {
        let nz = |n: u16| (n > 0).then_some(n);
        let f = &r.failures;
        RawRound {
            source: r.source.clone(),
            target: r.target.clone(),
            scheduled_at: crate::time::rfc3339(r.scheduled_at),
            dns_us: r.dns_us,
            ip: r.ip.clone(),
            rtts_us: r.rtts_us.clone(),
            failures: RawFailures {
                dns: nz(f.dns),
                timeout: nz(f.timeout),
                refused: nz(f.refused),
                unreachable: nz(f.unreachable),
                other: nz(f.other),
            },
        }
    }
}

impl RawRound {
    /// Checks what the type cannot: the time, and ascending RTTs.
    pub fn validate(&self) -> Result<(), Invalid> {
        if crate::time::parse_rfc3339(&self.scheduled_at).is_none() {
            return Err(Invalid(format!(
                "raw round scheduled_at `{}` is not an RFC 3339 UTC time",
                self.scheduled_at
            )));
        }
        if !self.rtts_us.is_sorted() {
            return Err(Invalid(format!(
                "raw round {} → {} at {}: rtts_us are not ascending",
                self.source, self.target, self.scheduled_at
            )));
        }
        Ok(())
    }

    /// Failed connects, whatever their kind.
    pub fn lost(&self) -> u32 {
        let f = &self.failures;
        [f.dns, f.timeout, f.refused, f.unreachable, f.other]
            .iter()
            .map(|n| u32::from(n.unwrap_or(0)))
            .sum()
    }
}

/// One day of raw rounds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDay {
    /// The UTC date, `YYYY-MM-DD`.
    pub date: String,
    /// Path of the gzipped NDJSON file (one round per line), relative to `data/v2/`.
    pub path: String,
    /// Rounds in the file.
    pub rounds: u64,
}

/// A region as the feed describes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionInfo {
    /// Region code (`eu-west-1`).
    pub code: String,
    /// Display name (`Europe (Ireland)`).
    pub name: String,
    /// Metro area.
    pub city: String,
    /// Geography id (`europe`, `north-america`, ...).
    pub geography: String,
    /// Latitude, degrees north.
    pub lat: f64,
    /// Longitude, degrees east.
    pub lon: f64,
    /// Partition id (`aws`, `aws-cn`, `aws-us-gov`, `aws-eusc`).
    pub partition: String,
    /// Whether accounts must opt in to the region.
    pub opt_in: bool,
}

/// One published window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowInfo {
    /// Window id (`1d`, `7d`, `30d`, `365d`).
    pub id: String,
    /// Human label.
    pub label: String,
    /// Start of the window, inclusive.
    pub start: String,
    /// End of the window, exclusive.
    pub end: String,
    /// Path of the matrix file, relative to `data/v2/`.
    pub matrix: String,
    /// Path of the same matrix as CSV (one row per pair), relative to `data/v2/`.
    pub matrix_csv: String,
    /// Per statistic id, the path of a [`Matrix`] holding that statistic
    /// alone, relative to `data/v2/`: a view of one statistic needs no more.
    pub views: BTreeMap<String, String>,
}

/// Every pair's statistics over one window. Rows are sources, columns destinations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Matrix {
    /// Always [`VERSION`].
    pub version: u32,
    /// Window id.
    pub window: String,
    /// Start of the window, inclusive.
    pub start: String,
    /// End of the window, exclusive.
    pub end: String,
    /// Unit of every latency value: always `ms`.
    pub unit: String,
    /// Row labels: where the probes ran.
    pub sources: Vec<String>,
    /// Column labels: the regions measured.
    pub destinations: Vec<String>,
    /// Per statistic id, a `sources × destinations` grid of milliseconds, `null` where no sample.
    pub stats: BTreeMap<String, Vec<Vec<Option<f64>>>>,
    /// Successful connects per cell.
    pub samples: Vec<Vec<u64>>,
    /// Failed connects per cell.
    pub lost: Vec<Vec<u64>>,
}

/// One resolution of the time series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resolution {
    /// Id used in file names (`5m`, `1h`, `1d`).
    pub id: String,
    /// Seconds between points.
    pub step_seconds: i64,
    /// How far back the series reaches at most, seconds.
    pub span_seconds: i64,
    /// Seconds one chunk file covers; chunks start at multiples of it (Unix time).
    pub chunk_seconds: i64,
}

/// Which series chunk files exist: the entry point of the time series.
///
/// Series are cut into fixed time chunks, one file per (resolution, source,
/// chunk) holding every destination of that source. A chunk that has closed
/// is written once under a name built from its start
/// ([`SeriesIndex::closed_path`]) and never changes; only the open chunks
/// (the newest) are rewritten, under content-addressed names listed here. So a
/// publish writes O(sources) files, and this index stays O(sources) however
/// long the history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeriesIndex {
    /// Always [`VERSION`].
    pub version: u32,
    /// The resolutions, finest first.
    pub resolutions: Vec<Resolution>,
    /// Per source, per resolution id, its chunks.
    pub sources: BTreeMap<String, BTreeMap<String, Chunks>>,
}

/// The chunks of one source at one resolution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Chunks {
    /// Start of the first chunk published, RFC 3339.
    pub first: String,
    /// Every chunk from `first` that starts before this is closed and at
    /// [`SeriesIndex::closed_path`], RFC 3339.
    pub closed_before: String,
    /// The open chunks: start (RFC 3339) → path, relative to `data/v2/`.
    pub open: BTreeMap<String, String>,
}

impl SeriesIndex {
    /// The path of a closed chunk, relative to `data/v2/`:
    /// `series/{res}/{source}/{YYYY-MM-DDTHH}.json`.
    pub fn closed_path(resolution: &str, source: &str, start: i64) -> String {
        let t = crate::time::rfc3339(start);
        format!("series/{resolution}/{source}/{}.json", &t[..13])
    }

    /// The resolution with this id.
    pub fn resolution(&self, id: &str) -> Option<&Resolution> {
        self.resolutions.iter().find(|r| r.id == id)
    }

    /// The chunk files of `source` at resolution `res` that hold `[from, to)`,
    /// oldest first, with the start of each: open ones by their listed path,
    /// closed ones by [`SeriesIndex::closed_path`]. Chunks before the first
    /// published or after the newest are left out.
    pub fn chunk_paths(&self, source: &str, res: &str, from: i64, to: i64) -> Vec<(i64, String)> {
        let (Some(r), Some(c)) = (
            self.resolution(res),
            self.sources.get(source).and_then(|m| m.get(res)),
        ) else {
            return Vec::new();
        };
        let parse = |t: &str| crate::time::parse_rfc3339(t);
        let (Some(first), Some(closed)) = (parse(&c.first), parse(&c.closed_before)) else {
            return Vec::new();
        };
        // Inserted one by one: `collect` into a map sorts, and each sort is
        // more wasm (see `crate::sort`); the keys come in order anyway.
        let mut open: BTreeMap<i64, &String> = BTreeMap::new();
        for (t, p) in &c.open {
            if let Some(t) = parse(t) {
                open.insert(t, p);
            }
        }
        let newest = open.keys().next_back().copied().unwrap_or(closed - 1);
        let step = r.chunk_seconds.max(1);
        let mut out = Vec::new();
        let mut t = crate::time::floor_to(from, step).max(first);
        while t < to && t <= newest {
            if let Some(p) = open.get(&t) {
                out.push((t, (*p).clone()));
            } else if t < closed {
                out.push((t, SeriesIndex::closed_path(res, source, t)));
            }
            t += step;
        }
        out
    }
}

/// One chunk of a source's series at one resolution: point `i` of every
/// destination is the interval starting at `start + i × step_seconds`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeriesChunk {
    /// Always [`VERSION`].
    pub version: u32,
    /// Where the probe ran.
    pub source: String,
    /// Resolution id.
    pub resolution: String,
    /// Seconds between points.
    pub step_seconds: i64,
    /// Start of the chunk and of its first point.
    pub start: String,
    /// Unit of the latency columns: always `ms`.
    pub unit: String,
    /// Points in every column: the chunk's length, or fewer for an open chunk.
    pub points: usize,
    /// Per destination, its columns.
    pub destinations: BTreeMap<String, Columns>,
}

/// The columns of one destination in a [`SeriesChunk`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Columns {
    /// 10th percentile per point, `null` where no sample.
    pub p10: Vec<Option<f64>>,
    /// Median per point.
    pub p50: Vec<Option<f64>>,
    /// 90th percentile per point.
    pub p90: Vec<Option<f64>>,
    /// Smallest RTT per point.
    pub min: Vec<Option<f64>>,
    /// Largest RTT per point.
    pub max: Vec<Option<f64>>,
    /// Successful connects per point.
    pub samples: Vec<u64>,
    /// Failed connects per point.
    pub lost: Vec<u64>,
}

impl Columns {
    /// Columns of `n` gaps.
    pub fn gaps(n: usize) -> Columns {
        Columns {
            p10: vec![None; n],
            p50: vec![None; n],
            p90: vec![None; n],
            min: vec![None; n],
            max: vec![None; n],
            samples: vec![0; n],
            lost: vec![0; n],
        }
    }

    fn lens(&self) -> [usize; 7] {
        [
            self.p10.len(),
            self.p50.len(),
            self.p90.len(),
            self.min.len(),
            self.max.len(),
            self.samples.len(),
            self.lost.len(),
        ]
    }
}

impl SeriesChunk {
    /// Checks the version, the step, the start and that every column has `points` values.
    pub fn validate(&self) -> Result<(), Invalid> {
        if self.version != VERSION {
            return Err(Invalid(format!(
                "series chunk version {} is not {VERSION}",
                self.version
            )));
        }
        if self.step_seconds <= 0 {
            return Err(Invalid(format!(
                "series chunk step {} is not positive",
                self.step_seconds
            )));
        }
        if crate::time::parse_rfc3339(&self.start).is_none() {
            return Err(Invalid(format!(
                "series chunk start `{}` is not an RFC 3339 UTC time",
                self.start
            )));
        }
        let start = crate::time::parse_rfc3339(&self.start).unwrap_or(0);
        for (dst, c) in &self.destinations {
            if c.lens().iter().any(|&l| l != self.points) {
                return Err(Invalid(format!(
                    "series chunk {} → {dst}: columns {:?} do not all hold {} points",
                    self.source,
                    c.lens(),
                    self.points
                )));
            }
            for k in 0..self.points {
                let at = || {
                    let t = start + self.step_seconds * k as i64;
                    format!("{} → {dst} at {}", self.source, crate::time::rfc3339(t))
                };
                let values = [
                    ("p10", c.p10[k]),
                    ("p50", c.p50[k]),
                    ("p90", c.p90[k]),
                    ("min", c.min[k]),
                    ("max", c.max[k]),
                ];
                check_point(at, values.into_iter(), c.samples[k])?;
            }
        }
        Ok(())
    }

    /// The series of one destination over several chunks of one source and
    /// resolution (any order), gaps filled with `null`, starting at its first
    /// point with data (a chunk may begin long before it), empty when the
    /// destination has no data in them; `None` when no chunk parses its start.
    pub fn pair_series(chunks: &[&SeriesChunk], destination: &str) -> Option<Series> {
        let mut parts: Vec<(i64, &SeriesChunk)> = chunks
            .iter()
            .filter_map(|c| Some((crate::time::parse_rfc3339(&c.start)?, *c)))
            .collect();
        crate::sort::small(&mut parts, |a, b| a.0 < b.0);
        let (&(start, head), _) = parts.split_first()?;
        let step = head.step_seconds.max(1);
        let mut s = Series {
            version: VERSION,
            source: head.source.clone(),
            destination: destination.to_string(),
            resolution: head.resolution.clone(),
            step_seconds: step,
            start: crate::time::rfc3339(start),
            unit: "ms".into(),
            p10: Vec::new(),
            p50: Vec::new(),
            p90: Vec::new(),
            min: Vec::new(),
            max: Vec::new(),
            samples: Vec::new(),
            lost: Vec::new(),
        };
        for (t, c) in parts {
            // Chunks that are missing between two others are gaps.
            let at = usize::try_from((t - start) / step).unwrap_or(0);
            s.append(&Columns::gaps(at.saturating_sub(s.samples.len())));
            match c.destinations.get(destination) {
                Some(cols) => s.append(cols),
                None => s.append(&Columns::gaps(c.points)),
            }
        }
        // No data at all: an empty series, not a missing one.
        let lead = s
            .samples
            .iter()
            .zip(&s.lost)
            .position(|(n, l)| n + l > 0)
            .unwrap_or(s.samples.len());
        s.drain_front(lead);
        s.start = crate::time::rfc3339(start + lead as i64 * step);
        Some(s)
    }
}

/// A pair's latency over time, columnar: point `i` is the interval starting at
/// `start + i × step_seconds`. Not a published file: what
/// [`SeriesChunk::pair_series`] assembles from chunks, and the shape of the
/// site's series downloads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Series {
    /// Always [`VERSION`].
    pub version: u32,
    /// Where the probe ran.
    pub source: String,
    /// The region measured.
    pub destination: String,
    /// Resolution id.
    pub resolution: String,
    /// Seconds between points.
    pub step_seconds: i64,
    /// Start of the first point.
    pub start: String,
    /// Unit of the latency arrays: always `ms`.
    pub unit: String,
    /// 10th percentile per point, `null` where no sample.
    pub p10: Vec<Option<f64>>,
    /// Median per point.
    pub p50: Vec<Option<f64>>,
    /// 90th percentile per point.
    pub p90: Vec<Option<f64>>,
    /// Smallest RTT per point.
    pub min: Vec<Option<f64>>,
    /// Largest RTT per point.
    pub max: Vec<Option<f64>>,
    /// Successful connects per point.
    pub samples: Vec<u64>,
    /// Failed connects per point.
    pub lost: Vec<u64>,
}

impl Series {
    /// Drops the first `n` points.
    fn drain_front(&mut self, n: usize) {
        for c in [
            &mut self.p10,
            &mut self.p50,
            &mut self.p90,
            &mut self.min,
            &mut self.max,
        ] {
            c.drain(..n.min(c.len()));
        }
        self.samples.drain(..n.min(self.samples.len()));
        self.lost.drain(..n.min(self.lost.len()));
    }

    /// Appends columns after the last point.
    fn append(&mut self, c: &Columns) {
        self.p10.extend_from_slice(&c.p10);
        self.p50.extend_from_slice(&c.p50);
        self.p90.extend_from_slice(&c.p90);
        self.min.extend_from_slice(&c.min);
        self.max.extend_from_slice(&c.max);
        self.samples.extend_from_slice(&c.samples);
        self.lost.extend_from_slice(&c.lost);
    }

    /// Checks that every column has one value per point.
    pub fn validate(&self) -> Result<(), Invalid> {
        if self.version != VERSION {
            return Err(Invalid(format!(
                "series version {} is not {VERSION}",
                self.version
            )));
        }
        if self.step_seconds <= 0 {
            return Err(Invalid(format!(
                "series step {} is not positive",
                self.step_seconds
            )));
        }
        let n = self.samples.len();
        let lens = [
            self.p10.len(),
            self.p50.len(),
            self.p90.len(),
            self.min.len(),
            self.max.len(),
            self.lost.len(),
        ];
        if lens.iter().any(|&l| l != n) {
            return Err(Invalid(format!(
                "series columns differ in length ({n} samples, others {lens:?})"
            )));
        }
        Ok(())
    }
}

/// The largest latency the feed may carry, ms: a connect is given up long
/// before a minute (the probe's timeout is seconds), so anything above is a
/// broken file, not a slow network.
pub const MAX_LATENCY_MS: f64 = 60_000.0;

/// A name the feed gives a region (`region`), or a source or destination
/// (a region code or a vantage point of one's own, `local`), must look like
/// one: a name with markup or spaces in it is a broken (or hostile) file.
fn name_check(name: &str, list: &str, region: bool) -> Result<(), Invalid> {
    let (ok, what) = if region {
        (
            crate::catalog::is_region_code(name),
            "a region code (like “eu-west-1”: lower-case words and a number joined by “-”)",
        )
    } else {
        (
            crate::catalog::is_site_name(name),
            "a region code or site name (lower-case letters, digits and “-”, like “eu-west-1” or “my-office”)",
        )
    };
    if ok {
        return Ok(());
    }
    let shown: String = name.chars().take(40).collect();
    Err(Invalid(format!(
        "{list} holds {shown:?}, which is not {what}"
    )))
}

/// Checks one point of a matrix or series: every latency is a number of ms
/// in `0..=MAX_LATENCY_MS`, and latencies are there exactly when samples are.
///
/// (`shown_ms` writes a huge value as `1e308`, not 309 digits, without the
/// float exponent formatter, which the browser build would otherwise carry.)
fn shown_ms(v: f64) -> String {
    if v.abs() < 1e6 || !v.is_finite() {
        return format!("{v}");
    }
    let (mut m, mut e) = (v.abs(), 0);
    while m >= 10.0 {
        m /= 10.0;
        e += 1;
    }
    let sign = if v < 0.0 { "-" } else { "" };
    let m = format!("{m:.3}");
    let m = m.trim_end_matches('0').trim_end_matches('.');
    format!("{sign}{m}e{e}")
}

fn check_point<'a>(
    what: impl Fn() -> String,
    values: impl Iterator<Item = (&'a str, Option<f64>)>,
    samples: u64,
) -> Result<(), Invalid> {
    let mut any = false;
    for (stat, v) in values {
        let Some(v) = v else { continue };
        any = true;
        let shown = shown_ms(v);
        if v < 0.0 || v.is_nan() {
            return Err(Invalid(format!(
                "{}: {stat} = {shown} ms is negative",
                what()
            )));
        }
        if v > MAX_LATENCY_MS {
            return Err(Invalid(format!(
                "{}: {stat} = {shown} ms is above the {} s that any round can take",
                what(),
                MAX_LATENCY_MS / 1000.0
            )));
        }
        if samples == 0 {
            return Err(Invalid(format!(
                "{}: {stat} = {shown} ms, but samples is 0 (a latency needs a connect that succeeded)",
                what()
            )));
        }
    }
    if samples > 0 && !any {
        return Err(Invalid(format!(
            "{}: samples is {samples}, but no latency is given",
            what()
        )));
    }
    Ok(())
}

/// A feed file that parsed as JSON but does not hold together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid(pub String);

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Invalid {}

impl Manifest {
    /// Checks what the types cannot: version, times and that windows exist.
    pub fn validate(&self) -> Result<(), Invalid> {
        if self.version != VERSION {
            return Err(Invalid(format!(
                "manifest version {} is not {VERSION}",
                self.version
            )));
        }
        if self.windows.is_empty() {
            return Err(Invalid("manifest lists no windows".into()));
        }
        if self.regions.is_empty() {
            return Err(Invalid(
                "manifest lists no regions: the feed has nothing to show".into(),
            ));
        }
        for r in &self.regions {
            name_check(&r.code, "manifest “regions”", true)?;
        }
        if crate::time::parse_rfc3339(&self.generated_at).is_none() {
            return Err(Invalid(format!(
                "generated_at `{}` is not an RFC 3339 UTC time",
                self.generated_at
            )));
        }
        Ok(())
    }

    /// Looks a region up by code.
    pub fn region(&self, code: &str) -> Option<&RegionInfo> {
        self.regions.iter().find(|r| r.code == code)
    }
}

impl Matrix {
    /// Checks that every grid is `sources × destinations`.
    pub fn validate(&self) -> Result<(), Invalid> {
        if self.version != VERSION {
            return Err(Invalid(format!(
                "matrix version {} is not {VERSION}",
                self.version
            )));
        }
        for s in &self.sources {
            name_check(s, "matrix “sources”", false)?;
        }
        for d in &self.destinations {
            name_check(d, "matrix “destinations”", false)?;
        }
        let (rows, cols) = (self.sources.len(), self.destinations.len());
        let check = |name: &str, lens: Vec<usize>| -> Result<(), Invalid> {
            if lens.len() != rows || lens.iter().any(|&l| l != cols) {
                return Err(Invalid(format!("matrix `{name}` is not {rows} × {cols}")));
            }
            Ok(())
        };
        for (stat, grid) in &self.stats {
            check(stat, grid.iter().map(Vec::len).collect())?;
        }
        check("samples", self.samples.iter().map(Vec::len).collect())?;
        check("lost", self.lost.iter().map(Vec::len).collect())?;
        for (i, src) in self.sources.iter().enumerate() {
            for (j, dst) in self.destinations.iter().enumerate() {
                let cell = || format!("cell {src} → {dst}");
                let values = self.stats.iter().map(|(id, g)| (id.as_str(), g[i][j]));
                check_point(cell, values, self.samples[i][j])?;
            }
        }
        Ok(())
    }

    /// The value of one statistic for one pair, if measured.
    pub fn get(&self, stat: &str, src: &str, dst: &str) -> Option<f64> {
        let (i, j) = self.index(src, dst)?;
        *self.stats.get(stat)?.get(i)?.get(j)?
    }

    /// The matrix as CSV, one row per pair in row-major order:
    /// `source,destination,samples,lost,loss_pct,p10,…,max`, empty cells where
    /// there is no value, latencies as the JSON has them (to the microsecond). The published `.csv` files and the site's downloads
    /// are both this.
    pub fn to_csv(&self) -> String {
        use std::fmt::Write;
        let stats = crate::stats::Stat::ALL;
        let mut out = String::from("source,destination,samples,lost,loss_pct");
        for s in stats {
            out.push(',');
            out.push_str(s.id());
        }
        out.push('\n');
        let count = |g: &Vec<Vec<u64>>, i: usize, j: usize| {
            g.get(i).and_then(|r| r.get(j)).copied().unwrap_or(0)
        };
        for (i, src) in self.sources.iter().enumerate() {
            for (j, dst) in self.destinations.iter().enumerate() {
                let (n, l) = (count(&self.samples, i, j), count(&self.lost, i, j));
                let _ = write!(out, "{src},{dst},{n},{l},");
                if n + l > 0 {
                    let _ = write!(out, "{:.3}", 100.0 * l as f64 / (n + l) as f64);
                }
                for s in stats {
                    out.push(',');
                    if let Some(v) = self
                        .stats
                        .get(s.id())
                        .and_then(|g| g.get(i)?.get(j).copied().flatten())
                    {
                        let _ = write!(out, "{v}");
                    }
                }
                out.push('\n');
            }
        }
        out
    }

    /// Row and column of a pair.
    pub fn index(&self, src: &str, dst: &str) -> Option<(usize, usize)> {
        let i = self.sources.iter().position(|s| s == src)?;
        let j = self.destinations.iter().position(|d| d == dst)?;
        Some((i, j))
    }
}

/// Rounds a millisecond value for the feed: to the microsecond.
///
/// min, max and mean are exact, so they keep every digit they have; a
/// percentile is good to 0.1 % (see [`Precision`]), and rounding it coarser
/// would add to that error.
pub fn round_ms(ms: f64) -> f64 {
    (ms * 1000.0).round() / 1000.0
}

/// Path of the detected changes below the site root: a fixed name beside the
/// manifest, rewritten in place (not named by the manifest).
pub const CHANGES_PATH: &str = "data/v2/changes.json";
/// Path of the same changes as an Atom 1.0 feed below the site root.
pub const CHANGES_ATOM_PATH: &str = "data/v2/changes.atom";

/// The lasting latency shifts the publisher detected: `changes.json`.
///
/// Each event is one or more pairs whose hourly median moved to a new level
/// (by at least `rule.min_shift_ms` and `rule.min_shift_ratio` of the level
/// before) and stayed there for at least `rule.min_hours`; shifts whose onsets
/// are within an hour of each other are one event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Changes {
    /// Always [`VERSION`].
    pub version: u32,
    /// When this file was computed.
    pub generated_at: String,
    /// Start of the first hour examined.
    pub from: String,
    /// End of the last hour examined (exclusive): the newest complete hour's end.
    pub to: String,
    /// The rule a shift had to meet.
    pub rule: ChangeRule,
    /// True when the data comes from `cloudping simulate`, not from measurements.
    pub simulated: bool,
    /// The events, newest onset first.
    pub events: Vec<ChangeEvent>,
}

/// The rule a latency shift had to meet to be published.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangeRule {
    /// The smallest shift of the hourly median, ms.
    pub min_shift_ms: f64,
    /// The smallest shift as a fraction of the level before (0.05 = 5 %).
    pub min_shift_ratio: f64,
    /// The fewest consecutive hours at the new level.
    pub min_hours: u32,
}

/// One event: pairs that shifted at about the same time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangeEvent {
    /// Stable id, `{onset}/{source}/{destination}`: the event's onset and its
    /// first shift (earliest onset, then source and destination by name).
    pub id: String,
    /// The earliest onset of its shifts (start of the first hour at the new level).
    pub onset: String,
    /// When the last of its shifts ended (start of the first hour back),
    /// `null` while one is ongoing.
    pub end: Option<String>,
    /// The shifts, largest (in ms, either way) first.
    pub pairs: Vec<ChangePair>,
}

/// One pair's shift within a [`ChangeEvent`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangePair {
    /// Where the probe ran.
    pub source: String,
    /// The region measured.
    pub destination: String,
    /// Start of the first hour at the new level.
    pub onset: String,
    /// Start of the first hour back at the old level, `null` while ongoing.
    pub end: Option<String>,
    /// The hourly median's level before the onset, ms.
    pub before_ms: f64,
    /// Its level from the onset on, ms.
    pub after_ms: f64,
}

impl ChangePair {
    /// `after_ms − before_ms`: positive when the pair became slower.
    pub fn delta_ms(&self) -> f64 {
        self.after_ms - self.before_ms
    }

    /// The shift as a fraction of the level before (`None` from a 0 level).
    pub fn ratio(&self) -> Option<f64> {
        (self.before_ms > 0.0).then(|| self.delta_ms() / self.before_ms)
    }
}

impl From<&crate::changes::Rule> for ChangeRule {
    fn from(r: &crate::changes::Rule) -> ChangeRule {
        ChangeRule {
            min_shift_ms: r.min_shift_ms,
            min_shift_ratio: r.min_shift_ratio,
            min_hours: r.min_hours,
        }
    }
}

impl From<&crate::changes::Shift> for ChangePair {
    fn from(s: &crate::changes::Shift) -> ChangePair {
        ChangePair {
            source: s.source.clone(),
            destination: s.destination.clone(),
            onset: crate::time::rfc3339(s.onset),
            end: s.end.map(crate::time::rfc3339),
            before_ms: round_ms(s.before_ms),
            after_ms: round_ms(s.after_ms),
        }
    }
}

impl From<&crate::changes::Event> for ChangeEvent {
    /// The wire form of a detected event: its id from the first shift by
    /// onset and name, its pairs largest shift first.
    fn from(e: &crate::changes::Event) -> ChangeEvent {
        let first = e
            .shifts
            .iter()
            .min_by(|a, b| {
                (a.onset, &a.source, &a.destination).cmp(&(b.onset, &b.source, &b.destination))
            })
            .map(|s| format!("{}/{}", s.source, s.destination))
            .unwrap_or_default();
        let onset = crate::time::rfc3339(e.onset);
        let mut pairs: Vec<ChangePair> = e.shifts.iter().map(ChangePair::from).collect();
        pairs.sort_by(|a, b| {
            b.delta_ms()
                .abs()
                .total_cmp(&a.delta_ms().abs())
                .then_with(|| (&a.source, &a.destination).cmp(&(&b.source, &b.destination)))
        });
        ChangeEvent {
            id: format!("{onset}/{first}"),
            onset,
            end: e.end.map(crate::time::rfc3339),
            pairs,
        }
    }
}

impl Changes {
    /// Checks what the types cannot: version, times (RFC 3339, `end` not
    /// before `onset`, a pair within its event), names, latencies in
    /// `0..=MAX_LATENCY_MS`, ids that are unique and built from the event's
    /// onset and one of its pairs, and events newest onset first.
    pub fn validate(&self) -> Result<(), Invalid> {
        if self.version != VERSION {
            return Err(Invalid(format!(
                "changes version {} is not {VERSION}",
                self.version
            )));
        }
        let time = |what: &str, t: &str| {
            crate::time::parse_rfc3339(t)
                .ok_or_else(|| Invalid(format!("changes {what} `{t}` is not an RFC 3339 UTC time")))
        };
        time("generated_at", &self.generated_at)?;
        let (from, to) = (time("from", &self.from)?, time("to", &self.to)?);
        if to < from {
            return Err(Invalid(format!(
                "changes “to” {} is before “from” {}",
                self.to, self.from
            )));
        }
        let r = &self.rule;
        let threshold = |v: f64| v.is_finite() && v >= 0.0;
        if !(threshold(r.min_shift_ms) && threshold(r.min_shift_ratio)) {
            return Err(Invalid(format!(
                "changes rule {r:?} has a negative or non-finite threshold"
            )));
        }
        let mut ids = std::collections::BTreeSet::new();
        let mut newer: Option<i64> = None;
        for e in &self.events {
            let onset = time("event onset", &e.onset)?;
            let end = e.end.as_deref().map(|t| time("event end", t)).transpose()?;
            let what = || format!("change {}", e.id);
            if end.is_some_and(|end| end < onset) {
                return Err(Invalid(format!("{}: ends before its onset", what())));
            }
            if newer.is_some_and(|n| onset > n) {
                return Err(Invalid(format!(
                    "{}: events are not newest onset first",
                    what()
                )));
            }
            newer = Some(onset);
            if !ids.insert(e.id.as_str()) {
                return Err(Invalid(format!("{}: the id appears twice", what())));
            }
            if e.pairs.is_empty() {
                return Err(Invalid(format!("{}: no pair", what())));
            }
            for p in &e.pairs {
                name_check(&p.source, "change “source”", false)?;
                name_check(&p.destination, "change “destination”", false)?;
                let at = || format!("{} {} → {}", what(), p.source, p.destination);
                let p_onset = time("pair onset", &p.onset)?;
                let p_end = p.end.as_deref().map(|t| time("pair end", t)).transpose()?;
                if p_onset < onset || p_end.is_some_and(|t| t < p_onset) {
                    return Err(Invalid(format!(
                        "{}: its onset {} is before the event's, or its end before its onset",
                        at(),
                        p.onset
                    )));
                }
                match (end, p_end) {
                    (Some(_), None) => {
                        return Err(Invalid(format!(
                            "{}: ongoing, but the event has ended",
                            at()
                        )));
                    }
                    (Some(end), Some(p_end)) if p_end > end => {
                        return Err(Invalid(format!("{}: ends after the event", at())));
                    }
                    _ => {}
                }
                for (field, v) in [("before_ms", p.before_ms), ("after_ms", p.after_ms)] {
                    if !(0.0..=MAX_LATENCY_MS).contains(&v) {
                        return Err(Invalid(format!(
                            "{}: {field} = {} ms is not in 0..={MAX_LATENCY_MS}",
                            at(),
                            shown_ms(v)
                        )));
                    }
                }
            }
            let named =
                e.id.strip_prefix(e.onset.as_str())
                    .and_then(|rest| rest.strip_prefix('/'))
                    .and_then(|rest| rest.split_once('/'));
            let known = named
                .is_some_and(|(s, d)| e.pairs.iter().any(|p| p.source == s && p.destination == d));
            if !known {
                return Err(Invalid(format!(
                    "{}: the id is not “{{onset}}/{{source}}/{{destination}}” of one of its pairs",
                    what()
                )));
            }
        }
        Ok(())
    }
}
