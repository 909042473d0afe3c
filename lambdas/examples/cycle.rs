//! One deployment's steady-state cycles (probe write → aggregate → publish)
//! with the real handlers against DynamoDB and S3 (moto's server behind a
//! counting proxy, see `scripts/bench-cycle.sh`), on a history of a given age.
//!
//! ```text
//! cycle --endpoint http://127.0.0.1:PROXY [--direct http://127.0.0.1:MOTO] --age-months 12 [--regions 34]
//! ```
//!
//! The history is written straight into the tables, in the shape a real one
//! leaves, so that it takes minutes and not months:
//!
//! * day sketch groups for every day of the history, and month groups for
//!   every month that has ended, from the latency model (96 rounds a day per
//!   pair instead of 288, which sizes the sketches like real ones);
//! * the newest 1½ days as real rounds, folded by the aggregate handler
//!   itself (hour and day groups, the windows), then one publish to lay the
//!   bucket out as the previous cycles would have.
//!
//! Hour groups and rounds older than that are not written: no cycle reads
//! them (the windows longer than a day are made of days and months, and
//! closed series chunks are never rewritten). Then it measures cycles of
//! 15 minutes, each one's rounds written as the probe writes them
//! (`RoundStore::put_rounds`, one conditional put per source and time):
//!
//! * `steady`: the four cycles of a mid-day hour (one of them closes the hour);
//! * `day-close`: the cycle whose rounds complete the day (the long windows move);
//! * `raw-day`: the cycle two hours later, when the day's raw file and its
//!   closed series chunks are written.
//!
//! Between the measured cycles the rounds in between are written and folded
//! in uncounted. Each measured stage resets the proxy's counters first and
//! prints them after, one JSON line per stage on stdout.

use std::collections::BTreeMap;
use std::time::Instant;

use probe::simulate::Model;
use shared::catalog;
use shared::sketch::Sketch;
use shared::time::{floor_to, month_start, next_month, parse_rfc3339};
use store::dynamo::Tables;
use store::{DynamoStore, Level, RoundStore, S3Bucket, SketchGroup, SketchStore, SummaryStore};

const DAY: i64 = 86_400;
const QUARTER: i64 = 900;

struct Args {
    endpoint: String,
    /// moto itself, for the uncounted writes (faster than through the proxy).
    direct: Option<String>,
    age_months: i64,
    regions: usize,
    /// Leave out the raw-day cycle (for the test in `make test`).
    quick: bool,
}

fn args() -> Args {
    let mut a = Args {
        endpoint: String::new(),
        direct: None,
        age_months: 1,
        regions: 34,
        quick: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let mut v = || it.next().unwrap_or_else(|| panic!("{k} needs a value"));
        match k.as_str() {
            "--endpoint" => a.endpoint = v(),
            "--direct" => a.direct = Some(v()),
            "--age-months" => a.age_months = v().parse().expect("--age-months N"),
            "--regions" => a.regions = v().parse().expect("--regions N"),
            "--quick" => a.quick = true,
            "--help" | "-h" => {
                eprintln!(
                    "usage: cycle --endpoint PROXY_URL [--direct MOTO_URL] --age-months N [--regions N] [--quick]"
                );
                std::process::exit(0);
            }
            other => panic!("unknown argument {other}; see --help"),
        }
    }
    assert!(
        !a.endpoint.is_empty(),
        "--endpoint URL (the counting proxy) is required"
    );
    a
}

/// A request to the proxy's control API: `GET`/`POST` a path, the JSON answer.
fn control(endpoint: &str, method: &str, path: &str) -> serde_json::Value {
    let body = testkit::proxy_control(endpoint, method, path, "");
    serde_json::from_str(&body).unwrap_or(serde_json::Value::Null)
}

/// Day sketch groups of one source for `[from, to)`, from the model.
fn seeded_days(
    model: &Model,
    i: usize,
    codes: &[&str],
    from: i64,
    to: i64,
) -> Vec<(i64, SketchGroup)> {
    let mut out = Vec::new();
    let mut day = from;
    while day < to {
        let mut group = SketchGroup::new();
        for (j, code) in codes.iter().enumerate() {
            let mut sk = Sketch::new();
            let mut t = day;
            while t < day + DAY {
                sk.add_round(&model.round(i, j, t, 10));
                t += QUARTER;
            }
            group.insert(code.to_string(), sk);
        }
        out.push((day, group));
        day += DAY;
    }
    out
}

struct Stage {
    name: &'static str,
    seconds: f64,
    counters: serde_json::Value,
}

/// One cycle: the rounds of `[t, t + 15 min)`, then aggregate, then publish.
async fn cycle(
    st: &DynamoStore,
    bucket: &S3Bucket,
    model: &Model,
    t: i64,
    endpoint: Option<&str>,
) -> Vec<Stage> {
    let mut stages = Vec::new();
    let mut measure = |name: &'static str, started: Instant| {
        if let Some(e) = endpoint {
            stages.push(Stage {
                name,
                seconds: started.elapsed().as_secs_f64(),
                counters: control(e, "POST", "reset"),
            });
        }
    };
    if let Some(e) = endpoint {
        control(e, "POST", "reset");
    }
    let started = Instant::now();
    let rounds = model.rounds(t, t + QUARTER, 300, 10);
    // Each source's probe writes its own round, as the probe handler does.
    let mut by_source: BTreeMap<String, Vec<shared::Round>> = BTreeMap::new();
    for r in rounds {
        by_source.entry(r.source.clone()).or_default().push(r);
    }
    for rs in by_source.values() {
        st.put_rounds(rs).await.expect("probe write");
    }
    measure("probe", started);
    let started = Instant::now();
    lambdas::aggregate::handle(st, &publisher::rollup::Options::default(), t + QUARTER + 30)
        .await
        .expect("aggregate");
    measure("aggregate", started);
    let started = Instant::now();
    lambdas::publish::handle(
        st,
        bucket,
        &publisher::export::Options::at(t + QUARTER + 60),
    )
    .await
    .expect("publish");
    measure("publish", started);
    stages
}

#[tokio::main]
async fn main() {
    let a = args();
    let regions: Vec<_> = catalog::commercial().take(a.regions).collect();
    let n = regions.len();
    let model = Model::new(&regions, 2026);
    let conf = store::aws::local(&a.endpoint, "us-east-1").await;
    let st = DynamoStore::new(
        aws_sdk_dynamodb::Client::new(&conf),
        Tables::with_prefix("cp"),
    );
    let bucket = S3Bucket::new(store::aws::s3_client(&conf, true), "feed");
    // The same tables and bucket, straight to moto, for what is not measured.
    let direct = store::aws::local(a.direct.as_deref().unwrap_or(&a.endpoint), "us-east-1").await;
    let raw_st = DynamoStore::new(
        aws_sdk_dynamodb::Client::new(&direct),
        Tables::with_prefix("cp"),
    );
    let raw_bucket = S3Bucket::new(store::aws::s3_client(&direct, true), "feed");
    raw_st.create_tables().await.expect("tables");
    raw_bucket.create().await.expect("bucket");
    use store::RegionStore;
    for r in &regions {
        raw_st
            .set_region_enabled(r.code, true)
            .await
            .expect("regions");
    }
    raw_st
        .set_meta(store::META_INTERVAL, "300")
        .await
        .expect("meta");
    // The history: days and months before the newest 1½ days.
    let now = parse_rfc3339("2026-11-30T12:00:00Z").expect("a time");
    let rounds_from = floor_to(now, DAY) - DAY;
    let history_from = floor_to(now - a.age_months * 30 * DAY, DAY);
    let seeding = Instant::now();
    let codes: Vec<&str> = regions.iter().map(|r| r.code).collect();
    for (i, source) in codes.iter().copied().enumerate() {
        let days = seeded_days(&model, i, &codes, history_from, rounds_from);
        raw_st
            .put_sketches(Level::Day, source, &days)
            .await
            .expect("days");
        let mut months: BTreeMap<i64, Vec<&SketchGroup>> = BTreeMap::new();
        for (d, g) in &days {
            months.entry(month_start(*d)).or_default().push(g);
        }
        let ended: Vec<(i64, SketchGroup)> = months
            .into_iter()
            .filter(|(m, _)| next_month(*m) <= rounds_from && *m >= history_from)
            .map(|(m, gs)| (m, publisher::rollup::merge_groups(gs)))
            .collect();
        raw_st
            .put_sketches(Level::Month, source, &ended)
            .await
            .expect("months");
    }
    raw_st
        .put_rounds(&model.rounds(rounds_from, now, 300, 10))
        .await
        .expect("recent rounds");
    eprintln!(
        "cycle: seeded {} months of history for {n} regions in {:.1} s",
        a.age_months,
        seeding.elapsed().as_secs_f64()
    );
    // The state the previous cycles left: the rollup has folded in everything
    // before the rounds (its watermark), so it folds them in now, and makes
    // every window as it always does; then one publish.
    raw_st
        .set_meta(
            publisher::rollup::META_SKETCH_FORMAT,
            &shared::sketch::FORMAT.to_string(),
        )
        .await
        .expect("meta");
    raw_st
        .set_meta(
            publisher::rollup::META_WATERMARK,
            &(rounds_from + 2 * 3600).to_string(),
        )
        .await
        .expect("meta");
    lambdas::aggregate::handle(&raw_st, &publisher::rollup::Options::default(), now)
        .await
        .expect("aggregate");
    lambdas::publish::handle(&raw_st, &raw_bucket, &publisher::export::Options::at(now))
        .await
        .expect("publish");
    eprintln!(
        "cycle: history folded in and published at {:.1} s",
        seeding.elapsed().as_secs_f64()
    );

    let print = |kind: &str, k: usize, stages: Vec<Stage>| {
        for s in stages {
            let line = serde_json::json!({
                "age_months": a.age_months, "regions": n, "cycle": kind, "index": k,
                "stage": s.name, "seconds": s.seconds, "counters": s.counters,
            });
            println!("{line}");
        }
    };
    // Steady: a mid-day hour.
    let mut t = now;
    for k in 0..4 {
        print(
            "steady",
            k,
            cycle(&st, &bucket, &model, t, Some(&a.endpoint)).await,
        );
        t += QUARTER;
    }
    // Up to the last quarter of the day, uncounted, then the day's close.
    let last_quarter = floor_to(now, DAY) + DAY - QUARTER;
    catch_up(&raw_st, &raw_bucket, &model, t, last_quarter).await;
    print(
        "day-close",
        0,
        cycle(&st, &bucket, &model, last_quarter, Some(&a.endpoint)).await,
    );
    if a.quick {
        return;
    }
    // Two hours later the day is complete: raw file, closed chunks.
    let raw_quarter = floor_to(now, DAY) + DAY + 2 * 3600 - QUARTER;
    catch_up(
        &raw_st,
        &raw_bucket,
        &model,
        last_quarter + QUARTER,
        raw_quarter,
    )
    .await;
    print(
        "raw-day",
        0,
        cycle(&st, &bucket, &model, raw_quarter, Some(&a.endpoint)).await,
    );
}

/// Writes the rounds of `[from, to)` and folds them in, uncounted.
async fn catch_up(st: &DynamoStore, bucket: &S3Bucket, model: &Model, from: i64, to: i64) {
    if from >= to {
        return;
    }
    st.put_rounds(&model.rounds(from, to - QUARTER, 300, 10))
        .await
        .expect("rounds");
    cycle(st, bucket, model, to - QUARTER, None).await;
}
