//! Where the axes' ticks go and what they say: round local times, in the
//! civil calendar of `shared::time`, and round milliseconds.

use shared::time::{Civil, days_from_civil};

/// Spacing of the time axis's ticks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Hours apart (1, 3, 6 or 12).
    Hours(i64),
    /// Days apart (1, 2, 7 or 14).
    Days(i64),
    /// Months apart (1, 2, 3, 6 or 12).
    Months(i64),
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// The local calendar date and time of Unix seconds `t`, `offset` seconds from UTC.
fn civil(t: i64, offset: i64) -> Civil {
    Civil::from_unix(t + offset)
}

/// The short name of month 1 to 12.
fn month_name(month: u32) -> &'static str {
    usize::try_from(month)
        .ok()
        .and_then(|m| MONTHS.get(m.wrapping_sub(1)))
        .copied()
        .unwrap_or("?")
}

/// Ticks on `[from, to)` at round local times, at most about `max` of them.
/// `tz(t)` is the local offset from UTC in seconds at `t`.
pub fn ticks(from: i64, to: i64, max: usize, tz: &dyn Fn(i64) -> i64) -> (Unit, Vec<i64>) {
    const H: i64 = 3600;
    const D: i64 = 86_400;
    let span = (to - from).max(1);
    let max = max.max(2) as i64;
    let units = [
        Unit::Hours(1),
        Unit::Hours(3),
        Unit::Hours(6),
        Unit::Hours(12),
        Unit::Days(1),
        Unit::Days(2),
        Unit::Days(7),
        Unit::Days(14),
        Unit::Months(1),
        Unit::Months(2),
        Unit::Months(3),
        Unit::Months(6),
        Unit::Months(12),
    ];
    let approx = |u: Unit| match u {
        Unit::Hours(h) => h * H,
        Unit::Days(d) => d * D,
        Unit::Months(m) => m * 30 * D,
    };
    let unit = units
        .into_iter()
        .find(|&u| span / approx(u) <= max)
        .unwrap_or(Unit::Months(12));
    let mut out = Vec::new();
    match unit {
        Unit::Hours(_) | Unit::Days(_) => {
            let step = approx(unit);
            // Weeks start on Monday (1970-01-05 was one).
            let origin = if step >= 7 * D { 4 * D } else { 0 };
            let off = tz(from);
            let local = from + off - origin;
            let mut k = local.div_euclid(step) * step + origin;
            if k < from + off {
                k += step;
            }
            while k - off < to && out.len() < 1000 {
                let t = k - tz(k - off);
                if t >= from {
                    out.push(t);
                }
                k += step;
            }
        }
        Unit::Months(m) => {
            let start = civil(from, tz(from));
            // Months since year 0, rounded up to the next month boundary
            // that is a multiple of m.
            let mut idx = start.year * 12 + i64::from(start.month) - 1;
            idx = (idx + 1).div_euclid(m) * m + if (idx + 1).rem_euclid(m) == 0 { 0 } else { m };
            for _ in 0..1000 {
                let year = idx.div_euclid(12);
                // 1 ≤ month ≤ 12.
                let month = u32::try_from(idx.rem_euclid(12)).unwrap_or(0) + 1;
                let local = days_from_civil(year, month, 1) * D;
                let t = local - tz(local);
                if t >= to {
                    break;
                }
                if t >= from {
                    out.push(t);
                }
                idx += m;
            }
        }
    }
    (unit, out)
}

/// The label of a tick.
pub fn tick_label(t: i64, unit: Unit, tz: &dyn Fn(i64) -> i64) -> String {
    let c = civil(t, tz(t));
    let month = month_name(c.month);
    let (h, mi) = (c.hour, c.minute);
    match unit {
        Unit::Hours(_) if h != 0 || mi != 0 => format!("{h:02}:{mi:02}"),
        Unit::Hours(_) | Unit::Days(_) => format!("{} {month}", c.day),
        Unit::Months(_) if c.month == 1 => format!("{month} {}", c.year),
        Unit::Months(_) => month.to_string(),
    }
}

/// Round values for the y axis: steps of 1, 2 or 5 × 10ⁿ, at most `max` of them.
pub fn y_ticks(lo: f64, hi: f64, max: usize) -> Vec<f64> {
    let span = (hi - lo).max(1e-9);
    let raw = span / max.max(1) as f64;
    let mag = 10f64.powi(shared::math::log10(raw).floor() as i32);
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| span / s <= max as f64)
        .unwrap_or(10.0 * mag);
    let mut out = Vec::new();
    let mut v = (lo / step).ceil() * step;
    while v <= hi && out.len() <= max {
        out.push(v);
        v += step;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::testdata::utc;

    #[test]
    fn ticks_fall_on_round_local_times() {
        let from = shared::time::parse_rfc3339("2026-11-19T12:00:00Z").unwrap();
        let (unit, t) = ticks(from, from + 86_400, 10, &utc);
        assert_eq!(unit, Unit::Hours(3));
        assert_eq!(shared::time::rfc3339(t[0]), "2026-11-19T12:00:00Z");
        assert_eq!(tick_label(t[0], unit, &utc), "12:00");
        assert_eq!(
            tick_label(t[4], unit, &utc),
            "20 Nov",
            "midnight shows the date"
        );
        // An hour east of UTC: ticks at local 3-hour marks.
        let cet = |_: i64| 3600;
        let (_, t) = ticks(from, from + 86_400, 10, &cet);
        assert_eq!(shared::time::rfc3339(t[0]), "2026-11-19T14:00:00Z");
        assert_eq!(tick_label(t[0], unit, &cet), "15:00");
        // A year: months.
        let (unit, t) = ticks(from - 365 * 86_400, from, 12, &utc);
        assert_eq!(unit, Unit::Months(1));
        assert_eq!(shared::time::rfc3339(t[0]), "2025-12-01T00:00:00Z");
        assert_eq!(tick_label(t[1], unit, &utc), "Jan 2026");
        assert_eq!(t.len(), 12);
        // Weeks start on Mondays (2026-11-09 is one).
        let (unit, t) = ticks(from - 60 * 86_400, from, 6, &utc);
        assert_eq!(unit, Unit::Days(14));
        assert_eq!(
            shared::time::rfc3339(*t.last().unwrap()),
            "2026-11-09T00:00:00Z"
        );
    }

    #[test]
    fn month_ticks_follow_the_calendar_in_local_time() {
        use shared::time::{parse_rfc3339, rfc3339};
        // Five hours west of UTC: local midnight of the 1st is 05:00 UTC.
        let est = |_: i64| -5 * 3600;
        let from = parse_rfc3339("2023-12-15T00:00:00Z").unwrap();
        let to = parse_rfc3339("2024-04-15T00:00:00Z").unwrap();
        let (unit, t) = ticks(from, to, 5, &est);
        assert_eq!(unit, Unit::Months(1));
        let got: Vec<String> = t.iter().map(|&t| rfc3339(t)).collect();
        assert_eq!(
            got,
            [
                "2024-01-01T05:00:00Z",
                "2024-02-01T05:00:00Z",
                "2024-03-01T05:00:00Z",
                "2024-04-01T05:00:00Z"
            ],
            "February 2024 has 29 days"
        );
        let labels: Vec<String> = t.iter().map(|&t| tick_label(t, unit, &est)).collect();
        assert_eq!(labels, ["Jan 2024", "Feb", "Mar", "Apr"]);
        // Three years in 6-month steps, over 2100 (no leap day).
        let from = parse_rfc3339("2099-02-10T00:00:00Z").unwrap();
        let (unit, t) = ticks(from, from + 3 * 365 * 86_400, 6, &utc);
        assert_eq!(unit, Unit::Months(6));
        let got: Vec<String> = t.iter().map(|&t| rfc3339(t)[..10].to_string()).collect();
        assert_eq!(
            got,
            [
                "2099-07-01",
                "2100-01-01",
                "2100-07-01",
                "2101-01-01",
                "2101-07-01",
                "2102-01-01"
            ]
        );
        assert_eq!(tick_label(t[1], unit, &utc), "Jan 2100");
        assert_eq!(tick_label(t[2], unit, &utc), "Jul");
        // Days: the day of the month, 29 February 2000 too.
        let leap = parse_rfc3339("2000-02-29T00:00:00Z").unwrap();
        assert_eq!(tick_label(leap, Unit::Days(1), &utc), "29 Feb");
        assert_eq!(tick_label(leap + 86_400, Unit::Days(1), &utc), "1 Mar");
    }
}
