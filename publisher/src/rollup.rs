//! Rounds → hourly, daily and monthly sketches → window summaries, with work
//! in proportion to what is new, not to the age of the history.
//!
//! Statistics are over every individual connect, kept as mergeable sketches
//! (`shared::sketch`: percentiles within 0.09 %; count, loss, min, max and
//! sum exact), one group of every target's sketch per source and period:
//!
//! 1. every UTC hour that the run's rounds fall in gets its sketches computed
//!    afresh from all of that hour's rounds (never added to), so re-running
//!    over an hour is harmless; an hour whose sketches did not change is not
//!    written;
//! 2. every day holding a changed hour gets the merge of its hours;
//! 3. every calendar month that has ended gets the merge of its days, once,
//!    and again only when one of its days changes;
//! 4. the `1d` window, `[end − 24 h, end)` with `end` the end of the hour
//!    holding the newest round, is the merge of its 24 hours, every run;
//! 5. the long windows (`7d`, `30d`, `365d`) cover whole days,
//!    `[day − length, day)` with `day` the start of `end`'s UTC day. They are
//!    recomputed only when that day moves or one of their days changed, from
//!    the months inside them and days at their edges: at most 11 months and
//!    about 60 days, however old the history.
//!
//! Incremental: a run starts at the previous run's watermark (the newest round
//! it saw) minus a grace period, rounded down to the hour, so rounds that
//! arrive late (a probe retried, a region catching up) inside the grace period
//! are folded in. Because hours are recomputed whole and merges are exact
//! integer sums, an incremental run gives the summaries of a full rebuild from
//! all rounds (tested).

use std::collections::{BTreeMap, BTreeSet};

use shared::sketch::Sketch;
use shared::stats::{Summary, Window};
use shared::time::{floor_to, month_start, next_month};
use store::{
    Level, Pair, RoundStore, SketchGroup, SketchStore, Span, SummaryStore, WindowSummaries,
};

use crate::{Error, Result};

/// Default seconds between rounds when the store does not say.
pub use shared::round::DEFAULT_INTERVAL;
/// Metadata key of the newest round scheduled time a rollup has folded in.
pub const META_WATERMARK: &str = "rollup_watermark";
/// Metadata key of the sketch format ([`shared::sketch::FORMAT`]) the stored
/// sketches are in. A store whose sketches are in another format is rebuilt
/// from its rounds: sketches of two formats cannot be merged.
pub const META_SKETCH_FORMAT: &str = "sketch_format";
/// Metadata key prefix of the span a window was last computed for (`start,end`).
const META_WINDOW_SPAN: &str = "window_span#";
const HOUR: i64 = 3600;
const DAY: i64 = 86_400;

/// How a rollup runs.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// Windows to summarise.
    pub windows: Vec<Window>,
    /// Seconds before the watermark that are recomputed, to catch late rounds.
    pub grace: i64,
    /// Ignore the watermark and recompute everything the windows cover.
    pub rebuild: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            windows: shared::stats::WINDOWS.to_vec(),
            grace: 2 * HOUR,
            rebuild: false,
        }
    }
}

/// What a rollup did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Sources rolled up.
    pub sources: usize,
    /// Rounds read.
    pub rounds: usize,
    /// Hour sketch groups written (changed).
    pub hours: usize,
    /// Day sketch groups written.
    pub days: usize,
    /// Month sketch groups written.
    pub months: usize,
    /// Windows recomputed and written, by id.
    pub windows: Vec<String>,
    /// Where this run started reading rounds, Unix seconds.
    pub from: i64,
    /// The end of the `1d` window (exclusive), Unix seconds.
    pub end: i64,
}

/// Whether a window is the hour-aligned one that moves every run.
fn is_hourly(w: &Window) -> bool {
    w.seconds <= DAY
}

/// The span a window covers when the newest data ends at `end` (hour-aligned).
pub fn window_span(w: &Window, end: i64) -> Span {
    if is_hourly(w) {
        Span {
            start: end - w.seconds,
            end,
        }
    } else {
        let day = floor_to(end, DAY);
        Span {
            start: day - w.seconds,
            end: day,
        }
    }
}

/// The sketch groups of hours, per hour start, from rounds.
fn hour_groups(rounds: &[shared::Round]) -> BTreeMap<i64, SketchGroup> {
    let mut hours: BTreeMap<i64, SketchGroup> = BTreeMap::new();
    for r in rounds {
        hours
            .entry(floor_to(r.scheduled_at, HOUR))
            .or_default()
            .entry(r.target.clone())
            .or_default()
            .add_round(r);
    }
    hours
}

/// Merges groups target by target.
pub fn merge_groups<'a>(groups: impl IntoIterator<Item = &'a SketchGroup>) -> SketchGroup {
    let mut parts: BTreeMap<&str, Vec<&Sketch>> = BTreeMap::new();
    for g in groups {
        for (t, s) in g {
            parts.entry(t.as_str()).or_default().push(s);
        }
    }
    parts
        .into_iter()
        .map(|(t, ss)| (t.to_string(), Sketch::merge_all(ss)))
        .collect()
}

/// Writes the groups of `fresh` that differ from what `stored` holds; returns their starts.
async fn put_changed<S: SketchStore>(
    st: &S,
    level: Level,
    source: &str,
    fresh: Vec<(i64, SketchGroup)>,
    stored: Vec<(i64, SketchGroup)>,
) -> Result<Vec<i64>> {
    let stored: BTreeMap<i64, SketchGroup> = stored.into_iter().collect();
    let changed: Vec<(i64, SketchGroup)> = fresh
        .into_iter()
        .filter(|(t, g)| stored.get(t) != Some(g))
        .collect();
    st.put_sketches(level, source, &changed).await?;
    Ok(changed.into_iter().map(|(t, _)| t).collect())
}

/// Rolls up every source and stores the window summaries that changed.
/// `progress` gets (done, total) sources.
pub async fn run<S>(
    st: &S,
    opts: &Options,
    mut progress: impl FnMut(usize, usize),
) -> Result<Report>
where
    S: RoundStore + SketchStore + SummaryStore,
{
    let sources = st.sources().await?;
    let latest = sources
        .iter()
        .map(|(_, t)| *t)
        .max()
        .ok_or(Error::NoRounds)?;
    let end = floor_to(latest, HOUR) + HOUR;
    let longest = opts.windows.iter().map(|w| w.seconds).max().unwrap_or(DAY);
    // A rebuild starts at a month boundary, so every month it covers is whole.
    let oldest = month_start(floor_to(end, DAY) - longest);
    let format = shared::sketch::FORMAT.to_string();
    let same_format = st.meta(META_SKETCH_FORMAT).await?.as_deref() == Some(format.as_str());
    let watermark = if opts.rebuild || !same_format {
        None
    } else {
        st.meta(META_WATERMARK)
            .await?
            .and_then(|v| v.parse::<i64>().ok())
    };
    let from = match watermark {
        Some(w) => floor_to(w - opts.grace, HOUR).max(oldest),
        None => oldest,
    };
    let day_end = floor_to(end, DAY);
    let mut report = Report {
        sources: sources.len(),
        rounds: 0,
        hours: 0,
        days: 0,
        months: 0,
        windows: Vec::new(),
        from,
        end,
    };

    // Sketches, source by source. `changed` keeps the days and months whose
    // sketches changed anywhere, to know which long windows moved.
    let mut changed: BTreeSet<i64> = BTreeSet::new();
    for (n, (source, _)) in sources.iter().enumerate() {
        // 1. Hours, each from all of its rounds; a week at a time, so a
        //    rebuild holds a week of rounds in memory, not a year.
        let mut hours = Vec::new();
        let mut t0 = from;
        while t0 < end {
            let t1 = (floor_to(t0, DAY) + 7 * DAY).min(end);
            let rounds = st.source_rounds(source, t0, t1).await?;
            report.rounds += rounds.len();
            let fresh: Vec<(i64, SketchGroup)> = hour_groups(&rounds).into_iter().collect();
            let stored = st.sketches(Level::Hour, source, t0, t1).await?;
            hours.extend(put_changed(st, Level::Hour, source, fresh, stored).await?);
            t0 = t1;
        }
        report.hours += hours.len();
        // 2. The days those hours belong to, each from all of its hours.
        let touched: BTreeSet<i64> = hours.iter().map(|h| floor_to(*h, DAY)).collect();
        let mut days = Vec::with_capacity(touched.len());
        for &day in &touched {
            let hs = st.sketches(Level::Hour, source, day, day + DAY).await?;
            days.push((day, merge_groups(hs.iter().map(|(_, g)| g))));
        }
        let (Some(&first), Some(&last)) = (touched.first(), touched.last()) else {
            progress(n + 1, sources.len());
            continue;
        };
        let stored = st.sketches(Level::Day, source, first, last + DAY).await?;
        let days = put_changed(st, Level::Day, source, days, stored).await?;
        report.days += days.len();
        changed.extend(&days);
        // 3. Months that have ended and hold a changed day.
        let months: BTreeSet<i64> = days
            .iter()
            .map(|d| month_start(*d))
            .filter(|m| next_month(*m) <= day_end)
            .collect();
        for m in months {
            let ds = st.sketches(Level::Day, source, m, next_month(m)).await?;
            let group = merge_groups(ds.iter().map(|(_, g)| g));
            st.put_sketches(Level::Month, source, &[(m, group)]).await?;
            report.months += 1;
            changed.insert(m);
        }
        progress(n + 1, sources.len());
    }
    // A month that has just ended may hold no changed day in this run (its
    // last rounds were folded in while it was still open): write it once.
    let last_month = month_start(day_end - 1);
    if next_month(last_month) == month_start(day_end) {
        for (source, _) in &sources {
            if st
                .sketches(Level::Month, source, last_month, last_month + 1)
                .await?
                .is_empty()
            {
                let ds = st
                    .sketches(Level::Day, source, last_month, next_month(last_month))
                    .await?;
                if !ds.is_empty() {
                    let group = merge_groups(ds.iter().map(|(_, g)| g));
                    st.put_sketches(Level::Month, source, &[(last_month, group)])
                        .await?;
                    report.months += 1;
                    changed.insert(last_month);
                }
            }
        }
    }

    // Windows: the hourly one every run, a long one when its span moved or
    // one of its days or months changed.
    for w in &opts.windows {
        let span = window_span(w, end);
        let key = format!("{META_WINDOW_SPAN}{}", w.id);
        let stamp = format!("{},{},{format}", span.start, span.end);
        let moved = st.meta(&key).await?.as_deref() != Some(stamp.as_str());
        let touched = changed.range(span.start..span.end).next().is_some();
        if !is_hourly(w) && !moved && !touched {
            continue;
        }
        let mut ws = WindowSummaries {
            window: w.id.to_string(),
            span,
            pairs: Vec::new(),
        };
        for (source, _) in &sources {
            for (target, sk) in compose(st, source, span).await? {
                if !sk.is_empty() {
                    ws.pairs.push(((source.clone(), target), sk.summary()));
                }
            }
        }
        st.put_window(&ws).await?;
        st.set_meta(&key, &stamp).await?;
        report.windows.push(w.id.to_string());
    }
    // Last: a run that fails before this point is simply done again.
    st.set_meta(META_SKETCH_FORMAT, &format).await?;
    st.set_meta(META_WATERMARK, &latest.to_string()).await?;
    Ok(report)
}

/// Summaries of any custom range, from the stored sketches (no rounds are
/// read): `[from, to)` widened to whole hours, for the pairs of `sources`
/// that `want` picks. Pairs without data in the range are left out.
pub async fn range<S: SketchStore>(
    st: &S,
    sources: &[String],
    want: impl Fn(&str, &str) -> bool,
    from: i64,
    to: i64,
) -> Result<(Span, Vec<(Pair, Summary)>)> {
    let span = Span {
        start: floor_to(from, HOUR),
        end: floor_to(to + HOUR - 1, HOUR),
    };
    let mut out = Vec::new();
    for source in sources {
        for (target, sk) in compose(st, source, span).await? {
            if !sk.is_empty() && want(source, &target) {
                out.push(((source.clone(), target), sk.summary()));
            }
        }
    }
    Ok((span, out))
}

/// The sketches of `[span.start, span.end)` (both hour-aligned) for every
/// target of `source`: ended months inside the span from month sketches, other
/// whole days from day sketches, the edges from hour sketches. A month whose
/// sketch is not there (not ended, or not yet written) is read as its days.
pub async fn compose<S: SketchStore>(st: &S, source: &str, span: Span) -> Result<SketchGroup> {
    let first_day = floor_to(span.start + DAY - 1, DAY);
    let last_day_end = floor_to(span.end, DAY);
    let mut parts: Vec<SketchGroup> = Vec::new();
    let mut take = |v: Vec<(i64, SketchGroup)>| parts.extend(v.into_iter().map(|(_, g)| g));
    if first_day >= last_day_end {
        take(
            st.sketches(Level::Hour, source, span.start, span.end)
                .await?,
        );
        return Ok(merge_groups(&parts));
    }
    take(
        st.sketches(Level::Hour, source, span.start, first_day)
            .await?,
    );
    take(
        st.sketches(Level::Hour, source, last_day_end, span.end)
            .await?,
    );
    let first_month = if month_start(first_day) == first_day {
        first_day
    } else {
        next_month(first_day)
    };
    let last_month_end = month_start(last_day_end);
    if first_month < last_month_end {
        take(
            st.sketches(Level::Day, source, first_day, first_month)
                .await?,
        );
        take(
            st.sketches(Level::Day, source, last_month_end, last_day_end)
                .await?,
        );
        let months = st
            .sketches(Level::Month, source, first_month, last_month_end)
            .await?;
        let have: BTreeSet<i64> = months.iter().map(|(m, _)| *m).collect();
        take(months);
        let mut m = first_month;
        while m < last_month_end {
            if !have.contains(&m) {
                take(st.sketches(Level::Day, source, m, next_month(m)).await?);
            }
            m = next_month(m);
        }
    } else {
        take(
            st.sketches(Level::Day, source, first_day, last_day_end)
                .await?,
        );
    }
    Ok(merge_groups(&parts))
}
