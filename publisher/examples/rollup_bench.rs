//! Aggregation benchmark: raw connects → per-(pair, hour) sketches → per-day
//! merges → the 1 d, 7 d, 30 d and 365 d window summaries.
//!
//! The data is one month of 5-minute rounds of 10 connects for 35 regions
//! (1 225 pairs, ≈ 106 M samples) from `probe::simulate::Model`: the 34
//! commercial regions plus the first one again under a 35th index (the model
//! seeds its draws by index, so that row is a distinct set of samples). The samples are
//! generated in memory first, untimed; then the aggregation is timed
//! (best of [`RUNS`]) on [`THREADS`] threads, the same thread count DuckDB gets
//! in `scripts/bench-rollup.sh`.
//!
//! Afterwards, untimed: every reported percentile is compared with the exact
//! percentile of the same samples, the hour sketches' JSON sizes are measured,
//! and the samples are written for DuckDB.
//!
//! Usage: `rollup_bench <dir>`. Writes into `<dir>`:
//! - `pair.u16`, `slot.u16`, `rtt.u32`: one little-endian column each, one row
//!   per sample (pair = source × 35 + target; slot = 5-minute round since the
//!   start; rtt in µs);
//! - `rust.csv`: per window and pair, the sketch's and the exact percentiles (µs);
//! - `rust.json`: the figures.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use probe::simulate::Model;
use shared::sketch::Sketch;
use shared::stats::{Stat, Summary, WINDOWS, exact_summary};

/// Days of data.
const DAYS: usize = 30;
/// Seconds between rounds.
const INTERVAL: i64 = 300;
/// Connects per round.
const CONNECTS: u16 = 10;
const ROUNDS_PER_HOUR: usize = 3600 / INTERVAL as usize;
const HOURS_PER_DAY: usize = 24;
const ROUNDS_PER_DAY: usize = ROUNDS_PER_HOUR * HOURS_PER_DAY;
const ROUNDS: usize = DAYS * ROUNDS_PER_DAY;
/// 2026-01-01T00:00:00Z, so hours and days align with the data.
const START: i64 = 1_767_225_600;
/// Worker threads for generation, aggregation and checking: both cores, as DuckDB gets.
const THREADS: usize = 2;
/// Timed repetitions; the best is reported, since the machine is shared.
const RUNS: usize = 3;
const SEED: u64 = 42;

/// One pair's month, in round order, as a round store returns it.
struct PairData {
    /// Every successful connect's RTT, µs, round after round.
    rtts: Vec<u32>,
    /// Per round: how many of `rtts` it holds.
    ok: Vec<u8>,
    /// Per round: failed connects.
    lost: Vec<u8>,
}

impl PairData {
    /// The number of samples before round `slot`.
    fn offset_of(&self, slot: usize) -> usize {
        self.ok[..slot].iter().map(|&n| usize::from(n)).sum()
    }
}

/// What one pair reports: a summary per window, in the order of [`WINDOWS`].
type PairResult = [Summary; 4];

/// The first round of a window that ends with the data.
fn first_slot(window_seconds: i64) -> usize {
    let days = (window_seconds / 86_400) as usize;
    ROUNDS.saturating_sub(days * ROUNDS_PER_DAY)
}

/// Runs `work(pair)` for pairs `0..n` on [`THREADS`] threads, results in pair order.
fn par_map<T: Send>(n: usize, work: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let mut parts: Vec<Vec<(usize, T)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                let work = &work;
                // Every pair costs the same, so striding balances the threads.
                scope.spawn(move || (t..n).step_by(THREADS).map(|p| (p, work(p))).collect())
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a worker thread panicked"))
            .collect()
    });
    let mut all: Vec<(usize, T)> = parts.iter_mut().flat_map(std::mem::take).collect();
    all.sort_unstable_by_key(|(p, _)| *p);
    all.into_iter().map(|(_, t)| t).collect()
}

fn generate(model: &Model) -> Vec<PairData> {
    let n = model.regions().len();
    par_map(n * n, |p| {
        let (i, j) = (p / n, p % n);
        let mut d = PairData {
            rtts: Vec::with_capacity(ROUNDS * usize::from(CONNECTS)),
            ok: Vec::with_capacity(ROUNDS),
            lost: Vec::with_capacity(ROUNDS),
        };
        for slot in 0..ROUNDS {
            let r = model.round(i, j, START + slot as i64 * INTERVAL, CONNECTS);
            d.rtts.extend_from_slice(&r.rtts_us);
            d.ok.push(r.rtts_us.len() as u8);
            d.lost.push(r.lost() as u8);
        }
        d
    })
}

/// The hour sketches of one pair: the first stage of the rollup.
fn hour_sketches(d: &PairData) -> Vec<Sketch> {
    let mut offset = 0;
    (0..DAYS * HOURS_PER_DAY)
        .map(|h| {
            let rounds = h * ROUNDS_PER_HOUR..(h + 1) * ROUNDS_PER_HOUR;
            // An hour's rounds are adjacent in the data, so its samples are one slice.
            let n: usize = d.ok[rounds.clone()].iter().map(|&k| usize::from(k)).sum();
            let lost: u64 = d.lost[rounds].iter().map(|&k| u64::from(k)).sum();
            let mut s = Sketch::new();
            s.extend_from_slice(&d.rtts[offset..offset + n]);
            s.add_lost(lost);
            offset += n;
            s
        })
        .collect()
}

/// The timed work for one pair: hours → days → windows → summaries.
fn rollup_pair(d: &PairData) -> PairResult {
    let hours = hour_sketches(d);
    let days: Vec<Sketch> = hours.chunks(HOURS_PER_DAY).map(Sketch::merge_all).collect();
    WINDOWS.map(|w| {
        let first_day = first_slot(w.seconds) / ROUNDS_PER_DAY;
        Sketch::merge_all(&days[first_day..]).summary()
    })
}

/// Resident-set figures of this process from /proc, KiB.
fn proc_status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Resets the peak-RSS mark to the current RSS (Linux ≥ 4.0); false if refused.
fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// The largest error found, and where.
#[derive(Debug, Default, Clone)]
struct Worst {
    rel: f64,
    at: String,
}

impl Worst {
    fn see(&mut self, rel: f64, at: impl FnOnce() -> String) {
        if rel > self.rel {
            self.rel = rel;
            self.at = at();
        }
    }
    fn max(self, other: Worst) -> Worst {
        if other.rel > self.rel { other } else { self }
    }
}

/// Untimed check of one pair against the exact statistics of its samples:
/// (worst percentile error, CSV rows, worst mean error, JSON sizes of its hours).
fn check_pair(p: usize, d: &PairData, got: &PairResult) -> (Worst, String, f64, Vec<u32>) {
    let mut worst = Worst::default();
    let mut mean_err: f64 = 0.0;
    let mut csv = String::new();
    let mut cached: Option<(usize, Summary)> = None;
    for (w, summary) in WINDOWS.iter().zip(got) {
        let first = first_slot(w.seconds);
        // The 30 d and 365 d windows hold the same month: sort it once.
        let exact = match cached {
            Some((f, s)) if f == first => s,
            _ => {
                let lost = d.lost[first..].iter().map(|&k| u64::from(k)).sum();
                let s = exact_summary(&mut d.rtts[d.offset_of(first)..].to_vec(), lost);
                cached = Some((first, s));
                s
            }
        };
        assert_eq!(summary.samples, exact.samples, "samples of pair {p}");
        assert_eq!(summary.lost, exact.lost, "lost of pair {p}");
        let (Some(g), Some(e)) = (summary.latency, exact.latency) else {
            assert_eq!(summary.latency, exact.latency, "pair {p}");
            continue;
        };
        assert_eq!((g.min, g.max), (e.min, e.max), "min/max are exact");
        mean_err = mean_err.max((g.mean - e.mean).abs() / e.mean);
        csv.push_str(&format!("{},{p}", w.id));
        for (k, (stat, _)) in Stat::PERCENTILES.iter().enumerate() {
            let (gv, ev) = (g.percentiles[k], e.percentiles[k]);
            worst.see((gv - ev).abs() / ev, || {
                format!("{} of pair {p} in {}: {gv} ms vs {ev} ms", stat.id(), w.id)
            });
            csv.push_str(&format!(",{},{}", gv * 1000.0, ev * 1000.0));
        }
        csv.push('\n');
    }
    let sizes = hour_sketches(d)
        .iter()
        .map(|s| serde_json::to_string(s).map_or(0, |j| j.len() as u32))
        .collect();
    (worst, csv, mean_err, sizes)
}

/// Writes the samples as three little-endian columns for DuckDB.
fn write_columns(dir: &Path, data: &[PairData]) -> std::io::Result<()> {
    let open = |name: &str| -> std::io::Result<BufWriter<File>> {
        Ok(BufWriter::with_capacity(
            1 << 20,
            File::create(dir.join(name))?,
        ))
    };
    let (mut pair, mut slot, mut rtt) = (open("pair.u16")?, open("slot.u16")?, open("rtt.u32")?);
    for (p, d) in data.iter().enumerate() {
        let mut offset = 0;
        for (s, &n) in d.ok.iter().enumerate() {
            for &v in &d.rtts[offset..offset + usize::from(n)] {
                pair.write_all(&(p as u16).to_le_bytes())?;
                slot.write_all(&(s as u16).to_le_bytes())?;
                rtt.write_all(&v.to_le_bytes())?;
            }
            offset += usize::from(n);
        }
    }
    pair.flush()?;
    slot.flush()?;
    rtt.flush()
}

fn percentile_of(sorted: &[u32], q: f64) -> u32 {
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

fn main() -> std::io::Result<()> {
    let dir: PathBuf = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .ok_or_else(|| std::io::Error::other("usage: rollup_bench <output dir>"))?;

    let mut regions: Vec<_> = shared::catalog::commercial().collect();
    regions.push(regions[0]);
    let model = Model::new(&regions, SEED);
    let pairs = regions.len() * regions.len();

    let t = Instant::now();
    let data = generate(&model);
    let samples: u64 = data.iter().map(|d| d.rtts.len() as u64).sum();
    let lost: u64 = data
        .iter()
        .flat_map(|d| &d.lost)
        .map(|&k| u64::from(k))
        .sum();
    let sample_mib = samples as f64 * 4.0 / (1 << 20) as f64;
    println!(
        "generated {} regions, {pairs} pairs, {} rounds, {samples} samples ({lost} lost) in {:.1} s, untimed; samples hold {sample_mib:.0} MiB",
        regions.len(),
        pairs * ROUNDS,
        t.elapsed().as_secs_f64()
    );

    let peak_reset = reset_peak_rss();
    let mut times = Vec::with_capacity(RUNS);
    let mut results = Vec::new();
    for _ in 0..RUNS {
        drop(results);
        let t = Instant::now();
        results = par_map(pairs, |p| rollup_pair(&data[p]));
        times.push(t.elapsed().as_secs_f64());
    }
    let agg_peak_mib = proc_status_kib("VmHWM:").map(|k| k as f64 / 1024.0);
    let best = times.iter().copied().fold(f64::INFINITY, f64::min);
    let throughput = samples as f64 / best;
    println!(
        "aggregation on {THREADS} threads: runs {:?} s, best {best:.3} s → {:.1} M samples/s",
        times
            .iter()
            .map(|t| (t * 1000.0).round() / 1000.0)
            .collect::<Vec<_>>(),
        throughput / 1e6
    );

    let t = Instant::now();
    let checked = par_map(pairs, |p| check_pair(p, &data[p], &results[p]));
    let mut worst = Worst::default();
    let mut mean_err: f64 = 0.0;
    let mut csv = String::from("window,pair");
    for (stat, _) in Stat::PERCENTILES {
        csv.push_str(&format!(",{0},exact_{0}", stat.id()));
    }
    csv.push('\n');
    let mut sizes = Vec::with_capacity(pairs * DAYS * HOURS_PER_DAY);
    for (w, rows, m, s) in checked {
        worst = worst.max(w);
        mean_err = mean_err.max(m);
        csv.push_str(&rows);
        sizes.extend(s);
    }
    sizes.sort_unstable();
    let size_mean = sizes.iter().map(|&s| f64::from(s)).sum::<f64>() / sizes.len() as f64;
    println!(
        "checked against exact percentiles in {:.1} s: max relative error {:.5} % ({}); mean off by at most {mean_err:.1e} relative; min, max, samples, lost exact",
        t.elapsed().as_secs_f64(),
        worst.rel * 100.0,
        worst.at
    );
    println!(
        "hour sketch as JSON: mean {size_mean:.1} B, p50 {} B, p99 {} B, max {} B over {} hours",
        percentile_of(&sizes, 0.5),
        percentile_of(&sizes, 0.99),
        sizes[sizes.len() - 1],
        sizes.len()
    );
    let peak_mib = proc_status_kib("VmHWM:").map(|k| k as f64 / 1024.0);
    println!(
        "peak RSS: {} during aggregation (incl. the {sample_mib:.0} MiB of samples), {} overall",
        match (peak_reset, agg_peak_mib) {
            (true, Some(m)) => format!("{m:.0} MiB"),
            _ => "unknown (the kernel refused to reset the mark)".into(),
        },
        peak_mib.map_or("unknown".into(), |m| format!("{m:.0} MiB"))
    );

    let t = Instant::now();
    std::fs::write(dir.join("rust.csv"), csv)?;
    write_columns(&dir, &data)?;
    let figures = serde_json::json!({
        "regions": regions.len(),
        "pairs": pairs,
        "rounds": pairs * ROUNDS,
        "samples": samples,
        "lost": lost,
        "threads": THREADS,
        "runs_s": times,
        "best_s": best,
        "samples_per_s": throughput,
        "peak_rss_mib_aggregation": if peak_reset { agg_peak_mib } else { None },
        "peak_rss_mib_overall": peak_mib,
        "sample_mib": sample_mib,
        "max_rel_err": worst.rel,
        "max_rel_err_at": worst.at,
        "max_mean_rel_err": mean_err,
        "hour_sketch_json_bytes": {
            "mean": size_mean,
            "p50": percentile_of(&sizes, 0.5),
            "p99": percentile_of(&sizes, 0.99),
            "max": sizes[sizes.len() - 1],
        },
        "windows": WINDOWS.map(|w| serde_json::json!({"id": w.id, "first_slot": first_slot(w.seconds)})),
    });
    std::fs::write(dir.join("rust.json"), figures.to_string())?;
    println!(
        "wrote the samples for DuckDB in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    Ok(())
}
