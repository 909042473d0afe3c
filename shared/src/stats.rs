//! Statistics over individual connects, and the windows they are shown for.
//!
//! Percentiles are taken over every connect's RTT, never over per-round
//! averages. A pair whose connects all failed has a loss of 100 % and *no*
//! latency (`None`), never 0 ms.

use serde::{Deserialize, Serialize};

/// The latency statistics CloudPing reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Stat {
    /// 10th percentile.
    P10,
    /// 25th percentile.
    P25,
    /// Median.
    P50,
    /// 75th percentile.
    P75,
    /// 90th percentile.
    P90,
    /// 98th percentile.
    P98,
    /// 99th percentile.
    P99,
    /// Arithmetic mean.
    Mean,
    /// Smallest RTT.
    Min,
    /// Largest RTT.
    Max,
}

impl Stat {
    /// Every statistic, in display order.
    pub const ALL: [Stat; 10] = [
        Stat::P10,
        Stat::P25,
        Stat::P50,
        Stat::P75,
        Stat::P90,
        Stat::P98,
        Stat::P99,
        Stat::Mean,
        Stat::Min,
        Stat::Max,
    ];

    /// The percentiles among the statistics, as fractions.
    pub const PERCENTILES: [(Stat, f64); 7] = [
        (Stat::P10, 0.10),
        (Stat::P25, 0.25),
        (Stat::P50, 0.50),
        (Stat::P75, 0.75),
        (Stat::P90, 0.90),
        (Stat::P98, 0.98),
        (Stat::P99, 0.99),
    ];

    /// The statistic's name in the feed (`p50`, `mean`, ...).
    pub fn id(self) -> &'static str {
        match self {
            Stat::P10 => "p10",
            Stat::P25 => "p25",
            Stat::P50 => "p50",
            Stat::P75 => "p75",
            Stat::P90 => "p90",
            Stat::P98 => "p98",
            Stat::P99 => "p99",
            Stat::Mean => "mean",
            Stat::Min => "min",
            Stat::Max => "max",
        }
    }

    /// Parses a feed name back.
    pub fn from_id(id: &str) -> Option<Stat> {
        Stat::ALL.into_iter().find(|s| s.id() == id)
    }
}

/// Latency figures of a set of samples, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Latency {
    /// p10, p25, p50, p75, p90, p98, p99 in the order of [`Stat::PERCENTILES`].
    pub percentiles: [f64; 7],
    /// Arithmetic mean.
    pub mean: f64,
    /// Smallest sample.
    pub min: f64,
    /// Largest sample.
    pub max: f64,
}

impl Latency {
    /// One statistic's value.
    pub fn get(&self, stat: Stat) -> f64 {
        match stat {
            Stat::Mean => self.mean,
            Stat::Min => self.min,
            Stat::Max => self.max,
            p => {
                let i = Stat::PERCENTILES
                    .iter()
                    .position(|(s, _)| *s == p)
                    .unwrap_or(2);
                self.percentiles[i]
            }
        }
    }
}

/// What one pair did over one window.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Connects that succeeded (the samples).
    pub samples: u64,
    /// Connects that failed.
    pub lost: u64,
    /// Latency of the samples; `None` when there were none.
    pub latency: Option<Latency>,
}

impl Summary {
    /// Loss as a percentage of attempts; `None` when nothing was attempted.
    pub fn loss_pct(&self) -> Option<f64> {
        let attempts = self.samples + self.lost;
        (attempts > 0).then(|| 100.0 * self.lost as f64 / attempts as f64)
    }
}

/// The linearly interpolated quantile `q` of ascending `sorted` samples
/// (the definition of DuckDB's `quantile_cont` and numpy's default).
pub fn quantile_sorted(sorted: &[f64], q: f64) -> Option<f64> {
    match sorted.len() {
        0 => None,
        1 => Some(sorted[0]),
        n => {
            let pos = q.clamp(0.0, 1.0) * (n - 1) as f64;
            let lo = pos.floor() as usize;
            let hi = (lo + 1).min(n - 1);
            let frac = pos - lo as f64;
            Some(sorted[lo] + (sorted[hi] - sorted[lo]) * frac)
        }
    }
}

/// Exact summary of RTT samples in microseconds. Sorts `samples_us` in place.
pub fn exact_summary(samples_us: &mut [u32], lost: u64) -> Summary {
    samples_us.sort_unstable();
    let ms: Vec<f64> = samples_us.iter().map(|&u| f64::from(u) / 1000.0).collect();
    let latency = (!ms.is_empty()).then(|| {
        let mut percentiles = [0.0; 7];
        for (slot, (_, q)) in percentiles.iter_mut().zip(Stat::PERCENTILES) {
            *slot = quantile_sorted(&ms, q).unwrap_or(f64::NAN);
        }
        Latency {
            percentiles,
            mean: ms.iter().sum::<f64>() / ms.len() as f64,
            min: ms[0],
            max: ms[ms.len() - 1],
        }
    });
    Summary {
        samples: ms.len() as u64,
        lost,
        latency,
    }
}

/// A time window summaries are computed over, ending at the newest data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Window {
    /// Identifier used in file names and URLs (`1d`, `7d`, ...).
    pub id: &'static str,
    /// Human label.
    pub label: &'static str,
    /// Length in seconds.
    pub seconds: i64,
}

/// The standard windows, shortest first.
pub const WINDOWS: [Window; 4] = [
    Window {
        id: "1d",
        label: "1 day",
        seconds: 86_400,
    },
    Window {
        id: "7d",
        label: "7 days",
        seconds: 7 * 86_400,
    },
    Window {
        id: "30d",
        label: "30 days",
        seconds: 30 * 86_400,
    },
    Window {
        id: "365d",
        label: "1 year",
        seconds: 365 * 86_400,
    },
];

/// Looks a standard window up by id.
pub fn window(id: &str) -> Option<Window> {
    WINDOWS.into_iter().find(|w| w.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_matches_linear_interpolation() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile_sorted(&v, 0.5), Some(2.5));
        assert_eq!(quantile_sorted(&v, 0.0), Some(1.0));
        assert_eq!(quantile_sorted(&v, 1.0), Some(4.0));
        assert_eq!(quantile_sorted(&[], 0.5), None);
        assert_eq!(quantile_sorted(&[7.0], 0.99), Some(7.0));
    }

    #[test]
    fn summary_of_nothing_is_not_zero() {
        let s = exact_summary(&mut [], 10);
        assert_eq!(s.latency, None);
        assert_eq!(s.loss_pct(), Some(100.0));
        assert_eq!(exact_summary(&mut [], 0).loss_pct(), None);
    }

    #[test]
    fn summary_values() {
        let mut v: Vec<u32> = (1..=100).rev().map(|i| i * 1000).collect();
        let s = exact_summary(&mut v, 0);
        let l = s.latency.unwrap();
        assert_eq!(l.min, 1.0);
        assert_eq!(l.max, 100.0);
        assert_eq!(l.mean, 50.5);
        assert!((l.get(Stat::P50) - 50.5).abs() < 1e-9);
        assert!((l.get(Stat::P99) - 99.01).abs() < 1e-9);
        assert_eq!(Stat::from_id("p98"), Some(Stat::P98));
    }
}
