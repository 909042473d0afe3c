//! Formatting figures for people.

/// Sorts a short slice in place, stably: one small function instead of the
/// standard library's sorts keeps the wasm small (see [`shared::sort`]).
pub use shared::sort::small as sort_small;

pub use shared::display::{cell_ms as ms, count};

/// A statistic in ms with the digits it really has (see the manifest's
/// precision): mean, min and max to the microsecond; a percentile, good to
/// 0.1 % or 10 µs, to the last decimal that bound leaves certain
/// (`217.4`, `10.19`, `1.50`).
pub fn stat_ms(stat: &str, v: f64) -> String {
    let decimals = shared::feed::v2::Precision::PUBLISHED.decimals(stat, v);
    format!("{v:.decimals$}")
}

/// A moment for people, to the minute: `2026-11-20 12:05 UTC`.
pub fn utc(unix: i64) -> String {
    let s = shared::time::rfc3339(unix);
    let s = s.trim_end_matches('Z').replacen('T', " ", 1);
    format!("{} UTC", s.get(..16).unwrap_or(&s))
}

/// "updated 4 min ago" from an age in seconds.
pub fn age(seconds: f64) -> String {
    let s = seconds.max(0.0);
    if s < 90.0 {
        "just now".into()
    } else if s < 90.0 * 60.0 {
        format!("{} min ago", (s / 60.0).round())
    } else if s < 36.0 * 3600.0 {
        format!("{} h ago", (s / 3600.0).round())
    } else {
        format!("{} days ago", (s / 86_400.0).round())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(ms(68.42), "68.4");
        assert_eq!(ms(146.1), "146");
        assert_eq!(stat_ms("p50", 217.403), "217.4");
        assert_eq!(stat_ms("p50", 10.191), "10.19");
        assert_eq!(stat_ms("p99", 1.5), "1.50");
        assert_eq!(stat_ms("p50", 1520.0), "1520");
        assert_eq!(stat_ms("min", 11.848), "11.848");
        assert_eq!(stat_ms("mean", 217.4), "217.400");
        assert_eq!(utc(1_763_640_300), "2025-11-20 12:05 UTC");
        assert_eq!(utc(1_763_640_359), "2025-11-20 12:05 UTC");
        assert_eq!(age(30.0), "just now");
        assert_eq!(age(240.0), "4 min ago");
        assert_eq!(age(7200.0), "2 h ago");
        assert_eq!(age(3.0 * 86_400.0), "3 days ago");
    }
}
