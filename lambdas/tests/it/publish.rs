//! The publish handler against S3 on moto's server: a full publish, a second
//! one that uploads only what changed, and one that fails after N uploads,
//! after which the feed is still consistent and the next run completes it.

use std::sync::atomic::{AtomicUsize, Ordering};

use probe::simulate::Model;
use publisher::export::Options;
use publisher::rollup;
use shared::catalog;
use shared::feed::v2::{Manifest, Matrix, SeriesIndex};
use store::{Bucket, ObjectMeta, RoundStore, S3Bucket, SqliteStore, StoreError, SummaryStore};
use testkit::Moto;

const T0: i64 = 1_795_564_800; // 2026-11-25T00:00:00Z

async fn bucket(moto: &Moto) -> S3Bucket {
    let conf = store::aws::local(&moto.endpoint, "us-east-1").await;
    let b = S3Bucket::new(store::aws::s3_client(&conf, true), "feed");
    b.create().await.unwrap();
    b
}

async fn store_with(days: i64) -> SqliteStore {
    let regions: Vec<_> = ["us-east-1", "eu-west-1", "ap-south-1"]
        .iter()
        .map(|c| catalog::region(c).unwrap())
        .collect();
    let st = SqliteStore::in_memory().unwrap();
    st.set_meta(store::META_SIMULATED, "true").await.unwrap();
    st.put_rounds(&Model::new(&regions, 5).rounds(T0, T0 + days * 86_400, 300, 10))
        .await
        .unwrap();
    rollup::run(&st, &rollup::Options::default(), |_, _| {})
        .await
        .unwrap();
    st
}

/// Every file the manifest names exists and parses.
pub(crate) async fn assert_consistent(b: &impl Bucket) -> Manifest {
    let m: Manifest = serde_json::from_slice(
        &b.get("data/v2/manifest.json")
            .await
            .unwrap()
            .expect("a manifest"),
    )
    .unwrap();
    m.validate().unwrap();
    let get = |rel: String| async move {
        b.get(&format!("data/v2/{rel}"))
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("the manifest names {rel}, which is missing"))
    };
    for w in &m.windows {
        let matrix: Matrix = serde_json::from_slice(&get(w.matrix.clone()).await).unwrap();
        matrix.validate().unwrap();
        assert!(
            String::from_utf8(get(w.matrix_csv.clone()).await)
                .unwrap()
                .starts_with("source,destination,")
        );
    }
    let index: SeriesIndex =
        serde_json::from_slice(&get(m.series_index.clone().unwrap()).await).unwrap();
    let end = shared::time::parse_rfc3339(m.data_end.as_deref().unwrap()).unwrap();
    for (source, per_res) in &index.sources {
        for res in per_res.keys() {
            let chunks = index.chunk_paths(source, res, 0, end + 1);
            assert!(!chunks.is_empty(), "{source} {res}");
            for (_, rel) in chunks {
                let c: shared::feed::v2::SeriesChunk =
                    serde_json::from_slice(&get(rel.clone()).await).unwrap();
                c.validate().unwrap();
            }
        }
    }
    for d in &m.raw {
        assert!(!get(d.path.clone()).await.is_empty());
    }
    m
}

#[tokio::test(flavor = "multi_thread")]
async fn full_then_incremental_publish() {
    let moto = Moto::start();
    let b = bucket(&moto).await;
    let st = store_with(3).await;
    let first = lambdas::publish::handle(&st, &b, &Options::at(T0 + 3 * 86_400))
        .await
        .unwrap();
    assert_eq!(first.skipped, 0);
    assert_eq!(
        first.written.last().unwrap(),
        "data/v2/manifest.json",
        "the manifest goes last"
    );
    let m = assert_consistent(&b).await;
    assert!(m.simulated);
    assert!(
        m.one_way.is_empty(),
        "every simulated pair is measured both ways"
    );
    assert_eq!(m.raw.len(), 2, "two complete days of raw rounds");
    assert_eq!(m.raw[0].rounds, 288 * 9);

    // Nothing changed: only the manifest is uploaded again.
    let second = lambdas::publish::handle(&st, &b, &Options::at(T0 + 3 * 86_400 + 60))
        .await
        .unwrap();
    assert_eq!(second.written, ["data/v2/manifest.json"]);
    assert!(
        second.skipped > 0,
        "the vouched files are skipped, not listed"
    );
}

/// A bucket that fails every upload after the first `allowed`.
struct FailAfter<'a, B> {
    inner: &'a B,
    allowed: AtomicUsize,
}

impl<B: Bucket> Bucket for FailAfter<'_, B> {
    async fn put(&self, key: &str, body: &[u8], meta: &ObjectMeta) -> store::Result<()> {
        if self
            .allowed
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_err()
        {
            return Err(StoreError::Unreachable(format!(
                "injected failure before {key}"
            )));
        }
        self.inner.put(key, body, meta).await
    }
    async fn get(&self, key: &str) -> store::Result<Option<Vec<u8>>> {
        self.inner.get(key).await
    }
    async fn list(&self, prefix: &str) -> store::Result<std::collections::BTreeSet<String>> {
        self.inner.list(prefix).await
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn pairs_measured_one_way_are_marked() {
    let moto = Moto::start();
    let b = bucket(&moto).await;
    let st = store_with(1).await;
    // A vantage point that is not a region: nobody measures back to it.
    let mut home: Vec<shared::Round> =
        Model::new(&[catalog::region("eu-west-1").unwrap()], 9).rounds(T0, T0 + 86_400, 300, 10);
    for r in &mut home {
        r.source = "my-office".into();
    }
    st.put_rounds(&home).await.unwrap();
    let rebuild = rollup::Options {
        rebuild: true,
        ..Default::default()
    };
    rollup::run(&st, &rebuild, |_, _| {}).await.unwrap();
    lambdas::publish::handle(&st, &b, &Options::at(T0 + 86_400))
        .await
        .unwrap();
    let m = assert_consistent(&b).await;
    assert_eq!(
        m.one_way,
        vec![["my-office".to_string(), "eu-west-1".to_string()]]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_publish_stopped_half_way_leaves_a_consistent_feed() {
    let moto = Moto::start();
    let b = bucket(&moto).await;
    let old = store_with(2).await;
    lambdas::publish::handle(&old, &b, &Options::at(T0 + 2 * 86_400))
        .await
        .unwrap();
    let before = assert_consistent(&b).await;

    // New data, and a publish that dies after 7 uploads.
    let new = store_with(3).await;
    let failing = FailAfter {
        inner: &b,
        allowed: AtomicUsize::new(7),
    };
    let err = lambdas::publish::handle(&new, &failing, &Options::at(T0 + 3 * 86_400))
        .await
        .unwrap_err();
    assert!(err.is_retryable(), "{err}");
    let during = assert_consistent(&b).await;
    assert_eq!(during, before, "readers still see the previous feed, whole");

    // The next run completes it. Without a LIST it cannot know which of the
    // 7 uploads landed, so it writes them again: same names, same bytes.
    let done = lambdas::publish::handle(&new, &b, &Options::at(T0 + 3 * 86_400))
        .await
        .unwrap();
    assert_eq!(
        done.written.last().map(String::as_str),
        Some("data/v2/manifest.json")
    );
    let after = assert_consistent(&b).await;
    assert_ne!(after.windows, before.windows);
    assert_eq!(after.raw.len(), 2);
}
