//! CloudPing's browser app.
//!
//! It reads nothing but the published feed (`data/v2/…`, relative to the
//! page), so it runs from any static host. Fetch state is explicit
//! ([`api::Fetch`]); a missing or malformed file shows an error with a retry,
//! never a blank page or a panic.
//!
//! Pure parts (the [`view`] in the URL hash, the [`state`] reducer, the
//! matrix [`grid`] and its [`keys`], [`chart`] data and drawing, [`export`]s) are tested on
//! the host; components in headless Chromium (`tests/browser.rs`).

pub mod api;
pub mod app;
pub mod chart;
pub mod components;
pub mod dom;
pub mod export;
pub mod format;
pub mod grid;
pub mod hooks;
pub mod json;
pub mod keys;
pub mod measure;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod prerender;
mod read;
pub mod span;
pub mod state;
pub mod view;

pub use app::App;
/// The cells' colours, shared with the prerendered page.
pub use shared::display as color;
