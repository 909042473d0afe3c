//! The weekly pattern: a pair's hourly medians folded into the 168 hours of
//! a week (Monday 00:00 first), each hour the median of its values over the
//! weeks examined, in UTC or shifted by a time zone's offset.

use shared::feed::v2::Series;

/// Hours in a week: the pattern's cells.
pub const WEEK_HOURS: usize = 168;

/// Weeks the pattern looks back over.
pub const WEEKS: i64 = 4;

/// Seconds the pattern looks back over: [`WEEKS`] weeks.
pub const SPAN_SECONDS: i64 = WEEKS * 7 * 86_400;

/// Names of the days, Monday first (ISO 8601).
pub const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// One hour of the week that has values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Slot {
    /// Median of the hourly medians that fall in this hour of the week, ms.
    pub median: f64,
    /// How many hourly medians (one per week, at most one more) it is the median of.
    pub weeks: usize,
}

/// The pattern of one pair.
#[derive(Debug, Clone, PartialEq)]
pub struct Week {
    /// Per hour of the week, Monday 00:00 first, its slot; `None` where no
    /// point in the range had a median (missing, never 0).
    pub slots: Vec<Option<Slot>>,
    /// Start of the first point with a median, Unix seconds.
    pub first: Option<i64>,
    /// End of the last point with a median, exclusive.
    pub last: Option<i64>,
}

impl Week {
    /// Seconds between the first and the last value: how much of the span
    /// the data covers. Less than [`SPAN_SECONDS`] means fewer than
    /// [`WEEKS`] weeks of data.
    pub fn covered(&self) -> i64 {
        match (self.first, self.last) {
            (Some(a), Some(b)) => b - a,
            _ => 0,
        }
    }

    /// Hours of the week without a value.
    pub fn missing(&self) -> usize {
        self.slots.iter().filter(|s| s.is_none()).count()
    }
}

/// The hour of the week (0 = Monday 00:00) that Unix time `t` falls in, at
/// `offset` seconds east of UTC. The Unix epoch was a Thursday.
pub fn slot_of(t: i64, offset: i64) -> usize {
    let local = t + offset;
    let weekday = (local.div_euclid(86_400) + 3).rem_euclid(7);
    let hour = local.rem_euclid(86_400) / 3600;
    (weekday * 24 + hour) as usize
}

/// An hour of the week for people: `Mon 05:00`.
pub fn slot_label(slot: usize) -> String {
    let day = DAYS.get(slot / 24).copied().unwrap_or("?");
    format!("{day} {:02}:00", slot % 24)
}

/// Folds the points of `series` that start in `[from, to)` into the hours
/// of the week, at the offset `tz` gives for each point's start (so a
/// daylight-saving change moves the points after it). A point goes to the
/// hour its start falls in; an offset that is not whole hours (UTC+05:30)
/// files an hourly point under the local hour it starts in.
pub fn fold(series: &Series, from: i64, to: i64, tz: &dyn Fn(i64) -> i64) -> Week {
    let mut values: Vec<Vec<f64>> = vec![Vec::new(); WEEK_HOURS];
    let (mut first, mut last) = (None, None);
    let step = series.step_seconds.max(1);
    if let Some(start) = shared::time::parse_rfc3339(&series.start) {
        for (k, v) in series.p50.iter().enumerate() {
            let t = start + k as i64 * step;
            let Some(v) = *v else { continue };
            if t < from || t >= to {
                continue;
            }
            values[slot_of(t, tz(t))].push(v);
            first = Some(first.map_or(t, |f: i64| f.min(t)));
            last = Some(last.map_or(t + step, |l: i64| l.max(t + step)));
        }
    }
    let slots = values
        .iter_mut()
        .map(|v| {
            let weeks = v.len();
            super::fold::median(v).map(|median| Slot { median, weeks })
        })
        .collect();
    Week { slots, first, last }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::testdata::year;
    use shared::time::parse_rfc3339;

    /// Hourly points from `start` with these medians.
    fn hourly(start: &str, p50: Vec<Option<f64>>) -> Series {
        let mut s = year("us-east-1", 0.0);
        let n = p50.len();
        s.start = start.into();
        s.p50 = p50;
        for col in [&mut s.p10, &mut s.p90, &mut s.min, &mut s.max] {
            col.truncate(n);
        }
        s.samples.truncate(n);
        s.lost.truncate(n);
        s
    }

    const MONDAY: &str = "2026-11-02T00:00:00Z";

    #[test]
    fn the_hour_of_the_week_starts_on_monday() {
        let monday = parse_rfc3339(MONDAY).unwrap();
        assert_eq!(slot_of(monday, 0), 0);
        assert_eq!(slot_of(monday + 5 * 3600 + 59 * 60, 0), 5);
        assert_eq!(slot_of(monday + 86_400, 0), 24, "Tuesday");
        assert_eq!(slot_of(monday - 3600, 0), 167, "Sunday 23:00");
        assert_eq!(slot_of(0, 0), 3 * 24, "the epoch was a Thursday");
        assert_eq!(slot_label(0), "Mon 00:00");
        assert_eq!(slot_label(167), "Sun 23:00");
    }

    #[test]
    fn each_hour_is_the_median_of_its_weeks() {
        // Four weeks; Monday 05:00 is 70, 90, 71 and missing, Tuesday 00:00
        // is 60 and 62, and Wednesday 03:00 has no value in any week.
        let n = 4 * 168;
        let mut p50: Vec<Option<f64>> = (0..n).map(|k| Some(100.0 + (k % 168) as f64)).collect();
        for (week, v) in [Some(70.0), Some(90.0), Some(71.0), None]
            .into_iter()
            .enumerate()
        {
            p50[week * 168 + 5] = v;
        }
        for week in 0..4 {
            p50[week * 168 + 24] = Some(if week < 2 { 60.0 } else { 62.0 });
            p50[week * 168 + 48 + 3] = None;
        }
        let s = hourly(MONDAY, p50);
        let from = parse_rfc3339(MONDAY).unwrap();
        let w = fold(&s, from, from + SPAN_SECONDS, &|_| 0);
        assert_eq!(w.slots.len(), WEEK_HOURS);
        assert_eq!(
            w.slots[5],
            Some(Slot {
                median: 71.0,
                weeks: 3
            }),
            "a missing week is no value, not 0"
        );
        assert_eq!(
            w.slots[24],
            Some(Slot {
                median: 61.0,
                weeks: 4
            }),
            "the middle two, averaged"
        );
        assert_eq!(w.slots[51], None, "no value in any week: missing");
        assert_eq!(
            w.slots[0],
            Some(Slot {
                median: 100.0,
                weeks: 4
            })
        );
        assert_eq!(w.missing(), 1);
        assert_eq!(w.covered(), SPAN_SECONDS);
        // Points outside the range are left out.
        let w = fold(&s, from + 7 * 86_400, from + SPAN_SECONDS, &|_| 0);
        assert_eq!(
            w.slots[5],
            Some(Slot {
                median: 80.5,
                weeks: 2
            })
        );
        assert!(w.covered() < SPAN_SECONDS, "three weeks: fewer than four");
    }

    #[test]
    fn a_time_zone_shifts_the_hours_and_wraps_across_the_week() {
        // One week of hours, each worth its own hour of the UTC week.
        let p50: Vec<Option<f64>> = (0..168).map(|k| Some(k as f64)).collect();
        let s = hourly(MONDAY, p50);
        let from = parse_rfc3339(MONDAY).unwrap();
        let to = from + 7 * 86_400;
        let value = |w: &Week, slot: usize| w.slots[slot].map(|s| s.median);
        // East of UTC: UTC Sunday 23:00 is Monday 01:00 at UTC+2.
        let east = fold(&s, from, to, &|_| 2 * 3600);
        assert_eq!(value(&east, 1), Some(167.0));
        assert_eq!(value(&east, 0), Some(166.0));
        assert_eq!(value(&east, 2), Some(0.0), "UTC Monday 00:00");
        // West of UTC: UTC Monday 00:00 is Sunday 19:00 at UTC−5.
        let west = fold(&s, from, to, &|_| -5 * 3600);
        assert_eq!(value(&west, 167 - 4), Some(0.0));
        assert_eq!(value(&west, 167), Some(4.0));
        // Half an hour: a point goes to the local hour it starts in.
        let india = fold(&s, from, to, &|_| 5 * 3600 + 1800);
        assert_eq!(value(&india, 5), Some(0.0), "00:00 UTC starts at 05:30");
        // The offset is the one at each point: a change half way moves the rest.
        let change = from + 3 * 86_400;
        let dst = fold(&s, from, to, &|t| if t < change { 0 } else { 3600 });
        assert_eq!(value(&dst, 71), Some(71.0), "before the change: UTC");
        assert_eq!(value(&dst, 72), None, "the skipped hour has no value");
        assert_eq!(value(&dst, 73), Some(72.0));
        assert_eq!(
            dst.missing(),
            1,
            "and the hour pushed past Sunday wraps to Monday 00:00"
        );
        assert_eq!(
            value(&dst, 0),
            Some(83.5),
            "Monday 00:00 UTC and the wrapped Sunday 23:00"
        );
    }
}
