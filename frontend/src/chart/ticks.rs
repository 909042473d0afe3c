//! Where the axes' ticks go and what they say: round local times, in the
//! civil calendar of `shared::time`, and round milliseconds.

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

/// `(year, month, day, hour, minute)` of Unix seconds `t` shifted by `offset`.
fn civil(t: i64, offset: i64) -> (i64, usize, i64, i64, i64) {
    let s = shared::time::rfc3339(t + offset);
    let n = |r: std::ops::Range<usize>| s.get(r).and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
    (
        n(0..4),
        usize::try_from(n(5..7)).unwrap_or(1),
        n(8..10),
        n(11..13),
        n(14..16),
    )
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
            let (mut y, mut mo, ..) = civil(from, tz(from));
            // Round up to the next month boundary that is a multiple of m.
            let mut idx = y * 12 + mo as i64 - 1;
            idx = (idx + 1).div_euclid(m) * m + if (idx + 1).rem_euclid(m) == 0 { 0 } else { m };
            for _ in 0..1000 {
                y = idx.div_euclid(12);
                mo = usize::try_from(idx.rem_euclid(12)).unwrap_or(0) + 1;
                let Some(local) = shared::time::parse_rfc3339(&format!("{y:04}-{mo:02}-01")) else {
                    break;
                };
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
    let (y, mo, d, h, mi) = civil(t, tz(t));
    let month = MONTHS.get(mo.wrapping_sub(1)).copied().unwrap_or("?");
    match unit {
        Unit::Hours(_) if h != 0 || mi != 0 => format!("{h:02}:{mi:02}"),
        Unit::Hours(_) | Unit::Days(_) => format!("{d} {month}"),
        Unit::Months(_) if mo == 1 => format!("{month} {y}"),
        Unit::Months(_) => month.to_string(),
    }
}

/// Round values for the y axis: steps of 1, 2 or 5 × 10ⁿ, at most `max` of them.
pub fn y_ticks(lo: f64, hi: f64, max: usize) -> Vec<f64> {
    let span = (hi - lo).max(1e-9);
    let raw = span / max.max(1) as f64;
    let mag = 10f64.powi(raw.log10().floor() as i32);
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
}
