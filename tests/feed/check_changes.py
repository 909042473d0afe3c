"""Independent check of a published feed's level shifts.

Reads a feed v2 folder (`changes.json`, `changes.atom`, the manifest and the
1-hour series chunks) and checks, with none of the Rust code:

- `changes.atom` parses with feedparser without a well-formedness error
  (`bozo`), and holds one entry per event of `changes.json`, in the same
  order, with id `urn:cloudping:change:{event id}`, `published` = the onset,
  a title, a summary and an absolute link under SITE_URL;
- every event: its id is `{onset}/{source}/{destination}` of its earliest
  pair (ties by source, then destination), its pairs are largest shift first,
  its onset is the earliest of its pairs' and lies in [from, to), every pair
  begins within an hour of it, the events are newest first, and an event ends
  (if it does) at the latest of its pairs' ends, or not at all while one goes on;
- every pair of every event against the published hourly medians (the `p50`
  column of the `1h` series): its regions are in the manifest; the first
  `min_hours` hours with data from its onset all lie beyond
  max(`min_shift_ms`, `min_shift_ratio` x before) of `before_ms` on the side
  `after_ms` is on; if it ended, the `min_hours` hours with data from its end
  are back within that threshold, and `after_ms` is the median (numpy) of the
  hours with data in [onset, end), to the microsecond.

Prints a FAIL line per failure and `changes: N events, M pairs checked, K
failed`; exits 1 on any failure, or if fewer than MIN_EVENTS events are
published.

Usage: python check_changes.py FEED_DIR SITE_URL [MIN_EVENTS]
"""

import json
import sys
from datetime import datetime, timezone
from pathlib import Path

import feedparser
import numpy

HOUR = 3600
GROUP_WITHIN = 3600


def ts(s):
    return int(datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp())


def hourly(feed, index):
    """(source, destination) -> {hour start: p50} from every 1h chunk the index names."""
    out = {}
    files = list((feed / "series" / "1h").glob("*/*.json"))
    files += list((feed / "series" / "open" / "1h").glob("*/*.json"))
    for f in files:
        chunk = json.loads(f.read_text())
        start, step = ts(chunk["start"]), chunk["step_seconds"]
        for dst, cols in chunk["destinations"].items():
            d = out.setdefault((chunk["source"], dst), {})
            for k, v in enumerate(cols["p50"]):
                if v is not None:
                    d[start + k * step] = v
    return out


def main():
    feed = Path(sys.argv[1])
    site = sys.argv[2]
    min_events = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    failures = []

    def fail(msg):
        failures.append(msg)
        if len(failures) <= 30:
            print("FAIL", msg)

    changes = json.loads((feed / "changes.json").read_text())
    manifest = json.loads((feed / "manifest.json").read_text())
    regions = {r["code"] for r in manifest["regions"]}
    index = json.loads(next((feed / "series").glob("index.*.json")).read_text())
    hours = hourly(feed, index)
    rule = changes["rule"]
    lo, hi = ts(changes["from"]), ts(changes["to"])

    # The Atom feed, parsed by an independent parser.
    atom = feedparser.parse(str(feed / "changes.atom"))
    if atom.bozo:
        fail(f"changes.atom is not well-formed: {atom.bozo_exception}")
    if not atom.feed.get("title"):
        fail("changes.atom has no title")
    events = changes["events"]
    if len(atom.entries) != len(events):
        fail(f"changes.atom has {len(atom.entries)} entries, changes.json {len(events)} events")
    for e, entry in zip(events, atom.entries):
        if entry.get("id") != f"urn:cloudping:change:{e['id']}":
            fail(f"entry id {entry.get('id')!r} is not event {e['id']}")
        published = entry.get("published_parsed")
        if published is None or datetime(*published[:6], tzinfo=timezone.utc).timestamp() != ts(e["onset"]):
            fail(f"entry {e['id']}: published {entry.get('published')!r} is not the onset")
        if not entry.get("title") or not entry.get("summary"):
            fail(f"entry {e['id']}: no title or summary")
        links = [l["href"] for l in entry.get("links", [])]
        if not links or not all(h.startswith(site) for h in links):
            fail(f"entry {e['id']}: links {links} are not under {site}")

    pairs_checked = 0
    previous_onset = None
    for e in events:
        onset = ts(e["onset"])
        ps = e["pairs"]
        if not ps:
            fail(f"event {e['id']} has no pairs")
            continue
        first = min(ps, key=lambda p: (ts(p["onset"]), p["source"], p["destination"]))
        if e["id"] != f"{first['onset']}/{first['source']}/{first['destination']}":
            fail(f"event id {e['id']} is not its earliest pair's onset/source/destination")
        sizes = [abs(p["after_ms"] - p["before_ms"]) for p in ps]
        if sizes != sorted(sizes, reverse=True):
            fail(f"event {e['id']}: pairs are not largest shift first")
        if onset != min(ts(p["onset"]) for p in ps):
            fail(f"event {e['id']}: onset is not its pairs' earliest")
        if not lo <= onset < hi:
            fail(f"event {e['id']}: onset outside [{changes['from']}, {changes['to']})")
        if previous_onset is not None and onset > previous_onset:
            fail(f"event {e['id']}: events are not newest first")
        previous_onset = onset
        ends = [p["end"] for p in ps]
        want_end = None if None in ends else max(ends, key=ts)
        if e["end"] != want_end:
            fail(f"event {e['id']}: end {e['end']} is not its pairs' last end {want_end}")
        for p in ps:
            pairs_checked += 1
            name = f"event {e['id']} pair {p['source']}->{p['destination']}"
            if p["source"] not in regions or p["destination"] not in regions:
                fail(f"{name}: a region not in the manifest")
            start = ts(p["onset"])
            if not onset <= start <= onset + GROUP_WITHIN:
                fail(f"{name}: begins more than an hour after the event")
            series = hours.get((p["source"], p["destination"]))
            if series is None:
                fail(f"{name}: no 1h series for the pair")
                continue
            before, after = p["before_ms"], p["after_ms"]
            threshold = max(rule["min_shift_ms"], rule["min_shift_ratio"] * before)
            side = 1 if after > before else -1
            t_end = ts(p["end"]) if p["end"] else hi
            inside = [series[t] for t in sorted(series) if start <= t < t_end]
            head = inside[: rule["min_hours"]]
            if len(head) < rule["min_hours"]:
                fail(f"{name}: fewer than {rule['min_hours']} hours with data from the onset")
            for v in head:
                if side * (v - before) < threshold - 1e-9:
                    fail(f"{name}: hour at {v} ms is not beyond {threshold:.3f} ms of {before} ms")
            if p["end"]:
                back = [series[t] for t in sorted(series) if t >= t_end][: rule["min_hours"]]
                for v in back:
                    if abs(v - before) >= threshold + 1e-9:
                        fail(f"{name}: hour at {v} ms after the end is not back within {threshold:.3f} ms")
                # Published to the microsecond: a median of an even count may round.
                if inside and abs(float(numpy.median(inside)) - after) > 0.0005 + 1e-9:
                    fail(f"{name}: after_ms {after} is not the median {numpy.median(inside)} of its hours")

    print(f"changes: {len(events)} events, {pairs_checked} pairs checked, {len(failures)} failed")
    if len(events) < min_events:
        print(f"FAIL fewer than {min_events} events published")
        sys.exit(1)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
