//! The aggregate Lambda: see `lambdas::aggregate`.

use lambda_runtime::{LambdaEvent, service_fn};
use store::DynamoStore;
use store::dynamo::Tables;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambdas::init_logging();
    let env = lambdas::config::Env::from_process()?;
    let conf = store::aws::from_env().await;
    let store = DynamoStore::new(
        aws_sdk_dynamodb::Client::new(&conf),
        Tables::with_prefix(&env.table_prefix),
    );
    let opts = publisher::rollup::Options::default();
    lambda_runtime::run(service_fn(|_: LambdaEvent<serde_json::Value>| {
        let (store, opts) = (&store, &opts);
        async move {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64);
            lambdas::aggregate::handle(store, opts, now)
                .await
                .map(|r| r.sources)
                .map_err(|error| {
                    tracing::error!(%error, retryable = error.is_retryable(), "rollup failed");
                    lambda_runtime::Error::from(error)
                })
        }
    }))
    .await
}
