//! Summaries, sketches and rounds → feed v2 in a bucket.
//!
//! A publish runs these stages, each in its own file:
//!
//! 1. read what the previous publish left: its manifest and series index
//!    (no LIST of the bucket: they say what exists);
//! 2. [`schemas`](SCHEMAS), when they changed;
//! 3. [`matrices`]: every window's matrix, CSV and per-statistic views;
//! 4. [`series`]: the chunks that closed since, and the open ones that changed;
//! 5. [`raw`]: the days that became complete;
//! 6. [`changes`], when an hour has closed: the latency shifts detected in
//!    the hourly medians, as `changes.json` and as an Atom feed
//!    (`changes.atom`, [`atom`]), fixed names beside the manifest;
//! 7. the manifest, last;
//! 8. the site's `index.html`, when the bucket holds the site: the default
//!    view prerendered into it ([`frontend::prerender`]), so the page shows
//!    the numbers before (and without) the wasm.
//!
//! Every data file's name is fixed by its content (a hash) or by a period
//! that has closed, so a data file never changes once written and is cached
//! forever. Data files come before the manifest, so a reader, who always
//! starts from the manifest, never meets a name without a file; a publish
//! stopped half way leaves the previous manifest and all it names in place,
//! and the next run does the rest. Superseded files are left behind (a bucket
//! lifecycle rule may expire them).

pub mod atom;
pub mod changes;
pub mod matrices;
pub mod raw;
pub mod series;
pub mod upload;

use std::collections::BTreeSet;

use shared::catalog;
use shared::feed::v2::{self, Manifest, Precision, RegionInfo, SeriesIndex};
use shared::stats::Stat;
use shared::time::{floor_to, rfc3339};
use store::{Bucket, Pair, RoundStore, SketchStore, SummaryStore};

pub use matrices::{matrix, stat_views};
pub use raw::ndjson_gz as raw_ndjson_gz;
pub use series::resolutions;
pub use upload::Report;
use upload::{SHORT, Uploader, addressed, encode, json_immutable, meta};

use crate::rollup::{DEFAULT_INTERVAL, META_WATERMARK};
use crate::{Error, Result};

const HOUR: i64 = 3600;
const DAY: i64 = 86_400;

/// Where `cloudping serve` serves the site by default: the base of the
/// Atom feed's links unless [`Options::site`] says otherwise.
pub const DEFAULT_SITE: &str = "http://127.0.0.1:8080/";

/// Metadata key: hash of the schemas last uploaded.
const META_SCHEMAS: &str = "published_schemas";

/// How a publish runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The time written as `generated_at`.
    pub now: i64,
    /// Publish per-source time series.
    pub series: bool,
    /// How many of the newest complete days of raw rounds the manifest lists
    /// (and a first publish writes).
    pub raw_days: usize,
    /// A day is complete (its raw file final), and a series chunk closed,
    /// once the newest round is this far past its last scheduled round.
    pub raw_grace: i64,
    /// The site's absolute base URL (`https://cloudping.example/`): Atom
    /// feeds allow no relative links, so `changes.atom` links there.
    pub site: String,
}

impl Options {
    /// Everything, at `now`.
    pub fn at(now: i64) -> Options {
        Options {
            now,
            series: true,
            raw_days: 31,
            raw_grace: 2 * 3600,
            site: DEFAULT_SITE.into(),
        }
    }
}

/// The JSON Schemas published beside the data, under `data/v2/schema/`.
pub const SCHEMAS: [(&str, &str); 6] = [
    (
        "manifest",
        include_str!("../../../shared/schema/v2/manifest.schema.json"),
    ),
    (
        "matrix",
        include_str!("../../../shared/schema/v2/matrix.schema.json"),
    ),
    (
        "series-chunk",
        include_str!("../../../shared/schema/v2/series-chunk.schema.json"),
    ),
    (
        "series-index",
        include_str!("../../../shared/schema/v2/series-index.schema.json"),
    ),
    (
        "raw-round",
        include_str!("../../../shared/schema/v2/raw-round.schema.json"),
    ),
    (
        "changes",
        include_str!("../../../shared/schema/v2/changes.schema.json"),
    ),
];

fn region_info(code: &str) -> Option<RegionInfo> {
    let r = catalog::region(code)?;
    Some(RegionInfo {
        code: r.code.into(),
        name: r.name.into(),
        city: r.city.into(),
        geography: r.geography.id().into(),
        lat: r.lat,
        lon: r.lon,
        partition: r.partition.id().into(),
        opt_in: r.opt_in,
    })
}

/// Pairs measured in one direction only, in display order.
fn one_way(measured: &BTreeSet<Pair>) -> Vec<[String; 2]> {
    let mut v: Vec<[String; 2]> = measured
        .iter()
        .filter(|(s, d)| !measured.contains(&(d.clone(), s.clone())))
        .map(|(s, d)| [s.clone(), d.clone()])
        .collect();
    v.sort_by_key(|[s, d]| {
        (
            catalog::display_rank(s),
            catalog::display_rank(d),
            s.clone(),
            d.clone(),
        )
    });
    v
}

/// What the previous publish left in the bucket.
struct Previous {
    manifest: Option<Manifest>,
    index: Option<SeriesIndex>,
}

async fn previous<B: Bucket>(bucket: &B) -> Result<Previous> {
    let manifest: Option<Manifest> = bucket
        .get(v2::MANIFEST_PATH)
        .await?
        .and_then(|b| serde_json::from_slice(&b).ok());
    let index = match manifest.as_ref().and_then(|m| m.series_index.clone()) {
        Some(path) => bucket
            .get(&format!("{}/{path}", v2::ROOT))
            .await?
            .and_then(|b| serde_json::from_slice(&b).ok()),
        None => None,
    };
    Ok(Previous { manifest, index })
}

/// The content-addressed paths a manifest vouches for.
fn vouched(m: &Manifest) -> BTreeSet<String> {
    let mut known: BTreeSet<String> = m
        .windows
        .iter()
        .flat_map(|w| {
            [w.matrix.clone(), w.matrix_csv.clone()]
                .into_iter()
                .chain(w.views.values().cloned())
        })
        .collect();
    known.extend(m.series_index.clone());
    known
}

/// Publishes the feed: the data files that changed, then the manifest.
/// `progress` hears about each stage (for a CLI's progress lines).
pub async fn run<S, B>(
    st: &S,
    bucket: &B,
    opts: &Options,
    mut progress: impl FnMut(&str),
) -> Result<Report>
where
    S: RoundStore + SketchStore + SummaryStore,
    B: Bucket,
{
    let simulated = st.meta(store::META_SIMULATED).await?.as_deref() == Some("true");
    let interval = st
        .meta(store::META_INTERVAL)
        .await?
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_INTERVAL);
    let data_end = st
        .meta(META_WATERMARK)
        .await?
        .and_then(|v| v.parse::<i64>().ok());
    let prev = previous(bucket).await?;
    // The first publish of a UTC day writes every current file again, even
    // unchanged ones: the bucket's lifecycle expires superseded files after
    // a few days by age, and a file that is still current must never be the
    // oldest one there. Once a day is a few dozen PUTs.
    let refresh = prev.manifest.as_ref().is_none_or(|m| {
        shared::time::parse_rfc3339(&m.generated_at).map(|t| floor_to(t, DAY))
            != Some(floor_to(opts.now, DAY))
    });
    let known = match (&prev.manifest, refresh) {
        (Some(m), false) => vouched(m),
        _ => BTreeSet::new(),
    };
    let mut up = Uploader::new(bucket, known);

    // Schemas: fixed names, uploaded when they changed or the bucket is new.
    let all: String = SCHEMAS.iter().flat_map(|(n, b)| [*n, *b]).collect();
    let schemas_hash = addressed("schemas", "json", all.as_bytes());
    let schemas_known = prev.manifest.is_some()
        && st.meta(META_SCHEMAS).await?.as_deref() == Some(schemas_hash.as_str());
    if !schemas_known {
        for (name, body) in SCHEMAS {
            up.always(
                &format!("schema/{name}.schema.json"),
                body.as_bytes(),
                &meta("application/schema+json", "public, max-age=3600"),
            )
            .await?;
        }
    }

    let m = matrices::publish(st, &mut up).await?;
    progress(&format!(
        "{} matrices (JSON, CSV, views) ready",
        m.windows.len()
    ));

    let sources: Vec<String> = st.sources().await?.into_iter().map(|(s, _)| s).collect();
    let mut series_index = None;
    if let (true, Some(data_end)) = (opts.series, data_end) {
        let edge = series::Edge {
            data_end,
            interval,
            grace: opts.raw_grace,
        };
        let previous = prev.index.as_ref().and_then(|i| {
            let end = prev.manifest.as_ref()?.data_end.as_deref()?;
            let data_end = shared::time::parse_rfc3339(end)?;
            Some((i, series::Edge { data_end, ..edge }))
        });
        let index = series::publish(
            st,
            &mut up,
            &sources,
            edge,
            previous,
            refresh,
            &mut progress,
        )
        .await?;
        let json = encode("series index", &index)?;
        let rel = addressed("series/index", "json", &json);
        up.data(&rel, &json, &json_immutable()).await?;
        series_index = Some(rel);
    }

    let mut raw = Vec::new();
    if let Some(latest) = data_end {
        let complete_before = floor_to(latest + interval - opts.raw_grace, DAY);
        let plan = raw::Plan {
            sources: &sources,
            complete_before,
            first: complete_before - opts.raw_days as i64 * DAY,
            previous: prev
                .manifest
                .as_ref()
                .map(|m| m.raw.clone())
                .unwrap_or_default(),
            keep: opts.raw_days,
        };
        raw = raw::publish(st, &mut up, plan, &mut progress).await?;
    }

    // The changes move when an hour closes (or once a day, with the rest).
    if let Some(latest) = data_end {
        let to = floor_to(latest + interval, HOUR);
        let before = prev
            .manifest
            .as_ref()
            .and_then(|m| m.data_end.as_deref())
            .and_then(shared::time::parse_rfc3339)
            .map(|t| floor_to(t + interval, HOUR));
        if refresh || before != Some(to) {
            let plan = changes::Plan {
                to,
                now: opts.now,
                simulated,
                rule: shared::changes::Rule::default(),
                site: &opts.site,
            };
            let c = changes::publish(st, bucket, &mut up, &sources, &plan).await?;
            progress(&format!(
                "changes: {} events over {} .. {}",
                c.events.len(),
                c.from,
                c.to
            ));
        }
    }

    let mut regions: Vec<RegionInfo> = m.codes.iter().filter_map(|c| region_info(c)).collect();
    regions.sort_by_key(|r| catalog::display_rank(&r.code));
    let manifest = Manifest {
        version: v2::VERSION,
        generated_at: rfc3339(opts.now),
        interval_seconds: interval as u32,
        simulated,
        data_end: data_end.map(rfc3339),
        regions,
        stats: Stat::ALL.iter().map(|s| s.id().to_string()).collect(),
        precision: Precision::PUBLISHED,
        windows: m.windows,
        series_index,
        raw,
        one_way: one_way(&m.measured),
    };
    let body = serde_json::to_vec_pretty(&manifest).map_err(|source| Error::Encode {
        file: v2::MANIFEST_PATH.into(),
        source,
    })?;
    // Last: only now does any reader see the new files.
    up.always("manifest.json", &body, &meta("application/json", SHORT))
        .await?;
    if !schemas_known {
        st.set_meta(META_SCHEMAS, &schemas_hash).await?;
    }
    let mut report = up.report;
    report.page = prerender(bucket, manifest, m.matrices).await?;
    if let Some(bytes) = report.page {
        progress(&format!("index.html prerendered ({bytes} bytes)"));
    }
    Ok(report)
}

/// The site's page at the bucket's root.
pub const PAGE: &str = "index.html";

/// Writes the default view into the site's `index.html`, if the bucket
/// holds a site built with the prerender markers; the bytes written, if so.
/// After the manifest: the page shows what the manifest names.
pub async fn prerender<B: Bucket>(
    bucket: &B,
    manifest: Manifest,
    matrices: Vec<v2::Matrix>,
) -> Result<Option<usize>> {
    let Some(template) = bucket.get(PAGE).await? else {
        return Ok(None);
    };
    let Ok(template) = String::from_utf8(template) else {
        return Ok(None);
    };
    // Rendered only for a site that has a place for it.
    if frontend::prerender::markers(&template).is_none() {
        return Ok(None);
    }
    let body = frontend::prerender::render(manifest, matrices).await;
    let Some(page) = frontend::prerender::splice(&template, &body) else {
        return Ok(None);
    };
    bucket
        .put(
            PAGE,
            page.as_bytes(),
            &meta("text/html; charset=utf-8", "no-cache"),
        )
        .await?;
    Ok(Some(page.len()))
}
