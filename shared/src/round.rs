//! A round: one probe's K connects to one target at one scheduled time.

use serde::{Deserialize, Serialize};

/// Seconds between scheduled rounds unless a deployment says otherwise (5
/// minutes): the one default the probe, the rollup and the publisher share.
pub const DEFAULT_INTERVAL: i64 = 300;

/// Why a connect (or the whole round) failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FailureKind {
    /// The endpoint name did not resolve.
    Dns,
    /// No answer within the connect timeout.
    Timeout,
    /// The peer answered with a reset.
    Refused,
    /// The network or host was unreachable.
    Unreachable,
    /// Anything else the OS reported.
    Other,
}

/// Failed connects of one round, counted by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailureCounts {
    /// Name resolution failed (then every connect of the round counts here).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub dns: u16,
    /// Connect timed out.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub timeout: u16,
    /// Connection refused.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub refused: u16,
    /// Network or host unreachable.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub unreachable: u16,
    /// Any other error.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub other: u16,
}

fn is_zero(n: &u16) -> bool {
    *n == 0
}

impl FailureCounts {
    /// Counts one failure of the given kind.
    pub fn add(&mut self, kind: FailureKind) {
        let slot = match kind {
            FailureKind::Dns => &mut self.dns,
            FailureKind::Timeout => &mut self.timeout,
            FailureKind::Refused => &mut self.refused,
            FailureKind::Unreachable => &mut self.unreachable,
            FailureKind::Other => &mut self.other,
        };
        *slot = slot.saturating_add(1);
    }

    /// Every failed connect, whatever its kind.
    pub fn total(&self) -> u32 {
        [
            self.dns,
            self.timeout,
            self.refused,
            self.unreachable,
            self.other,
        ]
        .iter()
        .map(|&n| u32::from(n))
        .sum()
    }
}

/// The result of one round: a source measured a target K times.
///
/// Identity is `(source, target, scheduled_at)`: storing the same round twice
/// must store it once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Round {
    /// Where the probe ran (a region code, or any vantage-point name).
    pub source: String,
    /// The region measured.
    pub target: String,
    /// The scheduled time of the round, Unix seconds (UTC).
    pub scheduled_at: i64,
    /// Time to resolve the endpoint, microseconds; `None` when not measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns_us: Option<u32>,
    /// The address connected to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    /// Round-trip times of the connects that succeeded, microseconds, ascending.
    pub rtts_us: Vec<u32>,
    /// The connects that failed, by kind.
    #[serde(default)]
    pub failures: FailureCounts,
}

impl Round {
    /// Connects that failed.
    pub fn lost(&self) -> u32 {
        self.failures.total()
    }

    /// Connects attempted (succeeded + failed).
    pub fn attempts(&self) -> u32 {
        self.rtts_us.len() as u32 + self.lost()
    }

    /// Sorts the RTTs ascending, the order a stored round keeps.
    pub fn normalize(&mut self) {
        self.rtts_us.sort_unstable();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lost_and_attempts() {
        let mut f = FailureCounts::default();
        f.add(FailureKind::Timeout);
        f.add(FailureKind::Timeout);
        f.add(FailureKind::Refused);
        let r = Round {
            source: "us-east-1".into(),
            target: "eu-west-1".into(),
            scheduled_at: 1_700_000_000,
            dns_us: Some(1200),
            ip: None,
            rtts_us: vec![70_000; 7],
            failures: f,
        };
        assert_eq!(r.lost(), 3);
        assert_eq!(r.attempts(), 10);
        let json = serde_json::to_string(&r).unwrap();
        assert!(
            json.contains(r#""failures":{"timeout":2,"refused":1}"#),
            "{json}"
        );
        assert_eq!(serde_json::from_str::<Round>(&json).unwrap(), r);
    }
}
