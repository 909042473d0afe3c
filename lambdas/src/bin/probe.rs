//! The probe Lambda: see `lambdas::probe`.

use lambda_runtime::{LambdaEvent, service_fn};
use lambdas::probe::{self, ScheduledEvent, Settings};
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
    let settings = Settings {
        source: env.region.clone(),
        interval: env.interval,
        measure: probe::measure_config(env.connects),
        endpoints: Default::default(),
    };
    lambda_runtime::run(service_fn(|event: LambdaEvent<ScheduledEvent>| {
        let (store, settings) = (&store, &settings);
        async move {
            probe::handle(store, settings, &event.payload)
                .await
                .map_err(|error| {
                    tracing::error!(%error, retryable = error.is_retryable(), "probe failed");
                    lambda_runtime::Error::from(error)
                })
        }
    }))
    .await
}
