//! The app's pages (routes of the URL hash).

pub mod api;
pub mod home;
pub mod map;
