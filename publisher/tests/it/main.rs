//! The rollup end to end on the embedded store.

use probe::simulate::Model;
use publisher::rollup::{self, Options};
use shared::Round;
use shared::catalog;
use shared::round::{FailureCounts, FailureKind};
use store::{Level, RoundStore, SketchStore, SqliteStore, SummaryStore};

const T0: i64 = 1_795_564_800; // 2026-11-25T00:00:00Z

fn model() -> Model {
    let regions: Vec<_> = ["us-east-1", "eu-west-1", "ap-south-1"]
        .iter()
        .map(|c| catalog::region(c).unwrap())
        .collect();
    Model::new(&regions, 42)
}

async fn windows(st: &SqliteStore) -> Vec<store::WindowSummaries> {
    let mut out = Vec::new();
    for w in shared::stats::WINDOWS {
        let mut ws = st.window(w.id).await.unwrap().unwrap();
        ws.pairs.sort_by(|a, b| a.0.cmp(&b.0));
        out.push(ws);
    }
    out
}

#[tokio::test]
async fn incremental_runs_equal_a_full_rebuild() {
    let m = model();
    let all = m.rounds(T0, T0 + 3 * 86_400, 300, 10);
    let (day1, rest): (Vec<Round>, Vec<Round>) = all
        .iter()
        .cloned()
        .partition(|r| r.scheduled_at < T0 + 86_400);
    // Late rounds: the last hour before the second cut arrives only after it.
    let cut = T0 + 2 * 86_400 + 6 * 3600;
    let (mid, tail): (Vec<Round>, Vec<Round>) =
        rest.into_iter().partition(|r| r.scheduled_at < cut);
    let (on_time, late): (Vec<Round>, Vec<Round>) = mid
        .into_iter()
        .partition(|r| r.scheduled_at < cut - 3600 || r.target != "eu-west-1");

    let once = SqliteStore::in_memory().unwrap();
    once.put_rounds(&all).await.unwrap();
    rollup::run(&once, &Options::default(), |_, _| {})
        .await
        .unwrap();

    let steps = SqliteStore::in_memory().unwrap();
    steps.put_rounds(&day1).await.unwrap();
    let r1 = rollup::run(&steps, &Options::default(), |_, _| {})
        .await
        .unwrap();
    steps.put_rounds(&on_time).await.unwrap();
    let r2 = rollup::run(&steps, &Options::default(), |_, _| {})
        .await
        .unwrap();
    assert!(
        r2.from > r1.from,
        "the second run starts at the watermark, not at the beginning"
    );
    assert!(
        r2.rounds < all.len() / 2,
        "and reads only the new rounds ({})",
        r2.rounds
    );
    steps.put_rounds(&late).await.unwrap();
    steps.put_rounds(&tail).await.unwrap();
    rollup::run(&steps, &Options::default(), |_, _| {})
        .await
        .unwrap();

    assert_eq!(
        windows(&steps).await,
        windows(&once).await,
        "incremental = rebuild, exactly"
    );
    for level in [Level::Hour, Level::Day, Level::Month] {
        for source in ["us-east-1", "eu-west-1", "ap-south-1"] {
            assert_eq!(
                steps.sketches(level, source, 0, i64::MAX).await.unwrap(),
                once.sketches(level, source, 0, i64::MAX).await.unwrap(),
                "{level:?} {source}"
            );
        }
    }

    // A rebuild of the incremental store changes nothing either.
    let rebuild = Options {
        rebuild: true,
        ..Options::default()
    };
    rollup::run(&steps, &rebuild, |_, _| {}).await.unwrap();
    assert_eq!(windows(&steps).await, windows(&once).await);
}

#[tokio::test]
async fn windows_count_every_connect_and_percentiles_are_close_to_exact() {
    let m = model();
    let rounds = m.rounds(T0, T0 + 8 * 86_400, 300, 10);
    let st = SqliteStore::in_memory().unwrap();
    st.put_rounds(&rounds).await.unwrap();
    let report = rollup::run(&st, &Options::default(), |_, _| {})
        .await
        .unwrap();
    assert_eq!(report.end, T0 + 8 * 86_400);
    assert_eq!(
        report.hours,
        3 * 8 * 24,
        "an hour group per source and hour"
    );
    assert_eq!(
        report.months, 3,
        "November has ended: a month group per source"
    );
    // 2026-11-25 + 8 days crosses into December: the year window is made of
    // November's month sketch and December's days.
    for (id, days) in [("1d", 1), ("7d", 7), ("30d", 8), ("365d", 8)] {
        let ws = st.window(id).await.unwrap().unwrap();
        let ((_, _), sum) = ws
            .pairs
            .iter()
            .find(|(p, _)| p.0 == "us-east-1" && p.1 == "eu-west-1")
            .unwrap();
        assert_eq!(sum.samples + sum.lost, days * 288 * 10, "{id}");
        // Exact percentiles of the same connects.
        let start = ws.span.start;
        let mut exact: Vec<u32> = rounds
            .iter()
            .filter(|r| {
                r.source == "us-east-1" && r.target == "eu-west-1" && r.scheduled_at >= start
            })
            .flat_map(|r| r.rtts_us.iter().copied())
            .collect();
        let exact = shared::stats::exact_summary(&mut exact, 0).latency.unwrap();
        let got = sum.latency.unwrap();
        for (stat, _) in shared::stats::Stat::PERCENTILES {
            let (a, b) = (got.get(stat), exact.get(stat));
            assert!(
                (a - b).abs() <= shared::sketch::ALPHA * b + 1e-9,
                "{id} {stat:?}: {a} vs exact {b}"
            );
        }
        assert_eq!(got.min, exact.min);
        assert_eq!(got.max, exact.max);
        assert!((got.mean - exact.mean).abs() < 1e-9);
    }
}

#[tokio::test]
async fn a_pair_with_only_lost_connects_reports_full_loss_and_no_latency() {
    let st = SqliteStore::in_memory().unwrap();
    let mut failures = FailureCounts::default();
    for _ in 0..10 {
        failures.add(FailureKind::Timeout);
    }
    let dead: Vec<Round> = (0..12)
        .map(|i| Round {
            source: "us-east-1".into(),
            target: "me-south-1".into(),
            scheduled_at: T0 + i * 300,
            dns_us: Some(900),
            ip: None,
            rtts_us: vec![],
            failures,
        })
        .collect();
    st.put_rounds(&dead).await.unwrap();
    rollup::run(&st, &Options::default(), |_, _| {})
        .await
        .unwrap();
    let ws = st.window("1d").await.unwrap().unwrap();
    let (_, sum) = &ws.pairs[0];
    assert_eq!(sum.latency, None, "no latency, never 0 ms");
    assert_eq!(sum.samples, 0);
    assert_eq!(sum.lost, 120);
    assert_eq!(sum.loss_pct(), Some(100.0));
}

#[tokio::test]
async fn rollup_without_rounds_says_what_to_do() {
    let st = SqliteStore::in_memory().unwrap();
    let err = rollup::run(&st, &Options::default(), |_, _| {})
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("run `cloudping simulate` or `cloudping probe` first")
    );
}

#[tokio::test]
async fn a_custom_range_matches_a_window_and_exact_percentiles() {
    let m = model();
    let rounds = m.rounds(T0, T0 + 4 * 86_400, 300, 10);
    let st = SqliteStore::in_memory().unwrap();
    st.put_rounds(&rounds).await.unwrap();
    rollup::run(&st, &Options::default(), |_, _| {})
        .await
        .unwrap();
    let pair = ("us-east-1".to_string(), "eu-west-1".to_string());
    // The last day as a custom range equals the 1 d window.
    let sources = vec![pair.0.clone()];
    let want = |s: &str, t: &str| s == pair.0 && t == pair.1;
    let (span, got) = rollup::range(&st, &sources, want, T0 + 3 * 86_400, T0 + 4 * 86_400)
        .await
        .unwrap();
    let window = st.window("1d").await.unwrap().unwrap();
    assert_eq!(span, window.span);
    let one_day = window.pairs.iter().find(|(p, _)| *p == pair).unwrap().1;
    assert_eq!(got, vec![(pair.clone(), one_day)]);
    // An odd range (13:20 to 09:10 two days later) is widened to whole hours
    // and mixes hour and day sketches; it still matches the exact figures.
    let (from, to) = (T0 + 13 * 3600 + 1200, T0 + 2 * 86_400 + 9 * 3600 + 600);
    let (span, got) = rollup::range(&st, &sources, want, from, to).await.unwrap();
    assert_eq!(
        (span.start, span.end),
        (T0 + 13 * 3600, T0 + 2 * 86_400 + 10 * 3600)
    );
    let mut exact: Vec<u32> = rounds
        .iter()
        .filter(|r| {
            r.source == pair.0
                && r.target == pair.1
                && r.scheduled_at >= span.start
                && r.scheduled_at < span.end
        })
        .flat_map(|r| r.rtts_us.iter().copied())
        .collect();
    let n = exact.len() as u64;
    let exact = shared::stats::exact_summary(&mut exact, 0).latency.unwrap();
    let sum = got[0].1;
    assert_eq!(sum.samples, n);
    let l = sum.latency.unwrap();
    assert_eq!((l.min, l.max), (exact.min, exact.max));
    for (stat, _) in shared::stats::Stat::PERCENTILES {
        assert!(
            (l.get(stat) - exact.get(stat)).abs() <= shared::sketch::ALPHA * exact.get(stat) + 1e-9,
            "{stat:?}"
        );
    }
}

#[tokio::test]
async fn a_run_reads_and_writes_what_is_new_not_the_history() {
    let m = model();
    let days = 40;
    let history = m.rounds(T0, T0 + days * 86_400, 300, 10);
    let st = SqliteStore::in_memory().unwrap();
    st.put_rounds(&history).await.unwrap();
    rollup::run(&st, &Options::default(), |_, _| {})
        .await
        .unwrap();
    // 15 minutes of new rounds in the middle of a day.
    let t = T0 + days * 86_400;
    st.put_rounds(&m.rounds(t, t + 900, 300, 10)).await.unwrap();
    let r = rollup::run(&st, &Options::default(), |_, _| {})
        .await
        .unwrap();
    // The grace period (2 h, from the hour) and the new quarter hour, for 3 sources × 3 targets.
    assert_eq!(
        r.rounds,
        9 * (3 * 12 + 3),
        "rounds from 21:00 (the watermark less 2 h) on"
    );
    assert_eq!(r.hours, 3, "one changed hour per source");
    assert_eq!(r.days, 3, "one changed day per source");
    assert_eq!(r.months, 0);
    assert_eq!(
        r.windows,
        ["1d"],
        "the long windows cover whole days: unchanged"
    );
    // The rest of the day: once its last hour is in, every window moves.
    st.put_rounds(&m.rounds(t + 900, t + 86_400, 300, 10))
        .await
        .unwrap();
    let r = rollup::run(&st, &Options::default(), |_, _| {})
        .await
        .unwrap();
    assert_eq!(
        r.windows,
        ["1d", "7d", "30d", "365d"],
        "a new day moved every window"
    );
    let year = st.window("365d").await.unwrap().unwrap();
    assert_eq!(year.span.end, t + 86_400);
}

#[tokio::test]
async fn a_publish_prerenders_the_default_view_into_the_sites_page() {
    use publisher::export;
    use store::{Bucket, FolderBucket, ObjectMeta};
    let m = model();
    let st = SqliteStore::in_memory().unwrap();
    st.put_rounds(&m.rounds(T0, T0 + 86_400, 300, 10))
        .await
        .unwrap();
    rollup::run(&st, &Options::default(), |_, _| {})
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let bucket = FolderBucket::new(dir.path());
    let html = ObjectMeta {
        content_type: "text/html".into(),
        cache_control: "no-cache".into(),
        content_encoding: None,
    };
    let template = "<body><div id=\"prerender\"><!--prerender--><!--/prerender--></div></body>";
    bucket
        .put("index.html", template.as_bytes(), &html)
        .await
        .unwrap();
    let opts = export::Options::at(T0 + 86_400 + 600);
    let report = export::run(&st, &bucket, &opts, |_| {}).await.unwrap();
    let page = String::from_utf8(bucket.get("index.html").await.unwrap().unwrap()).unwrap();
    assert_eq!(report.page, Some(page.len()));
    assert_eq!(page.matches("<table id=\"matrix\"").count(), 1, "{page}");
    // The figure the page shows is the one the feed publishes.
    let manifest: shared::feed::v2::Manifest =
        serde_json::from_slice(&bucket.get("data/v2/manifest.json").await.unwrap().unwrap())
            .unwrap();
    let path = format!("data/v2/{}", manifest.windows[0].matrix);
    let matrix: shared::feed::v2::Matrix =
        serde_json::from_slice(&bucket.get(&path).await.unwrap().unwrap()).unwrap();
    let (i, j) = (
        matrix
            .sources
            .iter()
            .position(|s| s == "us-east-1")
            .unwrap(),
        matrix
            .destinations
            .iter()
            .position(|d| d == "eu-west-1")
            .unwrap(),
    );
    let v = matrix.stats["p50"][i][j].unwrap();
    let cell = page
        .split("<td")
        .find(|c| c.contains("data-src=\"us-east-1\"") && c.contains("data-dst=\"eu-west-1\""))
        .unwrap();
    assert!(
        cell.contains(&format!(">{}</td>", shared::display::cell_ms(v))),
        "{cell}"
    );
    // The next publish replaces the rendering; it does not add another.
    export::run(
        &st,
        &bucket,
        &export::Options::at(T0 + 86_400 + 1200),
        |_| {},
    )
    .await
    .unwrap();
    let again = String::from_utf8(bucket.get("index.html").await.unwrap().unwrap()).unwrap();
    assert_eq!(again.matches("<table id=\"matrix\"").count(), 1);
    assert!(again.starts_with("<body><div id=\"prerender\"><!--prerender-->"));
    // A page without the markers is left as it is.
    bucket
        .put("index.html", b"<body>old site</body>", &html)
        .await
        .unwrap();
    let report = export::run(
        &st,
        &bucket,
        &export::Options::at(T0 + 86_400 + 1800),
        |_| {},
    )
    .await
    .unwrap();
    assert_eq!(report.page, None);
    assert_eq!(
        bucket.get("index.html").await.unwrap().unwrap(),
        b"<body>old site</body>"
    );
}
