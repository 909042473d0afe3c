//! Benchmark of the probe on an emulated WAN (see `tests/wan/line.rs`);
//! `scripts/bench-probe.sh` builds it in release and runs it as root.
//!
//! It prints, for each one-way delay, the probe's median RTT against curl's
//! median on the same line (measured in alternation, `--blocks` times a
//! probe round of `--block-connects` and as many curl runs), and the wall time of one round over many
//! targets (35 listening ports behind one line) with K connects each.
//!
//! ```text
//! bench_round [--delays 5,25,100] [--blocks 5] [--block-connects 5] [--targets 35]
//!             [--target-delay 100] [--connects 10] [--spacing-ms 100] [--repeat 3]
//! ```

use std::time::Instant;

use probe::measure::{self, Config, Target};

// The line guard is shared with the WAN tests; the benchmark does not use
// every helper the tests do.
#[allow(dead_code)]
#[path = "../tests/wan/line.rs"]
mod line;

use line::{Line, Spec, median};

struct Opts {
    delays: Vec<f64>,
    blocks: usize,
    block_connects: u16,
    targets: u16,
    target_delay: f64,
    connects: u16,
    spacing_ms: u64,
    repeat: usize,
}

fn parse() -> Result<Opts, String> {
    let mut o = Opts {
        delays: vec![5.0, 25.0, 100.0],
        blocks: 5,
        block_connects: 5,
        targets: 35,
        target_delay: 100.0,
        connects: 10,
        spacing_ms: 100,
        repeat: 3,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        let [flag, value] = pair else {
            return Err(format!("{} needs a value", pair[0]));
        };
        let bad = |e: &dyn std::fmt::Display| format!("{flag} {value}: {e}");
        match flag.as_str() {
            "--delays" => {
                o.delays = value
                    .split(',')
                    .map(|d| d.trim().parse().map_err(|e| bad(&e)))
                    .collect::<Result<_, _>>()?
            }
            "--blocks" => o.blocks = value.parse().map_err(|e| bad(&e))?,
            "--block-connects" => o.block_connects = value.parse().map_err(|e| bad(&e))?,
            "--targets" => o.targets = value.parse().map_err(|e| bad(&e))?,
            "--target-delay" => o.target_delay = value.parse().map_err(|e| bad(&e))?,
            "--connects" => o.connects = value.parse().map_err(|e| bad(&e))?,
            "--spacing-ms" => o.spacing_ms = value.parse().map_err(|e| bad(&e))?,
            "--repeat" => o.repeat = value.parse().map_err(|e| bad(&e))?,
            _ => return Err(format!("unknown option {flag}")),
        }
    }
    Ok(o)
}

fn main() {
    let o = match parse() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let cfg = Config {
        connects: o.connects,
        spacing: std::time::Duration::from_millis(o.spacing_ms),
        ..Config::default()
    };

    println!(
        "accuracy: probe median vs curl median, same line, {} alternations of a {}-connect probe round and {} curl runs",
        o.blocks, o.block_connects, o.block_connects
    );
    println!(
        "{:>10} {:>12} {:>12} {:>10}",
        "one-way", "probe p50", "curl p50", "error"
    );
    let block_cfg = Config {
        connects: o.block_connects,
        ..cfg.clone()
    };
    for &delay in &o.delays {
        let line = Line::up(&Spec::delay(delay));
        let c = line::probe_vs_curl(&line, line.port(), &block_cfg, o.blocks);
        println!(
            "{:>7} ms {:>9.3} ms {:>9.3} ms {:>+7.3} ms",
            delay,
            median(&c.probe_ms),
            median(&c.curl_ms),
            c.error_ms()
        );
    }

    let ports: Vec<u16> = (0..o.targets).map(|i| 8000 + i).collect();
    let line = Line::up(&Spec {
        ports: ports.clone(),
        ..Spec::delay(o.target_delay)
    });
    let targets: Vec<Target> = ports
        .iter()
        .map(|&port| Target {
            code: format!("port-{port}"),
            host: line.server.to_string(),
            port,
        })
        .collect();
    println!(
        "\nthroughput: one round over {} targets, K = {}, spacing {} ms, {} ms one-way",
        o.targets, o.connects, o.spacing_ms, o.target_delay
    );
    for i in 0..o.repeat {
        let started = Instant::now();
        let rounds = rt.block_on(measure::run("bench", &targets, 0, &cfg));
        let took = started.elapsed();
        let lost: u32 = rounds.iter().map(shared::Round::lost).sum();
        let medians: Vec<f64> = rounds
            .iter()
            .filter(|r| !r.rtts_us.is_empty())
            .map(round_median_ms)
            .collect();
        println!(
            "run {}: {:.3} s wall, {} connects lost, target medians {:.3}–{:.3} ms (one target after another: ~{:.0} s)",
            i + 1,
            took.as_secs_f64(),
            lost,
            medians.iter().copied().fold(f64::INFINITY, f64::min),
            medians.iter().copied().fold(0.0, f64::max),
            f64::from(o.targets)
                * (f64::from(o.connects.saturating_sub(1)) * o.spacing_ms as f64
                    + 2.0 * o.target_delay)
                / 1000.0
        );
    }
}

/// The median RTT of a round, ms.
fn round_median_ms(r: &shared::Round) -> f64 {
    let ms: Vec<f64> = r.rtts_us.iter().map(|&us| f64::from(us) / 1000.0).collect();
    median(&ms)
}
