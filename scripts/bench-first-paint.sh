#!/usr/bin/env bash
# Measures how soon the matrix is on screen (BENCHMARKS.md, "First paint"):
# the page the publisher prerenders against the app alone, on localhost and
# on an emulated 400 ms / 1 Mbit/s link, each run with a cold cache.
#
#   bash scripts/bench-first-paint.sh          # builds the site and the CLI if needed
#   RUNS=25 bash scripts/bench-first-paint.sh  # more runs per figure (default 15)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

bash scripts/build-site.sh >/dev/null 2>&1 || bash scripts/build-site.sh
bin="$CARGO_TARGET_DIR/release/cloudping"
[ -x "$bin" ] || cargo build --release --locked -p cloudping

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "== every region, 2 simulated days, published into the built site"
mkdir -p "$work/prerendered"
cp -r dist/. "$work/prerendered/"
"$bin" --db "$work/db.sqlite" --bucket "$work/prerendered" simulate --days 2 2>/dev/null
"$bin" --db "$work/db.sqlite" --bucket "$work/prerendered" rollup 2>/dev/null
"$bin" --db "$work/db.sqlite" --bucket "$work/prerendered" publish 2>&1 | grep 'index.html'
# The same site and feed, with the page as trunk built it (no prerender).
cp -r "$work/prerendered" "$work/plain"
cp dist/index.html "$work/plain/index.html"
printf 'index.html: %s bytes prerendered (%s gzipped), %s bytes without\n\n' \
  "$(stat -c %s "$work/prerendered/index.html")" "$(gzip -6c "$work/prerendered/index.html" | wc -c)" \
  "$(stat -c %s "$work/plain/index.html")"

CLOUDPING_BIN="$bin" PRERENDERED="$work/prerendered" PLAIN="$work/plain" \
TOOLS_DIR="$CLOUDPING_CACHE/tools" CHROMIUM="$(command -v chromium)" RUNS="${RUNS:-15}" \
  node tests/e2e/bench-first-paint.mjs
