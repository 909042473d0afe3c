//! The public feed's wire types.
//!
//! These are a wire boundary, kept apart from the domain types: they change
//! only with a new version (`v2` beside `v1`), are pinned by the committed
//! fixtures under `shared/tests/fixtures/feed/` and described by the JSON
//! Schemas under `shared/schema/`.

pub mod v1;
