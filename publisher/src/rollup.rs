//! Rounds → window summaries.
//!
//! Windows end at the newest round's scheduled time + one interval (so the
//! newest round is inside) and reach back their length. Statistics are taken
//! over every individual connect in the window.

use shared::stats::{Window, exact_summary};
use store::{RoundStore, Span, SummaryStore, WindowSummaries};

use crate::{Error, Result};

/// Default seconds between rounds when the store does not say.
pub const DEFAULT_INTERVAL: i64 = 300;

/// What a rollup did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Pairs summarised.
    pub pairs: usize,
    /// Rounds read.
    pub rounds: usize,
    /// The end of every window (exclusive), Unix seconds.
    pub end: i64,
}

/// Summarises every pair over each of `windows` and stores the summaries.
/// `progress` is called after each pair with (done, total).
pub async fn run<R, S>(
    rounds: &R,
    summaries: &S,
    windows: &[Window],
    mut progress: impl FnMut(usize, usize),
) -> Result<Report>
where
    R: RoundStore,
    S: SummaryStore,
{
    let (pairs, latest) = rounds.pairs().await?;
    let latest = latest.ok_or(Error::NoRounds)?;
    let interval = summaries
        .meta(store::META_INTERVAL)
        .await?
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_INTERVAL);
    let end = latest + interval;
    let longest = windows.iter().map(|w| w.seconds).max().unwrap_or(0);
    let mut out: Vec<WindowSummaries> = windows
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
    let mut read = 0;
    let mut samples = Vec::new();
    for (n, (src, dst)) in pairs.iter().enumerate() {
        let pair_rounds = rounds.pair_rounds(src, dst, end - longest, end).await?;
        read += pair_rounds.len();
        for ws in &mut out {
            let first = pair_rounds.partition_point(|r| r.scheduled_at < ws.span.start);
            let in_window = &pair_rounds[first..];
            if in_window.is_empty() {
                continue;
            }
            samples.clear();
            samples.extend(in_window.iter().flat_map(|r| r.rtts_us.iter().copied()));
            let lost = in_window.iter().map(|r| u64::from(r.lost())).sum();
            ws.pairs.push((
                (src.clone(), dst.clone()),
                exact_summary(&mut samples, lost),
            ));
        }
        progress(n + 1, pairs.len());
    }
    for ws in &out {
        summaries.put_window(ws).await?;
    }
    Ok(Report {
        pairs: pairs.len(),
        rounds: read,
        end,
    })
}
