//! Synthetic rounds from a latency model.
//!
//! The model's base RTT for a pair is the real public p50 in
//! `data/reference-p50-1y.json` where that file has the pair, and otherwise
//! the fiber floor × a typical stretch plus a fixed overhead. On top of that:
//! a daily load cycle at the source's local evening, small day-to-day route
//! shifts, right-skewed per-connect jitter with rare spikes, background loss,
//! and incidents (hours of extra latency and loss on a pair).
//!
//! The model also says which incidents it injects ([`Model::incidents`]), so
//! a change detector can be scored against the truth. Truth and rounds come
//! from the same draws (one function decides a pair-day's incident, and both
//! [`Model::round`] and [`Model::incidents`] call it), so they cannot disagree.
//! Two switches shape the incidents: [`Model::with_outages`] adds correlated
//! ones, a region's links or a "cable" between two geographies slowing down at
//! the same moment, as a real cut does; [`Model::without_incidents`] gives a
//! quiet model, to count a detector's false alarms. [`Model::new`] keeps the
//! independent per-pair incidents only, so its rounds are what they always were.
//!
//! Every random draw is seeded from (seed, source, target, time), so a round
//! is a pure function of its identity: the same span simulated twice, in any
//! order or in parallel, gives identical rounds.

use std::collections::BTreeMap;

use shared::catalog::{Geography, Region};
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
    /// Whether the independent per-pair incidents happen.
    pair_incidents: bool,
    /// Chance per day of a correlated outage (0 = none).
    outages_per_day: f64,
}

/// An incident the model injects: from `start` (inclusive) to `end`
/// (exclusive), every connect on the pair is slower by the factor
/// `1 + extra` and lost with the extra probability `loss`.
#[derive(Debug, Clone, PartialEq)]
pub struct Incident {
    /// Source region code.
    pub source: &'static str,
    /// Target region code.
    pub target: &'static str,
    /// Unix seconds, inclusive.
    pub start: i64,
    /// Unix seconds, exclusive.
    pub end: i64,
    /// Extra latency as a ratio of the pair's normal RTT (0.2 = +20 %).
    pub extra: f64,
    /// Extra loss probability per connect.
    pub loss: f64,
    /// The correlated outage it is part of, `None` for a pair's own incident.
    pub outage: Option<Outage>,
}

/// A correlated outage: many pairs slowed at the same moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outage {
    /// Every link to and from one region.
    Region(&'static str),
    /// A cable between two geographies: every pair with one end on each side.
    Cable(Geography, Geography),
}

/// What slows a pair on a day: an incident's window and effect, in seconds
/// and ratios, before it is named.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Slowdown {
    start: i64,
    end: i64,
    extra: f64,
    loss: f64,
}

impl Slowdown {
    fn covers(&self, t: i64) -> bool {
        t >= self.start && t < self.end
    }
}

/// A pair-day's own draws: its route shift and its incident, if any.
struct PairDay {
    route: f64,
    incident: Option<Slowdown>,
}

const DAY: i64 = 86_400;
/// Salt of the outage draws, apart from every pair's stream.
const OUTAGE_STREAM: u64 = 0x6F75_7461_6765_0001;

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
            pair_incidents: true,
            outages_per_day: 0.0,
        }
    }

    /// The same model with correlated outages: each day, with chance
    /// `per_day`, either every link of one region or every pair across one
    /// "cable" between two geographies slows by the same 15–60 % for 2–8
    /// hours from the same second. The per-pair incidents and every other
    /// draw stay as they were.
    pub fn with_outages(mut self, per_day: f64) -> Model {
        self.outages_per_day = per_day.clamp(0.0, 1.0);
        self
    }

    /// The same model with no incidents at all (neither per-pair nor
    /// correlated): the load cycle, route shifts, jitter and background loss
    /// stay, so a detector's alarms on it are false alarms.
    pub fn without_incidents(mut self) -> Model {
        self.pair_incidents = false;
        self.outages_per_day = 0.0;
        self
    }

    fn pair_seed(&self, i: usize, j: usize) -> u64 {
        mix(self.seed ^ mix(i as u64 * 1_000_003 + j as u64))
    }

    /// The route shift and own incident of pair (i, j) on `day` (days since
    /// the epoch): the one place these draws are made.
    fn pair_day(&self, i: usize, j: usize, day: i64) -> PairDay {
        let mut day_rng = Rng(mix(
            self.pair_seed(i, j) ^ (day as u64).wrapping_mul(0x9E37_79B9)
        ));
        // Day-scale route shift: ±1.5 % that holds for a day.
        let route = 1.0 + 0.015 * (2.0 * day_rng.unit() - 1.0);
        // Incident: on ~3 % of pair-days, 1–4 hours of +20–60 % and 5–25 % loss.
        let incident = (day_rng.unit() < 0.03).then(|| {
            let start = day * DAY + (day_rng.unit() * 20.0 * 3600.0) as i64;
            let len = 3600 + (day_rng.unit() * 3.0 * 3600.0) as i64;
            let (extra, loss) = (0.2 + 0.4 * day_rng.unit(), 0.05 + 0.2 * day_rng.unit());
            Slowdown {
                start,
                end: start + len,
                extra,
                loss,
            }
        });
        PairDay {
            route,
            incident: incident.filter(|_| self.pair_incidents),
        }
    }

    /// The correlated outage of `day`, if any: what it hits and its effect.
    /// Drawn from a stream of its own, so turning outages on leaves every
    /// per-pair draw unchanged.
    fn outage_day(&self, day: i64) -> Option<(Outage, Slowdown)> {
        if self.outages_per_day <= 0.0 || self.regions.len() < 2 {
            return None;
        }
        let mut rng = Rng(mix(self.seed ^ mix(OUTAGE_STREAM ^ day as u64)));
        if rng.unit() >= self.outages_per_day {
            return None;
        }
        let n = self.regions.len();
        let pick = |rng: &mut Rng| ((rng.unit() * n as f64) as usize).min(n - 1);
        let a = self.regions[pick(&mut rng)];
        let b = self.regions[pick(&mut rng)];
        let what = if rng.unit() < 0.5 || a.geography == b.geography {
            Outage::Region(a.code)
        } else {
            Outage::Cable(a.geography, b.geography)
        };
        let start = day * DAY + (rng.unit() * 16.0 * 3600.0) as i64;
        let len = 2 * 3600 + (rng.unit() * 6.0 * 3600.0) as i64;
        let (extra, loss) = (0.15 + 0.45 * rng.unit(), 0.02 + 0.1 * rng.unit());
        Some((
            what,
            Slowdown {
                start,
                end: start + len,
                extra,
                loss,
            },
        ))
    }

    /// Whether an outage hits pair (i, j).
    fn hits(&self, what: Outage, i: usize, j: usize) -> bool {
        let (s, d) = (self.regions[i], self.regions[j]);
        match what {
            Outage::Region(code) => i != j && (s.code == code || d.code == code),
            Outage::Cable(x, y) => {
                (s.geography == x && d.geography == y) || (s.geography == y && d.geography == x)
            }
        }
    }

    /// Every incident the model injects that overlaps `[from, to)`, ordered
    /// by (start, source, target): the ground truth of [`Model::rounds`].
    pub fn incidents(&self, from: i64, to: i64) -> Vec<Incident> {
        let n = self.regions.len();
        let mut out = Vec::new();
        let named = |i: usize, j: usize, s: Slowdown, outage| Incident {
            source: self.regions[i].code,
            target: self.regions[j].code,
            start: s.start,
            end: s.end,
            extra: s.extra,
            loss: s.loss,
            outage,
        };
        let overlaps = |s: &Slowdown| s.start < to && s.end > from;
        for day in from.div_euclid(DAY)..=(to - 1).div_euclid(DAY) {
            let outage = self.outage_day(day).filter(|(_, s)| overlaps(s));
            for i in 0..n {
                for j in 0..n {
                    if let Some(s) = self.pair_day(i, j, day).incident.filter(overlaps) {
                        out.push(named(i, j, s, None));
                    }
                    if let Some((what, s)) = outage.filter(|&(what, _)| self.hits(what, i, j)) {
                        out.push(named(i, j, s, Some(what)));
                    }
                }
            }
        }
        out.sort_by(|a, b| (a.start, a.source, a.target).cmp(&(b.start, b.source, b.target)));
        out
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
        let day = t.div_euclid(DAY);
        let mut rng = Rng(mix(self.pair_seed(i, j) ^ t as u64));
        let base = self.base[i][j];

        let PairDay { route, incident } = self.pair_day(i, j, day);
        let outage = self
            .outage_day(day)
            .filter(|&(what, s)| s.covers(t) && self.hits(what, i, j))
            .map(|(_, s)| s);
        // Overlapping slowdowns add up.
        let (extra, incident_loss) = [incident.filter(|s| s.covers(t)), outage]
            .into_iter()
            .flatten()
            .fold((0.0, 0.0), |(e, l), s| (e + s.extra, l + s.loss));
        // Daily load cycle peaking at 21:00 at the source, up to +3 % on long paths.
        let local_hour = (t.rem_euclid(86_400) as f64 / 3600.0 + src.lon / 15.0).rem_euclid(24.0);
        let amplitude = if i == j { 0.05 } else { 0.03 };
        let load = 1.0
            + amplitude * 0.5 * (1.0 + ((local_hour - 21.0) / 24.0 * std::f64::consts::TAU).cos());

        let center = base * route * load * (1.0 + extra);
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

    fn four() -> Vec<&'static Region> {
        ["us-east-1", "eu-west-1", "eu-central-1", "ap-northeast-1"]
            .iter()
            .map(|c| catalog::region(c).unwrap())
            .collect()
    }

    /// A round's median RTT over the pair's base, `None` if every connect was
    /// lost. The jitter (≈ 0.15 ms + 0.4 %) is taken off first, so that short
    /// pairs are judged like long ones.
    fn ratio(m: &Model, r: &Round) -> Option<f64> {
        let i = m.regions().iter().position(|x| x.code == r.source)?;
        let j = m.regions().iter().position(|x| x.code == r.target)?;
        let mid = *r.rtts_us.get(r.rtts_us.len() / 2)?;
        let base = m.base_ms(i, j);
        Some((f64::from(mid) / 1000.0 - 0.5 - 0.01 * base) / base)
    }

    #[test]
    fn incidents_are_the_truth_of_the_rounds() {
        let (from, to) = (1_764_000_000, 1_764_000_000 + 10 * 86_400);
        let m = Model::new(&four(), 3).with_outages(1.0);
        let truth = m.incidents(from, to);
        assert!(truth.iter().any(|x| x.outage.is_some()));
        assert!(truth.iter().any(|x| x.outage.is_none()));
        let (mut inside, mut outside) = (0, 0);
        for r in m.rounds(from, to, 300, 10) {
            let Some(ratio) = ratio(&m, &r) else { continue };
            let extra: f64 = truth
                .iter()
                .filter(|x| x.source == r.source && x.target == r.target)
                .filter(|x| r.scheduled_at >= x.start && r.scheduled_at < x.end)
                .map(|x| x.extra)
                .sum();
            if extra > 0.0 {
                inside += 1;
                assert!(ratio > 1.0 + 0.7 * extra, "{r:?}: {ratio} vs +{extra}");
            } else {
                outside += 1;
                assert!(ratio < 1.1, "{r:?}: {ratio} with no incident");
            }
        }
        assert!(
            inside > 100 && outside > 10 * inside,
            "{inside} / {outside}"
        );
    }

    #[test]
    fn outages_hit_many_pairs_at_once_and_leave_pair_incidents_alone() {
        let (from, to) = (1_764_000_000, 1_764_000_000 + 20 * 86_400);
        let regions = four();
        let plain = Model::new(&regions, 5).incidents(from, to);
        let m = Model::new(&regions, 5).with_outages(1.0);
        let all = m.incidents(from, to);
        let own: Vec<_> = all.iter().filter(|x| x.outage.is_none()).cloned().collect();
        assert_eq!(own, plain);
        let mut starts = BTreeMap::<i64, Vec<&Incident>>::new();
        for x in all.iter().filter(|x| x.outage.is_some()) {
            starts.entry(x.start).or_default().push(x);
        }
        assert_eq!(starts.len(), 20, "one outage a day");
        let (mut regional, mut cables) = (0, 0);
        for hit in starts.values() {
            let what = hit[0].outage.unwrap();
            assert!(
                hit.iter()
                    .all(|x| x.outage == Some(what) && x.end == hit[0].end)
            );
            match what {
                Outage::Region(code) => {
                    regional += 1;
                    // Every link to and from the region, none within it.
                    assert_eq!(hit.len(), 2 * (regions.len() - 1));
                    assert!(hit.iter().all(|x| (x.source == code) != (x.target == code)));
                }
                Outage::Cable(a, b) => {
                    cables += 1;
                    assert_ne!(a, b);
                    assert!(hit.len() >= 2);
                }
            }
        }
        assert!(
            regional > 0 && cables > 0,
            "{regional} regional, {cables} cables"
        );
    }

    #[test]
    fn a_quiet_model_has_no_incidents() {
        let (from, to) = (1_764_000_000, 1_764_000_000 + 10 * 86_400);
        let m = Model::new(&four(), 3).with_outages(1.0).without_incidents();
        assert!(m.incidents(from, to).is_empty());
        assert!(!Model::new(&four(), 3).incidents(from, to).is_empty());
        for r in m.rounds(from, to, 300, 10) {
            if let Some(ratio) = ratio(&m, &r) {
                assert!(ratio < 1.1, "{r:?}");
            }
        }
    }
}
