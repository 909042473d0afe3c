"""Independent check of every number a published feed holds.

Reads a feed v2 folder and the output of `cloudping stats --json`, recomputes
each statistic exactly with numpy from the raw rounds the feed publishes
(`raw/{date}.ndjson.gz`), and checks that the published figure is within the
bound the manifest's `precision` states. Nothing here uses the Rust code.

What is checked, over spans the raw days fully cover (others are skipped and
counted):
- every cell of every window's matrix, and every pair the raw rounds of the
  window hold must be in it; each per-statistic view must equal its matrix;
- every point of every destination of every series chunk: the series index
  names, per source and resolution, the chunks from `first` to the newest
  open one (closed ones at `series/{res}/{src}/{YYYY-MM-DDTHH}.json`, open
  ones as listed, at `series/open/{res}/{src}/{YYYY-MM-DDTHH}.{hash}.json`), and each of them must exist and hold its points; a
  destination with rounds in a chunk must be in it, and no point with rounds
  within a series' reach (`span_seconds` back from the feed's end) may be in
  no chunk;
- every row of the stats file.
samples and lost must be equal; min, max and mean within `exact_ms`;
percentiles within max(`percentile_relative` × exact, `percentile_absolute_ms`)
of numpy.percentile (linear interpolation) over rtts_us / 1000 of every
connect in the span; a figure is null exactly when its span has no sample.
A kind of check with nothing to check (no covered window, no covered point at
a resolution, no covered stats row) fails.

Prints a FAIL line per failure (the first 30), the largest error seen per kind
of figure, and `numbers: N passed, M failed`; exits 1 on any failure.

Usage: python check_numbers.py FEED_DIR STATS_JSONL
"""
import gzip
import json
import math
import os
import re
import sys
from collections import defaultdict
from datetime import datetime, timezone

import numpy as np

DAY = 86400
MAX_PRINTED = 30
MATRIX_STATS = ["p10", "p25", "p50", "p75", "p90", "p98", "p99", "mean", "min", "max"]
SERIES_STATS = ["p10", "p50", "p90", "min", "max"]
SLACK = 1e-9

passed, failed = 0, 0
skipped = defaultdict(int)  # spans not checked, by kind and why
checked = defaultdict(int)  # spans checked, by kind
errors = {}  # figure kind -> [max abs, max rel, max share of bound, values]


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        if failed <= MAX_PRINTED:
            print(f"FAIL: {what}", file=sys.stderr)
    return ok


_times = {}


def unix(s):
    """RFC 3339 (or a bare date, midnight UTC) to Unix seconds; cached, as raw rounds repeat times."""
    t = _times.get(s)
    if t is None:
        dt = datetime.fromisoformat(s.replace("Z", "+00:00"))
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=timezone.utc)
        t = _times[s] = math.floor(dt.timestamp())
    return t


def iso(t):
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def load_json(feed, rel):
    with open(os.path.join(feed, rel)) as f:
        return json.load(f)


def is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


class Pair:
    """Every connect and round of one source → target, sorted by scheduled time."""

    def __init__(self, rounds):
        rounds.sort(key=lambda r: r[0])
        self.round_t = np.array([r[0] for r in rounds], dtype=np.int64)
        lost = np.array([r[2] for r in rounds], dtype=np.int64)
        self.lost_cum = np.concatenate([[0], np.cumsum(lost)])
        n = np.array([len(r[1]) for r in rounds], dtype=np.int64)
        self.t = np.repeat(self.round_t, n)
        self.rtt_us = np.array([x for r in rounds for x in r[1]], dtype=np.int64)

    def spans(self, edges):
        """Per span [edges[k], edges[k+1]): (rounds, lost, rtts_us) for each k."""
        edges = np.asarray(edges, dtype=np.int64)
        ci = np.searchsorted(self.t, edges, "left")
        ri = np.searchsorted(self.round_t, edges, "left")
        lost = self.lost_cum[ri[1:]] - self.lost_cum[ri[:-1]]
        return [(int(ri[k + 1] - ri[k]), int(lost[k]), self.rtt_us[ci[k]:ci[k + 1]])
                for k in range(len(edges) - 1)]


NO_ROUNDS = Pair([])


def load_raw(feed, manifest):
    """Reads the raw days: the pairs, and the covered spans as merged [start, end) intervals."""
    by_pair = defaultdict(list)
    days = []
    for day in manifest.get("raw") or []:
        start = unix(day["date"])
        days.append(start)
        count, outside = 0, 0
        with gzip.open(os.path.join(feed, day["path"]), "rt") as f:
            for line in f:
                if not line.strip():
                    continue
                r = json.loads(line)
                t = unix(r["scheduled_at"])
                if not start <= t < start + DAY:
                    outside += 1
                lost = sum((r.get("failures") or {}).values())
                by_pair[(r["source"], r["target"])].append((t, r["rtts_us"], lost))
                count += 1
        check(count == day["rounds"], f"raw {day['path']}: {count} rounds, the manifest says {day['rounds']}")
        check(outside == 0, f"raw {day['path']}: {outside} rounds scheduled outside {day['date']}")
    covered = []
    for d in sorted(set(days)):
        if covered and covered[-1][1] == d:
            covered[-1][1] = d + DAY
        else:
            covered.append([d, d + DAY])
    return {p: Pair(rs) for p, rs in by_pair.items()}, covered


def is_covered(covered, a, b):
    return any(s <= a and b <= e for s, e in covered)


def exact(stats, rtt_us):
    """The exact statistics of a span's connects, ms; None without samples."""
    if len(rtt_us) == 0:
        return {s: None for s in stats}
    ms = rtt_us / 1000.0
    qs = [s for s in stats if re.fullmatch(r"p\d+", s)]
    out = dict(zip(qs, np.percentile(ms, [float(s[1:]) for s in qs]))) if qs else {}
    for s in stats:
        if s == "mean":
            out[s] = int(rtt_us.sum()) / len(rtt_us) / 1000.0
        elif s == "min":
            out[s] = int(rtt_us.min()) / 1000.0
        elif s == "max":
            out[s] = int(rtt_us.max()) / 1000.0
    return {s: float(out[s]) for s in stats}


def compare(kind, stat, published, want, precision, where):
    """One figure against its exact value: null exactly when there is no sample, else within the bound."""
    if want is None:
        return check(published is None, f"{where} {stat}: {published!r} published, but the span has no sample")
    if not is_number(published):
        return check(False, f"{where} {stat}: {published!r} published, exact {want:.6f} ms")
    if stat.startswith("p"):
        bound = max(precision["percentile_relative"] * abs(want), precision["percentile_absolute_ms"])
    else:
        bound = precision["exact_ms"]
    err = abs(published - want)
    e = errors.setdefault(f"{kind} {stat}", [0.0, 0.0, 0.0, 0])
    e[0] = max(e[0], err)
    if want:
        e[1] = max(e[1], err / abs(want))
    e[2] = max(e[2], err / bound)
    e[3] += 1
    return check(err <= bound + SLACK,
                 f"{where} {stat}: published {published}, exact {want:.6f} ms "
                 f"(error {err:.6f} ms, bound {bound:.6f} ms)")


def compare_span(kind, stats, got, span, precision, where):
    """samples, lost and every statistic of one cell, point or row; `got(name)` reads a published value."""
    _, lost, rtt_us = span
    check(got("samples") == len(rtt_us), f"{where}: samples {got('samples')!r}, the raw rounds hold {len(rtt_us)}")
    check(got("lost") == lost, f"{where}: lost {got('lost')!r}, the raw rounds hold {lost}")
    want = exact(stats, rtt_us)
    for s in stats:
        compare(kind, s, got(s), want[s], precision, where)


def grid_value(grid, i, j):
    try:
        return grid[i][j]
    except (IndexError, TypeError):
        return "missing"


def check_matrices(feed, manifest, pairs, covered, precision):
    for w in manifest["windows"]:
        m = load_json(feed, w["matrix"])
        name = f"matrix {w['id']}"
        check((m.get("start"), m.get("end")) == (w["start"], w["end"]),
              f"{name}: spans {m.get('start')}..{m.get('end')}, the manifest says {w['start']}..{w['end']}")
        for stat, rel in sorted((w.get("views") or {}).items()):
            v = load_json(feed, rel)
            same = (list(v.get("stats", {})) == [stat] and v["stats"][stat] == m["stats"].get(stat)
                    and all(v.get(k) == m.get(k) for k in ("sources", "destinations", "samples", "lost", "start", "end")))
            check(same, f"{name} view {stat} ({rel}) differs from the matrix")
        a, b = unix(w["start"]), unix(w["end"])
        if not is_covered(covered, a, b):
            skipped["matrix windows not covered"] += 1
            continue
        checked["matrix windows"] += 1
        for s in MATRIX_STATS:
            check(s in m["stats"], f"{name}: no {s} grid")
        cells = [(src, dst, i, j) for i, src in enumerate(m["sources"]) for j, dst in enumerate(m["destinations"])]
        in_matrix = {(src, dst) for src, dst, _, _ in cells}
        for (src, dst), p in sorted(pairs.items()):
            rounds = p.spans([a, b])[0][0]
            if (src, dst) not in in_matrix:
                check(rounds == 0, f"{name}: {src}>{dst} has {rounds} rounds in the window but is not in the matrix")
        for src, dst, i, j in cells:
            span = pairs.get((src, dst), NO_ROUNDS).spans([a, b])[0]

            def got(k, i=i, j=j):
                return grid_value(m[k] if k in ("samples", "lost") else m["stats"].get(k), i, j)
            compare_span("matrix", MATRIX_STATS, got, span, precision, f"{name} {src}>{dst}")


def closed_path(rid, src, t):
    """Where a closed chunk is: series/{res}/{src}/{YYYY-MM-DDTHH of its start}.json (as the series index schema says)."""
    return f"series/{rid}/{src}/{iso(t)[:13]}.json"


def chunk_files(rid, src, clen, entry, name):
    """(start, path) of every chunk the index names for src at rid, oldest first: from `first` to the
    newest open chunk (to the last closed one when none is open). A start in that range that is
    neither closed nor listed open is a missing chunk: a FAIL, left out."""
    first, closed = unix(entry["first"]), unix(entry["closed_before"])
    open_ = {unix(t): rel for t, rel in (entry.get("open") or {}).items()}
    check(first % clen == 0 and closed % clen == 0 and first <= closed,
          f"{name}: first {entry['first']} and closed_before {entry['closed_before']} are not chunk starts in order")
    for t, rel in sorted(open_.items()):
        check(t % clen == 0 and t >= closed,
              f"{name}: open chunk {iso(t)} is not a chunk start at or after closed_before {entry['closed_before']}")
        check(rel.startswith("series/open/" + closed_path(rid, src, t)[len("series/"):-len("json")])
              and rel.endswith(".json"),
              f"{name}: open chunk {iso(t)} is at {rel}, not named after its start")
    newest = max(open_) if open_ else closed - clen
    out = []
    for t in range(first, newest + 1, clen):
        rel = open_.get(t) or (closed_path(rid, src, t) if t < closed else None)
        if check(rel is not None, f"{name}: no chunk at {iso(t)} (at or after closed_before, not listed open, "
                                  f"before the newest open chunk)"):
            out.append((t, rel))
    return out


def check_series(feed, manifest, pairs, covered, precision):
    if not manifest.get("series_index"):
        print("note: the manifest lists no series index; no series checked")
        return
    index = load_json(feed, manifest["series_index"])
    feed_end = max(unix(w["end"]) for w in manifest["windows"])
    by_src = defaultdict(dict)
    for (src, dst), p in pairs.items():
        by_src[src][dst] = p
    res_ids = [r["id"] for r in index["resolutions"]]
    for src, per_res in sorted(index["sources"].items()):
        for rid in sorted(set(per_res) - set(res_ids)):
            check(False, f"series index: {src} has chunks at {rid}, which is not a resolution")
    for res in index["resolutions"]:
        rid, step, reach, clen = res["id"], res["step_seconds"], res["span_seconds"], res["chunk_seconds"]
        checked.setdefault(f"series {rid} points", 0)
        check(clen % step == 0, f"series {rid}: chunk_seconds {clen} is not a multiple of step_seconds {step}")
        reach_from = (feed_end - reach) // step * step
        for src in sorted(set(by_src) | set(index["sources"])):
            dsts = by_src.get(src, {})
            entry = index["sources"].get(src, {}).get(rid)
            name = f"series {rid} {src}"
            published = {}  # chunk start -> (points, destinations), of the chunks read
            for t, rel in chunk_files(rid, src, clen, entry, name) if entry else []:
                cname = f"{name} chunk {iso(t)} ({rel})"
                if not check(os.path.isfile(os.path.join(feed, rel)), f"{cname}: the file is missing"):
                    continue
                c = load_json(feed, rel)
                n = c.get("points")
                closed = t < unix(entry["closed_before"])
                check((c.get("version"), c.get("source"), c.get("resolution"), c.get("step_seconds"),
                       c.get("start"), c.get("unit")) == (2, src, rid, step, iso(t), "ms"),
                      f"{cname}: names another version, source, resolution, step, start or unit")
                if not check(isinstance(n, int) and (n == clen // step if closed else 0 < n <= clen // step),
                             f"{cname}: {n!r} points, a {'closed' if closed else 'open'} chunk holds "
                             + (f"{clen // step}" if closed else f"1 to {clen // step}")):
                    continue
                cols = c.get("destinations")
                if not check(isinstance(cols, dict), f"{cname}: no destinations object"):
                    continue
                published[t] = (n, set(cols))
                edges = t + step * np.arange(n + 1, dtype=np.int64)
                # A destination with rounds in the chunk must be in it.
                for dst, p in sorted(dsts.items()):
                    if dst in cols:
                        continue
                    spans = p.spans(edges)
                    held = [int(edges[k]) for k, span in enumerate(spans) if span[0] and edges[k + 1] <= feed_end
                            and is_covered(covered, int(edges[k]), int(edges[k + 1]))]
                    check(not held, f"{cname}: {src}>{dst} has rounds in {len(held)} points of the chunk "
                                    f"but is not in it" + (f", first at {iso(held[0])}" if held else ""))
                for dst, col in sorted(cols.items()):
                    dname = f"series {rid} {src}>{dst}"
                    for k in ["lost", "samples"] + SERIES_STATS:
                        check(isinstance(col.get(k), list) and len(col[k]) == n,
                              f"{cname} {dst}: {k} has {len(col.get(k) or [])} points, the chunk {n}")
                    for k, span in enumerate(dsts.get(dst, NO_ROUNDS).spans(edges)):
                        a, b = int(edges[k]), int(edges[k + 1])
                        if b > feed_end:
                            skipped[f"series {rid} points past the feed's end"] += 1
                            continue
                        if not is_covered(covered, a, b):
                            skipped[f"series {rid} points not covered"] += 1
                            continue
                        checked[f"series {rid} points"] += 1

                        def got(f, k=k, col=col):
                            v = col.get(f) or []
                            return v[k] if k < len(v) else "missing"
                        compare_span(f"series {rid}", SERIES_STATS, got, span, precision, f"{dname} at {iso(a)}")
            # Points with rounds that the series should reach but that no chunk read holds
            # (before `first`, after the newest chunk, or in a chunk missing or unreadable).
            for dst, p in sorted(dsts.items()):
                omitted = []
                for t in np.unique(p.round_t // step * step):
                    t = int(t)
                    if not (reach_from <= t and t + step <= feed_end and is_covered(covered, t, t + step)):
                        continue
                    c = t // clen * clen
                    if c not in published or (t - c) // step >= published[c][0]:
                        omitted.append(t)
                check(not omitted, f"series {rid} {src}>{dst}: {len(omitted)} points with rounds are in no chunk"
                                   + (f", first at {iso(omitted[0])}" if omitted else ""))


def check_stats(path, pairs, covered, precision):
    checked.setdefault("stats rows", 0)
    with open(path) as f:
        rows = [json.loads(line) for line in f if line.strip()]
    for r in rows:
        a, b = unix(r["start"]), unix(r["end"])
        if not is_covered(covered, a, b):
            skipped["stats rows not covered"] += 1
            continue
        checked["stats rows"] += 1
        span = pairs.get((r["source"], r["target"]), NO_ROUNDS).spans([a, b])[0]
        lat = r.get("latency_ms")
        if not span[2].size:
            check(lat is None, f"stats {r['source']}>{r['target']}: latency_ms {lat!r} without samples")

        def got(k):
            if k in ("samples", "lost"):
                return r.get(k)
            return lat.get(k, "missing") if isinstance(lat, dict) else None
        compare_span("stats", MATRIX_STATS, got, span, precision,
                     f"stats {r['source']}>{r['target']} {r['start']}..{r['end']}")


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().splitlines()[-1])
    feed, stats_path = sys.argv[1], sys.argv[2]
    manifest = load_json(feed, "manifest.json")
    precision = manifest["precision"]
    pairs, covered = load_raw(feed, manifest)
    print("raw days cover " + (", ".join(f"{iso(a)}..{iso(b)}" for a, b in covered) or "nothing")
          + f": {len(pairs)} pairs, {sum(len(p.rtt_us) for p in pairs.values())} connects")
    check_matrices(feed, manifest, pairs, covered, precision)
    check_series(feed, manifest, pairs, covered, precision)
    check_stats(stats_path, pairs, covered, precision)
    checked.setdefault("matrix windows", 0)
    for kind, n in sorted(checked.items()):
        check(n > 0, f"{kind}: nothing fully covered by the raw days, nothing checked")
    print("checked: " + ", ".join(f"{n} {k}" for k, n in sorted(checked.items())))
    print("skipped (not covered = not fully within the raw days): "
          + (", ".join(f"{n} {k}" for k, n in sorted(skipped.items())) or "none"))
    print("largest error per figure (abs ms, relative, share of the bound, values):")
    for kind, (err, rel, share, n) in sorted(errors.items()):
        print(f"  {kind:<14} {err:.6f} ms  {100 * rel:.4f} %  {100 * share:5.1f} % of bound  ({n})")
    if failed > MAX_PRINTED:
        print(f"({failed - MAX_PRINTED} more failures not printed)", file=sys.stderr)
    sys.stderr.flush()
    print(f"numbers: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
