//! CloudPing's browser app.
//!
//! It reads nothing but the published feed (`data/v1/…`, relative to the
//! page), so it runs from any static host. Fetch state is explicit
//! ([`api::Fetch`]); a missing or malformed file shows an error with a retry,
//! never a blank page or a panic.

pub mod api;
pub mod app;
pub mod color;
pub mod components;
pub mod format;

pub use app::App;
