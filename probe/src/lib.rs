//! The measurement side of CloudPing.
//!
//! [`measure`] is the probe itself: timed TCP connects from this machine to
//! each region's endpoint, one round per target. [`simulate`] makes realistic
//! rounds without a network, for demos, the UI and benchmarks: anything built
//! from them is marked simulated.

pub mod measure;
pub mod plan;
pub mod simulate;
