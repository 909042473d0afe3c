#!/usr/bin/env bash
# Publish size and time, for BENCHMARKS.md (a measurement, not a test):
#  - a full publish of 30 days of 5-minute rounds for every commercial region;
#  - manifest + one matrix window, gzipped (goal <= 30 KB);
#  - one pair's hourly series over a year, gzipped (goal <= 50 KB).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
cargo build --release --locked -p cloudping >&2
bin="$CARGO_TARGET_DIR/release/cloudping"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
gz() { gzip -9c "$1" | wc -c; }
calc() { python3 -c "print($1)"; }

echo "== 30 days × all commercial regions" >&2
mo() { "$bin" --db "$work/month.sqlite" --bucket "$work/month" "$@"; }
mo simulate --days 30 --end 2026-11-25T00:00:00Z 2>/dev/null
mo rollup 2>/dev/null
start=$(date +%s.%N)
mo publish 2>&1 | tail -1 >&2
end=$(date +%s.%N)
feed="$work/month/data/v2"
files=$(find "$feed" -type f | wc -l)
mb=$(du -sm "$feed" | cut -f1)
printf 'full publish, 30 days, %s regions: %.1f s, %s files, %s MB\n' \
  "$(python3 -c "import json;print(len(json.load(open('$feed/manifest.json'))['regions']))")" \
  "$(calc "$end - $start")" "$files" "$mb"
m=$(gz "$feed/manifest.json")
printf 'manifest.json gzipped: %.1f KB\n' "$(calc "$m/1024")"
for w in 1d 7d 30d 365d; do
  f=$(ls "$feed"/matrix/$w.*.json)
  x=$(gz "$f")
  printf 'manifest + matrix %-4s gzipped: %.1f KB (matrix alone %.1f KB, %s KB raw)\n' \
    "$w" "$(calc "($m+$x)/1024")" "$(calc "$x/1024")" "$(( $(stat -c %s "$f") / 1024 ))"
done

echo "== 365 days × 2 regions, for a year of hourly series" >&2
yr() { "$bin" --db "$work/year.sqlite" --bucket "$work/year" "$@"; }
yr simulate --days 365 --end 2026-11-25T00:00:00Z --regions us-east-1,eu-west-1 2>/dev/null
yr rollup 2>/dev/null
yr publish 2>/dev/null
f=$(ls "$work"/year/data/v2/series/us-east-1/eu-west-1/1h.*.json)
points=$(python3 -c "import json;print(len(json.load(open('$f'))['p50']))")
printf 'hourly series us-east-1 → eu-west-1, %s points: %.1f KB gzipped (%s KB raw)\n' \
  "$points" "$(calc "$(gz "$f")/1024")" "$(( $(stat -c %s "$f") / 1024 ))"
