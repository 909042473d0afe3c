//! The detected latency changes: `changes.json` and `changes.atom`.
//!
//! Each pair's hourly medians (the p50 of its hour sketch, as the 1-hour
//! series publishes it) go through [`shared::changes::detect`]; the shifts
//! are grouped into events ([`shared::changes::group`]) and written as
//! [`Changes`] and as an Atom feed ([`super::atom`]).
//!
//! # Constant work
//!
//! The file reaches back [`SPAN`] (8 days, the first of which only builds
//! the detector's baseline), but a publish does not read 8 days of hours:
//! the previous publish's `changes.json` (one GET) carries what it found, and
//! only the newest [`REEXAMINE`] hours are judged again, read with the day of
//! baseline before them as one query of hour groups per source. Shifts whose
//! onset lies before the re-examined hours were settled when the previous file
//! was written (a shift ends or becomes the new normal within a day of its
//! onset) and are kept as they were; the hours they cover are left out of the
//! baseline of the re-examination, as the detector itself leaves a shift's
//! hours out of its baseline, so a shift is not found a second time from its
//! tail. Only without a previous file to build on (the first publish, a new
//! rule, or a publisher that stopped for more than half a day) are the whole
//! 8 days read. And the stage runs only when an hour has closed (see
//! [`super::run`]): other cycles leave both files as they are.

use std::collections::BTreeMap;

use shared::changes::{self, BASELINE_HOURS, Event, GROUP_WITHIN, PairHours, Rule, Shift};
use shared::feed::v2::{self, ChangeEvent, ChangeRule, Changes, round_ms};
use shared::stats::Stat;
use shared::time::{parse_rfc3339, rfc3339};
use store::{Bucket, Level, SketchStore};

use super::atom;
use super::upload::{SHORT, Uploader, encode, meta};
use crate::Result;

const HOUR: i64 = 3600;
const DAY: i64 = 86_400;
/// The detector's baseline, in seconds.
const BASELINE: i64 = BASELINE_HOURS as i64 * HOUR;

/// How far back `changes.json` reaches: 8 days, the first only building the
/// baseline the next 7 are judged against.
pub const SPAN: i64 = 8 * DAY;

/// The hours judged again at each hour's close when the previous file can be
/// built on (read with [`BASELINE_HOURS`] before them). The previous file must
/// reach within `REEXAMINE − BASELINE_HOURS` (12 hours) of now, so that what
/// it found before the re-examined hours had a day to settle.
pub const REEXAMINE: i64 = 36 * HOUR;

/// What the stage works with.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan<'a> {
    /// End of the newest complete hour: hours before it are examined.
    pub to: i64,
    /// The time written as `generated_at`.
    pub now: i64,
    /// Whether the data is simulated.
    pub simulated: bool,
    /// The detector's rule.
    pub rule: Rule,
    /// The site's absolute base URL, for the Atom feed's links.
    pub site: &'a str,
}

/// The previous file, if it can be built on for `plan`: same rule, same
/// kind of data, and recent enough that what it found before the
/// re-examined hours has settled.
fn usable<'c>(prev: Option<&'c Changes>, plan: &Plan) -> Option<&'c Changes> {
    let prev = prev?;
    let to = parse_rfc3339(&prev.to)?;
    parse_rfc3339(&prev.from)?;
    (prev.rule == ChangeRule::from(&plan.rule)
        && prev.simulated == plan.simulated
        && to <= plan.to
        && to >= plan.to - REEXAMINE + BASELINE)
        .then_some(prev)
}

/// The hours to read: the whole span, or the re-examined hours and the
/// baseline before them when there is a previous file to build on.
pub fn window(prev: Option<&Changes>, plan: &Plan) -> (i64, i64) {
    let reach = match usable(prev, plan) {
        Some(_) => REEXAMINE + BASELINE,
        None => SPAN,
    };
    (plan.to - reach, plan.to)
}

/// The shifts a previous file holds, one per pair of each event.
fn shifts_of(prev: &Changes) -> Vec<Shift> {
    prev.events
        .iter()
        .flat_map(|e| &e.pairs)
        .filter_map(|p| {
            Some(Shift {
                source: p.source.clone(),
                destination: p.destination.clone(),
                onset: parse_rfc3339(&p.onset)?,
                end: match &p.end {
                    Some(t) => Some(parse_rfc3339(t)?),
                    None => None,
                },
                before_ms: p.before_ms,
                after_ms: p.after_ms,
            })
        })
        .collect()
}

/// Start of the first hour [`changes::detect`] judges in `p`: the one after
/// its first [`BASELINE_HOURS`] hours with data. `None` if there is none.
fn judged_from(p: &PairHours) -> Option<i64> {
    p.medians
        .iter()
        .enumerate()
        .filter(|(_, v)| v.is_some_and(f64::is_finite))
        .nth(BASELINE_HOURS)
        .map(|(k, _)| p.start + HOUR * k as i64)
}

/// `p` without the hours that known shifts make no part of the baseline, as
/// the detector leaves them out: an ended shift's hours; and for one that did
/// not end (it became the new normal, see [`changes`]), every hour before its
/// onset, since its shifted hours are the baseline from then on.
fn masked(p: &PairHours, known: &[&Shift]) -> PairHours {
    let covered = |t: i64| {
        known.iter().any(|s| match s.end {
            Some(end) => s.onset <= t && t < end,
            None => t < s.onset,
        })
    };
    let medians = p
        .medians
        .iter()
        .enumerate()
        .map(|(k, v)| v.filter(|_| !covered(p.start + HOUR * k as i64)))
        .collect();
    PairHours {
        medians,
        ..p.clone()
    }
}

/// One pair's shifts: those `carried` over from the previous file with an
/// onset before the first hour the re-examination can judge, then the
/// re-examination's own from that hour on.
fn pair_shifts(p: &PairHours, carried: &[Shift], rule: &Rule) -> Vec<Shift> {
    // Masking a carried shift can push the first judged hour later, which can
    // carry (and mask) another: repeat until it stands still.
    let mut cut = judged_from(p);
    let (hours, cut) = loop {
        let limit = cut.unwrap_or(i64::MAX);
        let known: Vec<&Shift> = carried.iter().filter(|s| s.onset < limit).collect();
        let hours = masked(p, &known);
        let next = judged_from(&hours);
        if next == cut {
            break (hours, limit);
        }
        cut = next;
    };
    let mut out: Vec<Shift> = carried.iter().filter(|s| s.onset < cut).cloned().collect();
    out.extend(
        changes::detect(&hours, rule)
            .into_iter()
            .filter(|s| s.onset >= cut),
    );
    out
}

/// The events over `[from, to)`: the previous file's carried, the hours in
/// `pairs` judged again. Newest onset first.
///
/// Events are regrouped as a whole and those whose onset falls before `from`
/// are dropped as a whole, so an event keeps its id (its first shift) for as
/// long as it is in the file.
pub fn events(
    prev: Option<&Changes>,
    pairs: &[PairHours],
    rule: &Rule,
    from: i64,
) -> Vec<ChangeEvent> {
    let mut carried: BTreeMap<(String, String), Vec<Shift>> = BTreeMap::new();
    for s in prev.map(shifts_of).unwrap_or_default() {
        carried
            .entry((s.source.clone(), s.destination.clone()))
            .or_default()
            .push(s);
    }
    let mut all = Vec::new();
    for p in pairs {
        let key = (p.source.clone(), p.destination.clone());
        let mine = carried.remove(&key).unwrap_or_default();
        all.extend(pair_shifts(p, &mine, rule));
    }
    // Pairs with no hour read now keep what they had.
    all.extend(carried.into_values().flatten());
    let grouped: Vec<Event> = changes::group(all, GROUP_WITHIN);
    grouped
        .iter()
        .rev()
        .filter(|e| e.onset >= from)
        .map(ChangeEvent::from)
        .collect()
}

/// Every pair's hourly medians over `[start, to)` from the sources' hour
/// sketch groups: one query per source.
async fn hours<S: SketchStore>(
    st: &S,
    sources: &[String],
    start: i64,
    to: i64,
) -> Result<Vec<PairHours>> {
    let n = usize::try_from((to - start) / HOUR).unwrap_or(0);
    let mut pairs: BTreeMap<(String, String), PairHours> = BTreeMap::new();
    for source in sources {
        for (t, group) in st.sketches(Level::Hour, source, start, to).await? {
            let Ok(k) = usize::try_from((t - start) / HOUR) else {
                continue;
            };
            if k >= n {
                continue;
            }
            for (dst, sk) in group {
                let Some(l) = sk.summary().latency else {
                    continue;
                };
                let p = pairs
                    .entry((source.clone(), dst.clone()))
                    .or_insert_with(|| PairHours {
                        source: source.clone(),
                        destination: dst,
                        start,
                        medians: vec![None; n],
                    });
                // The value the 1-hour series publishes for this hour.
                p.medians[k] = Some(round_ms(l.get(Stat::P50)));
            }
        }
    }
    Ok(pairs.into_values().collect())
}

/// Recomputes the changes and writes `changes.json` and `changes.atom`
/// through `up`, reading the previous file from `bucket`.
pub async fn publish<S: SketchStore, B: Bucket>(
    st: &S,
    bucket: &B,
    up: &mut Uploader<'_, B>,
    sources: &[String],
    plan: &Plan<'_>,
) -> Result<Changes> {
    let prev: Option<Changes> = bucket
        .get(v2::CHANGES_PATH)
        .await?
        .and_then(|b| serde_json::from_slice::<Changes>(&b).ok())
        .filter(|c| c.validate().is_ok());
    let prev = usable(prev.as_ref(), plan);
    let (start, to) = window(prev, plan);
    let pairs = hours(st, sources, start, to).await?;
    let from = match prev.and_then(|p| parse_rfc3339(&p.from)) {
        Some(f) => f.max(plan.to - SPAN),
        // The first hour with data, when the history is shorter than the span.
        None => pairs
            .iter()
            .filter_map(|p| {
                let k = p.medians.iter().position(Option::is_some)?;
                Some(start + HOUR * k as i64)
            })
            .min()
            .unwrap_or(to),
    };
    let changes = Changes {
        version: v2::VERSION,
        generated_at: rfc3339(plan.now),
        from: rfc3339(from),
        to: rfc3339(to),
        rule: ChangeRule::from(&plan.rule),
        simulated: plan.simulated,
        events: events(prev, &pairs, &plan.rule, from),
    };
    let json = encode("changes", &changes)?;
    let rel = |p: &str| {
        p.trim_start_matches(v2::ROOT)
            .trim_start_matches('/')
            .to_string()
    };
    up.always(
        &rel(v2::CHANGES_PATH),
        &json,
        &meta("application/json", SHORT),
    )
    .await?;
    let xml = atom::feed(&changes, plan.site);
    up.always(
        &rel(v2::CHANGES_ATOM_PATH),
        xml.as_bytes(),
        &meta("application/atom+xml", SHORT),
    )
    .await?;
    Ok(changes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-11-20T00:00:00Z.
    const T0: i64 = 1_795_132_800;

    fn plan(to: i64) -> Plan<'static> {
        Plan {
            to,
            now: to + 300,
            simulated: true,
            rule: Rule::default(),
            site: "https://cloudping.example/",
        }
    }

    /// `n` hours from `start` at `base` ms, `level` ms over `[a, b)` (hour indexes).
    fn pair(src: &str, start: i64, n: usize, base: f64, step: (usize, usize, f64)) -> PairHours {
        let (a, b, level) = step;
        PairHours {
            source: src.into(),
            destination: "eu-west-1".into(),
            start,
            medians: (0..n)
                .map(|k| Some(if (a..b).contains(&k) { level } else { base }))
                .collect(),
        }
    }

    /// The file a run over `pairs` gives, built on `prev`.
    fn run(prev: Option<&Changes>, pairs: &[PairHours], to: i64) -> Changes {
        let p = plan(to);
        let prev = usable(prev, &p);
        let (start, _) = window(prev, &p);
        // Each run reads only its window, as `publish` does.
        let pairs: Vec<PairHours> = pairs
            .iter()
            .map(|x| {
                let skip = usize::try_from((start - x.start) / HOUR).unwrap_or(0);
                let keep = usize::try_from((to - start) / HOUR).unwrap_or(0);
                PairHours {
                    start: start.max(x.start),
                    medians: x.medians.iter().skip(skip).take(keep).copied().collect(),
                    ..x.clone()
                }
            })
            .collect();
        let from = prev
            .and_then(|c| parse_rfc3339(&c.from))
            .map_or(start.max(pairs[0].start), |f| f.max(to - SPAN));
        let c = Changes {
            version: 2,
            generated_at: rfc3339(p.now),
            from: rfc3339(from),
            to: rfc3339(to),
            rule: ChangeRule::from(&p.rule),
            simulated: true,
            events: events(prev, &pairs, &p.rule, from),
        };
        c.validate().unwrap();
        c
    }

    #[test]
    fn the_window_is_short_when_the_previous_file_can_be_built_on() {
        let p = plan(T0 + 10 * DAY);
        assert_eq!(window(None, &p), (p.to - SPAN, p.to));
        let prev = run(
            None,
            &[pair("us-east-1", T0, 240, 70.0, (0, 0, 0.0))],
            p.to - HOUR,
        );
        assert_eq!(window(Some(&prev), &p), (p.to - REEXAMINE - BASELINE, p.to));
        // Another rule, or a previous file too old (or from the future): all 8 days.
        let other = Plan {
            rule: Rule {
                min_hours: 3,
                ..Rule::default()
            },
            ..p.clone()
        };
        assert_eq!(window(Some(&prev), &other).0, p.to - SPAN);
        assert_eq!(
            window(Some(&prev), &plan(p.to + 12 * HOUR)).0,
            p.to + 12 * HOUR - SPAN
        );
        assert_eq!(
            window(Some(&prev), &plan(p.to - 2 * HOUR)).0,
            p.to - 2 * HOUR - SPAN
        );
        let measured = Plan {
            simulated: false,
            ..p
        };
        assert_eq!(window(Some(&prev), &measured).0, measured.to - SPAN);
    }

    /// Publishing every hour and building on the previous file finds what one
    /// pass over the whole history finds, and keeps what scrolled out of the
    /// re-examined hours.
    #[test]
    fn hourly_runs_agree_with_one_pass_over_everything() {
        // 10 days; on day 2 a short step up on one pair and down on another
        // (one event, ended); on day 5 a short step (ended); on day 7 a drop
        // that lasts (the new normal) and a step up on day 8 after it; a
        // step on day 10 still on at the end.
        let n = 240;
        let mut a = pair("us-east-1", T0, n, 70.0, (30, 34, 90.0));
        for k in 150..n {
            a.medians[k] = Some(60.0);
        }
        for k in 180..184 {
            a.medians[k] = Some(66.0);
        }
        for k in 220..n {
            a.medians[k] = Some(75.0);
        }
        let mut b = pair("ap-south-1", T0, n, 100.0, (31, 35, 80.0));
        for k in 100..104 {
            b.medians[k] = Some(125.0);
        }
        let pairs = [a, b];
        let end = T0 + n as i64 * HOUR;
        let mut prev: Option<Changes> = None;
        // From the first hour with a day of history, every hour.
        let mut to = T0 + 25 * HOUR;
        while to <= end {
            let next = run(prev.as_ref(), &pairs, to);
            if let Some(p) = &prev {
                assert!(next.from >= p.from, "from only moves forward");
            }
            prev = Some(next);
            to += HOUR;
        }
        let hourly = prev.unwrap();
        // One pass over the last 8 days, from nothing.
        let once = run(None, &pairs, end);
        let ids = |c: &Changes| c.events.iter().map(|e| e.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&hourly), ids(&once), "{hourly:#?}\n{once:#?}");
        // Day 2's event began more than 8 days before the end: gone from both.
        let id = |k: i64, src: &str| format!("{}/{src}/eu-west-1", rfc3339(T0 + k * HOUR));
        assert_eq!(
            ids(&hourly),
            [
                id(220, "us-east-1"),
                id(180, "us-east-1"),
                id(150, "us-east-1"),
                id(100, "ap-south-1"),
            ]
        );
        assert_eq!(hourly.events, once.events);
        assert_eq!(hourly.events[0].end, None, "still on at the end");
        let drop = &hourly.events[2].pairs[0];
        assert_eq!(
            (drop.before_ms, drop.after_ms, drop.end.clone()),
            (70.0, 60.0, None)
        );
        let after = &hourly.events[1].pairs[0];
        assert_eq!(
            (after.before_ms, after.after_ms),
            (60.0, 66.0),
            "judged against the new normal"
        );
        assert_eq!(hourly.from, rfc3339(end - SPAN));
    }

    #[test]
    fn a_kept_shift_is_not_found_again_from_its_tail() {
        // A step up whose onset scrolls just before the re-examined hours
        // while its tail is still in the baseline day they are read with.
        let n = 120;
        let p = pair("us-east-1", T0, n, 70.0, (40, 52, 95.0));
        let mut prev = None;
        let mut to = T0 + 25 * HOUR;
        while to <= T0 + n as i64 * HOUR {
            let c = run(prev.as_ref(), std::slice::from_ref(&p), to);
            assert!(c.events.len() <= 1, "at {}: {:#?}", rfc3339(to), c.events);
            prev = Some(c);
            to += HOUR;
        }
        let c = prev.unwrap();
        assert_eq!(c.events.len(), 1);
        let e = &c.events[0];
        assert_eq!(e.onset, rfc3339(T0 + 40 * HOUR));
        assert_eq!(e.end.as_deref(), Some(rfc3339(T0 + 52 * HOUR).as_str()));
    }

    #[test]
    fn the_first_judged_hour_follows_a_day_of_data() {
        let mut p = pair("us-east-1", T0, 40, 70.0, (0, 0, 0.0));
        assert_eq!(judged_from(&p), Some(T0 + 24 * HOUR));
        p.medians[3] = None;
        p.medians[4] = Some(f64::NAN);
        assert_eq!(judged_from(&p), Some(T0 + 26 * HOUR));
        p.medians.truncate(25);
        assert_eq!(judged_from(&p), None);
        let ended = Shift {
            source: "us-east-1".into(),
            destination: "eu-west-1".into(),
            onset: T0 + 10 * HOUR,
            end: Some(T0 + 12 * HOUR),
            before_ms: 70.0,
            after_ms: 90.0,
        };
        let ongoing = Shift {
            onset: T0 + 2 * HOUR,
            end: None,
            ..ended.clone()
        };
        let m = masked(
            &pair("us-east-1", T0, 40, 70.0, (0, 0, 0.0)),
            &[&ended, &ongoing],
        );
        let blank: Vec<usize> = (0..40).filter(|&k| m.medians[k].is_none()).collect();
        assert_eq!(
            blank,
            [0, 1, 10, 11],
            "a new normal masks the old level before it"
        );
        let m = masked(&pair("us-east-1", T0, 40, 70.0, (0, 0, 0.0)), &[&ended]);
        let blank: Vec<usize> = (0..40).filter(|&k| m.medians[k].is_none()).collect();
        assert_eq!(blank, [10, 11]);
    }
}
