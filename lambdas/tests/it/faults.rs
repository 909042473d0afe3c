//! Faults on the write paths: a proxy between the SDK and moto throttles,
//! answers 500, resets connections (before and after the request took
//! effect) and answers slower than the client's timeout, while probe,
//! aggregate and publish run through it. No round is lost or stored twice,
//! the feed is consistent after every fault, and the next cycle completes.

use probe::simulate::Model;
use publisher::rollup;
use shared::catalog;
use store::dynamo::Tables;
use store::{Bucket, DynamoStore, RegionStore, RoundStore, S3Bucket, SqliteStore, SummaryStore};
use testkit::{FaultProxy, Moto};

use crate::publish::assert_consistent;

const T0: i64 = 1_795_564_800; // 2026-11-25T00:00:00Z

/// Runs `f` again while it fails with a retryable error, as the scheduler
/// retries a Lambda; a failure that is not retryable fails the test.
macro_rules! retried {
    ($what:expr, $f:expr) => {{
        let mut tries = 0;
        loop {
            tries += 1;
            match $f.await {
                Ok(v) => break v,
                Err(e) if e.is_retryable() && tries < 8 => {
                    eprintln!("{}: retryable failure, run again: {e}", $what)
                }
                Err(e) => panic!("{}: {e} (retryable: {})", $what, e.is_retryable()),
            }
        }
    }};
}

const FAULTS: &str = r#"[
  {"service": "dynamodb", "operation": "PutItem", "kind": "throttle", "count": 4},
  {"service": "dynamodb", "operation": "PutItem", "kind": "http500", "count": 2},
  {"service": "dynamodb", "operation": "PutItem", "kind": "reset", "count": 2},
  {"service": "dynamodb", "operation": "PutItem", "kind": "reset_after_forward", "count": 3},
  {"service": "dynamodb", "operation": "PutItem", "kind": "slow", "delay_seconds": 6, "count": 1},
  {"service": "dynamodb", "operation": "GetItem", "kind": "reset", "count": 1},
  {"service": "dynamodb", "operation": "BatchWriteItem", "kind": "throttle", "count": 4},
  {"service": "dynamodb", "operation": "BatchWriteItem", "kind": "reset_after_forward", "count": 2},
  {"service": "dynamodb", "operation": "Query", "kind": "http500", "count": 3},
  {"service": "dynamodb", "operation": "Query", "kind": "slow", "delay_seconds": 6, "count": 1},
  {"service": "s3", "operation": "put", "kind": "throttle", "count": 4, "after": 3},
  {"service": "s3", "operation": "put", "kind": "http500", "count": 2, "after": 2},
  {"service": "s3", "operation": "put", "kind": "reset", "count": 2, "after": 5},
  {"service": "s3", "operation": "put", "kind": "reset_after_forward", "count": 3, "after": 1},
  {"service": "s3", "operation": "put", "kind": "slow", "delay_seconds": 6, "count": 1, "after": 4},
  {"service": "s3", "operation": "get", "kind": "http500", "count": 1}
]"#;

#[tokio::test(flavor = "multi_thread")]
async fn faults_on_every_write_path_lose_and_duplicate_nothing() {
    let moto = Moto::start();
    let proxy = FaultProxy::start(&moto);
    let through = store::aws::local(&proxy.endpoint, "us-east-1").await;
    let direct = store::aws::local(&moto.endpoint, "us-east-1").await;
    let st = DynamoStore::new(
        aws_sdk_dynamodb::Client::new(&through),
        Tables::with_prefix("cp"),
    );
    let check = DynamoStore::new(
        aws_sdk_dynamodb::Client::new(&direct),
        Tables::with_prefix("cp"),
    );
    let bucket = S3Bucket::new(store::aws::s3_client(&through, true), "feed");
    let check_bucket = S3Bucket::new(store::aws::s3_client(&direct, true), "feed");
    check.create_tables().await.unwrap();
    check_bucket.create().await.unwrap();
    let regions: Vec<_> = ["us-east-1", "eu-west-1"]
        .iter()
        .map(|c| catalog::region(c).unwrap())
        .collect();
    for r in &regions {
        check.set_region_enabled(r.code, true).await.unwrap();
    }
    let model = Model::new(&regions, 11);
    let rounds = model.rounds(T0, T0 + 6 * 3600, 300, 10);
    let reference = SqliteStore::in_memory().unwrap();
    reference.put_rounds(&rounds).await.unwrap();
    rollup::run(&reference, &rollup::Options::default(), |_, _| {})
        .await
        .unwrap();

    proxy.faults(FAULTS);
    // The probes: each run's rounds, retried until stored.
    for t in (T0..T0 + 6 * 3600).step_by(300) {
        for source in ["us-east-1", "eu-west-1"] {
            let run: Vec<_> = rounds
                .iter()
                .filter(|r| r.scheduled_at == t && r.source == source)
                .cloned()
                .collect();
            retried!("probe", st.put_rounds(&run));
        }
    }
    for source in ["us-east-1", "eu-west-1"] {
        let stored = check.source_rounds(source, 0, i64::MAX).await.unwrap();
        let want: Vec<_> = rounds
            .iter()
            .filter(|r| r.source == source)
            .cloned()
            .collect();
        let mut want = want;
        want.sort_by(|a, b| (a.scheduled_at, &a.target).cmp(&(b.scheduled_at, &b.target)));
        assert_eq!(
            stored, want,
            "{source}: every round once, none lost, none twice"
        );
    }

    // The aggregate: the same summaries as without faults.
    let now = T0 + 6 * 3600 + 60;
    retried!(
        "aggregate",
        lambdas::aggregate::handle(&st, &rollup::Options::default(), now)
    );
    for w in ["1d", "7d"] {
        let mut a = check.window(w).await.unwrap().unwrap();
        let mut b = reference.window(w).await.unwrap().unwrap();
        a.pairs.sort_by(|x, y| x.0.cmp(&y.0));
        b.pairs.sort_by(|x, y| x.0.cmp(&y.0));
        assert_eq!(a, b, "window {w}");
    }

    // The publish: consistent after every failure, complete in the end.
    let opts = publisher::export::Options::at(now);
    let mut tries = 0;
    loop {
        tries += 1;
        match lambdas::publish::handle(&st, &bucket, &opts).await {
            Ok(_) => break,
            Err(e) => {
                assert!(e.is_retryable() && tries < 8, "publish: {e}");
                if check_bucket
                    .get("data/v2/manifest.json")
                    .await
                    .unwrap()
                    .is_some()
                {
                    assert_consistent(&check_bucket).await;
                }
            }
        }
    }
    let published = assert_consistent(&check_bucket).await;
    let (injected, left) = proxy.injected();
    assert!(
        injected >= 30,
        "{injected} faults injected, {left} rules left"
    );

    // The next cycle, without faults, completes the work.
    proxy.faults("[]");
    let next = model.rounds(T0 + 6 * 3600, T0 + 6 * 3600 + 900, 300, 10);
    st.put_rounds(&next).await.unwrap();
    lambdas::aggregate::handle(&st, &rollup::Options::default(), now + 900)
        .await
        .unwrap();
    lambdas::publish::handle(&st, &bucket, &publisher::export::Options::at(now + 900))
        .await
        .unwrap();
    let after = assert_consistent(&check_bucket).await;
    assert_ne!(
        after.data_end, published.data_end,
        "the new rounds are in the feed"
    );
}
