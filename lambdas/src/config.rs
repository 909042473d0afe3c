//! Configuration from the function's environment.

use std::collections::HashMap;

/// What a function reads from its environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Env {
    /// Prefix of the DynamoDB table names (`CLOUDPING_TABLE_PREFIX`, default `cloudping`).
    pub table_prefix: String,
    /// The region the function runs in (`AWS_REGION`, set by Lambda).
    pub region: String,
    /// The region holding the tables (`CLOUDPING_HOME_REGION`); the probes in
    /// other regions write there. `None`: the function's own region.
    pub home_region: Option<String>,
    /// Seconds between scheduled rounds (`CLOUDPING_INTERVAL`, default 300).
    pub interval: i64,
    /// Connects per round (`CLOUDPING_CONNECTS`, default 10).
    pub connects: u16,
    /// The feed bucket (`CLOUDPING_BUCKET`), for the publisher.
    pub bucket: Option<String>,
    /// The site's public base URL (`CLOUDPING_SITE_URL`), for the links of
    /// the Atom feed of changes; `None`: the local default.
    pub site_url: Option<String>,
}

/// A variable that is set but not understood.
#[derive(Debug, thiserror::Error)]
#[error("environment variable {name}={value:?} is not valid: {why}")]
pub struct BadEnv {
    name: &'static str,
    value: String,
    why: &'static str,
}

impl Env {
    /// Reads the configuration from a map of variables (testable without touching the process).
    pub fn from_map(vars: &HashMap<String, String>) -> Result<Env, BadEnv> {
        let get = |k: &str| vars.get(k).filter(|v| !v.is_empty()).cloned();
        let num = |name: &'static str, default: i64, why: &'static str| -> Result<i64, BadEnv> {
            match get(name) {
                None => Ok(default),
                Some(v) => v.parse().ok().filter(|&n: &i64| n > 0).ok_or(BadEnv {
                    name,
                    value: v,
                    why,
                }),
            }
        };
        let interval = num(
            "CLOUDPING_INTERVAL",
            probe::plan::DEFAULT_INTERVAL,
            "seconds between rounds, a positive integer dividing a day",
        )?;
        if probe::plan::check_interval(interval).is_err() {
            return Err(BadEnv {
                name: "CLOUDPING_INTERVAL",
                value: interval.to_string(),
                why: "must divide a day",
            });
        }
        let connects = num("CLOUDPING_CONNECTS", 10, "connects per round, 1 to 100")?;
        if connects > 100 {
            return Err(BadEnv {
                name: "CLOUDPING_CONNECTS",
                value: connects.to_string(),
                why: "1 to 100",
            });
        }
        Ok(Env {
            table_prefix: get("CLOUDPING_TABLE_PREFIX").unwrap_or_else(|| "cloudping".into()),
            region: get("AWS_REGION").unwrap_or_else(|| "us-east-1".into()),
            home_region: get("CLOUDPING_HOME_REGION"),
            interval,
            connects: connects as u16,
            bucket: get("CLOUDPING_BUCKET"),
            site_url: get("CLOUDPING_SITE_URL"),
        })
    }

    /// Reads the process environment.
    pub fn from_process() -> Result<Env, BadEnv> {
        Env::from_map(&std::env::vars().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_errors() {
        let env = Env::from_map(&HashMap::new()).unwrap();
        assert_eq!(env.interval, 300);
        assert_eq!(env.connects, 10);
        assert_eq!(env.table_prefix, "cloudping");
        assert_eq!(env.home_region, None);
        let home = HashMap::from([("CLOUDPING_HOME_REGION".to_string(), "us-east-1".to_string())]);
        assert_eq!(
            Env::from_map(&home).unwrap().home_region.as_deref(),
            Some("us-east-1")
        );
        let bad = HashMap::from([("CLOUDPING_INTERVAL".to_string(), "7".to_string())]);
        let err = Env::from_map(&bad).unwrap_err().to_string();
        assert!(
            err.contains("CLOUDPING_INTERVAL") && err.contains("divide a day"),
            "{err}"
        );
        let bad = HashMap::from([("CLOUDPING_CONNECTS".to_string(), "ten".to_string())]);
        assert!(Env::from_map(&bad).is_err());
    }
}
