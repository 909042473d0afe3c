//! A mergeable percentile sketch of RTTs: DDSketch-style logarithmic buckets,
//! answered by interpolating inside a bucket.
//!
//! Rollups keep one [`Sketch`] per pair per hour instead of the raw connects;
//! days and windows are merges of hours. Merging is exact integer addition, so
//! it is associative and commutative: any grouping and any order of the same
//! hours gives the same sketch, byte for byte once serialized.
//!
//! # Buckets
//!
//! An RTT of `v ≥ 1` µs falls in bucket `i = ⌈log_γ v⌉`, the interval
//! `(γ^(i−1), γ^i]`, with [`GAMMA`] `= 1 + ε` and [`ALPHA`] `= ε = 0.0009`: a
//! bucket is 0.09 % wide. `0` µs has a bucket of its own. In storage the key is
//! `i + 1`, so `0` µs is key 0 and keys fit a `u16` (`u32::MAX` µs is key 24 658).
//!
//! # The value at a rank
//!
//! The samples of a bucket are taken as spread evenly over the part of the
//! bucket that the exact `[min, max]` leaves: the `j`-th of `c` samples in a
//! bucket whose clamped bounds are `L' = max(γ^(i−1), min)` and
//! `U' = min(γ^i, max)` answers `L' + (U' − L')·(j + ½)/c`. A bucket that can
//! hold a single integer µs (every bucket below 1.1 ms) answers that integer, so
//! sub-millisecond RTTs are exact. Ranks `0` and `n−1` answer the exact `min`
//! and `max`.
//!
//! Why interpolate instead of answering one value per bucket (DDSketch's
//! midpoint): a single value per bucket makes distinct percentiles collapse
//! onto one figure and hourly medians climb in steps of a bucket's width.
//! Interpolated, the value rises with the rank inside a bucket too, so no
//! plateau is invented.
//!
//! # Quantiles are within ε of the exact ones
//!
//! [`Sketch::quantile_us`] uses the definition of [`crate::stats::quantile_sorted`]
//! (numpy's default, DuckDB's `quantile_cont`): with `n` samples, `pos = q(n−1)`,
//! the order statistics `x_lo`, `x_hi` at ranks `⌊pos⌋` and `⌊pos⌋+1`, and
//! `Q = x_lo + (x_hi − x_lo)·f` with `f = pos − ⌊pos⌋`. The sketch answers the same
//! formula with `x̂_r`, its value at rank `r`, in place of `x_r`. Then:
//!
//! * `x_r` and `x̂_r` both lie in `[L', U'] ⊆ (γ^(i−1), γ^i]` of the bucket
//!   holding rank `r`, so `|x̂_r − x_r| ≤ U' − L' < γ^(i−1)(γ − 1) < ε·x_r`;
//! * `Q̂ − Q = (1−f)(x̂_lo − x_lo) + f(x̂_hi − x_hi)`, so
//!   `|Q̂ − Q| < ε((1−f)x_lo + f·x_hi) = ε·Q` since the weights are not negative.
//!
//! Every percentile is therefore within 0.09 % of the exact percentile of the
//! same samples (up to f64 rounding, ~1e-15 relative). The feed rounds to 1 µs,
//! which adds at most 0.5 µs: a published percentile is within 0.1 % or 10 µs,
//! whichever is larger, of the exact one. The property tests in
//! `tests/it/sketch.rs` check this on random, heavy-tailed, bimodal, tiny and
//! empty inputs.
//!
//! # Exact figures
//!
//! The number of samples, the failed connects, the sum, the minimum and the
//! maximum are kept exactly beside the buckets, so mean, min, max and loss are
//! exact and never approximated.
//!
//! # Speed
//!
//! Insertion is the hot path of a rollup. The keys of values below 2^21 µs
//! (2.1 s) come from a 4 MiB table built on first use (the browser, which only
//! reads summaries, never builds it); above that, from the formula. A block of
//! samples costs one pass for min, max and sum, one resize, and then one look-up
//! and one increment per sample (see `BENCHMARKS.md`).
//!
//! # Encoding
//!
//! Serde writes the occupied key range densely, with every run of empty buckets
//! collapsed into one negative number (`-z` = `z` empty buckets):
//!
//! ```json
//! {"l":1,"s":8523431,"min":70012,"max":104223,"k":12434,"c":[3,5,2,-1,4,2,-40,1]}
//! ```
//!
//! `l` failed connects (omitted when 0), `s` sum of RTTs in µs, `min`/`max` in µs,
//! `k` the key of the first count, `c` the counts. A sketch of no sample has only
//! `l` (or is `{}`). Why this shape: an hour of one pair is a dense core of
//! adjacent buckets (the jitter spans tens of buckets of 0.09 %) plus rare spikes
//! far out. Dense counts cost no key for the core, and the run-length gap costs
//! one number per spike instead of one per empty bucket; sparse `[key, count]`
//! pairs would repeat a 5-digit key for every bucket. The unit test
//! `typical_hour_is_small` pins a typical hour below 200 B. The encoding is
//! canonical: the same sketch always gives the same bytes, and decoding
//! refuses non-canonical input.
//!
//! `ε` and the key mapping are part of this format ([`FORMAT`]): changing them
//! makes stored sketches unmergeable with new ones, so that needs a new format
//! and a rebuild of the stored sketches from the rounds.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize, Serializer};

use crate::round::Round;
use crate::stats::{Latency, Stat, Summary};

/// The relative-error bound of every percentile the sketch reports: 0.09 %
/// (strictly below; see the module docs). It is also a bucket's relative width.
pub const ALPHA: f64 = 0.0009;

/// The ratio between consecutive bucket bounds, `1 + ε`.
pub const GAMMA: f64 = 1.0 + ALPHA;

/// The sketch format: bump it when [`ALPHA`] or the key mapping change, so
/// stores know their sketches must be rebuilt from the rounds.
pub const FORMAT: u32 = 2;

/// What a published percentile is good to, relative: 0.1 % (the sketch's
/// 0.09 % plus the feed's rounding to 1 µs).
pub const PUBLISHED_RELATIVE: f64 = 0.001;
/// What a published percentile is good to, absolute, in µs: 10 µs, the
/// floor that applies below 10 ms.
pub const PUBLISHED_ABSOLUTE_US: f64 = 10.0;

/// Values below this many µs (2.1 s, beyond every real RTT) take their key from
/// a table instead of a logarithm: insertion is the hot path of a rollup.
const TABLE_LEN: usize = 1 << 21;

/// The key of a value, by the formula. `0` µs is key 0; `v ≥ 1` is `⌈log_γ v⌉ + 1`.
fn key_by_formula(v: u32) -> u16 {
    if v == 0 {
        0
    } else {
        // ln(u32::MAX) / ln γ < 24 657, so the cast cannot truncate.
        (f64::from(v).ln() / GAMMA.ln()).ceil() as u16 + 1
    }
}

/// The key of every value below [`TABLE_LEN`], built on first use (4 MiB).
fn key_table() -> &'static [u16] {
    static TABLE: OnceLock<Box<[u16]>> = OnceLock::new();
    TABLE.get_or_init(|| (0..TABLE_LEN as u32).map(key_by_formula).collect())
}

/// The key of a value.
#[inline]
fn key_of(table: &[u16], v: u32) -> u16 {
    match table.get(v as usize) {
        Some(&k) => k,
        None => key_by_formula(v),
    }
}

/// The bounds `(γ^(i−1), γ^i]` of the bucket of key `i + 1`, µs; key 0 is `[0, 0]`.
fn bucket_bounds(key: u16) -> (f64, f64) {
    if key == 0 {
        (0.0, 0.0)
    } else {
        let i = f64::from(key - 1);
        (((i - 1.0) * GAMMA.ln()).exp(), (i * GAMMA.ln()).exp())
    }
}

/// A mergeable sketch of RTT samples (µs) and failed connects.
///
/// The fields are private so the counts stay canonical (no empty bucket at
/// either end), which is what makes equal sketches compare and serialize equal.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "Wire")]
pub struct Sketch {
    /// Connects that failed.
    lost: u64,
    /// Samples, the sum of `counts`.
    samples: u64,
    /// Sum of the samples, µs (saturating, so merging stays order-free).
    sum_us: u64,
    /// Smallest sample; `u32::MAX` when there is none (the identity of `min`).
    min_us: u32,
    /// Largest sample; 0 when there is none (the identity of `max`).
    max_us: u32,
    /// Key of `counts[0]`; 0 when `counts` is empty.
    first_key: u16,
    /// Samples per key from `first_key` on; empty or nonzero at both ends.
    counts: Vec<u64>,
}

impl Default for Sketch {
    fn default() -> Self {
        Sketch::new()
    }
}

impl Sketch {
    /// An empty sketch: no sample, no failure. It is the identity of [`Sketch::merge`].
    pub const fn new() -> Sketch {
        Sketch {
            lost: 0,
            samples: 0,
            sum_us: 0,
            min_us: u32::MAX,
            max_us: 0,
            first_key: 0,
            counts: Vec::new(),
        }
    }

    /// A sketch of the given rounds' connects, succeeded and failed.
    pub fn from_rounds<'a>(rounds: impl IntoIterator<Item = &'a Round>) -> Sketch {
        let mut s = Sketch::new();
        for r in rounds {
            s.add_round(r);
        }
        s
    }

    /// The merge of many sketches (an empty sketch when there is none).
    ///
    /// Sizes the result once for the union of the key ranges, so merging a
    /// day of hours or a year of days allocates once.
    pub fn merge_all<'a>(sketches: impl IntoIterator<Item = &'a Sketch>) -> Sketch {
        let parts: Vec<&Sketch> = sketches.into_iter().collect();
        let mut s = Sketch::new();
        let ranges = parts.iter().filter_map(|p| p.key_range());
        if let Some((lo, hi)) = ranges.reduce(|a, b| (a.0.min(b.0), a.1.max(b.1))) {
            s.cover_keys(lo, hi);
        }
        for other in parts {
            s.merge(other);
        }
        s
    }

    /// The first and last occupied keys; `None` without samples.
    fn key_range(&self) -> Option<(u16, u16)> {
        let last = usize::from(self.first_key) + self.counts.len().checked_sub(1)?;
        // Keys are u16 and decoding refuses ranges past the key space.
        Some((self.first_key, last as u16))
    }

    /// Widens `counts` with zeros to span at least `lo..=hi`.
    ///
    /// The zeros this may leave at the ends must be filled before the sketch
    /// is seen: callers only pass keys they are about to count.
    fn cover_keys(&mut self, lo: u16, hi: u16) {
        let Some((first, last)) = self.key_range() else {
            self.first_key = lo;
            self.counts = vec![0; usize::from(hi - lo) + 1];
            return;
        };
        if lo < first {
            let gap = usize::from(first - lo);
            self.counts.splice(0..0, std::iter::repeat_n(0, gap));
            self.first_key = lo;
        }
        if hi > last {
            self.counts.resize(usize::from(hi - self.first_key) + 1, 0);
        }
    }

    /// Adds one round: its RTTs and its failed connects.
    pub fn add_round(&mut self, round: &Round) {
        self.extend_from_slice(&round.rtts_us);
        self.add_lost(u64::from(round.lost()));
    }

    /// Counts `n` failed connects.
    pub fn add_lost(&mut self, n: u64) {
        self.lost = self.lost.saturating_add(n);
    }

    /// Adds one RTT sample, µs.
    pub fn insert(&mut self, rtt_us: u32) {
        self.extend_from_slice(std::slice::from_ref(&rtt_us));
    }

    /// Adds RTT samples, µs. This is the fast path of a rollup.
    ///
    /// Two passes per block of samples: the first finds min, max and sum (which
    /// vectorizes) and sizes `counts` once for the keys of min and max; the
    /// second is a table look-up and an increment per sample.
    pub fn extend_from_slice(&mut self, rtts_us: &[u32]) {
        let table = key_table();
        // A block's sum fits a u64 (2^16 × u32::MAX < 2^48), so only the
        // running total needs saturating.
        for block in rtts_us.chunks(1 << 16) {
            let (mut min, mut max, mut sum) = (u32::MAX, 0, 0u64);
            for &v in block {
                min = min.min(v);
                max = max.max(v);
                sum += u64::from(v);
            }
            if block.is_empty() {
                continue;
            }
            self.cover_keys(key_of(table, min), key_of(table, max));
            let first = usize::from(self.first_key);
            for &v in block {
                let key = key_of(table, v);
                // Keys ascend with values, so every key is in range; the
                // fallback only guards against a non-monotone `ln` above the table.
                match self.counts.get_mut(usize::from(key).wrapping_sub(first)) {
                    Some(c) => *c += 1,
                    None => self.grow_to_hold(key),
                }
            }
            self.min_us = self.min_us.min(min);
            self.max_us = self.max_us.max(max);
            self.sum_us = self.sum_us.saturating_add(sum);
            self.samples = self.samples.saturating_add(block.len() as u64);
        }
    }

    /// Widens the occupied range to `key` (outside it) and counts one sample there.
    #[cold]
    fn grow_to_hold(&mut self, key: u16) {
        self.cover_keys(key, key);
        self.counts[usize::from(key - self.first_key)] += 1;
    }

    /// Adds another sketch's samples and failures to this one.
    ///
    /// Every part is integer addition, `min` or `max`, so merging is associative
    /// and commutative and the result does not depend on how hours were grouped.
    pub fn merge(&mut self, other: &Sketch) {
        self.lost = self.lost.saturating_add(other.lost);
        self.samples = self.samples.saturating_add(other.samples);
        self.sum_us = self.sum_us.saturating_add(other.sum_us);
        self.min_us = self.min_us.min(other.min_us);
        self.max_us = self.max_us.max(other.max_us);
        let Some((lo, hi)) = other.key_range() else {
            return;
        };
        // `other`'s ends are occupied, so the widened range is canonical again.
        self.cover_keys(lo, hi);
        let at = usize::from(lo - self.first_key);
        for (c, o) in self.counts[at..].iter_mut().zip(&other.counts) {
            // Plain addition vectorizes (a saturating one does not, and this
            // loop is a large share of a rollup now that buckets are narrow).
            // It is associative and commutative modulo 2^64 too, and a bucket
            // could only wrap past 1.8e19 samples, which `samples` (kept
            // saturating) would show long before.
            *c = c.wrapping_add(*o);
        }
    }

    /// Successful connects (the samples).
    pub fn samples(&self) -> u64 {
        self.samples
    }

    /// Failed connects.
    pub fn lost(&self) -> u64 {
        self.lost
    }

    /// Whether nothing was attempted: no sample and no failure.
    pub fn is_empty(&self) -> bool {
        self.samples == 0 && self.lost == 0
    }

    /// The smallest sample, exact; `None` without samples.
    pub fn min_us(&self) -> Option<u32> {
        (self.samples > 0).then_some(self.min_us)
    }

    /// The largest sample, exact; `None` without samples.
    pub fn max_us(&self) -> Option<u32> {
        (self.samples > 0).then_some(self.max_us)
    }

    /// The sum of the samples, µs (saturating at `u64::MAX`, 584 000 years).
    pub fn sum_us(&self) -> u64 {
        self.sum_us
    }

    /// The mean sample, µs; `None` without samples.
    pub fn mean_us(&self) -> Option<f64> {
        (self.samples > 0).then(|| self.sum_us as f64 / self.samples as f64)
    }

    /// The quantile `q` (0 ≤ q ≤ 1) in µs, within [`ALPHA`] relative of
    /// [`crate::stats::quantile_sorted`] of the same samples; `None` without samples.
    pub fn quantile_us(&self, q: f64) -> Option<f64> {
        let mut out = [0.0];
        self.quantiles_into(&[q], &mut out).then_some(out[0])
    }

    /// Samples, loss and latency (in ms), as [`crate::stats::exact_summary`] reports
    /// them: percentiles within [`ALPHA`], mean, min and max exact. With no sample
    /// the latency is `None`, never 0.
    pub fn summary(&self) -> Summary {
        let mut percentiles = [0.0; 7];
        let qs = Stat::PERCENTILES.map(|(_, q)| q);
        let latency = self.quantiles_into(&qs, &mut percentiles).then(|| Latency {
            percentiles: percentiles.map(|us| us / 1000.0),
            mean: self.sum_us as f64 / self.samples as f64 / 1000.0,
            min: f64::from(self.min_us) / 1000.0,
            max: f64::from(self.max_us) / 1000.0,
        });
        Summary {
            samples: self.samples,
            lost: self.lost,
            latency,
        }
    }

    /// Writes the quantiles `qs` in µs into `out`; false without samples.
    /// Ascending `qs` are answered in one walk over the buckets.
    fn quantiles_into(&self, qs: &[f64], out: &mut [f64]) -> bool {
        let n = self.samples;
        if n == 0 {
            return false;
        }
        let mut walk = RankWalk {
            sketch: self,
            bucket: 0,
            below: 0,
        };
        for (slot, &q) in out.iter_mut().zip(qs) {
            let pos = q.clamp(0.0, 1.0) * (n - 1) as f64;
            let lo = (pos.floor() as u64).min(n - 1);
            let hi = (lo + 1).min(n - 1);
            let frac = pos - lo as f64;
            let x_lo = walk.value_at(lo);
            let x_hi = walk.value_at(hi);
            *slot = x_lo + (x_hi - x_lo) * frac;
        }
        true
    }
}

/// A forward walk over a sketch's buckets answering the values at ascending ranks.
struct RankWalk<'a> {
    sketch: &'a Sketch,
    /// Index into `counts` of the bucket holding the last rank asked for.
    bucket: usize,
    /// Samples in the buckets before `bucket`.
    below: u64,
}

impl RankWalk<'_> {
    /// The sketch's value at 0-based `rank`. Ascending ranks walk forward only;
    /// a smaller rank than the last one restarts the walk.
    fn value_at(&mut self, rank: u64) -> f64 {
        let s = self.sketch;
        // The extremes are kept exactly; answering them exactly also makes
        // one- and two-sample sketches exact.
        if rank == 0 {
            return f64::from(s.min_us);
        }
        if rank + 1 >= s.samples {
            return f64::from(s.max_us);
        }
        if rank < self.below {
            self.bucket = 0;
            self.below = 0;
        }
        // rank < samples = Σ counts, so the walk stops inside `counts`; the
        // bound on `bucket` only matters for counts saturated by hostile input.
        while self.bucket + 1 < s.counts.len()
            && self.below.saturating_add(s.counts[self.bucket]) <= rank
        {
            self.below += s.counts[self.bucket];
            self.bucket += 1;
        }
        let key = s.first_key + self.bucket as u16;
        let (min, max) = (f64::from(s.min_us), f64::from(s.max_us));
        if key == 0 {
            return 0.0;
        }
        let (lower, upper) = bucket_bounds(key);
        // A bucket that holds one integer µs at most answers it: exact.
        let (first_int, last_int) = (lower.floor() + 1.0, upper.floor());
        if last_int <= first_int {
            return first_int.clamp(min, max);
        }
        let (lo, hi) = (lower.max(min), upper.min(max));
        let count = s.counts[self.bucket] as f64;
        let within = (rank - self.below) as f64;
        (lo + (hi - lo) * (within + 0.5) / count).clamp(min, max)
    }
}

use crate::varint::put as put_varint;

fn get_varint(bytes: &[u8], at: &mut usize) -> Result<u64, DecodeError> {
    crate::varint::get(bytes, at).ok_or(DecodeError("truncated compact sketch"))
}

impl Sketch {
    /// Appends the compact binary form (LEB128 varints): `lost`, the number
    /// of counts (0 without samples), then `first key`, `sum`, `min`, `max`
    /// and the counts, `c + 1` for a count `c ≥ 1` and `0, z` for a run of
    /// `z` empty buckets. The same content as the JSON form in about a third
    /// of the bytes: what the stores keep.
    pub fn write_compact(&self, out: &mut Vec<u8>) {
        put_varint(out, self.lost);
        if self.samples == 0 {
            put_varint(out, 0);
            return;
        }
        put_varint(out, self.counts.len() as u64);
        put_varint(out, u64::from(self.first_key));
        put_varint(out, self.sum_us);
        put_varint(out, u64::from(self.min_us));
        put_varint(out, u64::from(self.max_us));
        let mut i = 0;
        while i < self.counts.len() {
            if self.counts[i] == 0 {
                let run = self.counts[i..].iter().take_while(|&&c| c == 0).count();
                put_varint(out, 0);
                put_varint(out, run as u64);
                i += run;
            } else {
                put_varint(out, self.counts[i].saturating_add(1));
                i += 1;
            }
        }
    }

    /// Reads a sketch written by [`Sketch::write_compact`] at `*at`, moving
    /// `*at` past it; refuses what `write_compact` would not have written.
    pub fn read_compact(bytes: &[u8], at: &mut usize) -> Result<Sketch, DecodeError> {
        let bad = |why| Err(DecodeError(why));
        let lost = get_varint(bytes, at)?;
        let len = usize::try_from(get_varint(bytes, at)?).unwrap_or(usize::MAX);
        if len == 0 {
            return Ok(Sketch {
                lost,
                ..Sketch::new()
            });
        }
        let first_key = u16::try_from(get_varint(bytes, at)?)
            .map_err(|_| DecodeError("a key beyond the key space"))?;
        if usize::from(first_key) + len > usize::from(u16::MAX) + 1 {
            return bad("keys beyond the key space");
        }
        let sum_us = get_varint(bytes, at)?;
        let as_u32 = |v: u64| u32::try_from(v).map_err(|_| DecodeError("a value above u32"));
        let min_us = as_u32(get_varint(bytes, at)?)?;
        let max_us = as_u32(get_varint(bytes, at)?)?;
        if min_us > max_us {
            return bad("min above max");
        }
        let mut counts = Vec::with_capacity(len);
        let mut samples: u64 = 0;
        while counts.len() < len {
            match get_varint(bytes, at)? {
                0 => {
                    let run = usize::try_from(get_varint(bytes, at)?).unwrap_or(usize::MAX);
                    if run == 0 || counts.is_empty() || counts.last() == Some(&0) {
                        return bad("a misplaced run of empty buckets");
                    }
                    if counts.len() + run >= len {
                        return bad("a run of empty buckets at the end");
                    }
                    counts.resize(counts.len() + run, 0);
                }
                c => {
                    samples = samples
                        .checked_add(c - 1)
                        .ok_or(DecodeError("more samples than a u64 holds"))?;
                    counts.push(c - 1);
                }
            }
        }
        if counts.len() != len || counts.first() == Some(&0) || counts.last() == Some(&0) {
            return bad("counts do not match their length");
        }
        Ok(Sketch {
            lost,
            samples,
            sum_us,
            min_us,
            max_us,
            first_key,
            counts,
        })
    }
}

/// The stored shape of a [`Sketch`]; see the module docs.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    #[serde(rename = "l", default, skip_serializing_if = "is_zero")]
    lost: u64,
    #[serde(rename = "s", default, skip_serializing_if = "Option::is_none")]
    sum_us: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    min: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    max: Option<u32>,
    #[serde(rename = "k", default, skip_serializing_if = "Option::is_none")]
    first_key: Option<u16>,
    /// Counts; `-z` stands for `z` empty buckets.
    #[serde(rename = "c", default, skip_serializing_if = "Vec::is_empty")]
    counts: Vec<i64>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl From<&Sketch> for Wire {
    fn from(s: &Sketch) -> Wire {
        let mut counts = Vec::with_capacity(s.counts.len());
        for &c in &s.counts {
            match (c, counts.last_mut()) {
                (0, Some(gap)) if *gap < 0 => *gap -= 1,
                (0, _) => counts.push(-1),
                // A single bucket never holds 2^63 samples.
                (c, _) => counts.push(c as i64),
            }
        }
        let has = s.samples > 0;
        Wire {
            lost: s.lost,
            sum_us: has.then_some(s.sum_us),
            min: has.then_some(s.min_us),
            max: has.then_some(s.max_us),
            first_key: has.then_some(s.first_key),
            counts,
        }
    }
}

impl Serialize for Sketch {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Wire::from(self).serialize(serializer)
    }
}

/// Why stored bytes are not a sketch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError(&'static str);

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "not a canonical RTT sketch: {}", self.0)
    }
}

impl std::error::Error for DecodeError {}

impl TryFrom<Wire> for Sketch {
    type Error = DecodeError;

    fn try_from(w: Wire) -> Result<Sketch, DecodeError> {
        let bad = |why| Err(DecodeError(why));
        let Some(&first) = w.counts.first() else {
            return match (w.sum_us, w.min, w.max, w.first_key) {
                (None, None, None, None) => Ok(Sketch {
                    lost: w.lost,
                    ..Sketch::new()
                }),
                _ => bad("figures of samples without counts"),
            };
        };
        let (Some(sum_us), Some(min_us), Some(max_us), Some(first_key)) =
            (w.sum_us, w.min, w.max, w.first_key)
        else {
            return bad("counts without sum, min, max or first key");
        };
        if first < 0 || w.counts[w.counts.len() - 1] < 0 {
            return bad("a run of empty buckets at an end");
        }
        if min_us > max_us {
            return bad("min above max");
        }
        let mut counts = Vec::with_capacity(w.counts.len());
        let mut samples: u64 = 0;
        let mut after_gap = false;
        for c in w.counts {
            match c {
                0 => return bad("a zero count (empty buckets are written as runs)"),
                c if c < 0 => {
                    if after_gap {
                        return bad("two runs of empty buckets in a row");
                    }
                    after_gap = true;
                    let run = usize::try_from(c.unsigned_abs()).unwrap_or(usize::MAX);
                    if run > usize::from(u16::MAX) {
                        return bad("a run longer than the key space");
                    }
                    counts.resize(counts.len() + run, 0);
                }
                c => {
                    after_gap = false;
                    samples = samples
                        .checked_add(c as u64)
                        .ok_or(DecodeError("more samples than a u64 holds"))?;
                    counts.push(c as u64);
                }
            }
        }
        if usize::from(first_key) + counts.len() > usize::from(u16::MAX) + 1 {
            return bad("keys beyond the key space");
        }
        Ok(Sketch {
            lost: w.lost,
            samples,
            sum_us,
            min_us,
            max_us,
            first_key,
            counts,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sketch_of(v: &[u32]) -> Sketch {
        let mut s = Sketch::new();
        s.extend_from_slice(v);
        s
    }

    #[test]
    fn every_tabled_value_lies_in_its_bucket() {
        let table = key_table();
        let inside = |v: u32, k: u16| {
            let (lo, hi) = bucket_bounds(k);
            let v = f64::from(v);
            let slack = 1e-9 * v;
            (v == 0.0 && k == 0) || (lo - slack < v && v <= hi + slack)
        };
        for v in 0..TABLE_LEN as u32 {
            assert!(
                inside(v, table[v as usize]),
                "{v} µs outside key {}",
                table[v as usize]
            );
        }
        for v in [TABLE_LEN as u32, 3_000_000, 1 << 30, u32::MAX] {
            assert!(inside(v, key_by_formula(v)), "{v}");
        }
        assert_eq!(key_by_formula(u32::MAX), 24_658);
    }

    #[test]
    fn sub_millisecond_values_are_exact() {
        let v: Vec<u32> = (0..1100).collect();
        let s = sketch_of(&v);
        for q in [0.1, 0.25, 0.5, 0.75, 0.9, 0.98, 0.99] {
            let exact = q * 1099.0;
            assert!((s.quantile_us(q).unwrap() - exact).abs() < 1e-9, "q {q}");
        }
    }

    #[test]
    fn percentiles_in_one_bucket_still_differ() {
        // 100 samples spread over 60 µs at 70 ms: a handful of buckets. A
        // value per bucket would give the same p25 and p50; interpolation
        // keeps them apart.
        let v: Vec<u32> = (0..100).map(|i| 70_000 + i * 3 / 5).collect();
        let s = sketch_of(&v);
        let (p25, p50) = (s.quantile_us(0.25).unwrap(), s.quantile_us(0.5).unwrap());
        assert!(p50 - p25 > 5.0, "p25 {p25} p50 {p50}");
    }

    #[test]
    fn no_tabled_value_sits_on_a_bucket_boundary() {
        // Keys must not depend on the last bit of a platform's `ln`, or a sketch
        // built on one machine would differ from one built on another. Every
        // integer below the table bound is far (in ulps) from a boundary, except
        // 1 µs, which is exactly γ^0 and has ln 1 = 0 on every platform.
        let mut closest = f64::INFINITY;
        for v in 2..TABLE_LEN as u32 {
            let x = f64::from(v).ln() / GAMMA.ln();
            closest = closest.min((x - x.round()).abs());
        }
        // The closest is 653 509 µs at ~1e-7 of a key; f64 rounding of the
        // quotient is ~1e-13 of a key.
        assert!(
            closest > 1e-9,
            "a value within {closest} keys of a boundary"
        );
    }

    #[test]
    fn keys_ascend_with_values() {
        let table = key_table();
        assert!(table.windows(2).all(|w| w[0] <= w[1]));
        assert!(table[TABLE_LEN - 1] <= key_by_formula(TABLE_LEN as u32));
    }

    #[test]
    fn exact_figures_and_extremes() {
        let s = sketch_of(&[70_000, 71_500, 69_000, 104_000]);
        assert_eq!(s.samples(), 4);
        assert_eq!(s.min_us(), Some(69_000));
        assert_eq!(s.max_us(), Some(104_000));
        assert_eq!(s.mean_us(), Some(78_625.0));
        assert_eq!(s.quantile_us(0.0), Some(69_000.0));
        assert_eq!(s.quantile_us(1.0), Some(104_000.0));
        let two = sketch_of(&[10_000, 20_000]);
        assert_eq!(
            two.quantile_us(0.5),
            Some(15_000.0),
            "two samples are exact"
        );
        assert_eq!(Sketch::new().quantile_us(0.5), None);
    }

    #[test]
    fn growing_either_way_keeps_counts_canonical() {
        let mut a = Sketch::new();
        for v in [100_000, 50_000, 200_000, 100_000, 0, 7] {
            a.insert(v);
        }
        assert_eq!(a.first_key, 0);
        assert_ne!(a.counts[0], 0);
        assert_ne!(*a.counts.last().unwrap(), 0);
        assert_eq!(a.counts.iter().sum::<u64>(), 6);
    }

    #[test]
    fn typical_hour_is_small() {
        // 12 rounds of 10 connects around 70 ms: ~0.4 ms of jitter, one spike
        // at +30 %, one lost connect (a SplitMix-style sequence, no RNG crate).
        let mut state = 0x9E37_79B9_7F4A_7C15_u64;
        let mut unit = || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            ((state >> 11) as f64 + 1.0) / (1u64 << 53) as f64
        };
        let mut s = Sketch::new();
        for _ in 0..119 {
            s.insert((69_000.0 - 430.0 * unit().ln()) as u32);
        }
        s.insert(91_000);
        s.add_lost(1);
        let json = serde_json::to_string(&s).unwrap();
        assert!(json.len() < 200, "{} bytes: {json}", json.len());
        assert_eq!(serde_json::from_str::<Sketch>(&json).unwrap(), s);
    }

    #[test]
    fn encoding_is_run_length_dense() {
        let mut s = sketch_of(&[1000, 1000, 1001, 1100]);
        s.add_lost(2);
        let k = key_by_formula(1000);
        assert_eq!(key_by_formula(1001), k + 1);
        let gap = key_by_formula(1100) - k - 2;
        assert_eq!(
            serde_json::to_string(&s).unwrap(),
            format!(r#"{{"l":2,"s":4101,"min":1000,"max":1100,"k":{k},"c":[2,1,-{gap},1]}}"#)
        );
        let mut lost_only = Sketch::new();
        lost_only.add_lost(3);
        assert_eq!(serde_json::to_string(&lost_only).unwrap(), r#"{"l":3}"#);
        assert_eq!(serde_json::to_string(&Sketch::new()).unwrap(), "{}");
        assert_eq!(serde_json::from_str::<Sketch>("{}").unwrap(), Sketch::new());
    }

    #[test]
    fn the_compact_form_round_trips_and_is_smaller() {
        let mut s = sketch_of(&[1000, 1000, 1001, 1100, 70_000, 0]);
        s.add_lost(3);
        let mut lost_only = Sketch::new();
        lost_only.add_lost(2);
        for sk in [s, lost_only, Sketch::new()] {
            let mut out = vec![7];
            sk.write_compact(&mut out);
            let mut at = 1;
            assert_eq!(Sketch::read_compact(&out, &mut at).unwrap(), sk);
            assert_eq!(at, out.len());
            let json = serde_json::to_string(&sk).unwrap();
            assert!(out.len() - 1 <= json.len(), "{} vs {json}", out.len() - 1);
        }
        let mut out = Vec::new();
        sketch_of(&[1000, 2000]).write_compact(&mut out);
        for cut in 0..out.len() {
            assert!(
                Sketch::read_compact(&out[..cut], &mut 0).is_err(),
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn non_canonical_or_inconsistent_encodings_are_refused() {
        let ok = r#"{"s":30,"min":10,"max":20,"k":300,"c":[1,-2,1]}"#;
        assert!(serde_json::from_str::<Sketch>(ok).is_ok());
        for bad in [
            r#"{"s":30,"min":10,"max":20,"k":300,"c":[1,0,1]}"#,
            r#"{"s":30,"min":10,"max":20,"k":300,"c":[-1,1]}"#,
            r#"{"s":30,"min":10,"max":20,"k":300,"c":[1,-1]}"#,
            r#"{"s":30,"min":10,"max":20,"k":300,"c":[1,-1,-1,1]}"#,
            r#"{"s":30,"min":20,"max":10,"k":300,"c":[1,1]}"#,
            r#"{"s":30,"min":10,"k":300,"c":[1,1]}"#,
            r#"{"s":30,"min":10,"max":20,"k":65535,"c":[1,1]}"#,
            r#"{"l":1,"min":10}"#,
            r#"{"l":1,"extra":1}"#,
        ] {
            let err = serde_json::from_str::<Sketch>(bad);
            assert!(err.is_err(), "accepted {bad}");
        }
    }
}
