//! The probe function: on each scheduled event, measure every enabled region
//! from this one and store the rounds.
//!
//! The round's scheduled time comes from the event (`time`, floored to the
//! interval), not from the clock, so a retried invocation of the same event
//! writes the same keys and the conditional put turns it into a no-op.

use std::collections::BTreeMap;

use ::probe::measure::{self, Target};
use serde::{Deserialize, Serialize};
use store::{RegionStore, RoundStore, StoreError};

/// The EventBridge scheduled event (only what the probe reads).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduledEvent {
    /// When the schedule fired, RFC 3339.
    #[serde(default)]
    pub time: Option<String>,
}

/// How this probe runs.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The vantage point: the region the function runs in.
    pub source: String,
    /// Seconds between scheduled rounds.
    pub interval: i64,
    /// Measurement settings.
    pub measure: measure::Config,
    /// Endpoint overrides by region code (host, port), e.g. for a VPC endpoint
    /// or a proxy; the tests point regions at local listeners this way.
    pub endpoints: BTreeMap<String, (String, u16)>,
}

/// What one invocation did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Output {
    /// The scheduled time of the rounds, Unix seconds.
    pub scheduled_at: i64,
    /// Targets measured.
    pub targets: usize,
    /// Rounds newly stored (0 on a retry).
    pub stored: usize,
    /// Connects that failed, over all targets.
    pub lost: u32,
}

/// Why an invocation failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The event's time is not a time.
    #[error("scheduled event time {0:?} is not RFC 3339 UTC")]
    BadEvent(String),
    /// The source's partition has no region enabled.
    #[error("no enabled region to probe from {0}; enable regions in the regions table")]
    NoTargets(String),
    /// Storage failed; `retryable` says whether the schedule's retry may help.
    #[error("storing rounds: {0}")]
    Store(#[from] StoreError),
}

impl Error {
    /// Whether a retry of the same event may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Error::Store(e) if e.is_retryable())
    }
}

/// The targets: enabled regions (or the whole partition when the regions
/// table is empty) of the source's partition.
pub async fn targets<S: RegionStore>(store: &S, settings: &Settings) -> Result<Vec<Target>, Error> {
    let regions = probe::plan::regions_for(&settings.source, store.enabled_regions().await?);
    let targets = probe::plan::targets(regions, &settings.endpoints);
    if targets.is_empty() {
        return Err(Error::NoTargets(settings.source.clone()));
    }
    Ok(targets)
}

/// Handles one scheduled event.
pub async fn handle<S>(
    store: &S,
    settings: &Settings,
    event: &ScheduledEvent,
) -> Result<Output, Error>
where
    S: RoundStore + RegionStore,
{
    let at = match &event.time {
        Some(t) => shared::time::parse_rfc3339(t).ok_or_else(|| Error::BadEvent(t.clone()))?,
        None => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0),
    };
    let scheduled_at = probe::plan::scheduled_at(at, settings.interval);
    let targets = targets(store, settings).await?;
    let rounds = measure::run(&settings.source, &targets, scheduled_at, &settings.measure).await;
    let lost = rounds.iter().map(shared::Round::lost).sum();
    for r in rounds.iter().filter(|r| r.rtts_us.is_empty()) {
        tracing::warn!(target_region = %r.target, failures = ?r.failures, "every connect failed");
    }
    let stored = store.put_rounds(&rounds).await?;
    tracing::info!(
        scheduled_at,
        targets = targets.len(),
        stored,
        lost,
        "round stored"
    );
    Ok(Output {
        scheduled_at,
        targets: targets.len(),
        stored,
        lost,
    })
}

/// The measurement settings for `connects` per round, defaults otherwise.
pub fn measure_config(connects: u16) -> measure::Config {
    measure::Config {
        connects,
        ..measure::Config::default()
    }
}
