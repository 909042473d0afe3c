//! `cloudping stats`: statistics of any custom time range, from the rollup's
//! hourly and daily sketches.

use anyhow::{Context, Result, bail};
use shared::feed::v2::{Precision, round_ms};
use shared::stats::Stat;
use store::{RoundStore, SqliteStore};

/// Options of `cloudping stats`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Start of the range: RFC 3339 (`2026-11-01T06:00:00Z`) or a date (midnight UTC).
    #[arg(long)]
    pub from: String,
    /// End of the range (exclusive), same forms; default: now.
    #[arg(long)]
    pub to: Option<String>,
    /// Pairs as `source:target`, comma-separated; default: every pair.
    #[arg(long)]
    pub pairs: Option<String>,
    /// Print JSON lines instead of a table.
    #[arg(long)]
    pub json: bool,
}

fn time(s: &str, what: &str) -> Result<i64> {
    shared::time::parse_rfc3339(s)
        .with_context(|| format!("{what} `{s}` is not a date or an RFC 3339 UTC time"))
}

/// Prints the statistics of every requested pair over the range.
pub async fn run(st: &SqliteStore, args: &Args) -> Result<()> {
    let from = time(&args.from, "--from")?;
    let to = match &args.to {
        Some(t) => time(t, "--to")?,
        None => crate::now(),
    };
    if to <= from {
        bail!("--to must be after --from");
    }
    let pairs: Option<Vec<(String, String)>> = match &args.pairs {
        Some(list) => Some(
            list.split(',')
                .map(|p| {
                    p.trim()
                        .split_once(':')
                        .map(|(s, t)| (s.to_string(), t.to_string()))
                        .with_context(|| format!("pair `{p}` is not `source:target`"))
                })
                .collect::<Result<_>>()?,
        ),
        None => None,
    };
    let sources: Vec<String> = match &pairs {
        Some(p) => {
            let mut s: Vec<String> = p.iter().map(|(s, _)| s.clone()).collect();
            s.dedup();
            s
        }
        None => st.sources().await?.into_iter().map(|(s, _)| s).collect(),
    };
    let want = |s: &str, t: &str| {
        pairs
            .as_ref()
            .is_none_or(|p| p.iter().any(|(a, b)| a == s && b == t))
    };
    let (span, rows) = publisher::rollup::range(st, &sources, want, from, to).await?;
    if rows.is_empty() {
        bail!(
            "no data between {} and {}; run `cloudping rollup` after recording rounds",
            shared::time::rfc3339(span.start),
            shared::time::rfc3339(span.end)
        );
    }
    if args.json {
        for ((s, t), sum) in &rows {
            // Every statistic by its feed id, to the microsecond as in the feed.
            let latency = sum.latency.map(|l| {
                Stat::ALL
                    .iter()
                    .map(|&stat| (stat.id().to_string(), round_ms(l.get(stat)).into()))
                    .collect::<serde_json::Map<String, serde_json::Value>>()
            });
            let line = serde_json::json!({
                "source": s, "target": t, "start": shared::time::rfc3339(span.start),
                "end": shared::time::rfc3339(span.end), "samples": sum.samples, "lost": sum.lost,
                "latency_ms": latency,
            });
            println!("{line}");
        }
        return Ok(());
    }
    println!(
        "{} → {} (whole hours, UTC)",
        shared::time::rfc3339(span.start),
        shared::time::rfc3339(span.end)
    );
    println!(
        "{:<16} {:<16} {:>9} {:>7} {:>8} {:>8} {:>8} {:>8}",
        "source", "target", "samples", "loss %", "p50", "p90", "p99", "mean"
    );
    for ((s, t), sum) in &rows {
        let loss = sum.loss_pct().map_or("-".into(), |l| format!("{l:.2}"));
        let v = |stat: Stat| {
            sum.latency.map_or("-".into(), |l| {
                let v = l.get(stat);
                let decimals = Precision::PUBLISHED.decimals(stat.id(), v);
                format!("{v:.decimals$}")
            })
        };
        println!(
            "{s:<16} {t:<16} {:>9} {loss:>7} {:>8} {:>8} {:>8} {:>8}",
            sum.samples,
            v(Stat::P50),
            v(Stat::P90),
            v(Stat::P99),
            v(Stat::Mean)
        );
    }
    Ok(())
}
