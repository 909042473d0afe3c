#!/usr/bin/env python3
"""CloudPing's monthly AWS bill, line by line, from measured cycles.

    python3 deploy/cost.py                       # the table in deploy/README.md
    python3 deploy/cost.py --age 1               # the same at another measured age
    python3 deploy/cost.py --measured FILE       # figures from bash scripts/bench-cycle.sh --out FILE

The per-cycle figures (DynamoDB read and write units, S3 requests and bytes,
the aggregate and publish times) are what `scripts/bench-cycle.sh` counted
on the wire between the real handlers and moto's server, for 34 regions
probing each other every 5 minutes (K = 10) and aggregate + publish every 15
minutes: 96 cycles a day, of which one closes the day and one, two hours
later, writes the day's raw file. `deploy/cycle-measured.json` holds the run
behind the README. Figures measured on fewer regions are scaled to 34:
requests by the ratio of sources, units, bytes and times by its square.

Prices: current us-east-1 list prices, free tiers left out. DynamoDB
on-demand costs $0.625 per million write and $0.125 per million read request
units (since November 2024). Function times are estimated from the requests
counted, at typical in-region latencies (10 ms a DynamoDB request, 40 ms an
S3 one, one after another) plus a second of compute; moto's own times are
longer (it answers a request in 20-100 ms) and are printed beside them.
"""

import argparse
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
MEASURED = HERE / "cycle-measured.json"
REGIONS = 34
CYCLES_PER_DAY = 96
DAYS = 30

PRICES = {
    "lambda_gb_s": 0.0000166667,  # $/GB-s, x86_64
    "lambda_req": 0.20,  # $/million requests
    "ddb_wru": 0.625,  # $/million write request units (on-demand)
    "ddb_rru": 0.125,  # $/million read request units (on-demand)
    "ddb_gb": 0.25,  # $/GB-month table storage
    "ddb_pitr_gb": 0.20,  # $/GB-month point-in-time recovery
    "s3_put": 0.005,  # $/1,000 PUT, COPY, POST, LIST
    "s3_get": 0.0004,  # $/1,000 GET
    "s3_gb": 0.023,  # $/GB-month S3 Standard
    "cf_req": 0.01,  # $/10,000 HTTPS requests (North America, Europe)
    "cf_gb": 0.085,  # $/GB out to the internet (first 10 TB)
    "cw_metric": 0.30,  # $/custom metric-month
    "cw_alarm": 0.10,  # $/standard alarm-month
    "cw_log_gb": 0.50,  # $/GB logs ingested
    "xfer_gb": 0.02,  # $/GB between regions
}

# Assumptions that no cycle measures.
PROBE_SECONDS = 1.5  # one round over 35 targets (BENCHMARKS.md: 1.2 s at 100 ms one way)
PAGE_VIEWS = 10_000
PAGE_VIEW_BYTES = 120_000
PAGE_VIEW_REQUESTS = 8
LOG_BYTES_PER_INVOCATION = 600
TTL_DAYS = 400  # round groups and hour sketch groups expire (DynamoDB TTL)
# Stored sizes, bytes, as DynamoDB sizes them, per item (at 34 regions).
ROUND_GROUP = 1_100
HOUR_GROUP = 4_000
DAY_GROUP = 9_000
ITEM_OVERHEAD = 100


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


# What one request takes from a Lambda in the same region (typical
# figures, not moto's): the functions make them one after another, so the
# time is their sum, plus the Rust work (sketch merges, JSON, deflate).
DYNAMODB_REQUEST_S = 0.010
S3_REQUEST_S = 0.040
COMPUTE_S = 1.0


def run_seconds(figures: dict, stage: str) -> float:
    """The estimated time of `figures`' runs of `stage` (any number of runs)."""
    return (figures.get(f"{stage}_dynamodb_requests", 0) * DYNAMODB_REQUEST_S
            + figures.get(f"{stage}_s3_requests", 0) * S3_REQUEST_S)


def lambda_seconds(measured: dict, age: str, kind: str, stage: str) -> float:
    """One run's estimated time at 34 regions."""
    k = measured[age]
    f = k.get(kind, k["steady"])
    s = REGIONS / k["regions"]
    return run_seconds({key: v * s for key, v in f.items()}, stage) + COMPUTE_S


def day_mix(kinds: dict, regions: int) -> dict:
    """One day of cycles at 34 regions: the figures summed over 96 cycles."""
    s = REGIONS / regions
    scale = {k: s for k in ("s3_put", "s3_get", "s3_list", "dynamodb_requests", "probe_puts",
                             "aggregate_dynamodb_requests", "publish_dynamodb_requests",
                             "aggregate_s3_requests", "publish_s3_requests", "probe_dynamodb_requests",
                             "probe_s3_requests")}
    steady = kinds["steady"]
    close = kinds.get("day-close", steady)
    raw = kinds.get("raw-day", steady)
    out = {}
    for k in set(steady) | set(close) | set(raw):
        per = [steady.get(k, 0), close.get(k, 0), raw.get(k, 0)]
        total = per[0] * (CYCLES_PER_DAY - 2) + per[1] + per[2]
        out[k] = total * scale.get(k, s * s)
    return out


def model(measured: dict, age: str) -> list[tuple[str, str, float]]:
    p = PRICES
    kinds = measured[age]
    r = kinds["regions"]
    d = day_mix(kinds, r)
    n = REGIONS
    runs = DAYS * CYCLES_PER_DAY
    invocations = n * DAYS * 288
    months = int(age)
    lines = []
    note = "" if r == n else f" (measured on {r} regions, scaled)"

    gbs = invocations * PROBE_SECONDS * 0.25
    lines.append((
        "Lambda: probe (256 MB)",
        f"{n} regions × {fmt(DAYS * 288)} rounds = {fmt(invocations)} invocations × {PROBE_SECONDS} s × 0.25 GB "
        f"= {fmt(gbs)} GB-s × {price(p['lambda_gb_s'])} + requests",
        gbs * p["lambda_gb_s"] + invocations / 1e6 * p["lambda_req"],
    ))
    for name, gb in (("aggregate", 0.5), ("publish", 1.0)):
        sec = run_seconds(d, name) / CYCLES_PER_DAY
        gbs = runs * sec * gb
        lines.append((
            f"Lambda: {name} ({int(gb * 1024)} MB)",
            f"{fmt(runs)} runs × {fmt(sec)} s (estimated from the requests counted{note}) × {gb:g} GB "
            f"= {fmt(gbs)} GB-s × {price(p['lambda_gb_s'])} + requests",
            gbs * p["lambda_gb_s"] + runs / 1e6 * p["lambda_req"],
        ))
    wru = d["dynamodb_write_units"] * DAYS
    lines.append((
        "DynamoDB: writes (probe, rollup)",
        f"{fmt(d['dynamodb_write_units'])} WRU a day counted{note} × {DAYS} = {fmt(wru / 1e6)} M × {price(p['ddb_wru'])}/M",
        wru / 1e6 * p["ddb_wru"],
    ))
    probe_scan = invocations * 0.5
    rru = d["dynamodb_read_units"] * DAYS + probe_scan
    lines.append((
        "DynamoDB: reads (rollup, publish, probes' region list)",
        f"{fmt(d['dynamodb_read_units'])} RRU a day counted{note} × {DAYS} + {fmt(invocations)} probe Scans × 0.5 "
        f"= {fmt(rru / 1e6)} M × {price(p['ddb_rru'])}/M",
        rru / 1e6 * p["ddb_rru"],
    ))
    kept = min(months * 30, TTL_DAYS)
    gb = (n * 288 * kept * (ROUND_GROUP + ITEM_OVERHEAD) + n * 24 * kept * (HOUR_GROUP + ITEM_OVERHEAD)
          + n * months * 30 * (DAY_GROUP + ITEM_OVERHEAD) * 1.04) / 1e9
    lines.append((
        "DynamoDB: storage + PITR",
        f"{fmt(kept)} days of round and hour groups (TTL {TTL_DAYS} days) + {fmt(months * 30)} days of day and "
        f"month groups = {fmt(gb)} GB × ({price(p['ddb_gb'])} + {price(p['ddb_pitr_gb'])})",
        gb * (p["ddb_gb"] + p["ddb_pitr_gb"]),
    ))
    puts = (d["s3_put"] + d["s3_list"]) * DAYS
    gets = d["s3_get"] * DAYS
    lines.append((
        "S3: requests",
        f"{fmt(d['s3_put'])} PUT + {fmt(d['s3_list'])} LIST a day counted × {DAYS} = {fmt(puts)} × "
        f"{price(p['s3_put'])}/1,000 + {fmt(gets)} GET × {price(p['s3_get'])}/1,000",
        puts / 1000 * p["s3_put"] + gets / 1000 * p["s3_get"],
    ))
    raw = kinds.get("raw-day", kinds["steady"])
    kept_gb = (d["bytes_uploaded"] * 3 + raw["bytes_uploaded"] * (n / r) ** 2 * months * 30) / 1e9
    lines.append((
        "S3: storage",
        f"superseded files kept 3 days ({fmt(d['bytes_uploaded'] / 1e6)} MB a day) + the closed files of "
        f"{fmt(months * 30)} days = {fmt(kept_gb)} GB × {price(p['s3_gb'])}",
        kept_gb * p["s3_gb"],
    ))
    cf_reqs = PAGE_VIEWS * PAGE_VIEW_REQUESTS
    cf_gb = PAGE_VIEWS * PAGE_VIEW_BYTES / 1e9
    lines.append((
        "CloudFront",
        f"{fmt(PAGE_VIEWS)} page views × {PAGE_VIEW_REQUESTS} requests × {price(p['cf_req'])}/10,000 "
        f"+ {fmt(cf_gb)} GB × {price(p['cf_gb'])}",
        cf_reqs / 10_000 * p["cf_req"] + cf_gb * p["cf_gb"],
    ))
    log_gb = (invocations + 2 * runs) * LOG_BYTES_PER_INVOCATION / 1e9
    lines.append((
        "CloudWatch",
        f"1 metric (SilentRegions) + 3 alarms (silent regions, aggregate and publish errors) + "
        f"{fmt(log_gb)} GB logs × {price(p['cw_log_gb'])}",
        p["cw_metric"] + 3 * p["cw_alarm"] + log_gb * p["cw_log_gb"],
    ))
    xfer_gb = (n - 1) * DAYS * 288 * ROUND_GROUP / 1e9
    lines.append((
        "Inter-region transfer",
        f"{n - 1} remote probes × {fmt(DAYS * 288)} round groups × ~{fmt(ROUND_GROUP)} B = {fmt(xfer_gb)} GB × {price(p['xfer_gb'])}",
        xfer_gb * p["xfer_gb"],
    ))
    return lines


def monthly(measured: dict, age: str | None = None) -> float:
    age = age or max(measured, key=int)
    return sum(c for _, _, c in model(measured, age))


def load(path: Path = MEASURED) -> dict:
    return json.loads(Path(path).read_text())


def table(measured: dict | None = None, age: str | None = None) -> str:
    measured = measured or load()
    age = age or max(measured, key=int)
    lines = model(measured, age)
    out = [f"| line ({age} months of data) | arithmetic | $/month |", "|---|---|---:|"]
    for name, how, c in lines:
        out.append(f"| {name} | {how} | {money(c)} |")
    out.append(f"| **total** | | **{money(sum(c for _, _, c in lines))}** |")
    return "\n".join(out)


def scenarios(measured: dict | None = None) -> str:
    measured = measured or load()
    out = ["| age of the data | $/month |", "|---|---:|"]
    for age in sorted(measured, key=int):
        out.append(f"| {age} month{'s' if age != '1' else ''} | {money(monthly(measured, age))} |")
    return "\n".join(out)


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--measured", type=Path, default=MEASURED, help="figures from scripts/bench-cycle.sh --out")
    ap.add_argument("--age", help="months of data (one of the measured ages; default the oldest)")
    ap.add_argument("--scenarios", action="store_true", help="print the total at every measured age")
    return ap


if __name__ == "__main__":
    a = parser().parse_args()
    m = load(a.measured)
    print(scenarios(m) if a.scenarios else table(m, a.age))
