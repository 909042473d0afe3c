#!/usr/bin/env bash
# Measures the frontend as BENCHMARKS.md reports it (section "Frontend"):
# the size of the wasm + JS that a browser downloads (gzipped), navigation to
# the full matrix with a cold cache, and the redraw of a 3-pair, 1-year graph.
#
#   bash scripts/bench-frontend.sh          # builds the site and the CLI if needed
#   RUNS=30 bash scripts/bench-frontend.sh  # more runs per figure (default 15)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

bash scripts/build-site.sh >/dev/null 2>&1 || bash scripts/build-site.sh
bin="$CARGO_TARGET_DIR/release/cloudping"
[ -x "$bin" ] || cargo build --release -p cloudping

echo "== bundle (dist/)"
wasm=$(ls dist/*.wasm)
js=$(ls dist/*.js)
size() { stat -c %s "$1"; }
gz9() { gzip -9c "$1" | wc -c; }
gz6() { gzip -6c "$1" | wc -c; }
# Brotli at quality 11: what `cloudping serve` sends a browser that accepts br.
br11() {
  node -e 'const z = require("zlib"); process.stdout.write(String(z.brotliCompressSync(require("fs").readFileSync(process.argv[1]),
    { params: { [z.constants.BROTLI_PARAM_QUALITY]: 11 } }).length))' "$1"
}
printf '| file | raw | gzip -6 | gzip -9 | brotli 11 |\n|---|---|---|---|---|\n'
printf '| wasm | %s | %s | %s | %s |\n' "$(size "$wasm")" "$(gz6 "$wasm")" "$(gz9 "$wasm")" "$(br11 "$wasm")"
printf '| JS | %s | %s | %s | %s |\n' "$(size "$js")" "$(gz6 "$js")" "$(gz9 "$js")" "$(br11 "$js")"
printf '| wasm + JS | %s | %s | %s | %s |\n' "$(( $(size "$wasm") + $(size "$js") ))" \
  "$(( $(gz6 "$wasm") + $(gz6 "$js") ))" "$(( $(gz9 "$wasm") + $(gz9 "$js") ))" "$(( $(br11 "$wasm") + $(br11 "$js") ))"

echo
echo "== a feed published by the pipeline: 2 simulated days of every region"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bin" --db "$work/db.sqlite" --bucket "$work/bucket" simulate --days 2 2>/dev/null
"$bin" --db "$work/db.sqlite" --bucket "$work/bucket" rollup 2>/dev/null
"$bin" --db "$work/db.sqlite" --bucket "$work/bucket" publish 2>/dev/null

echo
CLOUDPING_BIN="$bin" DIST_DIR="$PWD/dist" PIPELINE_FEED="$work/bucket/data/v2" \
FIXTURES_DIR="$PWD/shared/tests/fixtures/feed/v2" TOOLS_DIR="$CLOUDPING_CACHE/tools" \
CHROMIUM="$(command -v chromium)" RUNS="${RUNS:-15}" \
  node tests/e2e/bench-frontend.mjs
