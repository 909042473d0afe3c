//! Minimal UTC time helpers: Unix seconds to and from RFC 3339, and the
//! civil (proleptic Gregorian) calendar under them.
//!
//! Kept here, dependency-free, because the feed and the browser need only
//! this much and `shared` must build for wasm32 without a clock.

const DAY: i64 = 86_400;

/// A UTC calendar date and time of day, from Unix seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Civil {
    /// Year, e.g. 2026.
    pub year: i64,
    /// Month, 1 to 12.
    pub month: u32,
    /// Day of the month, 1 to 31.
    pub day: u32,
    /// Hour, 0 to 23.
    pub hour: u32,
    /// Minute, 0 to 59.
    pub minute: u32,
    /// Second, 0 to 59.
    pub second: u32,
}

impl Civil {
    /// The date and time of Unix seconds `unix`.
    pub fn from_unix(unix: i64) -> Civil {
        let (year, month, day) = civil_from_days(unix.div_euclid(DAY));
        // 0 ≤ secs < 86 400, so every part fits.
        let secs = u32::try_from(unix.rem_euclid(DAY)).unwrap_or(0);
        Civil {
            year,
            month,
            day,
            hour: secs / 3600,
            minute: secs % 3600 / 60,
            second: secs % 60,
        }
    }

    /// Back to Unix seconds.
    pub fn to_unix(&self) -> i64 {
        days_from_civil(self.year, self.month, self.day) * DAY
            + i64::from(self.hour) * 3600
            + i64::from(self.minute) * 60
            + i64::from(self.second)
    }
}

/// Formats Unix seconds as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn rfc3339(unix: i64) -> String {
    let c = Civil::from_unix(unix);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        c.year, c.month, c.day, c.hour, c.minute, c.second
    )
}

/// Formats Unix seconds as a date, `YYYY-MM-DD`.
pub fn date(unix: i64) -> String {
    let c = Civil::from_unix(unix);
    format!("{:04}-{:02}-{:02}", c.year, c.month, c.day)
}

/// Parses `YYYY-MM-DDTHH:MM:SSZ` (or a bare `YYYY-MM-DD`, taken as midnight UTC).
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<u32> { s.get(r)?.parse().ok() };
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
    Some(
        days_from_civil(i64::from(y), mo, d) * DAY
            + i64::from(h) * 3600
            + i64::from(mi) * 60
            + i64::from(se),
    )
}

/// Rounds `t` down to a multiple of `step` seconds.
pub fn floor_to(t: i64, step: i64) -> i64 {
    t.div_euclid(step) * step
}

/// The start of the UTC calendar month holding `t`, Unix seconds.
pub fn month_start(t: i64) -> i64 {
    let c = Civil::from_unix(t);
    days_from_civil(c.year, c.month, 1) * DAY
}

/// The start of the UTC calendar month after the one holding `t`.
pub fn next_month(t: i64) -> i64 {
    let c = Civil::from_unix(t);
    let (y, m) = if c.month == 12 {
        (c.year + 1, 1)
    } else {
        (c.year, c.month + 1)
    };
    days_from_civil(y, m, 1) * DAY
}

// Howard Hinnant's civil calendar algorithms.

/// `(year, month, day)` of the day `days` after 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    // 1 ≤ d ≤ 31 and 1 ≤ m ≤ 12 by construction.
    let d = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let m = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Days from 1970-01-01 to `year-month-day` (negative before it). A day
/// past the month's end runs into the next month, as in `2025-02-31`.
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let (m, d) = (i64::from(month), i64::from(day));
    let y = if m <= 2 { year - 1 } else { year };
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

    fn leap(y: i64) -> bool {
        (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
    }

    fn month_len(y: i64, m: u32) -> u32 {
        match m {
            2 if leap(y) => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        }
    }

    #[test]
    fn civil_days_round_trip_day_by_day_from_1970_to_2400() {
        // Walk the calendar by hand and check both directions every day.
        let (mut y, mut m, mut d) = (1970, 1, 1);
        let end = days_from_civil(2400, 12, 31);
        for days in 0..=end {
            assert_eq!(civil_from_days(days), (y, m, d), "day {days}");
            assert_eq!(days_from_civil(y, m, d), days, "{y}-{m}-{d}");
            d += 1;
            if d > month_len(y, m) {
                d = 1;
                m += 1;
                if m > 12 {
                    m = 1;
                    y += 1;
                }
            }
        }
        assert_eq!((y, m, d), (2401, 1, 1));
    }

    #[test]
    fn leap_years_2000_2024_but_not_2100() {
        for (y, leap) in [(2000, true), (2024, true), (2100, false), (2023, false)] {
            let feb29 = days_from_civil(y, 2, 29);
            let want = if leap { (y, 2, 29) } else { (y, 3, 1) };
            assert_eq!(civil_from_days(feb29), want, "{y}");
            let len = days_from_civil(y + 1, 1, 1) - days_from_civil(y, 1, 1);
            assert_eq!(len, if leap { 366 } else { 365 }, "{y}");
        }
        let feb28 = |y| days_from_civil(y, 2, 28) * 86_400;
        assert_eq!(rfc3339(feb28(2100) + 86_399), "2100-02-28T23:59:59Z");
        assert_eq!(rfc3339(feb28(2100) + 86_400), "2100-03-01T00:00:00Z");
        assert_eq!(rfc3339(feb28(2024) + 86_400), "2024-02-29T00:00:00Z");
        assert_eq!(rfc3339(feb28(2000) + 86_400), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn civil_from_unix_seconds_round_trips() {
        // Uneven steps over 1970 to about 2400, so every time of day turns up.
        let mut t = 0i64;
        while t < 13_600_000_000 {
            let c = Civil::from_unix(t);
            assert_eq!(c.to_unix(), t);
            assert!((1..=12).contains(&c.month));
            assert!((1..=month_len(c.year, c.month)).contains(&c.day));
            assert!(c.hour < 24 && c.minute < 60 && c.second < 60);
            assert_eq!(parse_rfc3339(&rfc3339(t)), Some(t));
            assert_eq!(date(t), rfc3339(t)[..10]);
            let (start, next) = (month_start(t), next_month(t));
            assert!(start <= t && t < next, "{}", rfc3339(t));
            let days = (next - start) / 86_400;
            assert_eq!(days, i64::from(month_len(c.year, c.month)));
            assert_eq!(Civil::from_unix(start).day, 1);
            t += 7_919_017;
        }
        let c = Civil::from_unix(1_764_028_845);
        let want = Civil {
            year: 2025,
            month: 11,
            day: 25,
            hour: 0,
            minute: 0,
            second: 45,
        };
        assert_eq!(c, want);
    }
}
