//! Minimal UTC time helpers: Unix seconds to and from RFC 3339.
//!
//! Kept here, dependency-free, because the feed and the browser need only
//! this much and `shared` must build for wasm32 without a clock.

/// Formats Unix seconds as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn rfc3339(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// Formats Unix seconds as a date, `YYYY-MM-DD`.
pub fn date(unix: i64) -> String {
    rfc3339(unix)[..10].to_string()
}

/// Parses `YYYY-MM-DDTHH:MM:SSZ` (or a bare `YYYY-MM-DD`, taken as midnight UTC).
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> { s.get(r)?.parse().ok() };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if b.get(4) != Some(&b'-')
        || b.get(7) != Some(&b'-')
        || !(1..=12).contains(&mo)
        || !(1..=31).contains(&d)
    {
        return None;
    }
    let (h, mi, se) = if s.len() == 10 {
        (0, 0, 0)
    } else {
        if s.len() != 20 || b[10] != b'T' || b[19] != b'Z' {
            return None;
        }
        (num(11..13)?, num(14..16)?, num(17..19)?)
    };
    if h > 23 || mi > 59 || se > 60 {
        return None;
    }
    Some(days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + se)
}

/// Rounds `t` down to a multiple of `step` seconds.
pub fn floor_to(t: i64, step: i64) -> i64 {
    t.div_euclid(step) * step
}

/// The start of the UTC calendar month holding `t`, Unix seconds.
pub fn month_start(t: i64) -> i64 {
    let (y, m, _) = civil_from_days(t.div_euclid(86_400));
    days_from_civil(y, m, 1) * 86_400
}

/// The start of the UTC calendar month after the one holding `t`.
pub fn next_month(t: i64) -> i64 {
    let (y, m, _) = civil_from_days(t.div_euclid(86_400));
    let (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    days_from_civil(y, m, 1) * 86_400
}

// Howard Hinnant's civil calendar algorithms.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_764_028_800), "2025-11-25T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        for t in [0, 86_399, 951_782_400, 1_764_028_845, 4_102_444_800] {
            assert_eq!(parse_rfc3339(&rfc3339(t)), Some(t));
        }
        assert_eq!(parse_rfc3339("2025-11-25"), Some(1_764_028_800));
        assert_eq!(parse_rfc3339("2025-13-01"), None);
        assert_eq!(parse_rfc3339("yesterday"), None);
        assert_eq!(date(1_764_028_845), "2025-11-25");
        assert_eq!(floor_to(1_764_028_845, 300), 1_764_028_800);
        assert_eq!(rfc3339(month_start(1_764_028_845)), "2025-11-01T00:00:00Z");
        assert_eq!(rfc3339(next_month(1_764_028_845)), "2025-12-01T00:00:00Z");
        assert_eq!(
            rfc3339(next_month(parse_rfc3339("2025-12-31").unwrap())),
            "2026-01-01T00:00:00Z"
        );
        assert_eq!(
            month_start(month_start(951_782_400)),
            month_start(951_782_400)
        );
    }
}
