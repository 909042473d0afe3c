//! Raw rounds of complete days: `raw/{date}.ndjson.gz`, written once.

use std::collections::VecDeque;
use std::io::Write;

use shared::Round;
use shared::feed::v2::{RawDay, RawRound};
use shared::time::floor_to;
use store::{Bucket, RoundStore};

use super::upload::{IMMUTABLE, Uploader, encode, meta};
use crate::{Error, Result};

const DAY: i64 = 86_400;

/// Gzipped NDJSON of rounds, one [`RawRound`] per line.
pub fn ndjson_gz(rounds: &[Round]) -> Result<Vec<u8>> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    for r in rounds {
        let line = encode("raw", &RawRound::from(r))?;
        gz.write_all(&line)
            .and_then(|()| gz.write_all(b"\n"))
            .map_err(|e| Error::Compress(e.to_string()))?;
    }
    gz.finish().map_err(|e| Error::Compress(e.to_string()))
}

/// Where the raw stage starts and what it keeps.
pub struct Plan<'a> {
    /// Sources to read.
    pub sources: &'a [String],
    /// Days before this one are complete.
    pub complete_before: i64,
    /// The first day to publish when nothing was published yet.
    pub first: i64,
    /// What the previous manifest listed, oldest first.
    pub previous: Vec<RawDay>,
    /// How many of the newest days the manifest lists.
    pub keep: usize,
}

/// Publishes every complete day after the newest one already published;
/// returns the days the manifest lists, oldest first.
pub async fn publish<S: RoundStore, B: Bucket>(
    st: &S,
    up: &mut Uploader<'_, B>,
    plan: Plan<'_>,
    progress: &mut impl FnMut(&str),
) -> Result<Vec<RawDay>> {
    let mut days = plan.previous;
    let mut day = days
        .last()
        .and_then(|d| shared::time::parse_rfc3339(&d.date))
        .map_or(plan.first, |d| d + DAY);
    day = floor_to(day, DAY);
    // Compressing a day costs several times reading it, so days are
    // compressed on blocking threads, one per core, while the next are read.
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut jobs: VecDeque<(RawDay, tokio::task::JoinHandle<Result<Vec<u8>>>)> = VecDeque::new();
    while day < plan.complete_before {
        let mut rounds = Vec::new();
        for s in plan.sources {
            rounds.extend(st.source_rounds(s, day, day + DAY).await?);
        }
        if jobs.len() >= cores
            && let Some((entry, job)) = jobs.pop_front()
        {
            finish(up, &mut days, entry, job, progress).await?;
        }
        if !rounds.is_empty() {
            let date = shared::time::date(day);
            let entry = RawDay {
                path: format!("raw/{date}.ndjson.gz"),
                date,
                rounds: rounds.len() as u64,
            };
            jobs.push_back((
                entry,
                tokio::task::spawn_blocking(move || {
                    rounds.sort_by(|a, b| {
                        (a.scheduled_at, &a.source, &a.target).cmp(&(
                            b.scheduled_at,
                            &b.source,
                            &b.target,
                        ))
                    });
                    ndjson_gz(&rounds)
                }),
            ));
        }
        day += DAY;
    }
    while let Some((entry, job)) = jobs.pop_front() {
        finish(up, &mut days, entry, job, progress).await?;
    }
    let drop = days.len().saturating_sub(plan.keep);
    days.drain(..drop);
    Ok(days)
}

async fn finish<B: Bucket>(
    up: &mut Uploader<'_, B>,
    days: &mut Vec<RawDay>,
    entry: RawDay,
    job: tokio::task::JoinHandle<Result<Vec<u8>>>,
    progress: &mut impl FnMut(&str),
) -> Result<()> {
    let body = job.await.map_err(|e| Error::Compress(e.to_string()))??;
    // Written whole every time it is reached: a day is reached once, after
    // the previous manifest's newest day, so a publish that failed half way
    // writes it again, whole.
    up.always(&entry.path, &body, &meta("application/gzip", IMMUTABLE))
        .await?;
    progress(&format!(
        "raw: {} ({} rounds, {} KB)",
        entry.date,
        entry.rounds,
        body.len() / 1024
    ));
    days.push(entry);
    Ok(())
}
