//! Series for the chart's tests: the fixture feed's and a made-up year.

use shared::feed::v2::Series;

use super::{Input, PALETTE};

/// A series of the fixture feed, by its path under `series/`.
pub fn fixture(rel: &str) -> Series {
    let path = format!(
        "{}/../shared/tests/fixtures/feed/v2/series/{rel}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A year of hourly points with a daily cycle, a gap and some loss.
pub fn year(src: &str, base: f64) -> Series {
    let n = 365 * 24;
    let mut s = Series {
        version: 1,
        source: src.into(),
        destination: "eu-west-1".into(),
        resolution: "1h".into(),
        step_seconds: 3600,
        start: "2025-11-20T12:00:00Z".into(),
        unit: "ms".into(),
        p10: Vec::new(),
        p50: Vec::new(),
        p90: Vec::new(),
        min: Vec::new(),
        max: Vec::new(),
        samples: Vec::new(),
        lost: Vec::new(),
    };
    for i in 0..n {
        let gap = (1000..1010).contains(&i);
        let v = base
            + 3.0 * ((i % 24) as f64 / 24.0 * std::f64::consts::TAU).sin()
            + if i == 5000 { 80.0 } else { 0.0 };
        let opt = |x: f64| (!gap).then_some(x);
        s.p10.push(opt(v * 0.98));
        s.p50.push(opt(v));
        s.p90.push(opt(v * 1.05));
        s.min.push(opt(v * 0.97));
        s.max.push(opt(v * 1.2));
        s.samples.push(if gap { 0 } else { 120 });
        s.lost.push(if gap { 120 } else { u64::from(i % 500 == 0) });
    }
    s
}

/// The input of a series, in the `k`th colour.
pub fn input(s: &Series, k: usize) -> Input<'_> {
    Input {
        label: format!("{} → {}", s.source, s.destination),
        color: PALETTE[k],
        series: s,
    }
}

/// No offset: UTC.
pub fn utc(_: i64) -> i64 {
    0
}
