//! DynamoDB and S3 adapters against moto's server.

use store::dynamo::Tables;
use store::{DynamoStore, RoundStore, S3Bucket, StoreError, SummaryStore};
use testkit::Moto;

use crate::conformance;

async fn dynamo(moto: &Moto, prefix: &str) -> DynamoStore {
    let conf = store::aws::local(&moto.endpoint, "us-east-1").await;
    DynamoStore::new(
        aws_sdk_dynamodb::Client::new(&conf),
        Tables::with_prefix(prefix),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn dynamodb_conforms() {
    let moto = Moto::start();
    let st = dynamo(&moto, "cp").await;
    st.create_tables().await.unwrap();
    st.create_tables().await.unwrap(); // idempotent
    conformance::rounds(&st).await;
    conformance::summaries(&st).await;
    conformance::sketches(&st).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn regions_table_switches_regions() {
    let moto = Moto::start();
    let st = dynamo(&moto, "cp").await;
    st.create_tables().await.unwrap();
    conformance::regions(&st).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_table_is_a_clear_error() {
    let moto = Moto::start();
    let st = dynamo(&moto, "nope").await;
    let err = st
        .put_rounds(&[conformance::round("a", "b", 1, &[1])])
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Missing(_)), "{err:?}");
    assert!(!err.is_retryable());
    assert!(err.to_string().contains("nope-round-groups"), "{err}");
    let err = st.meta("x").await.unwrap_err();
    assert!(err.to_string().contains("nope-summaries"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_table_is_retryable() {
    // Nothing listens on this port once moto is gone.
    let port = Moto::start().port;
    let conf = store::aws::local(&format!("http://127.0.0.1:{port}"), "us-east-1").await;
    let st = DynamoStore::new(
        aws_sdk_dynamodb::Client::new(&conf),
        Tables::with_prefix("cp"),
    );
    let err = st
        .put_rounds(&[conformance::round("a", "b", 1, &[1])])
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Unreachable(_)), "{err:?}");
    assert!(err.is_retryable());
}

#[tokio::test(flavor = "multi_thread")]
async fn s3_conforms() {
    let moto = Moto::start();
    let conf = store::aws::local(&moto.endpoint, "us-east-1").await;
    let b = S3Bucket::new(store::aws::s3_client(&conf, true), "feed");
    b.create().await.unwrap();
    conformance::bucket(&b).await;
}
