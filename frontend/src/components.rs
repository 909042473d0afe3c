//! The app's components.

pub mod browser;
pub mod canvas;
pub mod changes;
pub mod controls;
pub mod downloads;
pub mod error;
pub mod freshness;
pub mod graph;
pub mod matrix;
pub mod week;
