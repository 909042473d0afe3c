//! The feed's files, read with [`crate::json`] instead of serde's derived
//! deserializers (which cost the wasm far more code), and the two the
//! downloads write (a matrix, a series). Each struct lists its fields once;
//! the tests hold every fixture's result equal to serde's, both ways.

use shared::feed::v2::{
    ChangeEvent, ChangePair, ChangeRule, Changes, Chunks, Columns, Manifest, Matrix, Precision,
    RawDay, RegionInfo, Resolution, Series, SeriesChunk, SeriesIndex, WindowInfo,
};

use crate::{from_json_struct, json_struct, to_json_struct};

from_json_struct!(Manifest {
    version,
    generated_at,
    interval_seconds,
    simulated,
    data_end,
    regions,
    stats,
    precision,
    windows,
    series_index,
    raw,
    one_way = Vec::new(),
});
from_json_struct!(Precision {
    percentile_relative,
    percentile_absolute_ms,
    exact_ms
});
from_json_struct!(RawDay { date, path, rounds });
from_json_struct!(RegionInfo {
    code,
    name,
    city,
    geography,
    lat,
    lon,
    partition,
    opt_in
});
from_json_struct!(WindowInfo {
    id,
    label,
    start,
    end,
    matrix,
    matrix_csv,
    views
});
// Read from the feed, and written by the matrix download.
json_struct!(Matrix {
    version,
    window,
    start,
    end,
    unit,
    sources,
    destinations,
    stats,
    samples,
    lost,
});
from_json_struct!(Resolution {
    id,
    step_seconds,
    span_seconds,
    chunk_seconds
});
from_json_struct!(SeriesIndex {
    version,
    resolutions,
    sources
});
from_json_struct!(Chunks {
    first,
    closed_before,
    open
});
from_json_struct!(SeriesChunk {
    version,
    source,
    resolution,
    step_seconds,
    start,
    unit,
    points,
    destinations
});
from_json_struct!(Columns {
    p10,
    p50,
    p90,
    min,
    max,
    samples,
    lost
});
from_json_struct!(Changes {
    version,
    generated_at,
    from,
    to,
    rule,
    simulated,
    events
});
from_json_struct!(ChangeRule {
    min_shift_ms,
    min_shift_ratio,
    min_hours
});
from_json_struct!(ChangeEvent {
    id,
    onset,
    end,
    pairs
});
from_json_struct!(ChangePair {
    source,
    destination,
    onset,
    end,
    before_ms,
    after_ms
});

// Written by the graph's download.
to_json_struct!(Series {
    version,
    source,
    destination,
    resolution,
    step_seconds,
    start,
    unit,
    p10,
    p50,
    p90,
    min,
    max,
    samples,
    lost,
});

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use serde::de::DeserializeOwned;

    use super::*;
    use crate::json::{self, FromJson};

    const FIXTURES: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/tests/fixtures/feed/v2"
    );

    fn files(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                files(&p, out);
            } else if p.extension().is_some_and(|x| x == "json") {
                out.push(p);
            }
        }
    }

    /// Reads a file both ways; the two must agree, value for value.
    fn same<T: FromJson + DeserializeOwned + PartialEq + std::fmt::Debug>(text: &str) -> T {
        let ours: T = json::from_str(text).unwrap();
        let serde: T = serde_json::from_str(text).unwrap();
        assert_eq!(ours, serde);
        ours
    }

    #[test]
    fn every_fixture_reads_as_serde_reads_it() {
        let mut all = Vec::new();
        files(Path::new(FIXTURES), &mut all);
        let mut kinds = [0; 5];
        for p in &all {
            let rel = p
                .strip_prefix(FIXTURES)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let text = std::fs::read_to_string(p).unwrap();
            if rel == "manifest.json" {
                same::<Manifest>(&text);
                kinds[0] += 1;
            } else if rel.starts_with("matrix/") {
                same::<Matrix>(&text);
                kinds[1] += 1;
            } else if rel == "series/index.json" {
                same::<SeriesIndex>(&text);
                kinds[2] += 1;
            } else if rel.starts_with("series/1")
                || rel.starts_with("series/5m/")
                || rel.starts_with("series/open/")
            {
                same::<SeriesChunk>(&text);
                kinds[3] += 1;
            } else if rel == "changes.json" {
                same::<Changes>(&text);
                kinds[4] += 1;
            }
        }
        assert!(
            kinds.iter().all(|&n| n > 0),
            "every kind of file seen: {kinds:?}"
        );
    }

    #[test]
    fn what_the_downloads_write_is_what_serde_writes() {
        let m = std::fs::read_to_string(format!("{FIXTURES}/matrix/1d.json")).unwrap();
        let m: Matrix = json::from_str(&m).unwrap();
        let back: Matrix = serde_json::from_str(&json::to_string(&m)).unwrap();
        assert_eq!(back, m);
        let s = std::fs::read_to_string(format!("{FIXTURES}/series/us-east-1/eu-west-1/1h.json"))
            .unwrap();
        let mut s: Series = serde_json::from_str(&s).unwrap();
        // A whole number of ms too: written `68`, read back as 68.0.
        s.p50[0] = Some(68.0);
        let back: Series = serde_json::from_str(&json::to_string(&s)).unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn both_readers_refuse_what_the_feed_does_not_allow() {
        let m = std::fs::read_to_string(format!("{FIXTURES}/manifest.json")).unwrap();
        for bad in [
            m.replacen("\"version\"", "\"extra\": 1, \"version\"", 1),
            m.replacen(
                "\"interval_seconds\": 300",
                "\"interval_seconds\": 300.5",
                1,
            ),
            m.replacen("\"simulated\"", "\"unknown_flag\"", 1),
            m.replacen("\"version\": 2", "\"version\": \"2\"", 1),
        ] {
            assert_ne!(bad, m, "the edit applied");
            let ours = json::from_str::<Manifest>(&bad);
            let serde = serde_json::from_str::<Manifest>(&bad);
            assert!(ours.is_err() && serde.is_err(), "{ours:?} {serde:?}");
        }
        // A missing optional field is `None` for both, and `one_way` defaults.
        let none = m.replacen("  \"series_index\": \"series/index.json\",\n", "", 1);
        assert_ne!(none, m, "the edit applied");
        let none = same::<Manifest>(&none);
        assert_eq!((none.series_index, none.one_way), (None, Vec::new()));
        let err =
            json::from_str::<Manifest>(&m.replacen("\"lat\": 39.04", "\"lat\": \"39.04\"", 1))
                .unwrap_err()
                .to_string();
        assert_eq!(err, "regions[0].lat: expected a number, found a string");
    }
}
