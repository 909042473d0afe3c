//! The app's components.

pub mod canvas;
pub mod controls;
pub mod downloads;
pub mod error;
pub mod freshness;
pub mod graph;
pub mod matrix;
