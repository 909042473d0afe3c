//! `cloudping probe`: measure from this machine to every region, for real.
//!
//! One run measures one round per target (K timed TCP connects to the
//! region's DynamoDB endpoint, all targets concurrently), stores the rounds
//! and prints them. With `--every` it keeps doing so on a wall-clock grid
//! until Ctrl-C, finishing and storing the round in progress before it exits.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use ::probe::measure::{self, Config, Target};
use anyhow::{Context, Result, bail};
use shared::Round;
use store::{RoundStore, SummaryStore};
use tokio::sync::watch;

/// The interval used when neither `--interval` nor `--every` is given.
use probe::plan::DEFAULT_INTERVAL;

/// Options of `cloudping probe`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Regions to measure: comma-separated codes, or `all` commercial regions.
    #[arg(long, default_value = "all")]
    pub targets: String,
    /// The name of this vantage point, stored as the rounds' source (use the
    /// region code when the probe runs inside a region).
    #[arg(long, default_value = "local")]
    pub source: String,
    /// Connects per round and target (K).
    #[arg(long, default_value_t = 10)]
    pub connects: u16,
    /// Milliseconds between the starts of two connects to one target.
    #[arg(long, default_value_t = 100)]
    pub spacing_ms: u64,
    /// Milliseconds a connect may take before it counts as lost (`timeout`).
    #[arg(long, default_value_t = 2000)]
    pub timeout_ms: u64,
    /// Seconds between scheduled rounds: a round is recorded at the current
    /// time floored to a multiple of this. Defaults to `--every` when that is
    /// given, else 300.
    #[arg(long)]
    pub interval: Option<i64>,
    /// Keep measuring, one round every DURATION (`30s`, `5m`, `1h`), until
    /// Ctrl-C. Rounds start on the wall-clock grid of DURATION.
    #[arg(long, value_name = "DURATION", value_parser = parse_every)]
    pub every: Option<Duration>,
    /// Print the rounds as JSON lines (one `Round` per line) instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Connect to HOST:PORT instead of the region's public endpoint, e.g.
    /// `us-east-1=10.1.2.3:443` or `eu-west-1=[::1]:8443`. Repeatable. For a
    /// proxy or VPC endpoint in front of the service, or a test server. The
    /// round is still recorded under the region's code.
    #[arg(long = "endpoint", value_name = "CODE=HOST:PORT", value_parser = parse_endpoint)]
    pub endpoints: Vec<Endpoint>,
}

/// A `--endpoint` override: measure `host:port` for region `code`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// The region code the override applies to.
    pub code: String,
    /// Host name or IP address (IPv6 without brackets).
    pub host: String,
    /// TCP port.
    pub port: u16,
}

/// Parses `--every`: a whole number with `s`, `m` or `h` (a bare number is seconds).
pub fn parse_every(s: &str) -> std::result::Result<Duration, String> {
    let bad =
        || format!("`{s}` is not a duration: use a whole number with s, m or h, e.g. 30s, 5m, 1h");
    let t = s.trim();
    let (digits, unit) = match t.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => t.split_at(i),
        None => (t, "s"),
    };
    let n: u64 = digits.parse().map_err(|_| bad())?;
    let secs = match unit {
        "s" => Some(n),
        "m" => n.checked_mul(60),
        "h" => n.checked_mul(3600),
        _ => None,
    }
    .ok_or_else(bad)?;
    if secs == 0 {
        return Err(format!("--every {s}: the period must be at least 1s"));
    }
    Ok(Duration::from_secs(secs))
}

/// Parses `--endpoint CODE=HOST:PORT`.
pub fn parse_endpoint(s: &str) -> std::result::Result<Endpoint, String> {
    let bad = |why: &str| {
        format!(
            "`{s}`: {why}; write CODE=HOST:PORT, e.g. us-east-1=10.1.2.3:443 or us-east-1=[::1]:8443"
        )
    };
    let (code, addr) = s.split_once('=').ok_or_else(|| bad("no `=`"))?;
    let (host, port) = addr.rsplit_once(':').ok_or_else(|| bad("no `:PORT`"))?;
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    let port: u16 = port
        .parse()
        .ok()
        .filter(|&p| p != 0)
        .ok_or_else(|| bad("the port must be a number from 1 to 65535"))?;
    if code.trim().is_empty() || host.is_empty() {
        return Err(bad("the region code and the host must not be empty"));
    }
    Ok(Endpoint {
        code: code.trim().to_string(),
        host: host.to_string(),
        port,
    })
}

/// The validated options: what to measure, how, and how often.
#[derive(Debug, Clone)]
struct Plan {
    source: String,
    targets: Vec<Target>,
    cfg: Config,
    interval: i64,
    every: Option<Duration>,
    json: bool,
}

impl Plan {
    fn from_args(args: &Args) -> Result<Plan> {
        let regions = shared::catalog::parse_list(&args.targets)?;
        if regions.is_empty() {
            bail!(
                "--targets names no region; give region codes (e.g. us-east-1,eu-west-1) or `all`"
            );
        }
        let mut overrides = std::collections::BTreeMap::new();
        for e in &args.endpoints {
            if overrides.contains_key(&e.code) {
                bail!("--endpoint is given twice for `{}`; keep one", e.code);
            }
            if !regions.iter().any(|r| r.code == e.code) {
                bail!(
                    "--endpoint {}={}:{}: `{}` is not among the regions measured; add it to --targets",
                    e.code,
                    e.host,
                    e.port,
                    e.code
                );
            }
            overrides.insert(e.code.clone(), (e.host.clone(), e.port));
        }
        let targets: Vec<Target> = probe::plan::targets(regions.iter().copied(), &overrides);
        let source = args.source.trim();
        if !shared::catalog::is_site_name(source) {
            bail!(
                "--source must name this vantage point in lower-case letters, digits and `-` (e.g. `local`, `my-office` or a region code), not {source:?}"
            );
        }
        if args.connects == 0 {
            bail!("--connects must be at least 1");
        }
        if args.timeout_ms == 0 {
            bail!("--timeout-ms must be at least 1");
        }
        let every_secs = args.every.map(|d| d.as_secs() as i64);
        let interval = args.interval.or(every_secs).unwrap_or(DEFAULT_INTERVAL);
        if let Err(why) = probe::plan::check_interval(interval) {
            bail!("--interval: {why}");
        }
        if let Some(every) = every_secs
            && every % interval != 0
        {
            bail!(
                "--every {every}s is not a multiple of --interval {interval}s: one round per \
                 target is kept per interval, so a shorter period would store nothing new; \
                 drop --interval or make --every a multiple of it"
            );
        }
        Ok(Plan {
            source: source.to_string(),
            targets,
            cfg: Config {
                connects: args.connects,
                spacing: Duration::from_millis(args.spacing_ms),
                timeout: Duration::from_millis(args.timeout_ms),
                ..Config::default()
            },
            interval,
            every: args.every,
            json: args.json,
        })
    }
}

/// Runs `cloudping probe`: one round per target, or one every `--every`
/// until Ctrl-C.
pub async fn run<S: RoundStore + SummaryStore>(st: &S, args: &Args) -> Result<()> {
    let plan = Plan::from_args(args)?;
    prepare_store(st, plan.interval).await?;
    let Some(every) = plan.every else {
        measure_and_store(st, &plan, now_ms() / 1000).await?;
        return Ok(());
    };
    let mut stop = stop_on_ctrl_c().await?;
    let every_ms = every.as_millis() as i64;
    let mut slot_ms = now_ms();
    let mut rounds = 0;
    loop {
        measure_and_store(st, &plan, slot_ms / 1000).await?;
        rounds += 1;
        if *stop.borrow() {
            break;
        }
        // The next slot on the grid that is still ahead: a round that
        // overran its period skips slots rather than bunching up.
        let next = (now_ms().div_euclid(every_ms) + 1) * every_ms;
        eprintln!(
            "probe: next round at {} (Ctrl-C to stop)",
            shared::time::rfc3339(next / 1000)
        );
        let wait = Duration::from_millis((next - now_ms()).max(0) as u64);
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stop.changed() => break,
        }
        // Record the round under its slot, not under the moment the timer
        // fired: a wake-up a millisecond early must not reuse the last slot.
        slot_ms = next;
    }
    eprintln!(
        "probe: stopped after {}, every one of them stored",
        plural(rounds, "round")
    );
    Ok(())
}

/// Records the interval in the store, and says when the store holds other data.
async fn prepare_store<S: SummaryStore>(st: &S, interval: i64) -> Result<()> {
    let old = st.meta(store::META_INTERVAL).await?;
    if let Some(old) = old.filter(|o| *o != interval.to_string()) {
        eprintln!(
            "probe: note: the store's interval was {old} s and is now {interval} s; \
             use a separate --db to keep them apart"
        );
    }
    if st.meta(store::META_SIMULATED).await?.as_deref() == Some("true") {
        eprintln!(
            "probe: note: this store also holds simulated rounds, so a feed published from \
             it is marked simulated; use a separate --db for measured data only"
        );
    }
    st.set_meta(store::META_INTERVAL, &interval.to_string())
        .await?;
    Ok(())
}

/// Measures one round of every target for the slot containing `slot_secs`,
/// stores it and prints it.
async fn measure_and_store<S: RoundStore>(st: &S, plan: &Plan, slot_secs: i64) -> Result<()> {
    let scheduled = shared::time::floor_to(slot_secs, plan.interval);
    let when = shared::time::rfc3339(scheduled);
    eprintln!(
        "probe: round {when}: measuring {} from `{}`, {} connects each",
        plural(plan.targets.len(), "target"),
        plan.source,
        plan.cfg.connects
    );
    let started = Instant::now();
    let rounds = measure::run(&plan.source, &plan.targets, scheduled, &plan.cfg).await;
    let took = started.elapsed();
    let new = st
        .put_rounds(&rounds)
        .await
        .with_context(|| format!("storing the round of {when}"))?;
    if plan.json {
        let mut out = String::new();
        for r in &rounds {
            out.push_str(&serde_json::to_string(r)?);
            out.push('\n');
        }
        print!("{out}");
    } else {
        print!("{}", table(&rounds));
    }
    let lost: u32 = rounds.iter().map(Round::lost).sum();
    let attempts: u32 = rounds.iter().map(Round::attempts).sum();
    let already = rounds.len() - new;
    eprintln!(
        "probe: round {when}: {} measured in {:.1} s, {lost}/{attempts} connects lost; {} stored{}",
        plural(rounds.len(), "target"),
        took.as_secs_f64(),
        plural(new, "new round"),
        if already > 0 {
            format!(
                " ({} already stored for this interval, kept as it was)",
                plural(already, "round")
            )
        } else {
            String::new()
        }
    );
    if rounds.iter().all(|r| r.failures.dns > 0) {
        eprintln!(
            "probe: no target resolved: check this machine's DNS and network, or use \
             --endpoint CODE=HOST:PORT to measure an address directly"
        );
    }
    Ok(())
}

/// Ctrl-C handling for the repeat mode: the receiver turns `true` at the
/// first Ctrl-C; a second Ctrl-C exits at once.
async fn stop_on_ctrl_c() -> Result<watch::Receiver<bool>> {
    let (tx, rx) = watch::channel(false);
    let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let mut first = std::pin::pin!(tokio::signal::ctrl_c());
        // `ctrl_c` installs its handler when first polled: poll it once
        // before reporting ready, so a Ctrl-C during the first round is
        // already ours and cannot kill the process mid-round.
        let early = tokio::select! {
            biased;
            r = &mut first => Some(r),
            () = std::future::ready(()) => None,
        };
        match early {
            Some(Err(e)) => {
                let _ = ready_tx.send(Err(e));
                return;
            }
            Some(Ok(())) => {}
            None => {
                let _ = ready_tx.send(Ok(()));
                if first.await.is_err() {
                    return;
                }
            }
        }
        eprintln!(
            "probe: Ctrl-C: stopping once the round in progress is stored (Ctrl-C again to quit at once)"
        );
        let _ = tx.send(true);
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("probe: quit at once; the round in progress was not stored");
            std::process::exit(130);
        }
        // Keep `tx` alive: a closed channel would read as a stop request.
        std::future::pending::<()>().await;
    });
    match ready_rx.await {
        Ok(Ok(())) | Err(_) => Ok(rx),
        Ok(Err(e)) => Err(e).context("listening for Ctrl-C"),
    }
}

/// The rounds as an aligned text table.
pub fn table(rounds: &[Round]) -> String {
    let ms = |us: u32| format!("{:.2}", f64::from(us) / 1000.0);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<16} {:>8} {:>8} {:>8} {:>7} {:>7}  {:<15} failures",
        "target", "p50 ms", "min", "max", "lost/K", "dns ms", "ip"
    );
    for r in rounds {
        let sorted: Vec<f64> = r.rtts_us.iter().map(|&u| f64::from(u) / 1000.0).collect();
        let p50 = shared::stats::quantile_sorted(&sorted, 0.5)
            .map_or_else(|| "—".to_string(), |v| format!("{v:.2}"));
        let min = r
            .rtts_us
            .first()
            .map_or_else(|| "—".to_string(), |&u| ms(u));
        let max = r.rtts_us.last().map_or_else(|| "—".to_string(), |&u| ms(u));
        let dns = r.dns_us.map_or_else(|| "—".to_string(), ms);
        let f = r.failures;
        let failures: Vec<String> = [
            ("dns", f.dns),
            ("timeout", f.timeout),
            ("refused", f.refused),
            ("unreachable", f.unreachable),
            ("other", f.other),
        ]
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(k, n)| format!("{k} {n}"))
        .collect();
        let line = format!(
            "{:<16} {:>8} {:>8} {:>8} {:>7} {:>7}  {:<15} {}",
            r.target,
            p50,
            min,
            max,
            format!("{}/{}", r.lost(), r.attempts()),
            dns,
            r.ip.as_deref().unwrap_or("—"),
            failures.join(", ")
        );
        let _ = writeln!(out, "{}", line.trim_end());
    }
    out
}

/// `1 target`, `2 targets`.
fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// Wall-clock time in Unix milliseconds.
fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        args: Args,
    }

    fn args(argv: &[&str]) -> Args {
        Cli::try_parse_from(std::iter::once("probe").chain(argv.iter().copied()))
            .unwrap()
            .args
    }

    #[test]
    fn every_accepts_seconds_minutes_hours() {
        assert_eq!(parse_every("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_every("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_every("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_every("45"), Ok(Duration::from_secs(45)));
        for bad in ["", "5x", "m", "1.5m", "-5m", "0s"] {
            let err = parse_every(bad).unwrap_err();
            assert!(err.contains(bad) || err.contains("at least"), "{err}");
        }
    }

    #[test]
    fn endpoint_parses_names_ipv4_and_bracketed_ipv6() {
        let e = parse_endpoint("us-east-1=127.0.0.1:8443").unwrap();
        assert_eq!(
            e,
            Endpoint {
                code: "us-east-1".into(),
                host: "127.0.0.1".into(),
                port: 8443
            }
        );
        assert_eq!(parse_endpoint("eu-west-1=[::1]:443").unwrap().host, "::1");
        assert_eq!(
            parse_endpoint("eu-west-1=proxy.example:3128").unwrap().host,
            "proxy.example"
        );
        for bad in [
            "us-east-1",
            "us-east-1=host",
            "us-east-1=host:0",
            "=h:1",
            "x=:1",
        ] {
            let err = parse_endpoint(bad).unwrap_err();
            assert!(err.contains("CODE=HOST:PORT"), "{bad}: {err}");
        }
    }

    #[test]
    fn plan_applies_overrides_and_defaults() {
        let p = Plan::from_args(&args(&[
            "--targets",
            "us-east-1,eu-west-1",
            "--endpoint",
            "eu-west-1=127.0.0.1:9000",
        ]))
        .unwrap();
        assert_eq!(p.targets[0].host, "dynamodb.us-east-1.amazonaws.com");
        assert_eq!(p.targets[0].port, 443);
        assert_eq!(
            (
                p.targets[1].code.as_str(),
                p.targets[1].host.as_str(),
                p.targets[1].port
            ),
            ("eu-west-1", "127.0.0.1", 9000)
        );
        assert_eq!(p.interval, 300);
        assert_eq!(p.source, "local");
        assert_eq!(p.cfg.connects, 10);
        assert_eq!(Plan::from_args(&args(&[])).unwrap().targets.len(), 34);
        let p = Plan::from_args(&args(&["--every", "1m"])).unwrap();
        assert_eq!((p.interval, p.every), (60, Some(Duration::from_secs(60))));
    }

    #[test]
    fn plan_rejects_inconsistent_options() {
        let err = |argv: &[&str]| Plan::from_args(&args(argv)).unwrap_err().to_string();
        assert!(err(&["--targets", "moon-1"]).contains("unknown region `moon-1`"));
        assert!(
            err(&["--targets", "us-east-1", "--endpoint", "eu-west-1=h:1"])
                .contains("add it to --targets")
        );
        assert!(
            err(&[
                "--targets",
                "us-east-1",
                "--endpoint",
                "us-east-1=h:1",
                "--endpoint",
                "us-east-1=h:2"
            ])
            .contains("given twice")
        );
        assert!(err(&["--every", "90s", "--interval", "60"]).contains("not a multiple"));
        assert!(err(&["--interval", "7"]).contains("divide a day"));
        assert!(err(&["--connects", "0"]).contains("at least 1"));
        assert!(err(&["--source", " "]).contains("--source"));
        assert!(err(&["--source", "My Office"]).contains("lower-case letters"));
    }

    #[test]
    fn table_shows_percentiles_loss_and_failures() {
        let mut failures = shared::FailureCounts::default();
        failures.add(shared::FailureKind::Timeout);
        let ok = Round {
            source: "local".into(),
            target: "us-east-1".into(),
            scheduled_at: 0,
            dns_us: Some(1500),
            ip: Some("10.0.0.1".into()),
            rtts_us: vec![70_000, 71_000, 90_000],
            failures,
        };
        let mut dead = ok.clone();
        dead.target = "eu-west-1".into();
        dead.rtts_us.clear();
        dead.dns_us = None;
        dead.ip = None;
        dead.failures = shared::FailureCounts {
            dns: 4,
            ..Default::default()
        };
        let t = table(&[ok, dead]);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines.len(), 3, "{t}");
        assert!(
            lines[0].starts_with("target") && lines[0].contains("p50 ms"),
            "{t}"
        );
        for cell in [
            "us-east-1",
            "71.00",
            "70.00",
            "90.00",
            "1/4",
            "1.50",
            "10.0.0.1",
            "timeout 1",
        ] {
            assert!(lines[1].contains(cell), "{cell} missing: {t}");
        }
        for cell in ["eu-west-1", "4/4", "dns 4", "—"] {
            assert!(lines[2].contains(cell), "{cell} missing: {t}");
        }
    }
}
