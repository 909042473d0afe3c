//! Integration tests of `shared`: the feed fixtures round-trip through the wire types,
//! and (in `sketch`) the percentile sketch keeps its error bound and merges order-free.

mod sketch;

use std::path::{Path, PathBuf};

use shared::feed::v2::{Manifest, Matrix, Precision, RawRound, Series, SeriesChunk, SeriesIndex};

fn fixture(rel: &str) -> (PathBuf, String) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/feed/v2")
        .join(rel);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (path, text)
}

/// Parsing then serializing gives back the same JSON value: no field is lost or invented.
fn round_trips<T: serde::de::DeserializeOwned + serde::Serialize>(rel: &str) -> T {
    let (path, text) = fixture(rel);
    let typed: T =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let original: serde_json::Value = serde_json::from_str(&text).unwrap();
    let again = serde_json::to_value(&typed).unwrap();
    assert_eq!(original, again, "{} does not round-trip", path.display());
    typed
}

#[test]
fn manifest_fixture_round_trips() {
    let m: Manifest = round_trips("manifest.json");
    m.validate().unwrap();
    assert_eq!(m.regions.len(), 3);
    for w in &m.windows {
        let matrix: Matrix = round_trips(&w.matrix);
        matrix.validate().unwrap();
        assert_eq!(matrix.window, w.id);
        assert!(
            fixture(&w.matrix_csv)
                .1
                .starts_with("source,destination,samples,lost,loss_pct,p10,")
        );
        assert_eq!(w.views.len(), m.stats.len(), "a view per statistic");
        for (stat, path) in &w.views {
            let view: Matrix = round_trips(path);
            view.validate().unwrap();
            assert_eq!(view.stats.keys().collect::<Vec<_>>(), [stat]);
            assert_eq!(view.stats[stat], matrix.stats[stat], "{path}");
            assert_eq!((&view.samples, &view.lost), (&matrix.samples, &matrix.lost));
        }
    }
    assert_eq!(m.precision, Precision::PUBLISHED);
    let index: SeriesIndex = round_trips(m.series_index.as_deref().unwrap());
    let end = shared::time::parse_rfc3339(m.data_end.as_deref().unwrap()).unwrap();
    let mut chunks = 0;
    for (source, per_res) in &index.sources {
        for res in per_res.keys() {
            for (start, path) in index.chunk_paths(source, res, 0, end + 1) {
                let c: SeriesChunk = round_trips(&path);
                c.validate().unwrap();
                assert_eq!((&c.source, &c.resolution), (source, res));
                assert_eq!(shared::time::parse_rfc3339(&c.start), Some(start));
                chunks += 1;
            }
        }
    }
    assert_eq!(
        chunks,
        12 + 2 + 2 + 1,
        "every chunk the index names exists and parses"
    );
    // The chunks of a pair join into its series, a gap where there was none.
    let paths: Vec<SeriesChunk> = index
        .chunk_paths("us-east-1", "5m", 0, end + 1)
        .into_iter()
        .map(|(_, p)| serde_json::from_str(&fixture(&p).1).unwrap())
        .collect();
    let refs: Vec<&SeriesChunk> = paths.iter().collect();
    let joined = SeriesChunk::pair_series(&refs, "eu-west-1").unwrap();
    let whole: Series = round_trips("series/us-east-1/eu-west-1/5m.json");
    assert_eq!(joined, whole);
    assert_eq!(whole.p50[5], None, "a gap is null");
}

#[test]
fn raw_round_fixture_round_trips() {
    let (path, text) = fixture("raw/2026-11-19.ndjson");
    let mut lost = Vec::new();
    for line in text.lines() {
        let r: RawRound =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        r.validate().unwrap();
        let original: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(serde_json::to_value(&r).unwrap(), original, "{line}");
        lost.push(r.lost());
    }
    assert_eq!(lost, [1, 0, 10]);
    let bad = r#"{"source":"a","target":"b","scheduled_at":"2026-11-19T00:00:00Z","rtts_us":[2,1],"failures":{}}"#;
    let r: RawRound = serde_json::from_str(bad).unwrap();
    assert!(
        r.validate()
            .unwrap_err()
            .to_string()
            .contains("not ascending")
    );
}

#[test]
fn raw_rounds_keep_every_figure_of_a_round() {
    let round = shared::Round {
        source: "us-east-1".into(),
        target: "eu-west-1".into(),
        scheduled_at: 1_763_510_400,
        dns_us: Some(1204),
        ip: None,
        rtts_us: vec![68_311, 69_120],
        failures: shared::FailureCounts {
            timeout: 1,
            ..Default::default()
        },
    };
    let raw = RawRound::from(&round);
    assert_eq!(raw.scheduled_at, "2025-11-19T00:00:00Z");
    assert_eq!(
        (raw.lost(), raw.rtts_us.as_slice()),
        (1, &[68_311, 69_120][..])
    );
    assert_eq!(
        serde_json::to_string(&raw).unwrap(),
        r#"{"source":"us-east-1","target":"eu-west-1","scheduled_at":"2025-11-19T00:00:00Z","dns_us":1204,"rtts_us":[68311,69120],"failures":{"timeout":1}}"#
    );
}

#[test]
fn matrix_fixture_values() {
    let m: Matrix = round_trips("matrix/1d.json");
    assert_eq!(m.get("p50", "us-east-1", "eu-west-1"), Some(68.42));
    assert_eq!(
        m.get("p50", "ap-northeast-1", "eu-west-1"),
        None,
        "missing is null, not 0"
    );
    assert_eq!(m.get("p50", "us-east-1", "mars-1"), None);
}

#[test]
fn malformed_matrix_is_rejected() {
    let (_, text) = fixture("matrix/1d.json");
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["stats"]["p50"][0].as_array_mut().unwrap().pop();
    let m: Matrix = serde_json::from_value(v).unwrap();
    let err = m.validate().unwrap_err();
    assert!(err.to_string().contains("`p50` is not 3 × 3"), "{err}");

    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["surprise"] = 1.into();
    assert!(
        serde_json::from_value::<Matrix>(v).is_err(),
        "unknown fields are refused"
    );
}

#[test]
fn every_region_in_the_catalog_fits_the_manifest_schema_pattern() {
    // The schema's region pattern is `^[a-z]{2,4}(-[a-z]+)+-[0-9]+$`; check by hand.
    for r in shared::catalog::REGIONS {
        let parts: Vec<&str> = r.code.split('-').collect();
        assert!(parts.len() >= 3, "{}", r.code);
        assert!((2..=4).contains(&parts[0].len()), "{}", r.code);
        assert!(
            parts.last().unwrap().chars().all(|c| c.is_ascii_digit()),
            "{}",
            r.code
        );
    }
}
