//! `cloudping`: run the whole CloudPing pipeline on one machine.
//!
//! Rounds and summaries live in a SQLite file (`--db`), the published site
//! in a folder (`--bucket`) that stands in for the S3 bucket. The same
//! library code runs on AWS behind the Lambda handlers.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};

pub mod serve;
pub mod simulate;

/// CloudPing: latency between cloud regions, recorded and published.
///
/// The usual local flow is `simulate` (or `probe`), `rollup`, `publish`,
/// `serve`; `demo` does all of it in one go.
#[derive(Debug, Parser)]
#[command(name = "cloudping", version, about, long_about)]
pub struct Cli {
    /// The embedded store (SQLite file) holding rounds and summaries.
    #[arg(
        long,
        global = true,
        env = "CLOUDPING_DB",
        default_value = "var/cloudping.sqlite"
    )]
    pub db: PathBuf,
    /// The folder standing in for the S3 bucket: the published site and feed.
    #[arg(
        long,
        global = true,
        env = "CLOUDPING_BUCKET",
        default_value = "var/site"
    )]
    pub bucket: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Make realistic synthetic rounds for every pair of regions.
    ///
    /// Seeded by a real public p50 matrix where it has the pair, and by fiber
    /// distance otherwise, with jitter, a daily load cycle, loss and incidents.
    /// Everything published from simulated rounds is marked `simulated`.
    Simulate(simulate::Args),
    /// Summarise stored rounds into the 1 d, 7 d, 30 d and 1 y windows.
    Rollup,
    /// Write the feed (manifest and matrices) into the bucket folder.
    Publish,
    /// Serve the bucket folder over HTTP, like CloudFront would.
    Serve(serve::Args),
    /// Simulate (if the store is empty), roll up, publish, copy the site in and serve it.
    Demo(DemoArgs),
}

#[derive(Debug, clap::Args)]
struct DemoArgs {
    /// The built frontend (trunk's `dist/`) to copy into the bucket.
    #[arg(long, default_value = "dist")]
    site: PathBuf,
    #[command(flatten)]
    simulate: simulate::Args,
    #[command(flatten)]
    serve: serve::Args,
    /// Publish and stop instead of serving.
    #[arg(long)]
    no_serve: bool,
}

/// Runs the CLI, printing any error with its causes.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

fn open_store(cli: &Cli) -> Result<store::SqliteStore> {
    store::SqliteStore::open(&cli.db)
        .with_context(|| format!("opening the store {}", cli.db.display()))
}

/// Runs one parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    let rt = runtime()?;
    match &cli.command {
        Command::Simulate(args) => rt.block_on(simulate::run(&open_store(&cli)?, args)),
        Command::Rollup => rt.block_on(rollup(&open_store(&cli)?)),
        Command::Publish => rt.block_on(publish(&open_store(&cli)?, &cli.bucket)),
        Command::Serve(args) => serve::run(&cli.bucket, args),
        Command::Demo(args) => {
            let st = open_store(&cli)?;
            rt.block_on(async {
                if st.count_rounds()? == 0 {
                    simulate::run(&st, &args.simulate).await?;
                } else {
                    eprintln!(
                        "store {} already has rounds; reusing them (delete it to simulate afresh)",
                        cli.db.display()
                    );
                }
                rollup(&st).await?;
                publish(&st, &cli.bucket).await
            })?;
            copy_site(&args.site, &cli.bucket)?;
            if args.no_serve {
                return Ok(());
            }
            serve::run(&cli.bucket, &args.serve)
        }
    }
}

async fn rollup(st: &store::SqliteStore) -> Result<()> {
    let started = std::time::Instant::now();
    let mut last_print = std::time::Instant::now();
    let report = publisher::rollup::run(st, st, &shared::stats::WINDOWS, |done, total| {
        if last_print.elapsed().as_secs() >= 2 || done == total {
            eprintln!("rollup: {done}/{total} pairs");
            last_print = std::time::Instant::now();
        }
    })
    .await?;
    eprintln!(
        "rollup: {} pairs, {} rounds summarised up to {} in {:.1} s",
        report.pairs,
        report.rounds,
        shared::time::rfc3339(report.end),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn publish(st: &store::SqliteStore, bucket: &std::path::Path) -> Result<()> {
    let b = store::FolderBucket::new(bucket);
    let report = publisher::export::run(st, &b, now()).await?;
    eprintln!(
        "publish: wrote {} files ({} KB) into {}",
        report.written.len(),
        report.bytes / 1024,
        bucket.display()
    );
    Ok(())
}

/// The current time, Unix seconds.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Copies the built site (index.html, wasm, js) into the bucket folder.
fn copy_site(site: &std::path::Path, bucket: &std::path::Path) -> Result<()> {
    if !site.join("index.html").is_file() {
        bail!(
            "{} has no index.html; build the frontend first (`make site`)",
            site.display()
        );
    }
    let mut copied = 0;
    for entry in std::fs::read_dir(site).with_context(|| format!("reading {}", site.display()))? {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            std::fs::copy(entry.path(), bucket.join(entry.file_name()))
                .with_context(|| format!("copying {}", entry.path().display()))?;
            copied += 1;
        }
    }
    eprintln!(
        "site: copied {copied} files from {} into {}",
        site.display(),
        bucket.display()
    );
    Ok(())
}
