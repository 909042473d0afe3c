"""Sums the counted cycles of lambdas/examples/cycle.rs into one line per age.

Usage: python summarize.py CYCLES.jsonl [--check] [--out FILE]

Input: one JSON line per measured stage (probe, aggregate, publish) with the
proxy's counters. Output lines, for the steady cycle (the mean of the cycles
of one mid-day hour) and for the day-close and raw-day cycles:

    age_months=N dynamodb_read_units=… dynamodb_write_units=… s3_put=… s3_get=… s3_list=… bytes_uploaded=… aggregate_s=… publish_s=…

then `cost_per_month_usd=X` for 34 regions (deploy/cost.py over these counts;
figures measured on fewer regions are scaled up, see deploy/cost.py).
--check fails (exit 1) unless every steady count at every age is within 5 %
of the youngest age's, and the day-close counts of the ages of 13 months or
more within 5 % of each other (the day's close recomputes the year window,
which reads fewer months while the history is shorter than it).
"""
import json
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "deploy"))
import cost  # noqa: E402

FIELDS = ["dynamodb_read_units", "dynamodb_write_units", "s3_put", "s3_get", "s3_list", "bytes_uploaded"]
COUNTS = FIELDS  # the figures that must stay flat; times vary with the machine


def figures(stages):
    """Per cycle (index), the summed counters and the stage times."""
    by_cycle = defaultdict(lambda: defaultdict(float))
    for s in stages:
        f = by_cycle[s["index"]]
        c = s["counters"]
        f["dynamodb_read_units"] += c["dynamodb"]["read_units"]
        f["dynamodb_write_units"] += c["dynamodb"]["write_units"]
        f["s3_put"] += c["s3"]["put"]
        f["s3_get"] += c["s3"]["get"]
        f["s3_list"] += c["s3"]["list"]
        f["bytes_uploaded"] += c["s3"]["bytes_uploaded"]
        f["dynamodb_requests"] += c["dynamodb"]["requests"]
        f["probe_write_units"] += c["dynamodb"]["write_units"] if s["stage"] == "probe" else 0
        f["probe_puts"] += c["dynamodb"]["requests"] if s["stage"] == "probe" else 0
        f[f"{s['stage']}_s"] += s["seconds"]
        f[f"{s['stage']}_dynamodb_requests"] += c["dynamodb"]["requests"]
        f[f"{s['stage']}_s3_requests"] += sum(c["s3"][k] for k in ("put", "get", "list", "head", "delete"))
    n = len(by_cycle)
    mean = defaultdict(float)
    for f in by_cycle.values():
        for k, v in f.items():
            mean[k] += v / n
    return dict(mean)


def main() -> int:
    args = sys.argv[1:]
    if not args:
        print(__doc__, file=sys.stderr)
        return 2
    check = "--check" in args
    out = args[args.index("--out") + 1] if "--out" in args else None
    lines = [json.loads(l) for l in Path(args[0]).read_text().splitlines() if l.strip()]
    groups = defaultdict(list)
    regions = {}
    for s in lines:
        groups[(s["age_months"], s["cycle"])].append(s)
        regions[s["age_months"]] = s["regions"]
    measured = {}
    for (age, kind), stages in sorted(groups.items()):
        measured.setdefault(str(age), {"regions": regions[age]})[kind] = figures(stages)
    for age, kinds in measured.items():
        for kind in ("steady", "day-close", "raw-day"):
            f = kinds.get(kind)
            if not f:
                continue
            label = "" if kind == "steady" else f" cycle={kind}"
            print(
                f"age_months={age}{label} "
                + " ".join(f"{k}={f[k]:g}" for k in FIELDS)
                + f" aggregate_s={f['aggregate_s']:.2f} publish_s={f['publish_s']:.2f}"
            )
    if out:
        Path(out).write_text(json.dumps(measured, indent=2, sort_keys=True) + "\n")
    for age in measured:
        for kind in ("steady", "day-close", "raw-day"):
            if kind in measured[age]:
                est = {st: cost.lambda_seconds(measured, age, kind, st) for st in ("aggregate", "publish")}
                print(f"age_months={age} cycle={kind} at 34 regions on Lambda (estimated): "
                      f"aggregate_s={est['aggregate']:.1f} publish_s={est['publish']:.1f}")
    bill = cost.monthly(measured)
    print(f"cost_per_month_usd={bill:.2f}")

    failed = []
    if check:
        ages = sorted(measured, key=int)
        base = measured[ages[0]]["steady"]
        for age in ages[1:]:
            for k in COUNTS:
                a, b = base[k], measured[age]["steady"][k]
                if abs(b - a) > 0.05 * max(a, 1):
                    failed.append(f"steady {k}: {b:g} at {age} months vs {a:g} at {ages[0]}")
        # The day's close recomputes the year window: flat once the history
        # is longer than that window and its months (13 months), growing before.
        older = [a for a in ages if int(a) >= 13 and "day-close" in measured[a]]
        for age in older[1:]:
            for k in COUNTS:
                a, b = measured[older[0]]["day-close"][k], measured[age]["day-close"][k]
                if abs(b - a) > 0.05 * max(a, 1):
                    failed.append(f"day-close {k}: {b:g} at {age} months vs {a:g} at {older[0]}")
        for f in failed:
            print(f"FAIL: {f}", file=sys.stderr)
        checks = len(COUNTS) * (len(ages) - 1 + max(len(older) - 1, 0))
        print(f"flat counts: {checks - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
