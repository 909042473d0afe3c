//! The probe plan, one home for what the Lambda and `cloudping probe` share:
//! which targets a source measures (with endpoint overrides), the schedule,
//! and which intervals are valid.

use std::collections::BTreeMap;

use shared::catalog;

use crate::measure::Target;

/// Seconds between rounds unless configured otherwise: 5 minutes.
pub const DEFAULT_INTERVAL: i64 = shared::round::DEFAULT_INTERVAL;

/// Why an interval cannot be used.
pub fn check_interval(interval: i64) -> Result<(), String> {
    if interval <= 0 || 86_400 % interval != 0 {
        return Err(format!(
            "the interval must divide a day evenly (e.g. 60, 300, 900), not {interval}"
        ));
    }
    Ok(())
}

/// The scheduled time of a round run at `at`: the start of its interval, so
/// a retried or late run of the same slot has the same identity.
pub fn scheduled_at(at: i64, interval: i64) -> i64 {
    shared::time::floor_to(at, interval)
}

/// The targets of `regions` (catalog codes; unknown ones are left out), each
/// at its public endpoint unless `overrides` names another (host, port).
pub fn targets<'a>(
    regions: impl IntoIterator<Item = &'a catalog::Region>,
    overrides: &BTreeMap<String, (String, u16)>,
) -> Vec<Target> {
    regions
        .into_iter()
        .map(|r| match overrides.get(r.code) {
            Some((host, port)) => Target {
                code: r.code.to_string(),
                host: host.clone(),
                port: *port,
            },
            None => Target::for_region(r),
        })
        .collect()
}

/// The regions a probe at `source` measures: the enabled ones (or, while the
/// regions table is empty, every region) of the source's partition.
pub fn regions_for(source: &str, enabled: Option<Vec<String>>) -> Vec<&'static catalog::Region> {
    let partition = catalog::region(source).map_or(shared::Partition::Aws, |r| r.partition);
    match enabled {
        Some(codes) => codes
            .iter()
            .filter_map(|c| catalog::region(c))
            .filter(|r| r.partition == partition)
            .collect(),
        None => catalog::partition(partition).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_divide_a_day() {
        assert!(check_interval(300).is_ok());
        assert!(check_interval(7).unwrap_err().contains("divide a day"));
        assert!(check_interval(0).is_err());
        assert_eq!(scheduled_at(1_795_626_342, 300), 1_795_626_300);
    }

    #[test]
    fn targets_take_overrides_and_stay_in_the_partition() {
        let enabled = Some(vec![
            "us-east-1".into(),
            "cn-north-1".into(),
            "eu-west-1".into(),
        ]);
        let regions = regions_for("us-east-1", enabled);
        assert_eq!(
            regions.iter().map(|r| r.code).collect::<Vec<_>>(),
            ["us-east-1", "eu-west-1"]
        );
        let overrides =
            BTreeMap::from([("eu-west-1".to_string(), ("127.0.0.1".to_string(), 4443))]);
        let t = targets(regions, &overrides);
        assert_eq!((t[1].host.as_str(), t[1].port), ("127.0.0.1", 4443));
        assert_eq!(t[0].port, 443);
        assert!(
            regions_for("cn-north-1", None)
                .iter()
                .all(|r| r.code.starts_with("cn-"))
        );
    }
}
