//! Time series as fixed time chunks, one file per (resolution, source, chunk)
//! holding every destination of that source.
//!
//! A chunk is *closed* once every point in it is complete and late rounds
//! have had the grace period to arrive; it is written once, under a name
//! built from its start, and never again. The open chunks (at most two per
//! source and resolution) are rewritten under content-addressed names when
//! their content changes. The previous series index says which chunks were
//! closed and written, so a publish writes only the chunks that closed since
//! and the open ones that changed: O(sources), whatever the history's length.
//!
//! Open chunks live under `series/open/`, apart from the closed ones, so a
//! bucket lifecycle rule can expire the superseded ones without touching a
//! closed chunk.

use std::collections::BTreeMap;

use shared::feed::v2::{self, Chunks, Columns, Resolution, SeriesChunk, SeriesIndex, round_ms};
use shared::sketch::Sketch;
use shared::stats::{Stat, Summary};
use shared::time::{floor_to, parse_rfc3339, rfc3339};
use store::{Bucket, Level, RoundStore, SketchStore};

use super::upload::{Uploader, addressed, encode, json_immutable};
use crate::Result;

const HOUR: i64 = 3600;
const DAY: i64 = 86_400;

/// The series resolutions: 5-minute points for 2 days in 2-hour chunks,
/// hourly for a year in 1-day chunks, daily for 10 years in 128-day chunks.
pub fn resolutions() -> Vec<Resolution> {
    [
        ("5m", 300, 2 * DAY, 2 * HOUR),
        ("1h", HOUR, 365 * DAY, DAY),
        ("1d", DAY, 3650 * DAY, 128 * DAY),
    ]
    .into_iter()
    .map(|(id, step, span, chunk)| Resolution {
        id: id.into(),
        step_seconds: step,
        span_seconds: span,
        chunk_seconds: chunk,
    })
    .collect()
}

/// Columns of `n` points from per-point summaries keyed by point index.
fn columns(n: usize, points: &BTreeMap<usize, Summary>) -> Columns {
    let mut c = Columns::gaps(n);
    for (&i, sum) in points.range(..n) {
        c.samples[i] = sum.samples;
        c.lost[i] = sum.lost;
        if let Some(l) = sum.latency {
            let v = |stat: Stat| Some(round_ms(l.get(stat)));
            c.p10[i] = v(Stat::P10);
            c.p50[i] = v(Stat::P50);
            c.p90[i] = v(Stat::P90);
            c.min[i] = v(Stat::Min);
            c.max[i] = v(Stat::Max);
        }
    }
    c
}

/// Where the newest data stands, for every resolution.
#[derive(Debug, Clone, Copy)]
pub struct Edge {
    /// Scheduled time of the newest round.
    pub data_end: i64,
    /// Seconds between rounds.
    pub interval: i64,
    /// Seconds late rounds may take to arrive.
    pub grace: i64,
}

impl Edge {
    /// Points of `res` before this are complete (their last round is in).
    fn complete_before(&self, res: &Resolution) -> i64 {
        floor_to(self.data_end + self.interval, res.step_seconds)
    }

    /// Chunks of `res` starting before this are closed.
    fn closed_before(&self, res: &Resolution) -> i64 {
        let settled = self
            .complete_before(res)
            .min(self.data_end + self.interval - self.grace);
        floor_to(settled, res.chunk_seconds)
    }
}

/// One chunk of one source: `None` when it would have no point yet.
async fn chunk<S: RoundStore + SketchStore>(
    st: &S,
    source: &str,
    res: &Resolution,
    start: i64,
    complete_before: i64,
) -> Result<Option<SeriesChunk>> {
    let step = res.step_seconds;
    let end = (start + res.chunk_seconds).min(complete_before);
    if end <= start {
        return Ok(None);
    }
    let n = usize::try_from((end - start + step - 1) / step).unwrap_or(0);
    // Per destination, per point index, a sketch.
    let mut by_dst: BTreeMap<String, BTreeMap<usize, Sketch>> = BTreeMap::new();
    let level = match step {
        HOUR => Some(Level::Hour),
        DAY => Some(Level::Day),
        _ => None,
    };
    let index = |t: i64| usize::try_from((t - start) / step).unwrap_or(usize::MAX);
    match level {
        Some(level) => {
            for (t, group) in st.sketches(level, source, start, end).await? {
                for (dst, sk) in group {
                    by_dst.entry(dst).or_default().insert(index(t), sk);
                }
            }
        }
        None => {
            for r in st.source_rounds(source, start, end).await? {
                by_dst
                    .entry(r.target.clone())
                    .or_default()
                    .entry(index(floor_to(r.scheduled_at, step)))
                    .or_default()
                    .add_round(&r);
            }
        }
    }
    let destinations = by_dst
        .into_iter()
        .map(|(dst, pts)| {
            let sums = pts.into_iter().map(|(i, sk)| (i, sk.summary())).collect();
            (dst, columns(n, &sums))
        })
        .collect();
    Ok(Some(SeriesChunk {
        version: v2::VERSION,
        source: source.to_string(),
        resolution: res.id.clone(),
        step_seconds: step,
        start: rfc3339(start),
        unit: "ms".into(),
        points: n,
        destinations,
    }))
}

/// Publishes every source's chunks and returns the new index.
///
/// `previous` is the previous publish's index and where its data ended: an
/// open chunk is read and rebuilt only when a point in it became complete
/// since, or could still have changed (late rounds reach back `grace`);
/// otherwise the previous file stands. With `refresh`, every open chunk is
/// written again (see [`super::run`]).
pub async fn publish<S: RoundStore + SketchStore, B: Bucket>(
    st: &S,
    up: &mut Uploader<'_, B>,
    sources: &[String],
    edge: Edge,
    previous: Option<(&SeriesIndex, Edge)>,
    refresh: bool,
    progress: &mut impl FnMut(&str),
) -> Result<SeriesIndex> {
    let previous_edge = previous.map(|(_, e)| e);
    let previous = previous.map(|(i, _)| i);
    let resolutions = resolutions();
    let mut index = SeriesIndex {
        version: v2::VERSION,
        resolutions: resolutions.clone(),
        sources: BTreeMap::new(),
    };
    let mut written = 0;
    for source in sources {
        let mut per_res = BTreeMap::new();
        for res in &resolutions {
            let len = res.chunk_seconds;
            let complete = edge.complete_before(res);
            let closed = edge.closed_before(res);
            let oldest = floor_to(edge.data_end - res.span_seconds, len);
            let prev = previous
                .filter(|p| p.resolution(&res.id) == Some(res))
                .and_then(|p| p.sources.get(source)?.get(&res.id));
            let parse = |t: &String| parse_rfc3339(t);
            // Where closed chunks still need writing, and the first chunk.
            let (mut first, mut next_closed) = match prev {
                Some(c) => match (parse(&c.first), parse(&c.closed_before)) {
                    (Some(f), Some(cb)) => (f, cb),
                    _ => (oldest, oldest),
                },
                None => (oldest, oldest),
            };
            if prev.is_none() {
                // A first publish starts at the first chunk with data.
                let oldest_data = match res.step_seconds {
                    HOUR => st.first(Level::Hour, source).await?,
                    DAY => st.first(Level::Day, source).await?,
                    _ => None,
                };
                if let Some(t) = oldest_data {
                    first = floor_to(t, len).max(oldest);
                }
                while first < complete {
                    match chunk(st, source, res, first, complete).await? {
                        Some(c) if !c.destinations.is_empty() => break,
                        _ => first += len,
                    }
                }
                next_closed = first;
            }
            first = first.max(oldest);
            next_closed = next_closed.max(first);
            let mut t = next_closed;
            while t < closed {
                if let Some(c) = chunk(st, source, res, t, complete).await? {
                    let body = encode("series chunk", &c)?;
                    up.always(
                        &SeriesIndex::closed_path(&res.id, source, t),
                        &body,
                        &json_immutable(),
                    )
                    .await?;
                    written += 1;
                }
                t += len;
            }
            let mut open = BTreeMap::new();
            let mut t = closed.max(first);
            while t < complete {
                let last_point_end = (t + len).min(complete);
                let unchanged = !refresh
                    && previous_edge.is_some_and(|e| {
                        e.complete_before(res) == complete && last_point_end <= e.data_end - e.grace
                    });
                if let (true, Some(path)) = (unchanged, prev.and_then(|p| p.open.get(&rfc3339(t))))
                {
                    open.insert(rfc3339(t), path.clone());
                    up.report.skipped += 1;
                    t += len;
                    continue;
                }
                if let Some(c) = chunk(st, source, res, t, complete).await? {
                    let body = encode("series chunk", &c)?;
                    let stem = format!("series/open/{}/{source}/{}", res.id, &rfc3339(t)[..13]);
                    let path = addressed(&stem, "json", &body);
                    let same =
                        !refresh && prev.and_then(|p| p.open.get(&rfc3339(t))) == Some(&path);
                    if !same {
                        up.data(&path, &body, &json_immutable()).await?;
                        written += 1;
                    }
                    open.insert(rfc3339(t), path);
                }
                t += len;
            }
            if first < complete {
                per_res.insert(
                    res.id.clone(),
                    Chunks {
                        first: rfc3339(first),
                        closed_before: rfc3339(closed.max(first)),
                        open,
                    },
                );
            }
        }
        index.sources.insert(source.clone(), per_res);
    }
    progress(&format!(
        "series: {} sources × {} resolutions, {written} chunk files written",
        sources.len(),
        resolutions.len()
    ));
    Ok(index)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_chunks_wait_for_the_grace_period() {
        let res = &resolutions()[0];
        let edge = Edge {
            data_end: 10 * HOUR - 300,
            interval: 300,
            grace: 2 * HOUR,
        };
        assert_eq!(edge.complete_before(res), 10 * HOUR);
        assert_eq!(edge.closed_before(res), 8 * HOUR);
        let hourly = &resolutions()[1];
        assert_eq!(edge.complete_before(hourly), 10 * HOUR);
        assert_eq!(edge.closed_before(hourly), 0, "the day is still open");
    }

    #[test]
    fn columns_mark_gaps_as_null() {
        let mut sk = Sketch::new();
        sk.extend_from_slice(&[70_000, 71_000]);
        let mut dead = Sketch::new();
        dead.add_lost(10);
        let pts = BTreeMap::from([(0, sk.summary()), (2, dead.summary())]);
        let c = columns(4, &pts);
        assert!(c.p50[0].is_some());
        assert_eq!(
            (c.p50[1], c.samples[1], c.lost[1]),
            (None, 0, 0),
            "no data: a gap"
        );
        assert_eq!(
            (c.p50[2], c.samples[2], c.lost[2]),
            (None, 0, 10),
            "all lost: loss, no latency"
        );
    }
}
