#!/usr/bin/env python3
"""CloudPing's monthly AWS bill, line by line, with the arithmetic shown.

    python3 deploy/cost.py                     # the table in deploy/README.md
    python3 deploy/cost.py --publish-per-hour 1 --aggregate-per-hour 1
    python3 deploy/cost.py --months-of-data 1  # the first month

Every price is a us-east-1 public list price (an assumption: other regions
cost up to ~30 % more for Lambda); free tiers are left out. Sizes come from a
simulated 34-region deployment published locally (`cloudping simulate/rollup/
publish`); durations are estimates to be replaced by the functions' REPORT
lines after a day on AWS (--probe-seconds, --aggregate-seconds, --publish-seconds).
"""

import argparse
import math

PRICES = {
    "lambda_gb_s": 0.0000166667,  # $/GB-s, x86_64
    "lambda_req": 0.20,  # $/million requests
    "ddb_wru": 1.25,  # $/million write request units (on-demand)
    "ddb_rru": 0.25,  # $/million read request units (on-demand)
    "ddb_gb": 0.25,  # $/GB-month table storage
    "ddb_pitr_gb": 0.20,  # $/GB-month point-in-time recovery
    "s3_put": 0.005,  # $/1,000 PUT, LIST
    "s3_gb": 0.023,  # $/GB-month S3 Standard
    "cf_req": 0.01,  # $/10,000 HTTPS requests (North America, Europe)
    "cf_gb": 0.085,  # $/GB out to the internet (first 10 TB)
    "cw_metric": 0.30,  # $/custom metric-month
    "cw_alarm": 0.10,  # $/standard alarm-month
    "cw_log_gb": 0.50,  # $/GB logs ingested
    "xfer_gb": 0.02,  # $/GB between regions
}

# Sizes (bytes) measured on a locally published 34-region feed (30 days of data).
ROUND_ITEM = 125  # a round item as DynamoDB sizes it (names + values)
SKETCH_HOUR_ITEM = 130
SKETCH_DAY_ITEM = 200
SUMMARY_ITEM = 260
ITEM_OVERHEAD = 100  # DynamoDB's per-item storage overhead
SERIES_5M = 17_500  # 2 days at 5 minutes
SERIES_1H_PER_POINT = 31.4  # 22.6 KB for 720 hourly points
SERIES_1D_PER_POINT = 38.4  # 1.19 KB for 31 daily points
RAW_DAY_GZ = 3_950_000  # one day of every round, gzipped NDJSON
PAGE_VIEW_BYTES = 120_000  # index, JS, wasm, CSS, manifest, one matrix, compressed
PAGE_VIEW_REQUESTS = 6


def fmt(x: float) -> str:
    """A number for people: thousands separated, at most 2 decimals, no trailing zeros."""
    if x == int(x):
        return f"{int(x):,}"
    return f"{x:,.2f}".rstrip("0").rstrip(".")


def money(x: float) -> str:
    return f"${x:,.2f}"


def price(x: float) -> str:
    """A unit price as printed by AWS: $0.20, $1.25, $0.0000166667."""
    digits = f"{x:.10f}".rstrip("0")
    whole, frac = digits.split(".")
    return f"${whole}.{frac.ljust(2, '0')}"


def rru(nbytes: float) -> float:
    """Read request units of an eventually consistent Query/Scan returning nbytes."""
    return math.ceil(nbytes / 4096) * 0.5


def model(a: argparse.Namespace) -> list[tuple[str, str, float]]:
    p = PRICES
    n = a.regions
    pairs = n * n
    rounds_per_pair = 30 * 86_400 // 300  # 8,640 five-minute rounds in 30 days
    invocations = n * rounds_per_pair
    agg_runs = 30 * 24 * a.aggregate_per_hour
    pub_runs = 30 * 24 * a.publish_per_hour
    days = min(30 * a.months_of_data, 365)
    hours = days * 24
    lines = []

    # Lambda ---------------------------------------------------------------
    gbs = invocations * a.probe_seconds * 0.25
    lines.append((
        "Lambda: probe (256 MB)",
        f"{n} regions × {fmt(rounds_per_pair)} rounds = {fmt(invocations)} invocations; "
        f"× {fmt(a.probe_seconds)} s × 0.25 GB = {fmt(gbs)} GB-s × {price(p['lambda_gb_s'])} "
        f"+ {fmt(invocations / 1e6)} M × {price(p['lambda_req'])}",
        gbs * p["lambda_gb_s"] + invocations / 1e6 * p["lambda_req"],
    ))
    gbs = agg_runs * a.aggregate_seconds * 0.5
    lines.append((
        "Lambda: aggregate (512 MB)",
        f"{fmt(agg_runs)} runs × {fmt(a.aggregate_seconds)} s × 0.5 GB = {fmt(gbs)} GB-s × {price(p['lambda_gb_s'])} "
        f"+ {fmt(agg_runs)} requests",
        gbs * p["lambda_gb_s"] + agg_runs / 1e6 * p["lambda_req"],
    ))
    gbs = pub_runs * a.publish_seconds * 1.0
    lines.append((
        "Lambda: publish (1,024 MB)",
        f"{fmt(pub_runs)} runs × {fmt(a.publish_seconds)} s × 1 GB = {fmt(gbs)} GB-s × {price(p['lambda_gb_s'])} "
        f"+ {fmt(pub_runs)} requests",
        gbs * p["lambda_gb_s"] + pub_runs / 1e6 * p["lambda_req"],
    ))

    # DynamoDB writes --------------------------------------------------------
    rounds = pairs * rounds_per_pair
    lines.append((
        "DynamoDB: round writes",
        f"{n} × {n} × {fmt(rounds_per_pair)} = {fmt(rounds)} PutItem × 1 WRU (≤ 1 KB) × {price(p['ddb_wru'])}/M",
        rounds / 1e6 * p["ddb_wru"],
    ))
    # Each rollup rewrites ~3 hour sketches (2 h grace + the current hour) and
    # 1 day sketch per pair, then 4 windows × every pair's summary.
    wru_run = pairs * (3 + 1) + 4 * pairs + 4 + 1
    lines.append((
        "DynamoDB: rollup writes",
        f"{fmt(agg_runs)} runs × ({fmt(pairs)} pairs × (3 hour + 1 day sketches) + 4 windows × {fmt(pairs)} "
        f"+ 5) = {fmt(agg_runs)} × {fmt(wru_run)} = {fmt(agg_runs * wru_run / 1e6)} M WRU × {price(p['ddb_wru'])}/M",
        agg_runs * wru_run / 1e6 * p["ddb_wru"],
    ))

    # DynamoDB reads (eventually consistent: 0.5 RRU per 4 KB read) -------------
    scan = invocations * rru(n * 30)
    windows = (rru(24 * SKETCH_HOUR_ITEM) * 2  # 1d: hour edges
               + rru(24 * SKETCH_HOUR_ITEM) * 2 + rru(7 * SKETCH_DAY_ITEM)
               + rru(24 * SKETCH_HOUR_ITEM) * 2 + rru(min(days, 30) * SKETCH_DAY_ITEM)
               + rru(24 * SKETCH_HOUR_ITEM) * 2 + rru(days * SKETCH_DAY_ITEM))
    per_pair = 0.5 + rru(36 * ROUND_ITEM) + rru(24 * SKETCH_HOUR_ITEM) + windows
    rru_run = pairs * per_pair + 4 * rru(pairs * SUMMARY_ITEM) + 1
    lines.append((
        "DynamoDB: probe + rollup reads",
        f"probes {fmt(invocations)} Scans × {fmt(rru(n * 30))} RRU = {fmt(scan)}; rollup {fmt(agg_runs)} runs × "
        f"({fmt(pairs)} pairs × {fmt(per_pair)} RRU + {fmt(4 * rru(pairs * SUMMARY_ITEM) + 1)}) = "
        f"{fmt(agg_runs * rru_run / 1e6)} M; × {price(p['ddb_rru'])}/M",
        (scan + agg_runs * rru_run) / 1e6 * p["ddb_rru"],
    ))
    series_rru = (rru(576 * ROUND_ITEM) + rru(hours * SKETCH_HOUR_ITEM) + rru(days * SKETCH_DAY_ITEM))
    pub_rru = pairs * series_rru + 4 * rru(pairs * SUMMARY_ITEM) + 3
    raw_rru = 30 * rru(pairs * 288 * ROUND_ITEM)
    lines.append((
        "DynamoDB: publish reads",
        f"{fmt(pub_runs)} runs × ({fmt(pairs)} pairs × (5m {fmt(rru(576 * ROUND_ITEM))} + 1h "
        f"{fmt(rru(hours * SKETCH_HOUR_ITEM))} ({fmt(hours)} hour sketches) + 1d {fmt(rru(days * SKETCH_DAY_ITEM))}) "
        f"+ {fmt(4 * rru(pairs * SUMMARY_ITEM) + 3)}) + raw days {fmt(raw_rru)} = "
        f"{fmt((pub_runs * pub_rru + raw_rru) / 1e6)} M RRU × {price(p['ddb_rru'])}/M",
        (pub_runs * pub_rru + raw_rru) / 1e6 * p["ddb_rru"],
    ))
    months = a.months_of_data
    round_gb = rounds * months * (ROUND_ITEM + ITEM_OVERHEAD) / 1e9
    sketch_gb = pairs * (hours * (SKETCH_HOUR_ITEM + ITEM_OVERHEAD)
                         + days * (SKETCH_DAY_ITEM + ITEM_OVERHEAD)) / 1e9
    ddb_gb = round_gb + sketch_gb
    lines.append((
        "DynamoDB: storage + PITR",
        f"rounds {fmt(months)} month(s) × {fmt(rounds)} × {ROUND_ITEM + ITEM_OVERHEAD} B = {fmt(round_gb)} GB "
        f"+ sketches {fmt(sketch_gb)} GB = {fmt(ddb_gb)} GB × ({price(p['ddb_gb'])} + {price(p['ddb_pitr_gb'])} PITR)",
        ddb_gb * (p["ddb_gb"] + p["ddb_pitr_gb"]),
    ))

    # S3 --------------------------------------------------------------------
    puts_run = 3 * pairs + 8 + 1 + 1  # every series changes each publish, 8 matrices, index, manifest
    series_bytes = pairs * (SERIES_5M + hours * SERIES_1H_PER_POINT + days * SERIES_1D_PER_POINT)
    # Superseded series/matrices live DataFileExpiryDays (2) + 1 noncurrent day.
    objects_listed = puts_run * pub_runs / 30 * 2 + days
    lists_run = math.ceil(objects_listed / 1000)
    s3_req = pub_runs * (puts_run + lists_run) + 30 + 20  # + raw days + site upload
    lines.append((
        "S3: PUT + LIST",
        f"{fmt(pub_runs)} publishes × ({fmt(puts_run)} PUT (3 series × {fmt(pairs)} pairs + 10) + "
        f"{fmt(lists_run)} LIST (~{fmt(round(objects_listed))} keys under data/v2/)) = "
        f"{fmt(s3_req / 1e6)} M × {price(p['s3_put'])}/1,000",
        s3_req / 1000 * p["s3_put"],
    ))
    kept_gb = series_bytes * pub_runs / 30 * 3 / 1e9
    raw_gb = days * RAW_DAY_GZ / 1e9
    lines.append((
        "S3: storage",
        f"series {fmt(series_bytes / 1e6)} MB per publish × {fmt(pub_runs / 30)}/day × 3 days kept "
        f"= {fmt(kept_gb)} GB + raw {fmt(raw_gb)} GB × {price(p['s3_gb'])}",
        (kept_gb + raw_gb) * p["s3_gb"],
    ))

    # CloudFront ------------------------------------------------------------
    views = a.page_views
    cf_reqs = views * PAGE_VIEW_REQUESTS
    cf_gb = views * PAGE_VIEW_BYTES / 1e9
    lines.append((
        "CloudFront",
        f"{fmt(views)} page views × {PAGE_VIEW_REQUESTS} requests = {fmt(cf_reqs)} × {price(p['cf_req'])}/10,000 "
        f"+ {fmt(cf_gb)} GB × {price(p['cf_gb'])}",
        cf_reqs / 10_000 * p["cf_req"] + cf_gb * p["cf_gb"],
    ))

    # CloudWatch, transfer ----------------------------------------------------
    metrics = n + 2
    log_gb = invocations * 500 / 1e9 + 0.05
    lines.append((
        "CloudWatch",
        f"{metrics} metrics (a RoundsStored per region + 2) × {price(p['cw_metric'])} + {metrics} alarms × "
        f"{price(p['cw_alarm'])} + {fmt(log_gb)} GB logs × {price(p['cw_log_gb'])}",
        metrics * p["cw_metric"] + metrics * p["cw_alarm"] + log_gb * p["cw_log_gb"],
    ))
    xfer_gb = (n - 1) * rounds_per_pair * n * 1000 / 1e9
    lines.append((
        "Inter-region transfer",
        f"{n - 1} remote probes × {fmt(rounds_per_pair)} × {n} PutItem × ~1 KB = {fmt(xfer_gb)} GB × {price(p['xfer_gb'])}",
        xfer_gb * p["xfer_gb"],
    ))
    return lines


def table(a: argparse.Namespace) -> str:
    lines = model(a)
    out = ["| line | arithmetic | $/month |", "|---|---|---:|"]
    for name, how, cost in lines:
        out.append(f"| {name} | {how} | {money(cost)} |")
    out.append(f"| **total** | | **{money(sum(c for _, _, c in lines))}** |")
    return "\n".join(out)


SCENARIOS = [
    ("defaults (aggregate and publish every 15 min), month 12", ["--months-of-data", "12"]),
    ("defaults, month 1", ["--months-of-data", "1", "--publish-seconds", "150"]),
    ("aggregate and publish hourly, month 12",
     ["--aggregate-per-hour", "1", "--publish-per-hour", "1", "--months-of-data", "12"]),
    ("aggregate and publish hourly, month 1",
     ["--aggregate-per-hour", "1", "--publish-per-hour", "1", "--months-of-data", "1", "--publish-seconds", "150"]),
]


def scenarios() -> str:
    out = ["| schedule, age of the data | $/month |", "|---|---:|"]
    for name, args in SCENARIOS:
        total = sum(c for _, _, c in model(parser().parse_args(args)))
        out.append(f"| {name} | {money(total)} |")
    return "\n".join(out)


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--regions", type=int, default=34)
    ap.add_argument("--aggregate-per-hour", type=int, default=4)
    ap.add_argument("--publish-per-hour", type=int, default=4)
    ap.add_argument("--months-of-data", type=int, default=12)
    ap.add_argument("--page-views", type=int, default=10_000)
    ap.add_argument("--probe-seconds", type=float, default=2.0)
    ap.add_argument("--aggregate-seconds", type=float, default=130.0)
    ap.add_argument("--publish-seconds", type=float, default=600.0)
    ap.add_argument("--scenarios", action="store_true", help="print the totals of the standard scenarios")
    return ap


if __name__ == "__main__":
    args = parser().parse_args()
    print(scenarios() if args.scenarios else table(args))
