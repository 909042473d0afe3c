//! Accuracy of the level-shift detector (`shared::changes`) against the
//! simulator's own incidents; `scripts/bench-changes.sh` builds it in release
//! and runs it.
//!
//! The model simulates every pair of the commercial regions for a month (plus
//! one day of history before it, so the detector's baseline is warm when the
//! month starts), with its per-pair incidents and correlated region/cable
//! outages. Each hour's median is taken the way the publisher's hourly series
//! takes it: a [`Sketch`] of every connect of the hour, its p50 rounded to the
//! µs. The detector runs on every pair; its shifts are scored against
//! [`Model::incidents`]:
//!
//! - **Truth** is every incident that starts in the month, lasts at least
//!   `min_hours` and moves the pair by at least max(2 ms, 5 %) of its base.
//!   Shorter or smaller incidents are neither required nor false alarms: a
//!   shift matched to one is left out of both counts.
//! - **Shifts.** A detected shift matches an incident on the same pair whose
//!   start lies within ±2 hours of its onset (one to one, closest first).
//!   Precision = matched to truth / (detected − matched to a minor incident);
//!   recall = truth matched / truth; onset error = |onset − start|.
//! - **Events.** True events are the truth grouped by the same rule as the
//!   detector's ([`group`] with [`GROUP_WITHIN`]); a detected event matches a
//!   true one when any of its shifts matched an incident of it.
//! - **False alarms.** The same month with no incidents at all
//!   ([`Model::without_incidents`]): every shift detected is a false alarm.
//!
//! ```text
//! bench_changes [--seed 2718] [--days 30] [--regions 34] [--outages-per-day 0.25]
//!               [--interval 300] [--connects 10] [--threads 2] [--trace src,dst]
//! ```

use std::collections::BTreeMap;
use std::time::Instant;

use probe::simulate::{Incident, Model};
use shared::changes::{GROUP_WITHIN, PairHours, Rule, Shift, detect, group};
use shared::sketch::Sketch;
use shared::stats::Stat;

/// The seed the detector's design and constants were tried on.
const TUNING_SEED: u64 = 7;
/// The seed the figures are measured on: never used while tuning.
const BENCH_SEED: u64 = 2718;
/// 2026-03-01T00:00:00Z: the month simulated.
const MONTH_START: i64 = 1_772_323_200;
const HOUR: i64 = 3600;
const DAY: i64 = 86_400;
/// How far a detected onset may be from a true start to match it.
const MATCH_WITHIN: i64 = 2 * HOUR;

struct Opts {
    seed: u64,
    days: i64,
    regions: usize,
    outages_per_day: f64,
    interval: i64,
    connects: u16,
    threads: usize,
    /// A pair (`source,target`) whose hours, incidents and shifts to print.
    trace: Option<(String, String)>,
}

fn usage() -> String {
    format!(
        "bench_changes [--seed {BENCH_SEED}] [--days 30] [--regions 34] [--outages-per-day 0.25]\n\
         \x20             [--interval 300] [--connects 10] [--threads 2] [--trace src,dst]\n\
         The detector was tuned on seed {TUNING_SEED}; the default seed {BENCH_SEED} was not used while tuning."
    )
}

fn parse() -> Result<Opts, String> {
    let mut o = Opts {
        seed: BENCH_SEED,
        days: 30,
        regions: usize::MAX,
        outages_per_day: 0.25,
        interval: 300,
        connects: 10,
        threads: 2,
        trace: None,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        return Err(usage());
    }
    for pair in args.chunks(2) {
        let [flag, value] = pair else {
            return Err(format!("{} needs a value\n{}", pair[0], usage()));
        };
        let bad = |e: &dyn std::fmt::Display| format!("{flag} {value}: {e}");
        match flag.as_str() {
            "--seed" => o.seed = value.parse().map_err(|e| bad(&e))?,
            "--days" => o.days = value.parse().map_err(|e| bad(&e))?,
            "--regions" => o.regions = value.parse().map_err(|e| bad(&e))?,
            "--outages-per-day" => o.outages_per_day = value.parse().map_err(|e| bad(&e))?,
            "--interval" => o.interval = value.parse().map_err(|e| bad(&e))?,
            "--connects" => o.connects = value.parse().map_err(|e| bad(&e))?,
            "--threads" => o.threads = value.parse().map_err(|e| bad(&e))?,
            "--trace" => {
                let (a, b) = value
                    .split_once(',')
                    .ok_or_else(|| bad(&"want source,target"))?;
                o.trace = Some((a.into(), b.into()));
            }
            _ => return Err(format!("unknown flag {flag}\n{}", usage())),
        }
    }
    if o.days < 1 || o.interval < 1 || o.interval > HOUR || o.threads < 1 {
        return Err(format!(
            "days, interval (≤ 3600) and threads must be positive\n{}",
            usage()
        ));
    }
    Ok(o)
}

/// The hourly medians of pair (i, j) over `[from, to)`, as the publisher's
/// hourly series computes them.
fn hours(model: &Model, i: usize, j: usize, from: i64, to: i64, o: &Opts) -> PairHours {
    let mut medians = Vec::new();
    let mut hour = from;
    while hour < to {
        let mut sketch = Sketch::new();
        let mut t = hour;
        while t < hour + HOUR {
            sketch.add_round(&model.round(i, j, t, o.connects));
            t += o.interval;
        }
        medians.push(
            sketch
                .summary()
                .latency
                .map(|l| shared::feed::v2::round_ms(l.get(Stat::P50))),
        );
        hour += HOUR;
    }
    let regions = model.regions();
    PairHours {
        source: regions[i].code.to_string(),
        destination: regions[j].code.to_string(),
        start: from,
        medians,
    }
}

/// Every pair's shifts with an onset in the month, computed on `threads` threads.
fn detect_all(model: &Model, o: &Opts) -> Vec<Shift> {
    let n = model.regions().len();
    let (from, month_end) = (MONTH_START - DAY, MONTH_START + o.days * DAY);
    let pairs: Vec<(usize, usize)> = (0..n).flat_map(|i| (0..n).map(move |j| (i, j))).collect();
    let rule = Rule::default();
    let chunk = pairs.len().div_ceil(o.threads);
    std::thread::scope(|scope| {
        let workers: Vec<_> = pairs
            .chunks(chunk.max(1))
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .flat_map(|&(i, j)| detect(&hours(model, i, j, from, month_end, o), &rule))
                        .filter(|s| s.onset >= MONTH_START && s.onset < month_end)
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_default())
            .collect()
    })
}

/// Whether an incident is one the detector must find under `rule`.
fn required(model: &Model, x: &Incident, rule: &Rule) -> bool {
    let regions = model.regions();
    let idx = |code: &str| regions.iter().position(|r| r.code == code);
    let (Some(i), Some(j)) = (idx(x.source), idx(x.target)) else {
        return false;
    };
    let base = model.base_ms(i, j);
    x.end - x.start >= i64::from(rule.min_hours) * HOUR && base * x.extra >= rule.threshold_ms(base)
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    v.sort_unstable_by(f64::total_cmp);
    shared::stats::quantile_sorted(&v, 0.5)
}

/// The figures of one scored month.
struct Score {
    truth: usize,
    merged: usize,
    minor: usize,
    detected: usize,
    matched_truth: usize,
    matched_minor: usize,
    onset_errors_h: Vec<f64>,
    true_events: usize,
    outages: usize,
    detected_events: usize,
    events_matched: usize,
    true_events_found: usize,
    outage_pairs_caught: Vec<f64>,
    missed: Vec<String>,
    event_onset_errors_h: Vec<f64>,
}

/// A pair's slowdowns (incident indices) and detected shifts (shift indices).
type Candidates = (Vec<usize>, Vec<usize>);

fn score(model: &Model, shifts: &[Shift], o: &Opts) -> Score {
    let rule = Rule::default();
    let month_end = MONTH_START + o.days * DAY;
    let incidents: Vec<Incident> = model
        .incidents(MONTH_START, month_end)
        .into_iter()
        .filter(|x| x.start >= MONTH_START)
        .collect();
    // Overlapping incidents on a pair are one slowdown to its hourly medians
    // (an outage on top of the pair's own incident is a single stretch of
    // slow hours): each is scored as its first incident, its lead, required
    // if any member is.
    let mut lead: Vec<usize> = (0..incidents.len()).collect();
    let mut open: BTreeMap<(&str, &str), (usize, i64)> = BTreeMap::new();
    for (k, x) in incidents.iter().enumerate() {
        match open.get_mut(&(x.source, x.target)) {
            Some((first, end)) if x.start < *end => {
                lead[k] = *first;
                *end = (*end).max(x.end);
            }
            _ => {
                open.insert((x.source, x.target), (k, x.end));
            }
        }
    }
    let mut is_truth = vec![false; incidents.len()];
    for (k, x) in incidents.iter().enumerate() {
        is_truth[lead[k]] |= required(model, x, &rule);
    }
    let leads: Vec<usize> = (0..incidents.len()).filter(|&k| lead[k] == k).collect();

    // Per pair, closest-first one-to-one matching of shifts to slowdowns.
    let mut by_pair: BTreeMap<(&str, &str), Candidates> = BTreeMap::new();
    for &k in &leads {
        let x = &incidents[k];
        by_pair.entry((x.source, x.target)).or_default().0.push(k);
    }
    for (k, s) in shifts.iter().enumerate() {
        by_pair
            .entry((s.source.as_str(), s.destination.as_str()))
            .or_default()
            .1
            .push(k);
    }
    // shift index -> incident index
    let mut matched: BTreeMap<usize, usize> = BTreeMap::new();
    let incidents_ref = &incidents;
    for (xs, ss) in by_pair.values() {
        let mut candidates: Vec<(i64, usize, usize)> = ss
            .iter()
            .flat_map(|&s| {
                xs.iter().filter_map(move |&x| {
                    let d = (shifts[s].onset - incidents_ref[x].start).abs();
                    (d <= MATCH_WITHIN).then_some((d, s, x))
                })
            })
            .collect();
        candidates.sort_unstable();
        let mut used = std::collections::BTreeSet::new();
        for (_, s, x) in candidates {
            if !matched.contains_key(&s) && used.insert(x) {
                matched.insert(s, x);
            }
        }
    }
    let matched_truth = matched.values().filter(|&&x| is_truth[x]).count();
    let onset_errors_h = matched
        .iter()
        .filter(|&(_, &x)| is_truth[x])
        .map(|(&s, &x)| (shifts[s].onset - incidents[x].start).abs() as f64 / HOUR as f64)
        .collect();

    // True events: the truth grouped the detector's way. Each incident
    // remembers its event through its (source, target, start).
    let truth_shifts: Vec<Shift> = incidents
        .iter()
        .zip(&is_truth)
        .filter(|&(_, &t)| t)
        .map(|(x, _)| Shift {
            source: x.source.to_string(),
            destination: x.target.to_string(),
            onset: x.start,
            end: Some(x.end),
            before_ms: 0.0,
            after_ms: 0.0,
        })
        .collect();
    let true_events = group(truth_shifts, GROUP_WITHIN);
    let mut event_of: BTreeMap<(String, String, i64), usize> = BTreeMap::new();
    for (e, ev) in true_events.iter().enumerate() {
        for s in &ev.shifts {
            event_of.insert((s.source.clone(), s.destination.clone(), s.onset), e);
        }
    }
    let shift_index: BTreeMap<(&str, &str, i64), usize> = shifts
        .iter()
        .enumerate()
        .map(|(k, s)| ((s.source.as_str(), s.destination.as_str(), s.onset), k))
        .collect();
    let detected_events = group(shifts.to_vec(), GROUP_WITHIN);
    let (mut events_matched, mut events_minor) = (0, 0);
    let mut found = vec![false; true_events.len()];
    // Per true event, the most of its pairs one detected event caught.
    let mut caught = vec![0usize; true_events.len()];
    let mut event_onset_errors_h = Vec::new();
    for ev in &detected_events {
        let mut hits: BTreeMap<usize, usize> = BTreeMap::new();
        let mut minor = false;
        for s in &ev.shifts {
            let k = shift_index[&(s.source.as_str(), s.destination.as_str(), s.onset)];
            if let Some(&x) = matched.get(&k) {
                let inc = &incidents[x];
                match event_of.get(&(inc.source.to_string(), inc.target.to_string(), inc.start)) {
                    Some(&e) => *hits.entry(e).or_default() += 1,
                    None => minor = true,
                }
            }
        }
        if hits.is_empty() {
            events_minor += usize::from(minor);
            continue;
        }
        events_matched += 1;
        for (&e, &n) in &hits {
            if !found[e] {
                event_onset_errors_h
                    .push((ev.onset - true_events[e].onset).abs() as f64 / HOUR as f64);
            }
            found[e] = true;
            caught[e] = caught[e].max(n);
        }
    }
    let _ = caught;
    // Per simulated outage (a cable or region cut, not a chance coincidence),
    // the share of its required pairs that one detected event holds.
    let mut outages: BTreeMap<i64, std::collections::BTreeSet<usize>> = BTreeMap::new();
    for (k, x) in incidents.iter().enumerate() {
        if x.outage.is_some() && is_truth[lead[k]] {
            outages.entry(x.start).or_default().insert(lead[k]);
        }
    }
    let event_holding: BTreeMap<(&str, &str, i64), usize> = detected_events
        .iter()
        .enumerate()
        .flat_map(|(e, ev)| {
            ev.shifts
                .iter()
                .map(move |s| ((s.source.as_str(), s.destination.as_str(), s.onset), e))
        })
        .collect();
    let outage_pairs_caught = outages
        .values()
        .map(|pairs| {
            let mut per_event: BTreeMap<usize, usize> = BTreeMap::new();
            for (k, x) in &matched {
                if pairs.contains(x) {
                    let s = &shifts[*k];
                    let e = event_holding[&(s.source.as_str(), s.destination.as_str(), s.onset)];
                    *per_event.entry(e).or_default() += 1;
                }
            }
            per_event.values().max().copied().unwrap_or(0) as f64 / pairs.len() as f64
        })
        .collect::<Vec<_>>();
    let hit: std::collections::BTreeSet<usize> = matched.values().copied().collect();
    let missed = incidents
        .iter()
        .enumerate()
        .filter(|&(k, _)| lead[k] == k && is_truth[k] && !hit.contains(&k))
        .map(|(_, x)| {
            format!(
                "{} → {} at {} for {:.2} h, +{:.0} %{}",
                x.source,
                x.target,
                x.start,
                (x.end - x.start) as f64 / HOUR as f64,
                100.0 * x.extra,
                if x.outage.is_some() { " (outage)" } else { "" }
            )
        })
        .collect();
    Score {
        truth: leads.iter().filter(|&&k| is_truth[k]).count(),
        minor: leads.iter().filter(|&&k| !is_truth[k]).count(),
        merged: incidents.len() - leads.len(),
        detected: shifts.len(),
        matched_truth,
        matched_minor: matched.len() - matched_truth,
        onset_errors_h,
        true_events: true_events.len(),
        outages: outages.len(),
        detected_events: detected_events.len() - events_minor,
        events_matched,
        true_events_found: found.iter().filter(|&&f| f).count(),
        outage_pairs_caught,
        missed,
        event_onset_errors_h,
    }
}

fn ratio(a: usize, b: usize) -> String {
    if b == 0 {
        "n/a".into()
    } else {
        format!("{:.3} ({a}/{b})", a as f64 / b as f64)
    }
}

fn hours_text(v: &[f64]) -> String {
    match median(v.to_vec()) {
        Some(m) => format!(
            "{m:.2} h (p90 {:.2} h, n = {})",
            shared::stats::quantile_sorted(
                &{
                    let mut s = v.to_vec();
                    s.sort_unstable_by(f64::total_cmp);
                    s
                },
                0.9
            )
            .unwrap_or(m),
            v.len()
        ),
        None => "n/a".into(),
    }
}

/// Prints one pair's hourly medians, true incidents and detected shifts.
fn trace(model: &Model, source: &str, target: &str, o: &Opts) {
    let idx = |code: &str| model.regions().iter().position(|r| r.code == code);
    let (Some(i), Some(j)) = (idx(source), idx(target)) else {
        eprintln!("no pair {source} → {target} in the model");
        return;
    };
    let month_end = MONTH_START + o.days * DAY;
    let hours = hours(model, i, j, MONTH_START - DAY, month_end, o);
    println!("base {:.3} ms", model.base_ms(i, j));
    for x in model.incidents(MONTH_START - DAY, month_end) {
        if x.source == source && x.target == target {
            println!(
                "incident {} .. {} +{:.3} {:?}",
                x.start, x.end, x.extra, x.outage
            );
        }
    }
    for s in detect(&hours, &Rule::default()) {
        println!("shift {:?}", s);
    }
    for (k, m) in hours.medians.iter().enumerate() {
        println!("{} {m:?}", hours.start + HOUR * k as i64);
    }
}

fn main() {
    let o = match parse() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let regions: Vec<_> = shared::catalog::commercial().take(o.regions).collect();
    let n = regions.len();
    let pairs = n * n;
    let months = o.days as f64 / 30.0;
    println!(
        "seed {} (tuned on {TUNING_SEED}), {n} regions, {pairs} pairs, {} days from 2026-03-01, \
         rounds every {} s of {} connects, hourly p50 by sketch, rule max(2 ms, 5 %) for 2 h",
        o.seed, o.days, o.interval, o.connects
    );

    let model = Model::new(&regions, o.seed).with_outages(o.outages_per_day);
    if let Some((a, b)) = &o.trace {
        trace(&model, a, b, &o);
        return;
    }
    let t = Instant::now();
    let shifts = detect_all(&model, &o);
    let s = score(&model, &shifts, &o);
    println!(
        "\nmonth with incidents ({:.1} s)",
        t.elapsed().as_secs_f64()
    );
    println!(
        "  truth: {} slowdowns ≥ 2 h and ≥ max(2 ms, 5 %) ({} shorter or smaller ignored; \
         {} incidents overlapping another on the same pair merged into it), \
         in {} events; {} simulated outages",
        s.truth, s.minor, s.merged, s.true_events, s.outages
    );
    println!(
        "  detected: {} shifts ({} matched a minor incident, ignored)",
        s.detected, s.matched_minor
    );
    println!(
        "  shifts: precision {}, recall {}",
        ratio(s.matched_truth, s.detected - s.matched_minor),
        ratio(s.matched_truth, s.truth)
    );
    println!(
        "  onset error per pair: median {}",
        hours_text(&s.onset_errors_h)
    );
    println!(
        "  events: precision {}, recall {}",
        ratio(s.events_matched, s.detected_events),
        ratio(s.true_events_found, s.true_events)
    );
    println!(
        "  onset error per event: median {}",
        hours_text(&s.event_onset_errors_h)
    );
    let worst = s
        .outage_pairs_caught
        .iter()
        .copied()
        .fold(f64::INFINITY, f64::min);
    println!(
        "  outages grouped: share of an outage's pairs in one detected event: median {}, worst {}",
        median(s.outage_pairs_caught.clone()).map_or("n/a".into(), |m| format!("{m:.3}")),
        if worst.is_finite() {
            format!("{worst:.3}")
        } else {
            "n/a".into()
        }
    );
    for m in s.missed.iter().take(10) {
        println!("    missed: {m}");
    }

    let t = Instant::now();
    let quiet = Model::new(&regions, o.seed).without_incidents();
    let alarms = detect_all(&quiet, &o);
    println!(
        "\nmonth without incidents ({:.1} s)",
        t.elapsed().as_secs_f64()
    );
    println!(
        "  false alarms: {} shifts in {pairs} pairs over {:.2} months = {:.4} per pair-month",
        alarms.len(),
        months,
        alarms.len() as f64 / (pairs as f64 * months)
    );
    for a in alarms.iter().take(5) {
        println!(
            "    {} → {} at {}: {:.3} → {:.3} ms",
            a.source, a.destination, a.onset, a.before_ms, a.after_ms
        );
    }
}
