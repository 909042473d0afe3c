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
    // The tables live in the home region; the probe measures from its own.
    let mut dynamo = aws_sdk_dynamodb::config::Builder::from(&conf);
    if let Some(home) = &env.home_region {
        dynamo = dynamo.region(aws_config::Region::new(home.clone()));
    }
    let store = DynamoStore::new(
        aws_sdk_dynamodb::Client::from_conf(dynamo.build()),
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
