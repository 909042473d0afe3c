#!/usr/bin/env bash
# Measures the map and the browser measurement as BENCHMARKS.md reports them
# (section "Map and From your browser"): how soon the map is drawn once its
# files (the matrix and map/land.json) have arrived, cold, with every
# commercial region; the size of the base map; and what the two features add
# to what a visitor downloads before the matrix shows (the prerendered
# index.html and the stylesheet: the wasm arrives after the matrix is drawn).
#
#   bash scripts/bench-map.sh          # builds the site and the CLI if needed
#   RUNS=30 bash scripts/bench-map.sh  # more runs (default 15)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

bash scripts/build-site.sh >/dev/null 2>&1 || bash scripts/build-site.sh
bin="$CARGO_TARGET_DIR/release/cloudping"
[ -x "$bin" ] || cargo build --release --locked -p cloudping

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "== every region, 2 simulated days, published into the built site"
mkdir -p "$work/site"
cp -r dist/. "$work/site/"
"$bin" --db "$work/db.sqlite" --bucket "$work/site" simulate --days 2 2>/dev/null
"$bin" --db "$work/db.sqlite" --bucket "$work/site" rollup 2>/dev/null
"$bin" --db "$work/db.sqlite" --bucket "$work/site" publish 2>/dev/null

gz() { gzip -9c "$1" | wc -c; }
echo
echo "== base map (fetched only when the map opens)"
printf 'map/land.json: %s bytes, %s gzipped\n' "$(stat -c %s dist/map/land.json)" "$(gz dist/map/land.json)"

echo
echo "== before the matrix shows: the prerendered index.html and the stylesheet"
page="$work/site/index.html"
css=$(ls dist/style-*.css)
# The page without what the two features put in it: the browser section and the nav link.
python3 - "$page" "$work/without.html" <<'PY'
import re, sys
html = open(sys.argv[1]).read()
html = re.sub(r'<section id="browser".*?</section>', '', html, count=1, flags=re.S)
html = re.sub(r'<a href="#/map[^"]*"[^>]*>Map</a>', '', html, count=1)
open(sys.argv[2], 'w').write(html)
PY
printf 'index.html: %s gzipped, %s without the browser section and the map link\n' "$(gz "$page")" "$(gz "$work/without.html")"
printf 'stylesheet: %s gzipped\n' "$(gz "$css")"

echo
CLOUDPING_BIN="$bin" SITE="$work/site" TOOLS_DIR="$CLOUDPING_CACHE/tools" \
CHROMIUM="$(command -v chromium)" RUNS="${RUNS:-15}" \
  node tests/e2e/bench-map.mjs
