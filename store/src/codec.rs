//! The stored shapes of a round group and of a sketch group, shared by every
//! adapter: one item per (source, scheduled time) and one per (source, period).
//!
//! Why one item per source rather than per pair: a probe measures every target
//! in one run, and every reader (rollup, series, raw days) reads a source's
//! targets together. Grouping makes a cycle's item count O(regions) instead of
//! O(regions²), and one compressed item of 34 targets is smaller than 34 items.
//!
//! A round group is a deflated binary record (format byte first):
//!
//! ```text
//! 1, n_targets, then per target (ascending by name):
//!   shared, rest_len, rest (the name, front-coded on the previous one),
//!   dns_us + 1 (0 = none), ip_len + 1 (0 = none), ip,
//!   a bit per failure kind with a count (dns, timeout, refused, unreachable,
//!   other), then those counts,
//!   n_rtts, rtt₀, rtt₁ − rtt₀, …          (RTTs ascending, so deltas ≥ 0)
//! ```
//!
//! every integer a LEB128 varint. Delta-coded ascending RTTs take about two
//! bytes each before deflate (bit-packing the gaps was tried: deflate then
//! finds less to squeeze, and the file grew by 3 %). A sketch group is, deflated, the number of
//! targets and per target its name and its sketch in `shared::sketch`'s
//! compact binary form.

use std::collections::BTreeMap;

use shared::Round;
use shared::round::FailureCounts;
use shared::sketch::Sketch;

use crate::{Result, StoreError};

const ROUNDS_FORMAT: u8 = 1;
const SKETCHES_FORMAT: u8 = 1;

fn corrupt(key: &str, reason: impl Into<String>) -> StoreError {
    StoreError::Corrupt {
        key: key.into(),
        reason: reason.into(),
    }
}

use shared::varint::put as put_varint;

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn varint(&mut self) -> Option<u64> {
        shared::varint::get(self.bytes, &mut self.at)
    }

    fn small<T: TryFrom<u64>>(&mut self) -> Option<T> {
        T::try_from(self.varint()?).ok()
    }

    fn string(&mut self, len: usize) -> Option<String> {
        let s = self.bytes.get(self.at..self.at.checked_add(len)?)?;
        self.at += len;
        String::from_utf8(s.to_vec()).ok()
    }
}

thread_local! {
    // A deflate state is ~300 KB of zeroed buffers: made once per thread and
    // reset between items, not allocated per item (that cost more than the
    // compression itself).
    static DEFLATE: std::cell::RefCell<flate2::Compress> =
        std::cell::RefCell::new(flate2::Compress::new(flate2::Compression::fast(), false));
    static INFLATE: std::cell::RefCell<flate2::Decompress> =
        std::cell::RefCell::new(flate2::Decompress::new(false));
}

fn deflate(raw: &[u8]) -> Vec<u8> {
    DEFLATE.with(|z| {
        let mut z = z.borrow_mut();
        z.reset();
        let mut out = Vec::with_capacity(raw.len() / 2 + 64);
        loop {
            let consumed = z.total_in() as usize;
            match z.compress_vec(&raw[consumed..], &mut out, flate2::FlushCompress::Finish) {
                Ok(flate2::Status::StreamEnd) => return out,
                // Out of room: grow and go on.
                Ok(_) => out.reserve(out.capacity().max(64)),
                // Compressing into memory does not fail; an empty body decodes as corrupt.
                Err(_) => return Vec::new(),
            }
        }
    })
}

fn inflate(key: &str, bytes: &[u8]) -> Result<Vec<u8>> {
    INFLATE.with(|z| {
        let mut z = z.borrow_mut();
        z.reset(false);
        let mut out = Vec::with_capacity(bytes.len() * 4 + 64);
        loop {
            let consumed = z.total_in() as usize;
            let status = z.decompress_vec(
                &bytes[consumed..],
                &mut out,
                flate2::FlushDecompress::Finish,
            );
            match status {
                Ok(flate2::Status::StreamEnd) => return Ok(out),
                // Room left and no input left, yet no end: cut short.
                Ok(_) if out.len() < out.capacity() && z.total_in() as usize >= bytes.len() => {
                    return Err(corrupt(key, "truncated deflate data"));
                }
                Ok(_) => out.reserve(out.capacity().max(64)),
                Err(e) => return Err(corrupt(key, format!("not deflate data: {e}"))),
            }
        }
    })
}

/// Encodes the rounds of one (source, scheduled time), any order.
pub fn encode_rounds(rounds: &[&Round]) -> Vec<u8> {
    let mut sorted: Vec<&Round> = rounds.to_vec();
    sorted.sort_by(|a, b| a.target.cmp(&b.target));
    let mut raw = vec![ROUNDS_FORMAT];
    put_varint(&mut raw, sorted.len() as u64);
    let mut previous: &[u8] = &[];
    for r in sorted {
        // Front coding: sorted codes share their start (`ap-northeast-1`,
        // `ap-northeast-2`): the shared length, then the rest.
        let name = r.target.as_bytes();
        let shared = name
            .iter()
            .zip(previous)
            .take_while(|(a, b)| a == b)
            .count();
        put_varint(&mut raw, shared as u64);
        put_varint(&mut raw, (name.len() - shared) as u64);
        raw.extend_from_slice(&name[shared..]);
        previous = name;
        put_varint(&mut raw, r.dns_us.map_or(0, |d| u64::from(d) + 1));
        match &r.ip {
            Some(ip) => {
                put_varint(&mut raw, ip.len() as u64 + 1);
                raw.extend_from_slice(ip.as_bytes());
            }
            None => put_varint(&mut raw, 0),
        }
        // Failures: a bit per kind that has any, then those counts.
        let f = &r.failures;
        let kinds = [f.dns, f.timeout, f.refused, f.unreachable, f.other];
        let mask = kinds
            .iter()
            .enumerate()
            .fold(0u64, |m, (i, &c)| if c > 0 { m | 1 << i } else { m });
        put_varint(&mut raw, mask);
        for c in kinds.into_iter().filter(|&c| c > 0) {
            put_varint(&mut raw, u64::from(c));
        }
        let mut rtts = r.rtts_us.clone();
        rtts.sort_unstable();
        put_varint(&mut raw, rtts.len() as u64);
        let mut prev = 0u32;
        for v in rtts {
            put_varint(&mut raw, u64::from(v - prev));
            prev = v;
        }
    }
    deflate(&raw)
}

/// Decodes a round group of `source` at `scheduled_at`; `key` names the item in errors.
pub fn decode_rounds(
    key: &str,
    source: &str,
    scheduled_at: i64,
    bytes: &[u8],
) -> Result<Vec<Round>> {
    let raw = inflate(key, bytes)?;
    let bad = || corrupt(key, "truncated or malformed round group");
    let mut r = Reader { bytes: &raw, at: 0 };
    if r.small::<u8>() != Some(ROUNDS_FORMAT) {
        return Err(corrupt(key, "unknown round group format"));
    }
    let n: usize = r.small().ok_or_else(bad)?;
    let mut out = Vec::with_capacity(n.min(1024));
    let mut previous = String::new();
    for _ in 0..n {
        let shared: usize = r.small().ok_or_else(bad)?;
        let len: usize = r.small().ok_or_else(bad)?;
        let rest = r.string(len).ok_or_else(bad)?;
        let target = format!("{}{rest}", previous.get(..shared).ok_or_else(bad)?);
        previous = target.clone();
        let dns_us = match r.varint().ok_or_else(bad)? {
            0 => None,
            d => Some(u32::try_from(d - 1).map_err(|_| bad())?),
        };
        let ip = match r.small::<usize>().ok_or_else(bad)? {
            0 => None,
            len => Some(r.string(len - 1).ok_or_else(bad)?),
        };
        let mask: u8 = r.small().ok_or_else(bad)?;
        if mask >= 1 << 5 {
            return Err(bad());
        }
        let mut f = [0u16; 5];
        for (i, c) in f.iter_mut().enumerate() {
            if mask & (1 << i) != 0 {
                *c = r.small().ok_or_else(bad)?;
            }
        }
        let count: usize = r.small().ok_or_else(bad)?;
        let mut rtts_us = Vec::with_capacity(count.min(4096));
        let mut prev = 0u32;
        for _ in 0..count {
            let d: u32 = r.small().ok_or_else(bad)?;
            prev = prev.checked_add(d).ok_or_else(bad)?;
            rtts_us.push(prev);
        }
        out.push(Round {
            source: source.to_string(),
            target,
            scheduled_at,
            dns_us,
            ip,
            rtts_us,
            failures: FailureCounts {
                dns: f[0],
                timeout: f[1],
                refused: f[2],
                unreachable: f[3],
                other: f[4],
            },
        });
    }
    if r.at != raw.len() {
        return Err(corrupt(key, "trailing bytes after the round group"));
    }
    Ok(out)
}

/// Adds to `stored` the rounds of `new` whose target it lacks: the first
/// write of a (source, target, time) wins. Returns how many were added.
pub fn merge_new(stored: &mut Vec<Round>, new: &[&Round]) -> usize {
    let before = stored.len();
    for r in new {
        if !stored.iter().any(|o| o.target == r.target) {
            let mut r = (*r).clone();
            r.normalize();
            stored.push(r);
        }
    }
    stored.sort_by(|a, b| a.target.cmp(&b.target));
    stored.len() - before
}

/// Groups rounds by (source, scheduled time).
pub fn by_group(rounds: &[Round]) -> BTreeMap<(&str, i64), Vec<&Round>> {
    let mut groups: BTreeMap<(&str, i64), Vec<&Round>> = BTreeMap::new();
    for r in rounds {
        groups
            .entry((r.source.as_str(), r.scheduled_at))
            .or_default()
            .push(r);
    }
    groups
}

/// Deflated JSON of any value (window summaries of one source).
pub fn encode_json<T: serde::Serialize + ?Sized>(key: &str, value: &T) -> Result<Vec<u8>> {
    let json = serde_json::to_vec(value).map_err(|e| corrupt(key, e.to_string()))?;
    Ok(deflate(&json))
}

/// The value of [`encode_json`]; `key` names the item in errors.
pub fn decode_json<T: serde::de::DeserializeOwned>(key: &str, bytes: &[u8]) -> Result<T> {
    let json = inflate(key, bytes)?;
    serde_json::from_slice(&json).map_err(|e| corrupt(key, e.to_string()))
}

/// A source's sketches of one period, by target.
pub type SketchGroup = BTreeMap<String, Sketch>;

/// Encodes a sketch group: the number of targets, then per target its name
/// and its sketch in the compact binary form, deflated.
pub fn encode_sketches(_key: &str, group: &SketchGroup) -> Result<Vec<u8>> {
    let mut raw = vec![SKETCHES_FORMAT];
    put_varint(&mut raw, group.len() as u64);
    for (target, sk) in group {
        put_varint(&mut raw, target.len() as u64);
        raw.extend_from_slice(target.as_bytes());
        sk.write_compact(&mut raw);
    }
    Ok(deflate(&raw))
}

/// Decodes a sketch group; `key` names the item in errors.
pub fn decode_sketches(key: &str, bytes: &[u8]) -> Result<SketchGroup> {
    let raw = inflate(key, bytes)?;
    let bad = |why: String| corrupt(key, why);
    let mut r = Reader { bytes: &raw, at: 0 };
    if r.small::<u8>() != Some(SKETCHES_FORMAT) {
        return Err(bad("unknown sketch group format".into()));
    }
    let n: usize = r
        .small()
        .ok_or_else(|| bad("truncated sketch group".into()))?;
    let mut group = SketchGroup::new();
    for _ in 0..n {
        let len = r
            .small()
            .ok_or_else(|| bad("truncated sketch group".into()))?;
        let target = r
            .string(len)
            .ok_or_else(|| bad("truncated sketch group".into()))?;
        let sk = Sketch::read_compact(&raw, &mut r.at).map_err(|e| bad(e.to_string()))?;
        group.insert(target, sk);
    }
    if r.at != raw.len() {
        return Err(bad("trailing bytes after the sketch group".into()));
    }
    Ok(group)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round(target: &str, rtts: &[u32], dns: Option<u32>, ip: Option<&str>) -> Round {
        Round {
            source: "us-east-1".into(),
            target: target.into(),
            scheduled_at: 1_764_000_000,
            dns_us: dns,
            ip: ip.map(str::to_string),
            rtts_us: rtts.to_vec(),
            failures: FailureCounts {
                timeout: 2,
                other: 1,
                ..Default::default()
            },
        }
    }

    #[test]
    fn round_groups_round_trip_sorted_by_target() {
        let a = round(
            "eu-west-1",
            &[68_000, 68_100, 70_000],
            Some(1200),
            Some("52.1.2.3"),
        );
        let b = round("ap-south-1", &[], None, None);
        let c = round("x", &[0, 0, u32::MAX], Some(0), Some(""));
        let bytes = encode_rounds(&[&a, &b, &c]);
        let back = decode_rounds("k", "us-east-1", 1_764_000_000, &bytes).unwrap();
        assert_eq!(back, vec![b, a, c]);
    }

    #[test]
    fn a_typical_group_is_small() {
        // 34 targets × 10 connects with ~0.5 ms of jitter.
        let rounds: Vec<Round> = (0..34)
            .map(|i| {
                let base = 20_000 + i * 7_000;
                let rtts: Vec<u32> = (0..10).map(|k| base + (k * 37 % 500)).collect();
                round(&format!("region-{i}"), &rtts, Some(900), Some("192.0.2.10"))
            })
            .collect();
        let refs: Vec<&Round> = rounds.iter().collect();
        let bytes = encode_rounds(&refs);
        assert!(bytes.len() < 1024, "{} bytes", bytes.len());
    }

    #[test]
    fn damage_is_reported_not_guessed() {
        let a = round("eu-west-1", &[68_000], None, None);
        let mut bytes = encode_rounds(&[&a]);
        bytes.truncate(bytes.len() / 2);
        assert!(decode_rounds("k", "s", 0, &bytes).is_err());
        assert!(decode_rounds("k", "s", 0, b"junk").is_err());
        assert!(decode_sketches("k", b"junk").is_err());
    }

    #[test]
    fn sketch_groups_round_trip() {
        let mut s = Sketch::new();
        s.extend_from_slice(&[70_000, 71_000]);
        s.add_lost(1);
        let g = SketchGroup::from([
            ("eu-west-1".to_string(), s),
            ("b".to_string(), Sketch::new()),
        ]);
        let bytes = encode_sketches("k", &g).unwrap();
        assert_eq!(decode_sketches("k", &bytes).unwrap(), g);
    }
}
