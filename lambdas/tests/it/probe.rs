//! The probe handler: rounds land in DynamoDB with the documented keys, a
//! retried event adds nothing, a missing table is a clear error.

use std::collections::BTreeMap;
use std::net::TcpListener;

use aws_sdk_dynamodb::types::AttributeValue;
use lambdas::probe::{self, ScheduledEvent, Settings};
use store::dynamo::Tables;
use store::{DynamoStore, RegionStore};
use testkit::Moto;

struct Line {
    settings: Settings,
    _listeners: Vec<TcpListener>,
}

/// us-east-1 and eu-west-1 pointed at local listeners (nothing leaves the machine).
fn local_line() -> Line {
    let mut endpoints = BTreeMap::new();
    let mut listeners = Vec::new();
    for code in ["us-east-1", "eu-west-1"] {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        endpoints.insert(
            code.to_string(),
            ("127.0.0.1".to_string(), l.local_addr().unwrap().port()),
        );
        listeners.push(l);
    }
    let mut measure = probe::measure_config(3);
    measure.spacing = std::time::Duration::from_millis(5);
    Line {
        settings: Settings {
            source: "us-east-1".into(),
            interval: 300,
            measure,
            endpoints,
        },
        _listeners: listeners,
    }
}

async fn store(moto: &Moto, prefix: &str) -> (DynamoStore, aws_sdk_dynamodb::Client) {
    let conf = store::aws::local(&moto.endpoint, "us-east-1").await;
    let client = aws_sdk_dynamodb::Client::new(&conf);
    (
        DynamoStore::new(client.clone(), Tables::with_prefix(prefix)),
        client,
    )
}

fn event(time: &str) -> ScheduledEvent {
    serde_json::from_value(serde_json::json!({
        "version": "0", "id": "x", "detail-type": "Scheduled Event", "source": "aws.events",
        "account": "123456789012", "time": time, "region": "us-east-1", "resources": [], "detail": {}
    }))
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn rounds_land_once_with_the_documented_keys() {
    let moto = Moto::start();
    let (st, client) = store(&moto, "cp").await;
    st.create_tables().await.unwrap();
    st.set_region_enabled("us-east-1", true).await.unwrap();
    st.set_region_enabled("eu-west-1", true).await.unwrap();
    let line = local_line();

    let out = probe::handle(&st, &line.settings, &event("2026-11-25T17:05:42Z"))
        .await
        .unwrap();
    assert_eq!(
        out.scheduled_at, 1_795_626_300,
        "floored to the 5-minute schedule"
    );
    assert_eq!((out.targets, out.stored, out.lost), (2, 2, 0));

    let item = client
        .get_item()
        .table_name("cp-round-groups")
        .key("src", AttributeValue::S("us-east-1".into()))
        .key("t", AttributeValue::N("1795626300".into()))
        .send()
        .await
        .unwrap()
        .item
        .expect("the run's rounds are one item keyed src = source, t = scheduled time");
    assert_eq!(item["n"].as_n().unwrap(), "2", "both targets in it");
    let rounds = store::codec::decode_rounds(
        "k",
        "us-east-1",
        1_795_626_300,
        item["r"].as_b().unwrap().as_ref(),
    )
    .unwrap();
    let euw1 = rounds.iter().find(|r| r.target == "eu-west-1").unwrap();
    assert_eq!(euw1.rtts_us.len(), 3, "three RTTs");
    assert_eq!(euw1.ip.as_deref(), Some("127.0.0.1"));

    // The schedule retries the same event (twice at most): nothing is added.
    for _ in 0..2 {
        let again = probe::handle(&st, &line.settings, &event("2026-11-25T17:05:42Z"))
            .await
            .unwrap();
        assert_eq!(again.stored, 0);
    }
    let count = client
        .scan()
        .table_name("cp-round-groups")
        .send()
        .await
        .unwrap()
        .count;
    assert_eq!(count, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_target_is_stored_as_loss() {
    let moto = Moto::start();
    let (st, client) = store(&moto, "cp").await;
    st.create_tables().await.unwrap();
    st.set_region_enabled("us-east-1", true).await.unwrap();
    st.set_region_enabled("eu-west-1", true).await.unwrap();
    let mut line = local_line();
    // A port nobody listens on: every connect is refused.
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    line.settings
        .endpoints
        .insert("eu-west-1".into(), ("127.0.0.1".into(), closed));
    let out = probe::handle(&st, &line.settings, &event("2026-11-25T17:10:00Z"))
        .await
        .unwrap();
    assert_eq!((out.stored, out.lost), (2, 3));
    let item = client
        .get_item()
        .table_name("cp-round-groups")
        .key("src", AttributeValue::S("us-east-1".into()))
        .key("t", AttributeValue::N("1795626600".into()))
        .send()
        .await
        .unwrap()
        .item
        .expect("the run's rounds are stored");
    let rounds = store::codec::decode_rounds(
        "k",
        "us-east-1",
        1_795_626_600,
        item["r"].as_b().unwrap().as_ref(),
    )
    .unwrap();
    let dead = rounds.iter().find(|r| r.target == "eu-west-1");
    assert_eq!(
        dead.map(|r| (r.rtts_us.len(), r.failures.refused)),
        Some((0, 3)),
        "a target that failed every connect is still a round"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_table_is_a_clear_error() {
    let moto = Moto::start();
    let (st, _) = store(&moto, "absent").await;
    let line = local_line();
    let err = probe::handle(&st, &line.settings, &event("2026-11-25T17:05:00Z"))
        .await
        .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("absent-regions") || msg.contains("absent-round-groups"),
        "{msg}"
    );
    assert!(msg.contains("create it"), "says what to do: {msg}");
    assert!(!err.is_retryable());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_event_time_is_rejected() {
    let moto = Moto::start();
    let (st, _) = store(&moto, "cp").await;
    let err = probe::handle(&st, &local_line().settings, &event("last tuesday"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("not RFC 3339"), "{err}");
}
