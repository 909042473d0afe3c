//! Behaviour every adapter must share, written once and run per adapter.

use shared::Round;
use shared::round::{FailureCounts, FailureKind};
use shared::sketch::Sketch;
use shared::stats::exact_summary;
use store::{
    Bucket, Level, ObjectMeta, RegionStore, RoundStore, SketchGroup, SketchStore, Span,
    SummaryStore, WindowSummaries,
};

pub fn round(src: &str, dst: &str, t: i64, rtts: &[u32]) -> Round {
    let mut failures = FailureCounts::default();
    failures.add(FailureKind::Timeout);
    Round {
        source: src.into(),
        target: dst.into(),
        scheduled_at: t,
        dns_us: Some(1500),
        ip: Some("192.0.2.7".into()),
        rtts_us: rtts.to_vec(),
        failures,
    }
}

pub async fn rounds(st: &impl RoundStore) {
    let a = round("us-east-1", "eu-west-1", 600, &[70_100, 70_200]);
    let b = round("us-east-1", "eu-west-1", 900, &[69_900]);
    let c = round("eu-west-1", "us-east-1", 600, &[]);
    assert_eq!(
        st.put_rounds(&[a.clone(), b.clone(), c.clone()])
            .await
            .unwrap(),
        3
    );
    // A retry, even one that measured differently, stores nothing.
    let retry = round("us-east-1", "eu-west-1", 600, &[1, 2, 3]);
    assert_eq!(st.put_rounds(&[retry, b.clone()]).await.unwrap(), 0);
    assert_eq!(
        st.source_rounds("us-east-1", 0, 10_000).await.unwrap(),
        vec![a.clone(), b.clone()]
    );
    assert_eq!(
        st.source_rounds("us-east-1", 600, 900).await.unwrap(),
        vec![a.clone()]
    );
    let back = st.source_rounds("eu-west-1", 0, 10_000).await.unwrap();
    assert_eq!(back, vec![c], "a round with every connect lost is kept");
    // A target that arrives late for a stored (source, time) joins it, in
    // name order; the one already there is untouched.
    let late = round("us-east-1", "ap-south-1", 600, &[180_000]);
    let again = round("us-east-1", "eu-west-1", 600, &[5]);
    assert_eq!(st.put_rounds(&[late.clone(), again]).await.unwrap(), 1);
    assert_eq!(
        st.source_rounds("us-east-1", 600, 601).await.unwrap(),
        vec![late, a]
    );
    assert_eq!(
        st.sources().await.unwrap(),
        vec![
            ("us-east-1".to_string(), 900),
            ("eu-west-1".to_string(), 600)
        ],
        "every source with its newest round, in display order"
    );
}

pub async fn summaries(st: &impl SummaryStore) {
    assert_eq!(st.window("7d").await.unwrap(), None);
    let mut w = WindowSummaries {
        window: "7d".into(),
        span: Span {
            start: 100,
            end: 200,
        },
        pairs: vec![
            (
                ("us-east-1".into(), "eu-west-1".into()),
                exact_summary(&mut [70_000, 71_000, 90_000], 2),
            ),
            (
                ("eu-west-1".into(), "us-east-1".into()),
                exact_summary(&mut [], 10),
            ),
        ],
    };
    st.put_window(&w).await.unwrap();
    let mut back = st.window("7d").await.unwrap().unwrap();
    back.pairs.sort_by(|a, b| a.0.cmp(&b.0));
    w.pairs.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(back, w);
    // Replacing a window drops pairs it no longer has.
    w.pairs.truncate(1);
    w.span = Span {
        start: 200,
        end: 300,
    };
    st.put_window(&w).await.unwrap();
    assert_eq!(st.window("7d").await.unwrap().unwrap(), w);

    assert_eq!(st.meta("simulated").await.unwrap(), None);
    st.set_meta("simulated", "true").await.unwrap();
    st.set_meta("simulated", "false").await.unwrap();
    assert_eq!(
        st.meta("simulated").await.unwrap().as_deref(),
        Some("false")
    );
}

pub async fn regions(st: &impl RegionStore) {
    assert_eq!(
        st.enabled_regions().await.unwrap(),
        None,
        "empty table: callers use the catalog"
    );
    st.set_region_enabled("eu-west-1", true).await.unwrap();
    st.set_region_enabled("us-east-1", true).await.unwrap();
    st.set_region_enabled("ap-south-1", true).await.unwrap();
    st.set_region_enabled("ap-south-1", false).await.unwrap();
    assert_eq!(
        st.enabled_regions().await.unwrap(),
        Some(vec!["us-east-1".into(), "eu-west-1".into()])
    );
}

pub async fn sketches(st: &impl SketchStore) {
    let mut a = Sketch::new();
    a.extend_from_slice(&[70_000, 70_500, 140_000]);
    a.add_lost(1);
    let mut b = Sketch::new();
    b.add_lost(10);
    let group = |pairs: &[(&str, &Sketch)]| -> SketchGroup {
        pairs
            .iter()
            .map(|(t, s)| (t.to_string(), (*s).clone()))
            .collect()
    };
    let hours = vec![
        (3600, group(&[("eu-west-1", &a), ("ap-south-1", &b)])),
        (7200, group(&[("eu-west-1", &b)])),
        (90_000, SketchGroup::new()),
    ];
    st.put_sketches(Level::Hour, "us-east-1", &hours)
        .await
        .unwrap();
    assert_eq!(
        st.sketches(Level::Hour, "us-east-1", 0, 100_000)
            .await
            .unwrap(),
        hours
    );
    assert_eq!(
        st.sketches(Level::Hour, "us-east-1", 3601, 90_000)
            .await
            .unwrap(),
        vec![hours[1].clone()]
    );
    for (level, source) in [
        (Level::Day, "us-east-1"),
        (Level::Month, "us-east-1"),
        (Level::Hour, "eu-west-1"),
    ] {
        assert!(
            st.sketches(level, source, 0, 100_000)
                .await
                .unwrap()
                .is_empty(),
            "levels and sources are apart"
        );
    }
    assert_eq!(
        st.first(Level::Hour, "us-east-1").await.unwrap(),
        Some(3600)
    );
    assert_eq!(st.first(Level::Day, "us-east-1").await.unwrap(), None);
    // Replacing a group overwrites it whole.
    let replaced = group(&[("eu-west-1", &a)]);
    st.put_sketches(Level::Hour, "us-east-1", &[(3600, replaced.clone())])
        .await
        .unwrap();
    assert_eq!(
        st.sketches(Level::Hour, "us-east-1", 3600, 3601)
            .await
            .unwrap(),
        vec![(3600, replaced)]
    );
}

pub async fn bucket(b: &impl Bucket) {
    let meta = ObjectMeta {
        content_type: "application/json".into(),
        cache_control: "public, max-age=60".into(),
        content_encoding: None,
    };
    assert_eq!(b.get("data/v2/manifest.json").await.unwrap(), None);
    b.put("data/v2/manifest.json", b"{\"v\":1}", &meta)
        .await
        .unwrap();
    b.put("data/v2/manifest.json", b"{\"v\":2}", &meta)
        .await
        .unwrap();
    assert_eq!(
        b.get("data/v2/manifest.json").await.unwrap().unwrap(),
        b"{\"v\":2}"
    );
    b.put("data/v2/matrix/1d.abc.json", b"[]", &meta)
        .await
        .unwrap();
    b.put("index.html", b"<html>", &meta).await.unwrap();
    let keys: Vec<String> = b.list("data/v2/").await.unwrap().into_iter().collect();
    assert_eq!(
        keys,
        ["data/v2/manifest.json", "data/v2/matrix/1d.abc.json"]
    );
}

#[tokio::test]
async fn sqlite_conforms() {
    let st = store::SqliteStore::in_memory().unwrap();
    rounds(&st).await;
    summaries(&st).await;
    regions(&st).await;
    sketches(&st).await;
}

#[tokio::test]
async fn folder_conforms() {
    let dir = tempfile::tempdir().unwrap();
    bucket(&store::FolderBucket::new(dir.path())).await;
}
