//! Feed v1: `data/v1/manifest.json` and `data/v1/matrix/{window}.json`.
//!
//! Units: latencies in milliseconds (two decimals), times as RFC 3339 UTC.
//! Missing data is `null`, never 0.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// The feed version these types describe.
pub const VERSION: u32 = 1;
/// Path of the manifest below the site root.
pub const MANIFEST_PATH: &str = "data/v1/manifest.json";
/// Folder of the v1 feed below the site root; file paths in the manifest are relative to it.
pub const ROOT: &str = "data/v1";

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
    /// The windows published, shortest first.
    pub windows: Vec<WindowInfo>,
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
    /// Path of the matrix file, relative to `data/v1/`.
    pub matrix: String,
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
        Ok(())
    }

    /// The value of one statistic for one pair, if measured.
    pub fn get(&self, stat: &str, src: &str, dst: &str) -> Option<f64> {
        let (i, j) = self.index(src, dst)?;
        *self.stats.get(stat)?.get(i)?.get(j)?
    }

    /// Row and column of a pair.
    pub fn index(&self, src: &str, dst: &str) -> Option<(usize, usize)> {
        let i = self.sources.iter().position(|s| s == src)?;
        let j = self.destinations.iter().position(|d| d == dst)?;
        Some((i, j))
    }
}

/// Rounds a millisecond value to the feed's two decimals.
pub fn round_ms(ms: f64) -> f64 {
    (ms * 100.0).round() / 100.0
}
