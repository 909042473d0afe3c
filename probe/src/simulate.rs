//! Synthetic rounds from a latency model.
//!
//! The model's base RTT for a pair is the real public p50 in
//! `data/reference-p50-1y.json` where that file has the pair, and otherwise
//! the fiber floor × a typical stretch plus a fixed overhead. On top of that:
//! a daily load cycle at the source's local evening, small day-to-day route
//! shifts, right-skewed per-connect jitter with rare spikes, background loss,
//! and incidents (hours of extra latency and loss on a pair).
//!
//! Every random draw is seeded from (seed, source, target, time), so a round
//! is a pure function of its identity: the same span simulated twice, in any
//! order or in parallel, gives identical rounds.

use std::collections::BTreeMap;

use shared::catalog::Region;
use shared::round::{FailureCounts, FailureKind, Round};

const REFERENCE: &str = include_str!("../data/reference-p50-1y.json");

/// Typical stretch of real paths over the fiber floor, for pairs the reference lacks.
pub const DEFAULT_STRETCH: f64 = 1.9;
/// Fixed overhead (ms) added to the floor model: last-mile and endpoint handling.
pub const FLOOR_OVERHEAD_MS: f64 = 2.0;

/// The latency model for a set of regions.
#[derive(Debug, Clone)]
pub struct Model {
    regions: Vec<&'static Region>,
    /// base[i][j]: median RTT in ms from regions[i] to regions[j].
    base: Vec<Vec<f64>>,
    seed: u64,
}

/// How a pair's base RTT was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BaseSource {
    /// From the reference matrix.
    Reference,
    /// From the fiber floor × [`DEFAULT_STRETCH`] + [`FLOOR_OVERHEAD_MS`].
    FiberFloor,
}

fn reference() -> BTreeMap<String, BTreeMap<String, f64>> {
    // The file is compiled in and checked by a unit test, so a parse failure
    // here is a build defect, not bad input; an empty map falls back to the
    // fiber-floor model for every pair.
    serde_json::from_str::<serde_json::Value>(REFERENCE)
        .ok()
        .and_then(|mut v| serde_json::from_value(v.get_mut("data")?.take()).ok())
        .unwrap_or_default()
}

/// The base RTT of a pair in ms, and where it came from.
pub fn base_rtt_ms(
    reference: &BTreeMap<String, BTreeMap<String, f64>>,
    src: &Region,
    dst: &Region,
) -> (f64, BaseSource) {
    match reference.get(src.code).and_then(|row| row.get(dst.code)) {
        Some(&ms) if ms > 0.0 => (ms, BaseSource::Reference),
        _ => {
            let floor = shared::geo::fiber_floor_ms(src.location(), dst.location());
            (
                floor * DEFAULT_STRETCH + FLOOR_OVERHEAD_MS,
                BaseSource::FiberFloor,
            )
        }
    }
}

impl Model {
    /// A model over `regions` (sources and targets alike), seeded.
    pub fn new(regions: &[&'static Region], seed: u64) -> Model {
        let reference = reference();
        let base = regions
            .iter()
            .map(|s| {
                regions
                    .iter()
                    .map(|d| base_rtt_ms(&reference, s, d).0)
                    .collect()
            })
            .collect();
        Model {
            regions: regions.to_vec(),
            base,
            seed,
        }
    }

    /// The regions of the model.
    pub fn regions(&self) -> &[&'static Region] {
        &self.regions
    }

    /// The base (median, unloaded) RTT from region `i` to region `j`, ms.
    pub fn base_ms(&self, i: usize, j: usize) -> f64 {
        self.base[i][j]
    }

    /// Simulates the round of `K = connects` from region `i` to region `j` at `t`.
    pub fn round(&self, i: usize, j: usize, t: i64, connects: u16) -> Round {
        let (src, dst) = (self.regions[i], self.regions[j]);
        let pair_seed = mix(self.seed ^ mix(i as u64 * 1_000_003 + j as u64));
        let day = t.div_euclid(86_400);
        let mut rng = Rng(mix(pair_seed ^ t as u64));
        let base = self.base[i][j];

        // Day-scale route shift: ±1.5 % that holds for a day.
        let mut day_rng = Rng(mix(pair_seed ^ (day as u64).wrapping_mul(0x9E37_79B9)));
        let shift = 1.0 + 0.015 * (2.0 * day_rng.unit() - 1.0);
        // Incident: on ~3 % of pair-days, 1–4 hours of +20–60 % and 5–25 % loss.
        let incident = if day_rng.unit() < 0.03 {
            let start = day * 86_400 + (day_rng.unit() * 20.0 * 3600.0) as i64;
            let len = 3600 + (day_rng.unit() * 3.0 * 3600.0) as i64;
            let (extra, loss) = (0.2 + 0.4 * day_rng.unit(), 0.05 + 0.2 * day_rng.unit());
            (t >= start && t < start + len).then_some((extra, loss))
        } else {
            None
        };
        // Daily load cycle peaking at 21:00 at the source, up to +3 % on long paths.
        let local_hour = (t.rem_euclid(86_400) as f64 / 3600.0 + src.lon / 15.0).rem_euclid(24.0);
        let amplitude = if i == j { 0.05 } else { 0.03 };
        let load = 1.0
            + amplitude * 0.5 * (1.0 + ((local_hour - 21.0) / 24.0 * std::f64::consts::TAU).cos());

        let (extra, incident_loss) = incident.unwrap_or((0.0, 0.0));
        let center = base * shift * load * (1.0 + extra);
        let jitter_mean = 0.15 + 0.004 * base;
        let mut failures = FailureCounts::default();
        let mut rtts = Vec::with_capacity(usize::from(connects));
        // One round in ~20 000 fails to resolve: every connect counts as dns.
        let dns_fail = rng.unit() < 5e-5;
        for _ in 0..connects {
            if dns_fail {
                failures.add(FailureKind::Dns);
                continue;
            }
            if rng.unit() < 0.0005 + incident_loss {
                failures.add(FailureKind::Timeout);
                continue;
            }
            let mut ms = center * 0.985 + rng.exp(jitter_mean);
            if rng.unit() < 0.01 {
                ms += base * 0.5 * rng.unit();
            }
            rtts.push((ms * 1000.0).round() as u32);
        }
        rtts.sort_unstable();
        Round {
            source: src.code.to_string(),
            target: dst.code.to_string(),
            scheduled_at: t,
            dns_us: (!dns_fail).then(|| 400 + (rng.exp(800.0)) as u32),
            ip: None,
            rtts_us: rtts,
            failures,
        }
    }

    /// Every round of every pair scheduled in `[from, to)` at `interval` seconds
    /// (times aligned to multiples of `interval`).
    pub fn rounds(&self, from: i64, to: i64, interval: i64, connects: u16) -> Vec<Round> {
        let first = shared::time::floor_to(from + interval - 1, interval);
        let n = self.regions.len();
        let mut out = Vec::new();
        let mut t = first;
        while t < to {
            for i in 0..n {
                for j in 0..n {
                    out.push(self.round(i, j, t, connects));
                }
            }
            t += interval;
        }
        out
    }
}

/// SplitMix64's finalizer: a good 64-bit mixer.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A small deterministic generator (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }
    /// Uniform in (0, 1].
    fn unit(&mut self) -> f64 {
        ((self.next() >> 11) as f64 + 1.0) / (1u64 << 53) as f64
    }
    /// Exponential with the given mean.
    fn exp(&mut self, mean: f64) -> f64 {
        -self.unit().ln() * mean
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::catalog;

    #[test]
    fn reference_parses_and_covers_32_regions() {
        let r = reference();
        assert_eq!(r.len(), 32);
        assert!((r["us-east-1"]["eu-west-1"] - 70.0).abs() < 10.0);
    }

    #[test]
    fn base_uses_reference_or_fiber_floor() {
        let r = reference();
        let use1 = catalog::region("us-east-1").unwrap();
        let euw1 = catalog::region("eu-west-1").unwrap();
        let taipei = catalog::region("ap-east-2").unwrap();
        let tokyo = catalog::region("ap-northeast-1").unwrap();
        assert_eq!(base_rtt_ms(&r, use1, euw1).1, BaseSource::Reference);
        let (ms, how) = base_rtt_ms(&r, taipei, tokyo);
        assert_eq!(how, BaseSource::FiberFloor);
        let floor = shared::geo::fiber_floor_ms(taipei.location(), tokyo.location());
        assert!(
            ms > floor * 1.5 && ms < floor * 3.0 + 3.0,
            "{ms} vs floor {floor}"
        );
    }

    #[test]
    fn rounds_are_deterministic_and_realistic() {
        let regions: Vec<_> = ["us-east-1", "eu-west-1", "ap-southeast-6"]
            .iter()
            .map(|c| catalog::region(c).unwrap())
            .collect();
        let m = Model::new(&regions, 7);
        let a = m.rounds(1_764_000_000, 1_764_000_000 + 86_400, 300, 10);
        let b = m.rounds(1_764_000_000, 1_764_000_000 + 86_400, 300, 10);
        assert_eq!(a, b);
        assert_eq!(a.len(), 288 * 9);
        let mut all: Vec<u32> = a
            .iter()
            .filter(|r| r.source == "us-east-1" && r.target == "eu-west-1")
            .flat_map(|r| r.rtts_us.iter().copied())
            .collect();
        all.sort_unstable();
        let median_ms = f64::from(all[all.len() / 2]) / 1000.0;
        let base = m.base_ms(0, 1);
        assert!(
            (median_ms / base - 1.0).abs() < 0.05,
            "median {median_ms} vs base {base}"
        );
        for r in &a {
            assert_eq!(r.attempts(), 10);
            assert!(r.rtts_us.windows(2).all(|w| w[0] <= w[1]));
        }
        let lost: u32 = a.iter().map(Round::lost).sum();
        assert!(
            lost < (a.len() * 10 / 20) as u32,
            "loss should be small: {lost}"
        );
    }
}
