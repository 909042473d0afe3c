//! The storage adapters against real services: DynamoDB and S3 as moto's
//! server implements them, through the real aws-sdk crates. The same
//! conformance checks run against the embedded adapters.

mod conformance;
mod moto;
