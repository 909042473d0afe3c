//! The public feed's wire types.
//!
//! These are a wire boundary, kept apart from the domain types: they change
//! only with a new version folder, are pinned by the committed fixtures under
//! `shared/tests/fixtures/feed/` and described by the JSON Schemas under
//! `shared/schema/`. `docs/API.md` says what changed from one version to the
//! next; v1 (two-decimal latencies, one matrix file per window) is frozen and
//! no longer published.

pub mod v2;
