//! Rounds → hourly and daily sketches → window summaries.
//!
//! Statistics are over every individual connect, kept as mergeable sketches
//! (`shared::sketch`, ≤ 0.5 % relative error on percentiles; count, loss, min,
//! max and sum exact):
//!
//! 1. every UTC hour of every pair gets a sketch, computed afresh from all of
//!    that hour's rounds (never added to), so re-running over an hour is
//!    harmless;
//! 2. every UTC day gets the merge of its hours;
//! 3. a window `[end − length, end)`, with `end` the end of the hour holding the
//!    newest round, is the merge of the full days inside it and the hours at
//!    its two edges.
//!
//! Incremental: a run starts at the previous run's watermark (the newest round
//! it saw) minus a grace period, rounded down to the hour, so rounds that
//! arrive late (a probe retried, a region catching up) inside the grace period
//! are folded in. Because hours are recomputed whole and merges are exact
//! integer sums, an incremental run gives byte-for-byte the summaries of a full
//! rebuild from all rounds (tested).

use std::collections::{BTreeMap, BTreeSet};

use shared::sketch::Sketch;
use shared::stats::{Summary, Window};
use shared::time::floor_to;
use store::{Level, Pair, RoundStore, SketchStore, Span, SummaryStore, WindowSummaries};

use crate::{Error, Result};

/// Default seconds between rounds when the store does not say.
pub const DEFAULT_INTERVAL: i64 = 300;
/// Metadata key of the newest round scheduled time a rollup has folded in.
pub const META_WATERMARK: &str = "rollup_watermark";
/// Metadata key of the sketch format ([`shared::sketch::FORMAT`]) the stored
/// sketches are in. A store whose sketches are in another format is rebuilt
/// from its rounds: sketches of two formats cannot be merged.
pub const META_SKETCH_FORMAT: &str = "sketch_format";
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
    /// Pairs summarised.
    pub pairs: usize,
    /// Rounds read.
    pub rounds: usize,
    /// Hour sketches (re)computed.
    pub hours: usize,
    /// Day sketches (re)computed.
    pub days: usize,
    /// Where this run started reading rounds, Unix seconds.
    pub from: i64,
    /// The end of every window (exclusive), Unix seconds.
    pub end: i64,
}

/// Merges sketches.
fn merged<'a>(parts: impl IntoIterator<Item = &'a Sketch>) -> Sketch {
    Sketch::merge_all(parts)
}

/// Rolls up every pair and stores window summaries. `progress` gets (done, total) pairs.
pub async fn run<S>(
    st: &S,
    opts: &Options,
    mut progress: impl FnMut(usize, usize),
) -> Result<Report>
where
    S: RoundStore + SketchStore + SummaryStore,
{
    let (pairs, latest) = st.pairs().await?;
    let latest = latest.ok_or(Error::NoRounds)?;
    let end = floor_to(latest, HOUR) + HOUR;
    let longest = opts.windows.iter().map(|w| w.seconds).max().unwrap_or(DAY);
    let oldest = floor_to(end - longest, DAY);
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

    let mut out: Vec<WindowSummaries> = opts
        .windows
        .iter()
        .map(|w| WindowSummaries {
            window: w.id.to_string(),
            span: Span {
                start: end - w.seconds,
                end,
            },
            pairs: Vec::with_capacity(pairs.len()),
        })
        .collect();
    let mut report = Report {
        pairs: pairs.len(),
        rounds: 0,
        hours: 0,
        days: 0,
        from,
        end,
    };

    for (n, pair) in pairs.iter().enumerate() {
        let rounds = st.pair_rounds(&pair.0, &pair.1, from, end).await?;
        report.rounds += rounds.len();
        // 1. Hours, each from all of its rounds.
        let mut hours: BTreeMap<i64, Sketch> = BTreeMap::new();
        for r in &rounds {
            hours
                .entry(floor_to(r.scheduled_at, HOUR))
                .or_default()
                .add_round(r);
        }
        let hours: Vec<(i64, Sketch)> = hours.into_iter().collect();
        st.put_sketches(Level::Hour, pair, &hours).await?;
        report.hours += hours.len();
        // 2. The days those hours belong to, each from all of its hours.
        let touched: BTreeSet<i64> = hours.iter().map(|(h, _)| floor_to(*h, DAY)).collect();
        let mut days = Vec::with_capacity(touched.len());
        for day in touched {
            let hs = st.sketches(Level::Hour, pair, day, day + DAY).await?;
            days.push((day, merged(hs.iter().map(|(_, s)| s))));
        }
        st.put_sketches(Level::Day, pair, &days).await?;
        report.days += days.len();
        // 3. Windows.
        for ws in &mut out {
            let sketch = window_sketch(st, pair, ws.span).await?;
            if sketch.samples() + sketch.lost() > 0 {
                ws.pairs.push((pair.clone(), sketch.summary()));
            }
        }
        progress(n + 1, pairs.len());
    }
    for ws in &out {
        st.put_window(ws).await?;
    }
    // Last: a run that fails before this point is simply done again.
    st.set_meta(META_SKETCH_FORMAT, &format).await?;
    st.set_meta(META_WATERMARK, &latest.to_string()).await?;
    Ok(report)
}

/// Summaries of any custom range, from the stored sketches (no rounds are
/// read): `[from, to)` widened to whole hours. Pairs without data in the
/// range are left out.
pub async fn range<S: SketchStore>(
    st: &S,
    pairs: &[Pair],
    from: i64,
    to: i64,
) -> Result<(Span, Vec<(Pair, Summary)>)> {
    let span = Span {
        start: floor_to(from, HOUR),
        end: floor_to(to + HOUR - 1, HOUR),
    };
    let mut out = Vec::new();
    for pair in pairs {
        let sk = window_sketch(st, pair, span).await?;
        if sk.samples() + sk.lost() > 0 {
            out.push((pair.clone(), sk.summary()));
        }
    }
    Ok((span, out))
}

/// The sketch of `[span.start, span.end)` (both hour-aligned): full days from
/// the day sketches, the edges from hour sketches.
async fn window_sketch<S: SketchStore>(st: &S, pair: &Pair, span: Span) -> Result<Sketch> {
    let first_day = floor_to(span.start + DAY - 1, DAY);
    let last_day_end = floor_to(span.end, DAY);
    let mut parts = Vec::new();
    if first_day < last_day_end {
        parts.extend(
            st.sketches(Level::Hour, pair, span.start, first_day)
                .await?,
        );
        parts.extend(
            st.sketches(Level::Day, pair, first_day, last_day_end)
                .await?,
        );
        parts.extend(
            st.sketches(Level::Hour, pair, last_day_end, span.end)
                .await?,
        );
    } else {
        parts.extend(st.sketches(Level::Hour, pair, span.start, span.end).await?);
    }
    Ok(merged(parts.iter().map(|(_, s)| s)))
}
