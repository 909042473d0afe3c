//! The region catalog: every AWS region CloudPing knows how to measure.
//!
//! The catalog is data, not code: a partition carries its endpoint DNS suffix,
//! so China, GovCloud and the European Sovereign Cloud need no special cases.
//! Coordinates are those of the metro area a region serves (AWS does not
//! publish data-centre locations); they feed the great-circle fiber floor.

use serde::{Deserialize, Serialize};

use crate::geo::LatLon;

/// An AWS partition: a separate set of regions with its own DNS suffix and accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
pub enum Partition {
    /// The commercial partition.
    #[serde(rename = "aws")]
    Aws,
    /// China (Beijing, Ningxia), operated separately.
    #[serde(rename = "aws-cn")]
    AwsCn,
    /// AWS GovCloud (US).
    #[serde(rename = "aws-us-gov")]
    AwsUsGov,
    /// The AWS European Sovereign Cloud.
    #[serde(rename = "aws-eusc")]
    AwsEusc,
}

impl Partition {
    /// The partition's identifier as AWS writes it (`aws`, `aws-cn`, ...).
    pub fn id(self) -> &'static str {
        match self {
            Partition::Aws => "aws",
            Partition::AwsCn => "aws-cn",
            Partition::AwsUsGov => "aws-us-gov",
            Partition::AwsEusc => "aws-eusc",
        }
    }

    /// The DNS suffix of service endpoints in this partition.
    pub fn dns_suffix(self) -> &'static str {
        match self {
            Partition::Aws | Partition::AwsUsGov => "amazonaws.com",
            Partition::AwsCn => "amazonaws.com.cn",
            Partition::AwsEusc => "amazonaws.eu",
        }
    }
}

/// A broad geography, used to group and order regions in the UI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
pub enum Geography {
    /// United States, Canada, Mexico.
    #[serde(rename = "north-america")]
    NorthAmerica,
    /// South America.
    #[serde(rename = "south-america")]
    SouthAmerica,
    /// Europe.
    #[serde(rename = "europe")]
    Europe,
    /// Middle East and Israel.
    #[serde(rename = "middle-east")]
    MiddleEast,
    /// Africa.
    #[serde(rename = "africa")]
    Africa,
    /// Asia and Oceania.
    #[serde(rename = "asia-pacific")]
    AsiaPacific,
}

impl Geography {
    /// Every geography, in the order the UI shows them (roughly west to east).
    pub const ALL: [Geography; 6] = [
        Geography::NorthAmerica,
        Geography::SouthAmerica,
        Geography::Europe,
        Geography::Africa,
        Geography::MiddleEast,
        Geography::AsiaPacific,
    ];

    /// The geography's id as the feed writes it (`north-america`, ...).
    pub fn id(self) -> &'static str {
        match self {
            Geography::NorthAmerica => "north-america",
            Geography::SouthAmerica => "south-america",
            Geography::Europe => "europe",
            Geography::MiddleEast => "middle-east",
            Geography::Africa => "africa",
            Geography::AsiaPacific => "asia-pacific",
        }
    }

    /// A human-readable label.
    pub fn label(self) -> &'static str {
        match self {
            Geography::NorthAmerica => "North America",
            Geography::SouthAmerica => "South America",
            Geography::Europe => "Europe",
            Geography::MiddleEast => "Middle East",
            Geography::Africa => "Africa",
            Geography::AsiaPacific => "Asia Pacific",
        }
    }
}

/// One region of the catalog.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Region {
    /// The region code, e.g. `eu-west-1`.
    pub code: &'static str,
    /// AWS's display name, e.g. `Europe (Ireland)`.
    pub name: &'static str,
    /// The metro area the region serves.
    pub city: &'static str,
    /// Broad geography.
    pub geography: Geography,
    /// Latitude of the metro, degrees north.
    pub lat: f64,
    /// Longitude of the metro, degrees east.
    pub lon: f64,
    /// The partition the region belongs to.
    pub partition: Partition,
    /// Whether an account must opt in before using the region.
    pub opt_in: bool,
}

impl Region {
    /// The region's metro coordinates.
    pub fn location(&self) -> LatLon {
        LatLon {
            lat: self.lat,
            lon: self.lon,
        }
    }

    /// The public DynamoDB endpoint host the probe connects to.
    pub fn endpoint_host(&self) -> String {
        format!("dynamodb.{}.{}", self.code, self.partition.dns_suffix())
    }
}

macro_rules! regions {
    ($( $code:literal, $name:literal, $city:literal, $geo:ident, $lat:literal, $lon:literal, $part:ident, $optin:literal; )*) => {
        /// Every region CloudPing knows, in geographic display order.
        pub const REGIONS: &[Region] = &[
            $( Region { code: $code, name: $name, city: $city, geography: Geography::$geo,
                        lat: $lat, lon: $lon, partition: Partition::$part, opt_in: $optin }, )*
        ];
    };
}

regions! {
    // North America, west to east
    "us-west-2", "US West (Oregon)", "Boardman", NorthAmerica, 45.84, -119.70, Aws, false;
    "us-west-1", "US West (N. California)", "San Jose", NorthAmerica, 37.34, -121.89, Aws, false;
    "ca-west-1", "Canada West (Calgary)", "Calgary", NorthAmerica, 51.05, -114.07, Aws, true;
    "mx-central-1", "Mexico (Central)", "Querétaro", NorthAmerica, 20.59, -100.39, Aws, true;
    "us-east-2", "US East (Ohio)", "Columbus", NorthAmerica, 39.96, -83.00, Aws, false;
    "us-east-1", "US East (N. Virginia)", "Ashburn", NorthAmerica, 39.04, -77.49, Aws, false;
    "ca-central-1", "Canada (Central)", "Montréal", NorthAmerica, 45.50, -73.57, Aws, false;
    // South America
    "sa-east-1", "South America (São Paulo)", "São Paulo", SouthAmerica, -23.55, -46.63, Aws, false;
    // Europe, west to east
    "eu-west-1", "Europe (Ireland)", "Dublin", Europe, 53.35, -6.26, Aws, false;
    "eu-west-2", "Europe (London)", "London", Europe, 51.51, -0.13, Aws, false;
    "eu-south-2", "Europe (Spain)", "Zaragoza", Europe, 41.65, -0.88, Aws, true;
    "eu-west-3", "Europe (Paris)", "Paris", Europe, 48.86, 2.35, Aws, false;
    "eu-central-2", "Europe (Zurich)", "Zürich", Europe, 47.38, 8.54, Aws, true;
    "eu-central-1", "Europe (Frankfurt)", "Frankfurt", Europe, 50.11, 8.68, Aws, false;
    "eu-south-1", "Europe (Milan)", "Milan", Europe, 45.46, 9.19, Aws, true;
    "eu-north-1", "Europe (Stockholm)", "Stockholm", Europe, 59.33, 18.07, Aws, false;
    // Africa
    "af-south-1", "Africa (Cape Town)", "Cape Town", Africa, -33.92, 18.42, Aws, true;
    // Middle East
    "il-central-1", "Israel (Tel Aviv)", "Tel Aviv", MiddleEast, 32.09, 34.78, Aws, true;
    "me-south-1", "Middle East (Bahrain)", "Manama", MiddleEast, 26.23, 50.59, Aws, true;
    "me-central-1", "Middle East (UAE)", "Abu Dhabi", MiddleEast, 24.47, 54.37, Aws, true;
    // Asia Pacific, west to east
    "ap-south-1", "Asia Pacific (Mumbai)", "Mumbai", AsiaPacific, 19.08, 72.88, Aws, false;
    "ap-south-2", "Asia Pacific (Hyderabad)", "Hyderabad", AsiaPacific, 17.39, 78.49, Aws, true;
    "ap-southeast-7", "Asia Pacific (Thailand)", "Bangkok", AsiaPacific, 13.76, 100.50, Aws, true;
    "ap-southeast-5", "Asia Pacific (Malaysia)", "Kuala Lumpur", AsiaPacific, 3.139, 101.69, Aws, true;
    "ap-southeast-1", "Asia Pacific (Singapore)", "Singapore", AsiaPacific, 1.35, 103.82, Aws, false;
    "ap-southeast-3", "Asia Pacific (Jakarta)", "Jakarta", AsiaPacific, -6.21, 106.85, Aws, true;
    "ap-east-1", "Asia Pacific (Hong Kong)", "Hong Kong", AsiaPacific, 22.32, 114.17, Aws, true;
    "ap-east-2", "Asia Pacific (Taipei)", "Taipei", AsiaPacific, 25.03, 121.57, Aws, true;
    "ap-northeast-2", "Asia Pacific (Seoul)", "Seoul", AsiaPacific, 37.57, 126.98, Aws, false;
    "ap-northeast-3", "Asia Pacific (Osaka)", "Osaka", AsiaPacific, 34.69, 135.50, Aws, false;
    "ap-northeast-1", "Asia Pacific (Tokyo)", "Tokyo", AsiaPacific, 35.68, 139.69, Aws, false;
    "ap-southeast-4", "Asia Pacific (Melbourne)", "Melbourne", AsiaPacific, -37.81, 144.96, Aws, true;
    "ap-southeast-2", "Asia Pacific (Sydney)", "Sydney", AsiaPacific, -33.87, 151.21, Aws, false;
    "ap-southeast-6", "Asia Pacific (New Zealand)", "Auckland", AsiaPacific, -36.85, 174.76, Aws, true;
    // Other partitions: measured only from deployments inside them.
    "us-gov-west-1", "AWS GovCloud (US-West)", "Pacific Northwest", NorthAmerica, 45.60, -121.18, AwsUsGov, false;
    "us-gov-east-1", "AWS GovCloud (US-East)", "Columbus", NorthAmerica, 40.00, -83.00, AwsUsGov, false;
    "cn-north-1", "China (Beijing)", "Beijing", AsiaPacific, 39.90, 116.40, AwsCn, false;
    "cn-northwest-1", "China (Ningxia)", "Zhongwei", AsiaPacific, 37.51, 105.19, AwsCn, false;
    "eusc-de-east-1", "AWS European Sovereign Cloud (Germany)", "Brandenburg", Europe, 52.41, 12.53, AwsEusc, false;
}

/// Looks a region up by code.
pub fn region(code: &str) -> Option<&'static Region> {
    REGIONS.iter().find(|r| r.code == code)
}

/// The regions of one partition, in display order.
pub fn partition(p: Partition) -> impl Iterator<Item = &'static Region> {
    REGIONS.iter().filter(move |r| r.partition == p)
}

/// The commercial regions, in display order: the default measurement set.
pub fn commercial() -> impl Iterator<Item = &'static Region> {
    partition(Partition::Aws)
}

/// The position of a region in display order (geographic), for sorting.
pub fn display_rank(code: &str) -> usize {
    REGIONS
        .iter()
        .position(|r| r.code == code)
        .unwrap_or(usize::MAX)
}

/// Whether `s` has the shape of a region code (`eu-west-1`, `us-gov-east-1`):
/// a 2–4 letter prefix, one or more lower-case words, a number, joined by `-`.
/// The feed's schemas use the same rule, `^[a-z]{2,4}(-[a-z]+)+-[0-9]+$`; a
/// code outside it (markup, spaces, capitals) is refused by the feed's checks.
pub fn is_region_code(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let word = |p: &&str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase());
    match parts.as_slice() {
        [prefix, words @ .., number] if !words.is_empty() => {
            (2..=4).contains(&prefix.len())
                && word(prefix)
                && words.iter().all(word)
                && !number.is_empty()
                && number.bytes().all(|b| b.is_ascii_digit())
        }
        _ => false,
    }
}

/// Whether `s` can name a vantage point or target in the feed: a region
/// code, or a site of one's own (`local`, `my-office`): 1 to 63 lower-case
/// letters, digits and `-`, not starting or ending with `-`. The schemas
/// say `^[a-z0-9]+(-[a-z0-9]+)*$`. Markup, spaces and capitals are refused.
pub fn is_site_name(s: &str) -> bool {
    (1..=63).contains(&s.len())
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// An error for a region code that is not in the catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownRegion(pub String);

impl std::fmt::Display for UnknownRegion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "unknown region `{}`; known regions: ", self.0)?;
        let codes: Vec<&str> = REGIONS.iter().map(|r| r.code).collect();
        write!(f, "{}", codes.join(", "))
    }
}

impl std::error::Error for UnknownRegion {}

/// Parses a comma-separated list of region codes (or `all` for every
/// commercial region), failing on the first unknown code.
pub fn parse_list(list: &str) -> Result<Vec<&'static Region>, UnknownRegion> {
    if list.trim() == "all" {
        return Ok(commercial().collect());
    }
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|code| region(code).ok_or_else(|| UnknownRegion(code.to_string())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn geography_id_matches_serde() {
        for g in Geography::ALL {
            assert_eq!(serde_json::to_value(g).unwrap(), g.id());
        }
    }

    #[test]
    fn region_codes_have_one_shape() {
        for r in REGIONS {
            assert!(is_region_code(r.code), "{}", r.code);
        }
        for bad in [
            "",
            "eu-west",
            "west-1",
            "e-west-1",
            "EU-west-1",
            "eu-west-1 ",
            "<b>eu</b>-west-1",
            "eu--west-1",
            "eu-west-1a",
            "europe-west-x",
        ] {
            assert!(!is_region_code(bad), "{bad:?}");
        }
    }

    #[test]
    fn site_names_are_codes_or_plain_names() {
        for good in ["us-east-1", "local", "my-office", "lab2", "a"] {
            assert!(is_site_name(good), "{good:?}");
        }
        for bad in [
            "",
            "-a",
            "a-",
            "a--b",
            "My-office",
            "my office",
            "us-east-1\"><img",
            &"x".repeat(64),
        ] {
            assert!(!is_site_name(bad), "{bad:?}");
        }
        for r in REGIONS {
            assert!(is_site_name(r.code), "{}", r.code);
        }
    }

    #[test]
    fn codes_are_unique() {
        let mut seen = HashSet::new();
        for r in REGIONS {
            assert!(seen.insert(r.code), "duplicate region code {}", r.code);
        }
    }

    #[test]
    fn every_region_has_plausible_coordinates() {
        for r in REGIONS {
            assert!(
                (-90.0..=90.0).contains(&r.lat),
                "{} latitude {}",
                r.code,
                r.lat
            );
            assert!(
                (-180.0..=180.0).contains(&r.lon),
                "{} longitude {}",
                r.code,
                r.lon
            );
            assert!(
                r.lat != 0.0 || r.lon != 0.0,
                "{} has no coordinates",
                r.code
            );
            assert!(!r.name.is_empty() && !r.city.is_empty());
        }
    }

    #[test]
    fn endpoint_host_follows_the_partition() {
        assert_eq!(
            region("us-east-1").unwrap().endpoint_host(),
            "dynamodb.us-east-1.amazonaws.com"
        );
        assert_eq!(
            region("cn-north-1").unwrap().endpoint_host(),
            "dynamodb.cn-north-1.amazonaws.com.cn"
        );
        assert_eq!(
            region("us-gov-west-1").unwrap().endpoint_host(),
            "dynamodb.us-gov-west-1.amazonaws.com"
        );
        assert_eq!(
            region("eusc-de-east-1").unwrap().endpoint_host(),
            "dynamodb.eusc-de-east-1.amazonaws.eu"
        );
        for r in REGIONS {
            let host = r.endpoint_host();
            assert!(host.starts_with(&format!("dynamodb.{}.", r.code)));
            assert!(host.ends_with(r.partition.dns_suffix()));
        }
    }

    #[test]
    fn region_code_prefix_matches_partition() {
        for r in REGIONS {
            let expected = if r.code.starts_with("cn-") {
                Partition::AwsCn
            } else if r.code.starts_with("us-gov-") {
                Partition::AwsUsGov
            } else if r.code.starts_with("eusc-") {
                Partition::AwsEusc
            } else {
                Partition::Aws
            };
            assert_eq!(r.partition, expected, "{}", r.code);
        }
    }

    #[test]
    fn commercial_set_is_complete() {
        let codes: HashSet<&str> = commercial().map(|r| r.code).collect();
        assert_eq!(codes.len(), 34);
        for must in [
            "us-east-1",
            "eu-west-1",
            "ap-southeast-7",
            "mx-central-1",
            "ap-east-2",
            "ap-southeast-6",
        ] {
            assert!(codes.contains(must), "{must} missing");
        }
    }

    #[test]
    fn every_geography_is_in_display_order() {
        // Regions of one geography are contiguous within a partition block.
        let mut seen: Vec<Geography> = Vec::new();
        for r in commercial() {
            if seen.last() != Some(&r.geography) {
                assert!(
                    !seen.contains(&r.geography),
                    "{} breaks geography order",
                    r.code
                );
                seen.push(r.geography);
            }
        }
    }

    #[test]
    fn parse_list_names_the_unknown_region() {
        assert_eq!(parse_list("us-east-1, eu-west-1").unwrap().len(), 2);
        assert_eq!(parse_list("all").unwrap().len(), 34);
        let err = parse_list("us-east-1,mars-north-1").unwrap_err();
        assert_eq!(err.0, "mars-north-1");
        assert!(err.to_string().contains("unknown region `mars-north-1`"));
    }
}
