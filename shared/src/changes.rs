//! Level shifts in a pair's hourly medians, and their grouping into events.
//!
//! A single slow hour is noise; a pair whose median moves by a few percent
//! and *stays* there for hours has changed route, lost a cable, or gained a
//! better path. This module finds those moves so the feed can say "from
//! 03:00 to 07:00, us-east-1 → eu-west-1 went from 70 ms to 95 ms", and so a
//! cable cut that hits many pairs at once reads as one event, not forty.
//!
//! # The rule
//!
//! A [`Rule`] says how big and how long a move must be: at least
//! `max(min_shift_ms, min_shift_ratio × baseline)` away from the baseline, in
//! the same direction, for at least `min_hours` consecutive hours with data.
//! The default is the published rule: max(2 ms, 5 %) for 2 hours.
//!
//! # How a pair is judged
//!
//! - **Baseline.** The median of the last [`BASELINE_HOURS`] hours judged
//!   normal. A day's worth of hours spans the whole daily load cycle, so its
//!   median sits in the middle of it; and a median shrugs off the odd slow
//!   hour, so a short blip does not drag the baseline along.
//! - **Onset.** A run of `min_hours` consecutive hours all beyond the
//!   threshold on the same side (slower or faster; both count) is a shift; its
//!   onset is the run's first hour. A run cut short just becomes normal hours.
//! - **End.** The first hour of a run of `min_hours` consecutive hours back
//!   within the threshold of the baseline. Until such a run completes the
//!   shift is ongoing (`end = None`), also at the end of the series.
//! - **Before / after.** The baseline at the onset, and the median of the
//!   hours from the onset up to the end (or the last hour seen).
//! - **Gaps.** An hour without data (`None`) is skipped: it neither starts,
//!   extends, breaks nor ends a run, so a probe outage inside a shift does not
//!   split it in two.
//! - **A new normal.** A shift that holds for a whole baseline window without
//!   recovering is reported as ongoing, and the detector takes the shifted
//!   level as its new baseline: a route that changed for good is one shift,
//!   not a month-long alarm, and a later return to the old level is a shift
//!   of its own.
//! - **Warm-up.** The first [`BASELINE_HOURS`] hours with data only build the
//!   baseline and are never judged. A shift that began in them is therefore
//!   not reported with its true onset: if it covers less than half of the
//!   warm-up, the median ignores it and it is reported at the first judged
//!   hour (a late onset) if it is still on; if it covers more, the shifted
//!   level *is* the baseline, and its recovery is reported as a shift the
//!   other way. Callers who want a shift judged should hand over a day of
//!   history before it.
//!
//! Everything here is pure and allocation-light; it runs in the publisher and
//! compiles for the browser.

use crate::stats::quantile_sorted;

/// Hours of normal history the baseline is the median of: one day, so the
/// daily load cycle averages out.
pub const BASELINE_HOURS: usize = 24;

/// Shifts whose onsets lie within this many seconds of a group's first onset
/// belong to one [`Event`]; see [`group`].
pub const GROUP_WITHIN: i64 = 3600;

const HOUR: i64 = 3600;

/// Room for floating-point error when comparing a move with the threshold, so
/// that a move of exactly 5 % or exactly 2 ms counts as "at least".
const EPSILON_MS: f64 = 1e-9;

/// How large and how long a move must be to count as a level shift.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Rule {
    /// The smallest move that counts, in ms, whatever the pair's latency.
    pub min_shift_ms: f64,
    /// The smallest move that counts, as a fraction of the baseline.
    pub min_shift_ratio: f64,
    /// Consecutive hours with data the move must last (and the recovery must
    /// hold before a shift is declared over).
    pub min_hours: u32,
}

impl Default for Rule {
    /// max(2 ms, 5 %) for at least 2 hours.
    fn default() -> Rule {
        Rule {
            min_shift_ms: 2.0,
            min_shift_ratio: 0.05,
            min_hours: 2,
        }
    }
}

impl Rule {
    /// The smallest move (ms) that counts against a baseline of `baseline_ms`.
    pub fn threshold_ms(&self, baseline_ms: f64) -> f64 {
        self.min_shift_ms
            .max(self.min_shift_ratio * baseline_ms.abs())
    }

    /// The run length in hours, at least one.
    fn hours(&self) -> usize {
        usize::try_from(self.min_hours.max(1)).unwrap_or(usize::MAX)
    }
}

/// One pair's hourly medians (ms): medians[k] is the hour starting at start + 3600·k; None = no data that hour.
#[derive(Debug, Clone, PartialEq)]
pub struct PairHours {
    /// Source region code.
    pub source: String,
    /// Destination region code.
    pub destination: String,
    /// Unix seconds of the first hour, on an hour boundary.
    pub start: i64,
    /// One median per hour; `None` where the hour has no sample.
    pub medians: Vec<Option<f64>>,
}

/// onset/end are Unix seconds on hour boundaries; end = None while not recovered.
#[derive(Debug, Clone, PartialEq)]
pub struct Shift {
    /// Source region code.
    pub source: String,
    /// Destination region code.
    pub destination: String,
    /// Start of the first shifted hour.
    pub onset: i64,
    /// Start of the first hour of the recovery; `None` while ongoing.
    pub end: Option<i64>,
    /// The baseline median before the shift, ms.
    pub before_ms: f64,
    /// The median of the shifted hours, ms.
    pub after_ms: f64,
}

/// Shifts that began together. onset = earliest; end = latest end, None if any shift is ongoing.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// The earliest onset of its shifts.
    pub onset: i64,
    /// The latest end of its shifts, `None` if any is ongoing.
    pub end: Option<i64>,
    /// The shifts, ordered by (source, destination).
    pub shifts: Vec<Shift>,
}

/// Where a pair stands while its hours are read in order.
enum State {
    /// Hours are normal; `run` holds the hours (index, value) of a candidate
    /// run beyond the threshold on side `up`, not yet long enough.
    Normal { run: Vec<(usize, f64)>, up: bool },
    /// A shift is on since hour `onset`, on side `up`, against `before`.
    /// `values` are the shifted hours; `recovery` the hours of a pending
    /// recovery run.
    Shifted {
        onset: usize,
        up: bool,
        before: f64,
        values: Vec<f64>,
        recovery: Vec<(usize, f64)>,
    },
}

/// The median of `values`, which must be non-empty to mean anything (0 if empty).
fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_unstable_by(f64::total_cmp);
    quantile_sorted(&sorted, 0.5).unwrap_or(0.0)
}

/// The trailing window of normal hours.
struct Baseline {
    hours: std::collections::VecDeque<f64>,
}

impl Baseline {
    fn push(&mut self, v: f64) {
        if self.hours.len() == BASELINE_HOURS {
            self.hours.pop_front();
        }
        self.hours.push_back(v);
    }

    fn full(&self) -> bool {
        self.hours.len() == BASELINE_HOURS
    }

    fn median(&self) -> f64 {
        median(&self.hours.iter().copied().collect::<Vec<_>>())
    }
}

/// The level shifts in one pair's hours under `rule`, ordered by onset.
///
/// See the [module documentation](self) for how the baseline, onset, end and
/// gaps are handled, and what happens to a shift that began before the first
/// [`BASELINE_HOURS`] hours with data.
pub fn detect(pair: &PairHours, rule: &Rule) -> Vec<Shift> {
    let need = rule.hours();
    let at = |k: usize| pair.start + HOUR * i64::try_from(k).unwrap_or(i64::MAX / HOUR);
    let shift = |onset: usize, end: Option<usize>, before: f64, values: &[f64]| Shift {
        source: pair.source.clone(),
        destination: pair.destination.clone(),
        onset: at(onset),
        end: end.map(at),
        before_ms: before,
        after_ms: median(values),
    };
    let mut baseline = Baseline {
        hours: std::collections::VecDeque::with_capacity(BASELINE_HOURS),
    };
    let mut out = Vec::new();
    let mut state = State::Normal {
        run: Vec::new(),
        up: true,
    };
    for (k, v) in pair.medians.iter().enumerate() {
        let Some(v) = *v else { continue };
        if !v.is_finite() {
            continue;
        }
        if !baseline.full() {
            baseline.push(v);
            continue;
        }
        let base = baseline.median();
        let threshold = rule.threshold_ms(base) - EPSILON_MS;
        let beyond_up = v - base >= threshold;
        let beyond_down = base - v >= threshold;
        state = match state {
            State::Normal { mut run, up } => {
                if beyond_up || beyond_down {
                    if run.is_empty() || beyond_up == up {
                        run.push((k, v));
                    } else {
                        // Beyond on the other side: the old run was noise.
                        for (_, old) in run.drain(..) {
                            baseline.push(old);
                        }
                        run.push((k, v));
                    }
                    let up = beyond_up;
                    if run.len() >= need {
                        State::Shifted {
                            onset: run[0].0,
                            up,
                            before: base,
                            values: run.iter().map(|&(_, x)| x).collect(),
                            recovery: Vec::new(),
                        }
                    } else {
                        State::Normal { run, up }
                    }
                } else {
                    for (_, old) in run.drain(..) {
                        baseline.push(old);
                    }
                    baseline.push(v);
                    State::Normal { run, up }
                }
            }
            State::Shifted {
                onset,
                up,
                before,
                mut values,
                mut recovery,
            } => {
                let still = if up { beyond_up } else { beyond_down };
                if still {
                    // A recovery run cut short was part of the shift.
                    values.extend(recovery.drain(..).map(|(_, x)| x));
                    values.push(v);
                } else {
                    recovery.push((k, v));
                }
                if recovery.len() >= need {
                    out.push(shift(onset, Some(recovery[0].0), before, &values));
                    for (_, x) in recovery {
                        baseline.push(x);
                    }
                    State::Normal {
                        run: Vec::new(),
                        up: true,
                    }
                } else if values.len() + recovery.len() >= BASELINE_HOURS {
                    // The shifted level held for a whole window: the new normal.
                    out.push(shift(onset, None, before, &values));
                    for x in values.iter().chain(recovery.iter().map(|(_, x)| x)) {
                        baseline.push(*x);
                    }
                    State::Normal {
                        run: Vec::new(),
                        up: true,
                    }
                } else {
                    State::Shifted {
                        onset,
                        up,
                        before,
                        values,
                        recovery,
                    }
                }
            }
        };
    }
    if let State::Shifted {
        onset,
        before,
        mut values,
        recovery,
        ..
    } = state
    {
        values.extend(recovery.into_iter().map(|(_, x)| x));
        out.push(shift(onset, None, before, &values));
    }
    out
}

/// Groups shifts whose onsets lie within `within_seconds` of the group's first onset; events ordered by onset, shifts by (source, destination).
///
/// Grouping is anchored on the group's first onset, not chained from shift
/// to shift, so a slow drift of onsets over a day does not fuse into one
/// event.
pub fn group(mut shifts: Vec<Shift>, within_seconds: i64) -> Vec<Event> {
    shifts.sort_by(|a, b| {
        (a.onset, &a.source, &a.destination).cmp(&(b.onset, &b.source, &b.destination))
    });
    let mut events: Vec<Event> = Vec::new();
    for s in shifts {
        match events.last_mut() {
            Some(e) if s.onset - e.onset <= within_seconds => e.shifts.push(s),
            _ => events.push(Event {
                onset: s.onset,
                end: None,
                shifts: vec![s],
            }),
        }
    }
    for e in &mut events {
        e.shifts.sort_by(|a, b| {
            (&a.source, &a.destination, a.onset).cmp(&(&b.source, &b.destination, b.onset))
        });
        e.end = e
            .shifts
            .iter()
            .map(|s| s.end)
            .collect::<Option<Vec<_>>>()
            .and_then(|ends| ends.into_iter().max());
    }
    events
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z

    fn pair(src: &str, dst: &str, medians: Vec<Option<f64>>) -> PairHours {
        PairHours {
            source: src.into(),
            destination: dst.into(),
            start: T0,
            medians,
        }
    }

    /// `warm` hours at `base`, then each (hours, level) segment in turn.
    fn series(base: f64, warm: usize, segments: &[(usize, f64)]) -> Vec<Option<f64>> {
        let mut v = vec![Some(base); warm];
        for &(n, level) in segments {
            v.extend(std::iter::repeat_n(Some(level), n));
        }
        v
    }

    fn hour(k: i64) -> i64 {
        T0 + 3600 * k
    }

    fn one(medians: Vec<Option<f64>>) -> Vec<Shift> {
        detect(&pair("a", "b", medians), &Rule::default())
    }

    #[test]
    fn step_up_that_recovers() {
        let s = one(series(100.0, 30, &[(4, 130.0), (10, 100.0)]));
        assert_eq!(s.len(), 1, "{s:?}");
        assert_eq!(s[0].onset, hour(30));
        assert_eq!(s[0].end, Some(hour(34)));
        assert_eq!(s[0].before_ms, 100.0);
        assert_eq!(s[0].after_ms, 130.0);
        assert_eq!(
            (s[0].source.as_str(), s[0].destination.as_str()),
            ("a", "b")
        );
    }

    #[test]
    fn step_down_counts_too() {
        let s = one(series(80.0, 24, &[(3, 70.0), (5, 80.0)]));
        assert_eq!(s.len(), 1, "{s:?}");
        assert_eq!((s[0].onset, s[0].end), (hour(24), Some(hour(27))));
        assert_eq!((s[0].before_ms, s[0].after_ms), (80.0, 70.0));
    }

    #[test]
    fn one_hour_is_too_short() {
        assert!(one(series(100.0, 30, &[(1, 150.0), (10, 100.0)])).is_empty());
        // Two single hours apart are still not a run.
        let v = series(100.0, 30, &[(1, 150.0), (1, 100.0), (1, 150.0), (5, 100.0)]);
        assert!(one(v).is_empty());
        // Up then down is not one run in the same direction.
        assert!(one(series(100.0, 30, &[(1, 150.0), (1, 50.0), (5, 100.0)])).is_empty());
    }

    #[test]
    fn too_small_is_nothing() {
        // 4 % of 100 ms: above 2 ms, below 5 %.
        assert!(one(series(100.0, 30, &[(6, 104.0), (4, 100.0)])).is_empty());
        // 1.9 ms on 20 ms: above 5 % (9.5 %), below 2 ms.
        assert!(one(series(20.0, 30, &[(6, 21.9), (4, 20.0)])).is_empty());
    }

    #[test]
    fn two_ms_and_five_percent_boundaries() {
        // On 20 ms the 2 ms floor rules: exactly 2 ms counts, just under does not.
        assert_eq!(one(series(20.0, 30, &[(3, 22.0), (3, 20.0)])).len(), 1);
        assert!(one(series(20.0, 30, &[(3, 21.99), (3, 20.0)])).is_empty());
        // On 100 ms the 5 % rules: 5 ms counts, 4.99 ms does not though above 2 ms.
        assert_eq!(one(series(100.0, 30, &[(3, 105.0), (3, 100.0)])).len(), 1);
        assert!(one(series(100.0, 30, &[(3, 104.99), (3, 100.0)])).is_empty());
        // Downward the same.
        assert_eq!(one(series(100.0, 30, &[(3, 95.0), (3, 100.0)])).len(), 1);
        assert!(one(series(100.0, 30, &[(3, 95.01), (3, 100.0)])).is_empty());
        // The rule is a parameter: 3 hours asked, 2 given.
        let rule = Rule {
            min_hours: 3,
            ..Rule::default()
        };
        let p = pair("a", "b", series(100.0, 30, &[(2, 150.0), (3, 100.0)]));
        assert!(detect(&p, &rule).is_empty());
    }

    #[test]
    fn ongoing_until_recovery_holds() {
        // Never back: ongoing.
        let s = one(series(100.0, 30, &[(5, 140.0)]));
        assert_eq!(s.len(), 1);
        assert_eq!((s[0].onset, s[0].end), (hour(30), None));
        // Back for one hour only at the end: not yet recovered.
        let s = one(series(100.0, 30, &[(5, 140.0), (1, 100.0)]));
        assert_eq!(s[0].end, None);
        assert_eq!(s[0].after_ms, 140.0);
        // A one-hour dip back inside a shift does not end it.
        let s = one(series(
            100.0,
            30,
            &[(3, 140.0), (1, 100.0), (3, 140.0), (4, 100.0)],
        ));
        assert_eq!(s.len(), 1, "{s:?}");
        assert_eq!(s[0].end, Some(hour(37)));
    }

    #[test]
    fn gaps_neither_start_nor_end_a_shift() {
        // Shifted, gap, shifted: one run of two hours.
        let mut v = series(100.0, 30, &[(1, 130.0)]);
        v.extend([None, None, Some(130.0)]);
        v.extend(series(100.0, 0, &[(3, 100.0)]));
        let s = one(v);
        assert_eq!(s.len(), 1, "{s:?}");
        assert_eq!((s[0].onset, s[0].end), (hour(30), Some(hour(34))));
        // A gap inside a shift neither ends it nor counts toward recovery.
        let mut v = series(100.0, 30, &[(3, 130.0)]);
        v.extend([None; 5]);
        v.extend(series(100.0, 0, &[(2, 130.0), (3, 100.0)]));
        let s = one(v);
        assert_eq!(s.len(), 1, "{s:?}");
        assert_eq!(s[0].end, Some(hour(40)));
        // Gaps alone after normal hours are nothing.
        let mut v = series(100.0, 30, &[]);
        v.extend([None; 10]);
        assert!(one(v).is_empty());
    }

    #[test]
    fn warm_up_is_not_judged_and_a_lasting_level_becomes_normal() {
        // A shift inside the first day is absorbed, not reported.
        assert!(one(series(100.0, 5, &[(3, 150.0), (30, 100.0)])).is_empty());
        // A level that holds a whole window is one ongoing shift, then normal:
        // a return later is a shift of its own, downward.
        let s = one(series(100.0, 30, &[(40, 150.0), (10, 100.0)]));
        assert_eq!(s.len(), 2, "{s:?}");
        assert_eq!((s[0].onset, s[0].end), (hour(30), None));
        assert_eq!(
            (s[1].onset, s[1].before_ms, s[1].after_ms),
            (hour(70), 150.0, 100.0)
        );
    }

    /// The simulator's texture: a +3 % evening load cycle, ±1.5 % day-to-day
    /// route shifts and a little noise, on a long and a short path.
    #[test]
    fn daily_cycle_and_route_noise_give_nothing() {
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut unit = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        for base in [8.0, 45.0, 180.0, 320.0] {
            let mut v = Vec::new();
            for _day in 0..60 {
                let route = 1.0 + 0.015 * (2.0 * unit() - 1.0);
                for h in 0..24 {
                    let load = 1.0
                        + 0.015
                            * (1.0 + ((f64::from(h) - 21.0) / 24.0 * std::f64::consts::TAU).cos());
                    let noise = 1.0 + 0.002 * (2.0 * unit() - 1.0);
                    v.push(Some(base * route * load * noise));
                }
            }
            let s = one(v);
            assert!(s.is_empty(), "base {base}: {s:?}");
        }
    }

    #[test]
    fn a_real_shift_stands_out_of_the_daily_cycle() {
        let mut v: Vec<Option<f64>> = (0..72)
            .map(|h| {
                let load =
                    1.0 + 0.015 * (1.0 + ((h % 24) as f64 / 24.0 * std::f64::consts::TAU).cos());
                Some(100.0 * load)
            })
            .collect();
        for x in &mut v[40..44] {
            *x = x.map(|m| m * 1.2);
        }
        let s = one(v);
        assert_eq!(s.len(), 1, "{s:?}");
        assert_eq!((s[0].onset, s[0].end), (hour(40), Some(hour(44))));
    }

    fn shift(src: &str, dst: &str, onset: i64, end: Option<i64>) -> Shift {
        Shift {
            source: src.into(),
            destination: dst.into(),
            onset,
            end,
            before_ms: 10.0,
            after_ms: 20.0,
        }
    }

    #[test]
    fn simultaneous_shifts_form_one_event_and_others_stay_apart() {
        let shifts = vec![
            shift("c", "a", hour(10), Some(hour(14))),
            shift("a", "c", hour(11), Some(hour(13))),
            shift("b", "c", hour(10), Some(hour(12))),
            shift("a", "b", hour(30), None),
            shift("a", "b", hour(5), Some(hour(6))),
        ];
        let events = group(shifts, GROUP_WITHIN);
        assert_eq!(events.len(), 3, "{events:?}");
        assert_eq!((events[0].onset, events[0].end), (hour(5), Some(hour(6))));
        let cut = &events[1];
        assert_eq!((cut.onset, cut.end), (hour(10), Some(hour(14))));
        let pairs: Vec<_> = cut
            .shifts
            .iter()
            .map(|s| (s.source.as_str(), s.destination.as_str()))
            .collect();
        assert_eq!(pairs, [("a", "c"), ("b", "c"), ("c", "a")]);
        assert_eq!((events[2].onset, events[2].end), (hour(30), None));
        // An ongoing shift makes its event ongoing.
        let e = group(
            vec![
                shift("a", "b", hour(1), None),
                shift("b", "a", hour(1), Some(hour(3))),
            ],
            GROUP_WITHIN,
        );
        assert_eq!((e.len(), e[0].end), (1, None));
    }

    #[test]
    fn grouping_is_anchored_on_the_first_onset() {
        // Onsets an hour apart each, three in a row: the third is two hours
        // from the first, so it starts a new event rather than chaining.
        let events = group(
            vec![
                shift("a", "b", hour(0), Some(hour(3))),
                shift("a", "c", hour(1), Some(hour(3))),
                shift("a", "d", hour(2), Some(hour(4))),
            ],
            GROUP_WITHIN,
        );
        let sizes: Vec<_> = events.iter().map(|e| e.shifts.len()).collect();
        assert_eq!(sizes, [2, 1]);
        assert!(group(Vec::new(), GROUP_WITHIN).is_empty());
    }
}
