//! The aggregate handler on DynamoDB (moto) gives exactly what the embedded
//! store gives for the same rounds, and a retried run changes nothing.

use probe::simulate::Model;
use publisher::rollup::Options;
use shared::catalog;
use store::dynamo::Tables;
use store::{DynamoStore, RoundStore, SqliteStore, SummaryStore};
use testkit::Moto;

const T0: i64 = 1_795_564_800; // 2026-11-25T00:00:00Z
/// Just after the newest simulated round.
const NOW: i64 = T0 + 12 * 3600 + 60;

#[tokio::test(flavor = "multi_thread")]
async fn dynamodb_rollup_matches_the_embedded_one_and_retries_are_harmless() {
    let regions: Vec<_> = ["us-east-1", "eu-west-1"]
        .iter()
        .map(|c| catalog::region(c).unwrap())
        .collect();
    let rounds = Model::new(&regions, 3).rounds(T0, T0 + 12 * 3600, 300, 10);

    let moto = Moto::start();
    let conf = store::aws::local(&moto.endpoint, "us-east-1").await;
    let dynamo = DynamoStore::new(
        aws_sdk_dynamodb::Client::new(&conf),
        Tables::with_prefix("cp"),
    );
    dynamo.create_tables().await.unwrap();
    // Only the two simulated regions are switched on.
    use store::RegionStore;
    dynamo.set_region_enabled("us-east-1", true).await.unwrap();
    dynamo.set_region_enabled("eu-west-1", true).await.unwrap();
    assert_eq!(dynamo.put_rounds(&rounds).await.unwrap(), rounds.len());

    let sqlite = SqliteStore::in_memory().unwrap();
    sqlite.put_rounds(&rounds).await.unwrap();

    let opts = Options::default();
    let report = lambdas::aggregate::handle(&dynamo, &opts, NOW)
        .await
        .unwrap();
    assert_eq!(report.sources, 2);
    assert_eq!(report.rounds, rounds.len());
    lambdas::aggregate::handle(&sqlite, &opts, NOW)
        .await
        .unwrap();

    for w in ["1d", "7d"] {
        let mut a = dynamo.window(w).await.unwrap().unwrap();
        let mut b = sqlite.window(w).await.unwrap().unwrap();
        a.pairs.sort_by(|x, y| x.0.cmp(&y.0));
        b.pairs.sort_by(|x, y| x.0.cmp(&y.0));
        assert_eq!(a, b, "window {w}");
    }
    // A retried invocation (same rounds) gives the same summaries.
    let before = dynamo.window("1d").await.unwrap();
    lambdas::aggregate::handle(&dynamo, &opts, NOW)
        .await
        .unwrap();
    assert_eq!(dynamo.window("1d").await.unwrap(), before);
}

#[tokio::test(flavor = "multi_thread")]
async fn regions_silent_for_three_intervals_are_counted() {
    use store::RegionStore;
    let st = SqliteStore::in_memory().unwrap();
    for r in ["us-east-1", "eu-west-1", "ap-south-1"] {
        st.set_region_enabled(r, true).await.unwrap();
    }
    let regions: Vec<_> = ["us-east-1", "eu-west-1"]
        .iter()
        .map(|c| catalog::region(c).unwrap())
        .collect();
    let mut rounds = Model::new(&regions, 3).rounds(T0, T0 + 3600, 300, 10);
    // eu-west-1's probe stopped 20 minutes before the end.
    rounds.retain(|r| r.source == "us-east-1" || r.scheduled_at < T0 + 2400);
    st.put_rounds(&rounds).await.unwrap();
    let at = |now| lambdas::aggregate::silent_regions(&st, now, 300);
    assert_eq!(
        at(T0 + 3600).await.unwrap(),
        ["eu-west-1", "ap-south-1"],
        "never seen is silent too"
    );
    assert_eq!(
        at(T0 + 2100 + 900).await.unwrap(),
        ["ap-south-1"],
        "15 minutes is not yet silent"
    );
}
