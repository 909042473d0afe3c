//! The publish Lambda: see `lambdas::publish`.

use lambda_runtime::{LambdaEvent, service_fn};
use store::dynamo::Tables;
use store::{DynamoStore, S3Bucket};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambdas::init_logging();
    let env = lambdas::config::Env::from_process()?;
    let bucket_name = env
        .bucket
        .clone()
        .ok_or("CLOUDPING_BUCKET is not set; name the feed bucket")?;
    let conf = store::aws::from_env().await;
    let store = DynamoStore::new(
        aws_sdk_dynamodb::Client::new(&conf),
        Tables::with_prefix(&env.table_prefix),
    );
    let bucket = S3Bucket::new(aws_sdk_s3::Client::new(&conf), bucket_name);
    lambda_runtime::run(service_fn(|_: LambdaEvent<serde_json::Value>| {
        let (store, bucket, site) = (&store, &bucket, env.site_url.as_deref());
        async move {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0);
            let mut opts = publisher::export::Options::at(now);
            if let Some(site) = site {
                opts.site = site.to_string();
            }
            lambdas::publish::handle(store, bucket, &opts)
                .await
                .map(|r| r.written.len())
                .map_err(|error| {
                    tracing::error!(%error, retryable = error.is_retryable(), "publish failed");
                    lambda_runtime::Error::from(error)
                })
        }
    }))
    .await
}
