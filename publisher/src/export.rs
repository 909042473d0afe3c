//! Summaries, sketches and rounds → feed v2 in a bucket.
//!
//! Every data file's name carries a hash of its content
//! (`matrix/7d.3f9a1c0b2e4d5a6f.json`), so a data file never changes once
//! written: it is cached forever and uploaded once. A publish writes the data
//! files first and the manifest last, so a reader, who always starts from the
//! manifest, never meets a name without a file; a publish stopped half way
//! leaves the previous manifest and all it names in place, and the next run
//! uploads only what is still missing. Superseded data files are left behind
//! (a bucket lifecycle rule may expire them).

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

use sha2::{Digest, Sha256};
use shared::catalog;
use shared::feed::v2::{
    self, Manifest, Matrix, Precision, RawDay, RawRound, RegionInfo, Resolution, Series,
    SeriesIndex, WindowInfo, round_ms,
};
use shared::sketch::Sketch;
use shared::stats::{Stat, Summary, WINDOWS};
use shared::time::{floor_to, rfc3339};
use store::{
    Bucket, Level, ObjectMeta, Pair, RoundStore, SketchStore, SummaryStore, WindowSummaries,
};

use crate::rollup::{DEFAULT_INTERVAL, META_WATERMARK};
use crate::{Error, Result};

const DAY: i64 = 86_400;

/// The series resolutions: 5-minute points for 2 days, hourly for a year, daily for 10 years.
pub fn resolutions() -> Vec<Resolution> {
    [
        ("5m", 300, 2 * DAY),
        ("1h", 3600, 365 * DAY),
        ("1d", DAY, 3650 * DAY),
    ]
    .into_iter()
    .map(|(id, step, span)| Resolution {
        id: id.into(),
        step_seconds: step,
        span_seconds: span,
    })
    .collect()
}

/// How a publish runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The time written as `generated_at`.
    pub now: i64,
    /// Publish per-pair time series.
    pub series: bool,
    /// Publish raw rounds for at most this many of the newest complete days.
    pub raw_days: usize,
    /// A day is complete (its raw file final) once the newest round is this far
    /// past the day's last scheduled round.
    pub raw_grace: i64,
}

impl Options {
    /// Everything, at `now`.
    pub fn at(now: i64) -> Options {
        Options {
            now,
            series: true,
            raw_days: 31,
            raw_grace: 2 * 3600,
        }
    }
}

/// What a publish did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Report {
    /// Keys uploaded, in order (the manifest last).
    pub written: Vec<String>,
    /// Data files that were already in the bucket and were not uploaded again.
    pub skipped: usize,
    /// Bytes uploaded.
    pub bytes: usize,
}

/// The JSON Schemas published beside the data, under `data/v2/schema/`.
pub const SCHEMAS: [(&str, &str); 5] = [
    (
        "manifest",
        include_str!("../../shared/schema/v2/manifest.schema.json"),
    ),
    (
        "matrix",
        include_str!("../../shared/schema/v2/matrix.schema.json"),
    ),
    (
        "series",
        include_str!("../../shared/schema/v2/series.schema.json"),
    ),
    (
        "series-index",
        include_str!("../../shared/schema/v2/series-index.schema.json"),
    ),
    (
        "raw-round",
        include_str!("../../shared/schema/v2/raw-round.schema.json"),
    ),
];

fn meta(content_type: &str, cache_control: &str) -> ObjectMeta {
    ObjectMeta {
        content_type: content_type.into(),
        cache_control: cache_control.into(),
        content_encoding: None,
    }
}

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// `name.{hash}.ext`: the first 16 hex digits of the body's SHA-256.
fn addressed(stem: &str, ext: &str, body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("{stem}.{hex}.{ext}")
}

fn encode<T: serde::Serialize>(file: &str, value: &T) -> Result<Vec<u8>> {
    serde_json::to_vec(value).map_err(|source| Error::Encode {
        file: file.into(),
        source,
    })
}

/// Uploads data files unless already present, remembering what it did.
struct Uploader<'a, B> {
    bucket: &'a B,
    existing: BTreeSet<String>,
    report: Report,
}

impl<B: Bucket> Uploader<'_, B> {
    /// Uploads `body` under `data/v2/{rel}` unless that key exists (content-addressed
    /// and raw files never change, so an existing key holds the same bytes).
    async fn data(&mut self, rel: &str, body: &[u8], meta: &ObjectMeta) -> Result<()> {
        let key = format!("{}/{rel}", v2::ROOT);
        if self.existing.contains(&key) {
            self.report.skipped += 1;
            return Ok(());
        }
        self.bucket.put(&key, body, meta).await?;
        self.existing.insert(key.clone());
        self.report.bytes += body.len();
        self.report.written.push(key);
        Ok(())
    }

    /// Uploads `body` under `data/v2/{rel}` whatever is there (small, mutable files).
    async fn always(&mut self, rel: &str, body: &[u8], meta: &ObjectMeta) -> Result<()> {
        let key = format!("{}/{rel}", v2::ROOT);
        self.bucket.put(&key, body, meta).await?;
        self.report.bytes += body.len();
        self.report.written.push(key);
        Ok(())
    }
}

/// Orders labels geographically (catalog order), unknown names (custom
/// vantage points) last, alphabetically.
fn ordered(labels: BTreeSet<&str>) -> Vec<String> {
    let mut v: Vec<&str> = labels.into_iter().collect();
    v.sort_by_key(|c| (catalog::display_rank(c), c.to_string()));
    v.into_iter().map(str::to_string).collect()
}

/// Builds one window's matrix from its summaries.
pub fn matrix(ws: &WindowSummaries) -> Matrix {
    let sources = ordered(ws.pairs.iter().map(|((s, _), _)| s.as_str()).collect());
    let destinations = ordered(ws.pairs.iter().map(|((_, d), _)| d.as_str()).collect());
    let (rows, cols) = (sources.len(), destinations.len());
    let row_of: BTreeMap<&str, usize> = sources
        .iter()
        .enumerate()
        .map(|(i, s)| (s.as_str(), i))
        .collect();
    let col_of: BTreeMap<&str, usize> = destinations
        .iter()
        .enumerate()
        .map(|(i, s)| (s.as_str(), i))
        .collect();
    let mut stats: BTreeMap<String, Vec<Vec<Option<f64>>>> = Stat::ALL
        .iter()
        .map(|s| (s.id().to_string(), vec![vec![None; cols]; rows]))
        .collect();
    let mut samples = vec![vec![0; cols]; rows];
    let mut lost = vec![vec![0; cols]; rows];
    for ((s, d), sum) in &ws.pairs {
        let (i, j) = (row_of[s.as_str()], col_of[d.as_str()]);
        samples[i][j] = sum.samples;
        lost[i][j] = sum.lost;
        if let Some(l) = &sum.latency {
            for stat in Stat::ALL {
                if let Some(grid) = stats.get_mut(stat.id()) {
                    grid[i][j] = Some(round_ms(l.get(stat)));
                }
            }
        }
    }
    Matrix {
        version: v2::VERSION,
        window: ws.window.clone(),
        start: rfc3339(ws.span.start),
        end: rfc3339(ws.span.end),
        unit: "ms".into(),
        sources,
        destinations,
        stats,
        samples,
        lost,
    }
}

/// One matrix per statistic, each holding that statistic alone: what a view
/// of one statistic fetches before anything else.
pub fn stat_views(m: &Matrix) -> Vec<(String, Matrix)> {
    m.stats
        .iter()
        .map(|(stat, grid)| {
            let view = Matrix {
                version: m.version,
                window: m.window.clone(),
                start: m.start.clone(),
                end: m.end.clone(),
                unit: m.unit.clone(),
                sources: m.sources.clone(),
                destinations: m.destinations.clone(),
                stats: BTreeMap::from([(stat.clone(), grid.clone())]),
                samples: m.samples.clone(),
                lost: m.lost.clone(),
            };
            (stat.clone(), view)
        })
        .collect()
}

/// A series from per-interval summaries keyed by interval start, covering
/// `[start, end)` at `step`; intervals without a summary are gaps (`null`).
pub fn series(
    pair: &Pair,
    res: &Resolution,
    start: i64,
    end: i64,
    points: &BTreeMap<i64, Summary>,
) -> Series {
    let step = res.step_seconds;
    let n = usize::try_from((end - start).max(0) / step).unwrap_or(0);
    let mut s = Series {
        version: v2::VERSION,
        source: pair.0.clone(),
        destination: pair.1.clone(),
        resolution: res.id.clone(),
        step_seconds: step,
        start: rfc3339(start),
        unit: "ms".into(),
        p10: Vec::with_capacity(n),
        p50: Vec::with_capacity(n),
        p90: Vec::with_capacity(n),
        min: Vec::with_capacity(n),
        max: Vec::with_capacity(n),
        samples: Vec::with_capacity(n),
        lost: Vec::with_capacity(n),
    };
    for k in 0..n as i64 {
        let sum = points.get(&(start + k * step));
        let lat = sum.and_then(|s| s.latency);
        let v = |stat: Stat| lat.map(|l| round_ms(l.get(stat)));
        s.p10.push(v(Stat::P10));
        s.p50.push(v(Stat::P50));
        s.p90.push(v(Stat::P90));
        s.min.push(v(Stat::Min));
        s.max.push(v(Stat::Max));
        s.samples.push(sum.map_or(0, |s| s.samples));
        s.lost.push(sum.map_or(0, |s| s.lost));
    }
    s
}

/// Per-interval summaries of one pair at one resolution, from rounds (5 m) or sketches.
async fn points<S>(
    st: &S,
    pair: &Pair,
    res: &Resolution,
    from: i64,
    end: i64,
) -> Result<BTreeMap<i64, Summary>>
where
    S: RoundStore + SketchStore,
{
    let level = match res.step_seconds {
        3600 => Some(Level::Hour),
        DAY => Some(Level::Day),
        _ => None,
    };
    let sketches: BTreeMap<i64, Sketch> = match level {
        Some(level) => st
            .sketches(level, pair, from, end)
            .await?
            .into_iter()
            .collect(),
        None => {
            let mut by_step: BTreeMap<i64, Sketch> = BTreeMap::new();
            for r in st.pair_rounds(&pair.0, &pair.1, from, end).await? {
                by_step
                    .entry(floor_to(r.scheduled_at, res.step_seconds))
                    .or_default()
                    .add_round(&r);
            }
            by_step
        }
    };
    Ok(sketches
        .into_iter()
        .map(|(t, sk)| (t, sk.summary()))
        .collect())
}

/// Gzipped NDJSON of rounds, one per line.
pub fn raw_ndjson_gz(rounds: &[shared::Round]) -> Result<Vec<u8>> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    for r in rounds {
        let line = encode("raw", &RawRound::from(r))?;
        gz.write_all(&line)
            .and_then(|()| gz.write_all(b"\n"))
            .map_err(|e| Error::Compress(e.to_string()))?;
    }
    gz.finish().map_err(|e| Error::Compress(e.to_string()))
}

async fn finish_raw<B: Bucket>(
    up: &mut Uploader<'_, B>,
    raw: &mut Vec<RawDay>,
    entry: RawDay,
    job: tokio::task::JoinHandle<Result<Vec<u8>>>,
    progress: &mut impl FnMut(&str),
) -> Result<()> {
    let body = job.await.map_err(|e| Error::Compress(e.to_string()))??;
    up.data(&entry.path, &body, &meta("application/gzip", IMMUTABLE))
        .await?;
    progress(&format!(
        "raw: {} ({} rounds, {} KB)",
        entry.date,
        entry.rounds,
        body.len() / 1024
    ));
    raw.push(entry);
    Ok(())
}

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

/// Publishes the whole feed: data files, then the manifest.
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
    let previous: Option<Manifest> = bucket
        .get(v2::MANIFEST_PATH)
        .await?
        .and_then(|b| serde_json::from_slice(&b).ok());
    let mut up = Uploader {
        bucket,
        existing: bucket.list(&format!("{}/", v2::ROOT)).await?,
        report: Report::default(),
    };

    for (name, body) in SCHEMAS {
        up.data(
            &format!("schema/{name}.schema.json"),
            body.as_bytes(),
            &meta("application/schema+json", "public, max-age=3600"),
        )
        .await?;
    }

    // Matrices.
    let mut windows = Vec::new();
    let mut codes = BTreeSet::new();
    let mut pairs: BTreeSet<Pair> = BTreeSet::new();
    let mut end = None;
    let mut measured: BTreeSet<Pair> = BTreeSet::new();
    for w in WINDOWS {
        let Some(ws) = st.window(w.id).await? else {
            continue;
        };
        end = Some(ws.span.end);
        pairs.extend(ws.pairs.iter().map(|(p, _)| p.clone()));
        measured = ws.pairs.iter().map(|(p, _)| p.clone()).collect();
        let m = matrix(&ws);
        codes.extend(m.sources.iter().chain(&m.destinations).cloned());
        let json = encode(w.id, &m)?;
        let csv = m.to_csv();
        let rel = addressed(&format!("matrix/{}", w.id), "json", &json);
        let rel_csv = addressed(&format!("matrix/{}", w.id), "csv", csv.as_bytes());
        up.data(&rel, &json, &meta("application/json", IMMUTABLE))
            .await?;
        up.data(
            &rel_csv,
            csv.as_bytes(),
            &meta("text/csv; charset=utf-8", IMMUTABLE),
        )
        .await?;
        let mut views = BTreeMap::new();
        for (stat, view) in stat_views(&m) {
            let json = encode(w.id, &view)?;
            let rel = addressed(&format!("matrix/{}-{stat}", w.id), "json", &json);
            up.data(&rel, &json, &meta("application/json", IMMUTABLE))
                .await?;
            views.insert(stat, rel);
        }
        windows.push(WindowInfo {
            id: w.id.into(),
            label: w.label.into(),
            start: m.start.clone(),
            end: m.end.clone(),
            matrix: rel,
            matrix_csv: rel_csv,
            views,
        });
    }
    let (Some(end), false) = (end, windows.is_empty()) else {
        return Err(Error::NoSummaries);
    };

    progress(&format!("{} matrices (JSON and CSV) ready", windows.len()));

    // Series, pair by pair.
    let mut series_index = None;
    if opts.series {
        let resolutions = resolutions();
        let mut index = SeriesIndex {
            version: v2::VERSION,
            resolutions: resolutions.clone(),
            pairs: BTreeMap::new(),
        };
        for pair in &pairs {
            let mut files = BTreeMap::new();
            for res in &resolutions {
                let from = floor_to(end - res.span_seconds, res.step_seconds);
                let pts = points(st, pair, res, from, end).await?;
                // Start at the first point with data, so young series stay small.
                let Some(&first) = pts.keys().next() else {
                    continue;
                };
                let s = series(pair, res, first, end, &pts);
                let json = encode("series", &s)?;
                let rel = addressed(
                    &format!("series/{}/{}/{}", pair.0, pair.1, res.id),
                    "json",
                    &json,
                );
                up.data(&rel, &json, &meta("application/json", IMMUTABLE))
                    .await?;
                files.insert(res.id.clone(), rel);
            }
            index
                .pairs
                .insert(SeriesIndex::key(&pair.0, &pair.1), files);
            if index.pairs.len().is_multiple_of(200) {
                progress(&format!(
                    "series: {}/{} pairs",
                    index.pairs.len(),
                    pairs.len()
                ));
            }
        }
        let json = encode("series index", &index)?;
        let rel = addressed("series/index", "json", &json);
        up.data(&rel, &json, &meta("application/json", IMMUTABLE))
            .await?;
        series_index = Some(rel);
        progress(&format!(
            "series: {} pairs × {} resolutions ready",
            pairs.len(),
            3
        ));
    }

    // Raw rounds of complete days; a complete day's file is final, so one
    // already published (and listed by the previous manifest) is kept.
    let known: BTreeMap<String, RawDay> = previous
        .map(|m| m.raw.into_iter().map(|d| (d.date.clone(), d)).collect())
        .unwrap_or_default();
    let mut raw = Vec::new();
    if let Some(latest) = data_end {
        // Days before this one are complete: their last scheduled round is
        // in, and late rounds have had `raw_grace` to arrive.
        let last_complete = floor_to(latest + interval - opts.raw_grace, DAY);
        let first = last_complete - opts.raw_days as i64 * DAY;
        let mut day = first.max(floor_to(end - WINDOWS[WINDOWS.len() - 1].seconds, DAY));
        // Compressing a day costs several times reading it, so days are
        // compressed on blocking threads, one per core, while the next are read.
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let mut compressing: std::collections::VecDeque<(
            RawDay,
            tokio::task::JoinHandle<Result<Vec<u8>>>,
        )> = std::collections::VecDeque::new();
        while day < last_complete {
            let date = shared::time::date(day);
            let rel = format!("raw/{date}.ndjson.gz");
            let key = format!("{}/{rel}", v2::ROOT);
            match known.get(&date) {
                Some(d) if up.existing.contains(&key) => {
                    up.report.skipped += 1;
                    raw.push(d.clone());
                }
                _ => {
                    let mut rounds = Vec::new();
                    for (s, t) in &pairs {
                        rounds.extend(st.pair_rounds(s, t, day, day + DAY).await?);
                    }
                    if compressing.len() >= cores
                        && let Some((done, job)) = compressing.pop_front()
                    {
                        finish_raw(&mut up, &mut raw, done, job, &mut progress).await?;
                    }
                    if !rounds.is_empty() {
                        up.existing.remove(&key); // rewrite: the previous manifest did not vouch for it
                        let entry = RawDay {
                            date,
                            path: rel,
                            rounds: rounds.len() as u64,
                        };
                        compressing.push_back((
                            entry,
                            tokio::task::spawn_blocking(move || {
                                rounds.sort_by(|a, b| {
                                    (a.scheduled_at, &a.source, &a.target).cmp(&(
                                        b.scheduled_at,
                                        &b.source,
                                        &b.target,
                                    ))
                                });
                                raw_ndjson_gz(&rounds)
                            }),
                        ));
                    }
                }
            }
            day += DAY;
        }
        while let Some((done, job)) = compressing.pop_front() {
            finish_raw(&mut up, &mut raw, done, job, &mut progress).await?;
        }
        raw.sort_by(|a, b| a.date.cmp(&b.date));
    }

    let mut regions: Vec<RegionInfo> = codes.iter().filter_map(|c| region_info(c)).collect();
    regions.sort_by_key(|r| catalog::display_rank(&r.code));
    // The longest window decides which pairs are measured one way only.
    let mut one_way: Vec<[String; 2]> = measured
        .iter()
        .filter(|(s, d)| !measured.contains(&(d.clone(), s.clone())))
        .map(|(s, d)| [s.clone(), d.clone()])
        .collect();
    one_way.sort_by_key(|[s, d]| {
        (
            catalog::display_rank(s),
            catalog::display_rank(d),
            s.clone(),
            d.clone(),
        )
    });
    let manifest = Manifest {
        version: v2::VERSION,
        generated_at: rfc3339(opts.now),
        interval_seconds: interval as u32,
        simulated,
        data_end: data_end.map(rfc3339),
        regions,
        stats: Stat::ALL.iter().map(|s| s.id().to_string()).collect(),
        precision: Precision::PUBLISHED,
        windows,
        series_index,
        raw,
        one_way,
    };
    let body = serde_json::to_vec_pretty(&manifest).map_err(|source| Error::Encode {
        file: v2::MANIFEST_PATH.into(),
        source,
    })?;
    // Last: only now does any reader see the new files.
    up.always(
        "manifest.json",
        &body,
        &meta("application/json", "public, max-age=60, must-revalidate"),
    )
    .await?;
    Ok(up.report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_the_content_hash() {
        let a = addressed("matrix/1d", "json", b"{}");
        assert!(
            a.starts_with("matrix/1d.")
                && a.ends_with(".json")
                && a.len() == "matrix/1d..json".len() + 16
        );
        assert_eq!(a, addressed("matrix/1d", "json", b"{}"));
        assert_ne!(a, addressed("matrix/1d", "json", b"{ }"));
    }

    #[test]
    fn series_marks_gaps_as_null() {
        let res = &resolutions()[1];
        let mut sk = Sketch::new();
        sk.extend_from_slice(&[70_000, 71_000]);
        let mut dead = Sketch::new();
        dead.add_lost(10);
        let pts = BTreeMap::from([(0, sk.summary()), (7200, dead.summary())]);
        let s = series(&("a".into(), "b".into()), res, 0, 4 * 3600, &pts);
        s.validate().unwrap();
        assert_eq!(s.p50.len(), 4);
        assert!(s.p50[0].is_some());
        assert_eq!(
            (s.p50[1], s.samples[1], s.lost[1]),
            (None, 0, 0),
            "no data: a gap"
        );
        assert_eq!(
            (s.p50[2], s.samples[2], s.lost[2]),
            (None, 0, 10),
            "all lost: loss, no latency"
        );
    }
}
