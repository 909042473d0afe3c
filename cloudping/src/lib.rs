//! `cloudping`: run the whole CloudPing pipeline on one machine.
//!
//! Rounds and summaries live in a SQLite file (`--db`), the published site
//! in a folder (`--bucket`) that stands in for the S3 bucket. The same
//! library code runs on AWS behind the Lambda handlers.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};

pub mod probe;
pub mod serve;
pub mod simulate;
pub mod stats;

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
    /// Measure RTT from this machine to every region's endpoint, for real.
    ///
    /// Times K TCP connects to each region's DynamoDB endpoint
    /// (`dynamodb.<region>.amazonaws.com:443`), all regions at once, stores
    /// one round per region in the store and prints a table (or `--json`).
    /// `--every 5m` keeps recording until Ctrl-C, which finishes and stores
    /// the round in progress first. `--endpoint CODE=HOST:PORT` measures
    /// another address for a region (a proxy, a test server).
    Probe(probe::Args),
    /// Summarise stored rounds into the 1 d, 7 d, 30 d and 1 y windows.
    ///
    /// Incremental: only rounds since the last run (less a grace period for
    /// late ones) are read; `--rebuild` recomputes everything from the rounds.
    Rollup(RollupArgs),
    /// Write the feed (manifest and matrices) into the bucket folder.
    ///
    /// Into the bucket folder by default; `--s3 BUCKET` writes to S3 instead
    /// (credentials and region from the usual AWS environment).
    Publish(PublishArgs),
    /// Serve the bucket folder over HTTP, like CloudFront would.
    Serve(serve::Args),
    /// Statistics of any time range (whole hours), from the rollup's sketches.
    ///
    /// p50/p90/p99 and mean in ms and loss, per pair, for e.g. one week last
    /// month: `cloudping stats --from 2026-10-05 --to 2026-10-12 --pairs us-east-1:eu-west-1`.
    Stats(stats::Args),
    /// Copy the site in, simulate (if the store is empty), roll up, publish (prerendering the page) and serve it.
    Demo(DemoArgs),
}

#[derive(Debug, clap::Args)]
struct PublishArgs {
    /// Publish to this S3 bucket instead of the bucket folder.
    #[arg(long, value_name = "BUCKET")]
    s3: Option<String>,
    /// S3 endpoint URL (an S3-compatible server); implies path-style addressing.
    #[arg(long, requires = "s3", value_name = "URL")]
    endpoint_url: Option<String>,
    /// Minutes a day's last scheduled round may still arrive late; the day's
    /// raw file is written once they have passed.
    #[arg(long, default_value_t = 120, value_name = "MINUTES")]
    raw_grace_minutes: i64,
    /// The site's public base URL: the Atom feed of changes
    /// (`data/v2/changes.atom`) links to the graphs there, and Atom allows
    /// only absolute links.
    #[arg(long, default_value = publisher::export::DEFAULT_SITE, value_name = "URL")]
    site_url: String,
}

#[derive(Debug, clap::Args)]
struct RollupArgs {
    /// Ignore the watermark and recompute every hour the windows cover.
    #[arg(long)]
    rebuild: bool,
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
        Command::Probe(args) => rt.block_on(probe::run(&open_store(&cli)?, args)),
        Command::Rollup(args) => rt.block_on(rollup(&open_store(&cli)?, args.rebuild)),
        Command::Publish(args) => {
            let opts = publisher::export::Options {
                raw_grace: args.raw_grace_minutes * 60,
                site: args.site_url.clone(),
                ..publisher::export::Options::at(now())
            };
            match &args.s3 {
                None => rt.block_on(publish(&open_store(&cli)?, &cli.bucket, &opts)),
                Some(name) => rt.block_on(publish_s3(
                    &open_store(&cli)?,
                    name,
                    args.endpoint_url.as_deref(),
                    &opts,
                )),
            }
        }
        Command::Serve(args) => rt.block_on(serve::run(&cli.bucket, args)),
        Command::Stats(args) => rt.block_on(stats::run(&open_store(&cli)?, args)),
        Command::Demo(args) => {
            let st = open_store(&cli)?;
            // The site first: the publish prerenders into its index.html.
            copy_site(&args.site, &cli.bucket)?;
            rt.block_on(async {
                if st.count_rounds()? == 0 {
                    simulate::run(&st, &args.simulate).await?;
                } else {
                    eprintln!(
                        "store {} already has rounds; reusing them (delete it to simulate afresh)",
                        cli.db.display()
                    );
                }
                rollup(&st, false).await?;
                publish(&st, &cli.bucket, &publisher::export::Options::at(now())).await
            })?;
            if args.no_serve {
                return Ok(());
            }
            rt.block_on(serve::run(&cli.bucket, &args.serve))
        }
    }
}

async fn rollup(st: &store::SqliteStore, rebuild: bool) -> Result<()> {
    let started = std::time::Instant::now();
    let mut last_print = std::time::Instant::now();
    let opts = publisher::rollup::Options {
        rebuild,
        ..Default::default()
    };
    let report = publisher::rollup::run(st, &opts, |done, total| {
        if last_print.elapsed().as_secs() >= 2 || done == total {
            eprintln!("rollup: {done}/{total} sources");
            last_print = std::time::Instant::now();
        }
    })
    .await?;
    eprintln!(
        "rollup: {} sources, {} rounds from {} folded into {} hour, {} day and {} month sketch groups; windows recomputed: {}; 1d window ends {}; {:.1} s",
        report.sources,
        report.rounds,
        shared::time::rfc3339(report.from),
        report.hours,
        report.days,
        report.months,
        if report.windows.is_empty() {
            "none".to_string()
        } else {
            report.windows.join(", ")
        },
        shared::time::rfc3339(report.end),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn publish_s3(
    st: &store::SqliteStore,
    name: &str,
    endpoint: Option<&str>,
    opts: &publisher::export::Options,
) -> Result<()> {
    let conf = match endpoint {
        Some(url) => {
            let mut loader =
                aws_config::defaults(aws_config::BehaviorVersion::latest()).endpoint_url(url);
            if std::env::var_os("AWS_REGION").is_none() {
                loader = loader.region(aws_config::Region::new("us-east-1"));
            }
            loader.http_client(store::aws::https_client()).load().await
        }
        None => store::aws::from_env().await,
    };
    let b = store::S3Bucket::new(store::aws::s3_client(&conf, endpoint.is_some()), name);
    publish_to(st, &b, &format!("s3://{name}"), opts).await
}

async fn publish(
    st: &store::SqliteStore,
    bucket: &std::path::Path,
    opts: &publisher::export::Options,
) -> Result<()> {
    publish_to(
        st,
        &store::FolderBucket::new(bucket),
        &bucket.display().to_string(),
        opts,
    )
    .await
}

async fn publish_to(
    st: &store::SqliteStore,
    b: &impl store::Bucket,
    name: &str,
    opts: &publisher::export::Options,
) -> Result<()> {
    let started = std::time::Instant::now();
    let t = std::time::Instant::now();
    let report = publisher::export::run(st, b, opts, |stage| {
        eprintln!("publish: {stage} ({:.1} s)", t.elapsed().as_secs_f64());
    })
    .await?;
    eprintln!(
        "publish: wrote {} files ({} KB), {} unchanged files skipped, into {} in {:.1} s",
        report.written.len(),
        report.bytes / 1024,
        report.skipped,
        name,
        started.elapsed().as_secs_f64()
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

/// Copies the built site (index.html, wasm, JS, CSS, the base map) into the
/// bucket folder.
fn copy_site(site: &std::path::Path, bucket: &std::path::Path) -> Result<()> {
    if !site.join("index.html").is_file() {
        bail!(
            "{} has no index.html; build the frontend first (`make site`)",
            site.display()
        );
    }
    let copied = copy_tree(site, bucket)?;
    eprintln!(
        "site: copied {copied} files from {} into {}",
        site.display(),
        bucket.display()
    );
    Ok(())
}

/// Copies the files under `from` into `to`, folders included (the site's
/// `map/land.json`), creating folders as needed; returns how many files.
fn copy_tree(from: &std::path::Path, to: &std::path::Path) -> Result<usize> {
    std::fs::create_dir_all(to).with_context(|| format!("creating {}", to.display()))?;
    let mut copied = 0;
    for entry in std::fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let entry = entry?;
        let kind = entry.file_type()?;
        if kind.is_dir() {
            copied += copy_tree(&entry.path(), &to.join(entry.file_name()))?;
        } else if kind.is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name()))
                .with_context(|| format!("copying {}", entry.path().display()))?;
            copied += 1;
        }
    }
    Ok(copied)
}

#[cfg(test)]
mod tests {
    use super::copy_site;
    use std::fs;

    #[test]
    fn the_site_is_copied_with_its_folders() {
        let dir = tempfile::tempdir().unwrap();
        let (site, bucket) = (dir.path().join("dist"), dir.path().join("bucket"));
        fs::create_dir_all(site.join("map")).unwrap();
        fs::write(site.join("index.html"), "<!doctype html>").unwrap();
        fs::write(site.join("app_bg.wasm"), [0, 0x61, 0x73, 0x6d]).unwrap();
        fs::write(site.join("map/land.json"), "{\"land\":[]}").unwrap();
        copy_site(&site, &bucket).unwrap();
        assert_eq!(
            fs::read_to_string(bucket.join("index.html")).unwrap(),
            "<!doctype html>"
        );
        assert_eq!(
            fs::read(bucket.join("app_bg.wasm")).unwrap(),
            [0, 0x61, 0x73, 0x6d]
        );
        assert_eq!(
            fs::read_to_string(bucket.join("map/land.json")).unwrap(),
            "{\"land\":[]}"
        );
    }

    #[test]
    fn a_site_without_index_html_says_to_build_it() {
        let dir = tempfile::tempdir().unwrap();
        let err = copy_site(dir.path(), &dir.path().join("bucket")).unwrap_err();
        assert!(err.to_string().contains("make site"), "{err}");
    }
}
