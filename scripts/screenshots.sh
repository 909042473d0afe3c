#!/usr/bin/env bash
# Takes the README's screenshots from the real build: the trunk-built site in
# dist/ (built if missing) serving a feed the pipeline published, photographed
# in headless Chromium through playwright-core.
#
#   bash scripts/screenshots.sh            # a fresh feed: 8 simulated days of every region
#   bash scripts/screenshots.sh BUCKET     # the feed in BUCKET/data/v2 (e.g. var/site after `make demo`)
#
# Writes docs/matrix.png (the 7-day matrix) and docs/graph.png (three pairs over 7 days).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

bin="$CARGO_TARGET_DIR/release/cloudping"
[ -x "$bin" ] || cargo build --release -p cloudping
[ -f dist/index.html ] || bash scripts/build-site.sh

work=$(mktemp -d)
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

bucket="${1:-}"
if [ -z "$bucket" ]; then
  echo "screenshots: simulating 8 days of every region, then rollup and publish (about a minute)" >&2
  bucket="$work/bucket"
  "$bin" --db "$work/db.sqlite" --bucket "$bucket" simulate --days 8 2>/dev/null
  "$bin" --db "$work/db.sqlite" --bucket "$bucket" rollup 2>/dev/null
  "$bin" --db "$work/db.sqlite" --bucket "$bucket" publish 2>/dev/null
fi
[ -f "$bucket/data/v2/manifest.json" ] || { echo "no feed in $bucket/data/v2" >&2; exit 1; }

# The site as it would be deployed: the build next to the feed.
mkdir -p "$work/site/data" docs
cp -r dist/. "$work/site/"
cp -r "$bucket/data/v2" "$work/site/data/v2"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin" --bucket "$work/site" serve --addr "127.0.0.1:$port" 2>/dev/null &
server=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/" >/dev/null && break; sleep 0.1; done

cat > "$work/shoot.mjs" <<'EOF'
import { createRequire } from 'node:module';
import { join } from 'node:path';
const require = createRequire(join(process.env.TOOLS_DIR, 'package.json'));
const { chromium } = require('playwright-core');
const url = process.env.URL;
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 1180 }, deviceScaleFactor: 1 });
  await page.goto(url + '#window=7d&stat=p50');
  await page.waitForSelector('td[data-src="us-east-1"][data-dst="eu-west-1"]', { timeout: 20000 });
  await page.mouse.move(0, 0);
  // Down to the colour legend: the whole matrix, not the graph below it.
  const legend = await page.locator('.legend').boundingBox();
  const height = Math.ceil(legend.y + legend.height + 12);
  await page.setViewportSize({ width: 1440, height });
  await page.screenshot({ path: 'docs/matrix.png', clip: { x: 0, y: 0, width: 1440, height } });
  await page.setViewportSize({ width: 1440, height: 1180 });
  const pairs = 'us-east-1:eu-west-1,us-east-1:ap-northeast-1,eu-west-1:ap-southeast-1';
  await page.goto(url + `#window=7d&stat=p50&pairs=${pairs}`);
  await page.waitForFunction(() => document.querySelector('#chart')?.dataset.lines === '3', null, { timeout: 20000 });
  await page.mouse.move(0, 0);
  await page.locator('section.graph').screenshot({ path: 'docs/graph.png' });
} finally {
  await browser.close();
}
EOF
URL="http://127.0.0.1:$port/" TOOLS_DIR="$CLOUDPING_CACHE/tools" CHROMIUM="$(command -v chromium)" node "$work/shoot.mjs"
echo "wrote docs/matrix.png and docs/graph.png"
