//! `cloudping simulate`: fill the store with synthetic rounds.

use anyhow::{Context, Result, bail};
use probe::simulate::Model;
use store::{RoundStore, SqliteStore, SummaryStore};

/// Options of `cloudping simulate`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Days of rounds to make, ending at `--end`.
    #[arg(long, default_value_t = 30)]
    pub days: u32,
    /// End of the span (exclusive): RFC 3339 (`2026-11-25T12:00:00Z`), a date, or `now`.
    #[arg(long, default_value = "now")]
    pub end: String,
    /// Regions to simulate, comma-separated codes, or `all` commercial regions.
    #[arg(long, default_value = "all")]
    pub regions: String,
    /// Connects per round (K).
    #[arg(long, default_value_t = 10)]
    pub connects: u16,
    /// Seconds between rounds.
    #[arg(long, default_value_t = 300)]
    pub interval: i64,
    /// Seed of the model; the same seed gives the same rounds.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Chance per day (0 to 1) of a correlated outage: every link of one
    /// region, or every pair across one "cable" between two geographies,
    /// slows by 15–60 % for 2–8 hours at once, as the level shifts of
    /// `changes.json` are meant to catch. 0 (the default): none, only the
    /// model's per-pair incidents.
    #[arg(long, default_value_t = 0.0, value_name = "CHANCE")]
    pub outages: f64,
}

/// Simulates the span day by day, storing as it goes, with progress on stderr.
pub async fn run(st: &SqliteStore, args: &Args) -> Result<()> {
    let regions = shared::catalog::parse_list(&args.regions)?;
    if regions.is_empty() {
        bail!("--regions names no region");
    }
    if args.interval <= 0 || 86_400 % args.interval != 0 {
        bail!(
            "--interval must divide a day evenly (e.g. 60, 300, 900), not {}",
            args.interval
        );
    }
    if args.connects == 0 {
        bail!("--connects must be at least 1");
    }
    let end = if args.end == "now" {
        crate::now()
    } else {
        shared::time::parse_rfc3339(&args.end).with_context(|| {
            format!(
                "--end `{}` is not `now`, a date or an RFC 3339 UTC time",
                args.end
            )
        })?
    };
    let end = shared::time::floor_to(end, args.interval);
    let start = end - i64::from(args.days) * 86_400;
    if !(0.0..=1.0).contains(&args.outages) {
        bail!(
            "--outages is a chance per day, 0 to 1, not {}",
            args.outages
        );
    }
    let model = Model::new(&regions, args.seed).with_outages(args.outages);
    // Mark first: a crash mid-way must not leave simulated rounds unmarked.
    st.set_meta(store::META_SIMULATED, "true").await?;
    st.set_meta(store::META_INTERVAL, &args.interval.to_string())
        .await?;
    eprintln!(
        "simulate: {} regions ({} pairs), {} days of {}-second rounds, {} connects each, {} → {}",
        regions.len(),
        regions.len() * regions.len(),
        args.days,
        args.interval,
        args.connects,
        shared::time::rfc3339(start),
        shared::time::rfc3339(end)
    );
    let started = std::time::Instant::now();
    let mut total = 0;
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8) as i64;
    for day in 0..i64::from(args.days) {
        let (from, to) = (start + day * 86_400, start + (day + 1) * 86_400);
        // Rounds are pure functions of their identity, so slices of the day
        // can be made in parallel and the result is the same.
        let per_day = 86_400 / args.interval;
        let slice = (per_day + threads - 1) / threads * args.interval;
        let rounds: Vec<_> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads)
                .map(|k| {
                    let model = &model;
                    let (a, b) = (from + k * slice, (from + (k + 1) * slice).min(to));
                    s.spawn(move || model.rounds(a, b, args.interval, args.connects))
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap_or_default())
                .collect()
        });
        total += st.put_rounds(&rounds).await?;
        eprintln!(
            "simulate: day {}/{} done, {} rounds stored",
            day + 1,
            args.days,
            total
        );
    }
    st.compact()?;
    eprintln!(
        "simulate: {total} new rounds in {:.1} s (store compacted)",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
