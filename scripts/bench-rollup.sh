#!/usr/bin/env bash
# Aggregation benchmark: the sketch rollup (publisher/examples/rollup_bench.rs)
# against DuckDB's exact quantile_cont on the same ~106 M samples, both on
# 2 threads. Prints both throughputs side by side and their ratio.
#
# Throughput on both sides = distinct samples / time to compute every window
# (1d, 7d, 30d, 365d) for every pair; best of 3 runs each. Generating the
# samples and loading them into DuckDB are not timed. The samples (~850 MB)
# live in a temporary folder that is deleted on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

venv="$CLOUDPING_CACHE/venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -c 'import duckdb, numpy, pyarrow' 2>/dev/null ||
    "$venv/bin/pip" install --quiet duckdb numpy pyarrow

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cargo build --release --locked -p publisher --example rollup_bench
echo "== Rust: samples → hour sketches → day sketches → windows"
"$CARGO_TARGET_DIR/release/examples/rollup_bench" "$work"

echo "== DuckDB: quantile_cont per pair and window over the same samples"
"$venv/bin/python" - "$work" <<'PY'
import csv, json, os, resource, sys, time

import duckdb
import numpy as np
import pyarrow as pa

work = sys.argv[1]
rust = json.load(open(f"{work}/rust.json"))
qs = [0.1, 0.25, 0.5, 0.75, 0.9, 0.98, 0.99]
stats = ["p10", "p25", "p50", "p75", "p90", "p98", "p99"]
runs = 3

con = duckdb.connect()
con.execute("SET threads = 2")
loaded = pa.table({
    "pair": np.fromfile(f"{work}/pair.u16", dtype="<u2"),
    "slot": np.fromfile(f"{work}/slot.u16", dtype="<u2"),
    "rtt": np.fromfile(f"{work}/rtt.u32", dtype="<u4"),
})
con.execute("CREATE TABLE samples AS SELECT * FROM loaded")
del loaded
n = con.execute("SELECT count(*) FROM samples").fetchone()[0]
assert n == rust["samples"], f"DuckDB holds {n} samples, Rust made {rust['samples']}"

query = f"SELECT pair, quantile_cont(rtt, {qs}) FROM samples WHERE slot >= ? GROUP BY pair"
times = []
for _ in range(runs):
    t = time.perf_counter()
    results = {w["id"]: con.execute(query, [w["first_slot"]]).fetchall() for w in rust["windows"]}
    times.append(time.perf_counter() - t)
best = min(times)
duck_peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

# The sketch against DuckDB, and the Rust exact percentiles against DuckDB
# (stats::quantile_sorted claims DuckDB's definition).
sketch_err, exact_err = 0.0, 0.0
rows = {(r["window"], int(r["pair"])): r for r in csv.DictReader(open(f"{work}/rust.csv"))}
for window, result in results.items():
    for pair, duck in result:
        r = rows[(window, pair)]
        for stat, d in zip(stats, duck):
            sketch_err = max(sketch_err, abs(float(r[stat]) - d) / d)
            exact_err = max(exact_err, abs(float(r[f"exact_{stat}"]) - d) / d)
assert sum(len(r) for r in results.values()) == len(rows), "pair counts differ"

rust_tp, duck_tp = rust["samples_per_s"], n / best
rust_peak = rust["peak_rss_mib_overall"]
print(f"DuckDB {duckdb.__version__}: runs {[round(t, 3) for t in times]} s, best {best:.3f} s")
print()
print(f"{'':34}{'Rust sketch':>16}{'DuckDB':>16}")
print(f"{'threads':34}{rust['threads']:>16}{2:>16}")
print(f"{'samples':34}{rust['samples']:>16,}{n:>16,}")
print(f"{'best time, all 4 windows (s)':34}{rust['best_s']:>16.3f}{best:>16.3f}")
print(f"{'throughput (M samples/s)':34}{rust_tp / 1e6:>16.1f}{duck_tp / 1e6:>16.1f}")
print(f"{'peak RSS, whole process (MiB)':34}{(f'{rust_peak:.0f}' if rust_peak else '?'):>16}{duck_peak_mib:>16.0f}")
print(f"{'max rel. error of a percentile':34}{rust['max_rel_err'] * 100:>15.3f}%{0:>15.3f}%")
print()
print("(DuckDB's peak includes reading the columns through numpy and pyarrow)")
print(f"ratio: the sketch rollup is {rust_tp / duck_tp:.1f}x DuckDB's throughput")
print(f"sketch vs DuckDB: max relative error {sketch_err * 100:.3f} % (bound 0.09 % in the sketch, 0.1 % or 10 µs published)")
print(f"exact quantile_sorted vs DuckDB: max relative error {exact_err:.1e}")
print(f"load average after the runs (shared machine): {os.getloadavg()[0]:.2f}")
print(f"hour sketch JSON: mean {rust['hour_sketch_json_bytes']['mean']:.0f} B, "
      f"p99 {rust['hour_sketch_json_bytes']['p99']} B")
PY
