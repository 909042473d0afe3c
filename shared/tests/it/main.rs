//! Integration tests of `shared`: the feed fixtures round-trip through the wire types,
//! and (in `sketch`) the percentile sketch keeps its error bound and merges order-free.

mod changes;
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
pub(crate) fn round_trips<T: serde::de::DeserializeOwned + serde::Serialize>(rel: &str) -> T {
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

/// The error a fixture gets after `edit`.
fn matrix_error(rel: &str, edit: impl FnOnce(&mut serde_json::Value)) -> String {
    let (_, text) = fixture(rel);
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    edit(&mut v);
    let m: Matrix = serde_json::from_value(v).unwrap();
    m.validate().unwrap_err().to_string()
}

#[test]
fn impossible_values_are_refused_with_the_cell_named() {
    // Row 0 is us-east-1, column 1 eu-west-1 in the fixture.
    let err = matrix_error("matrix/1d.json", |v| {
        v["stats"]["p50"][0][1] = (-12.5).into()
    });
    assert_eq!(
        err,
        "cell us-east-1 → eu-west-1: p50 = -12.5 ms is negative"
    );
    let err = matrix_error("matrix/1d-p50.json", |v| {
        v["stats"]["p50"][0][1] = 1e308.into()
    });
    assert_eq!(
        err,
        "cell us-east-1 → eu-west-1: p50 = 1e308 ms is above the 60 s that any round can take"
    );
    let err = matrix_error("matrix/1d.json", |v| {
        v["stats"]["max"][0][1] = 60_000.5.into()
    });
    assert!(err.contains("max = 60000.5 ms is above"), "{err}");
    let err = matrix_error("matrix/1d.json", |v| v["samples"][0][1] = 0.into());
    assert!(
        err.starts_with("cell us-east-1 → eu-west-1: ") && err.contains("but samples is 0"),
        "{err}"
    );
    let err = matrix_error("matrix/1d-p50.json", |v| {
        v["stats"]["p50"][0][1] = serde_json::Value::Null
    });
    assert_eq!(
        err,
        "cell us-east-1 → eu-west-1: samples is 2880, but no latency is given"
    );
    let err = matrix_error("matrix/1d.json", |v| {
        v["destinations"][1] = "<b>eu</b>-west-1".into()
    });
    assert!(
        err.contains("\"<b>eu</b>-west-1\", which is not a region code or site name"),
        "{err}"
    );
    // A vantage point of one's own (`cloudping probe --source local`) is fine.
    let (_, text) = fixture("matrix/1d.json");
    let mut own: Matrix = serde_json::from_str(&text).unwrap();
    own.sources[0] = "my-office".into();
    own.validate().unwrap();
    // The file as published passes.
    let (_, text) = fixture("matrix/1d.json");
    serde_json::from_str::<Matrix>(&text)
        .unwrap()
        .validate()
        .unwrap();
}

#[test]
fn a_manifest_without_regions_or_with_a_bad_code_is_refused() {
    let (_, text) = fixture("manifest.json");
    let mut m: Manifest = serde_json::from_str(&text).unwrap();
    m.regions.clear();
    assert!(
        m.validate()
            .unwrap_err()
            .to_string()
            .contains("lists no regions")
    );
    let mut m: Manifest = serde_json::from_str(&text).unwrap();
    m.regions[0].code = "us-east-1\"><script>".into();
    let err = m.validate().unwrap_err().to_string();
    assert!(err.contains("is not a region code"), "{err}");
}

#[test]
fn series_points_are_checked_like_cells() {
    let (_, text) = fixture("series/1h/us-east-1/2026-11-19T00.json");
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let dst = v["destinations"]
        .as_object()
        .unwrap()
        .keys()
        .next()
        .unwrap()
        .clone();
    let k = v["destinations"][&dst]["samples"]
        .as_array()
        .unwrap()
        .iter()
        .position(|n| n.as_u64() > Some(0))
        .unwrap();
    v["destinations"][&dst]["p90"][k] = (-1.0).into();
    let c: SeriesChunk = serde_json::from_value(v).unwrap();
    let err = c.validate().unwrap_err().to_string();
    assert!(
        err.starts_with(&format!("us-east-1 → {dst} at 2026-11-19T"))
            && err.ends_with("p90 = -1 ms is negative"),
        "{err}"
    );
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
