//! The measurement side of CloudPing.
//!
//! [`simulate`] makes realistic rounds without a network, for demos, the UI
//! and benchmarks: anything built from them is marked simulated.

pub mod simulate;
