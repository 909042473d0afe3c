//! The app's components.

pub mod error;
pub mod matrix;
