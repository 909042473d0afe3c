#!/usr/bin/env bash
# Takes the README's screenshots from the real build: the trunk-built site in
# dist/ (built if missing) serving a feed the pipeline published, photographed
# in headless Chromium through playwright-core.
#
#   bash scripts/screenshots.sh            # a fresh feed: 8 simulated days of every region
#   bash scripts/screenshots.sh BUCKET     # the feed in BUCKET/data/v2 (e.g. var/site after `make demo`)
#
# Writes docs/matrix.png (the 7-day matrix), docs/graph.png (three pairs over
# 7 days), docs/change.png (the last day against the last 7, in %),
# docs/map.png (lines from eu-central-1) and docs/browser.png ("From your
# browser"). The last is taken with a test build whose endpoints point at
# local stand-ins that answer after eu-central-1's published 7-day p50 to
# each region: what a visitor in Frankfurt would see, without the network.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

bin="$CARGO_TARGET_DIR/release/cloudping"
[ -x "$bin" ] || cargo build --release -p cloudping
[ -f dist/index.html ] || bash scripts/build-site.sh

work=$(mktemp -d)
server=""
cleanup() {
  if [ -n "$server" ]; then kill $server 2>/dev/null || true; fi
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

# The same with the build that honours the test-only endpoint override.
CLOUDPING_TEST_ENDPOINTS=1 bash scripts/build-site.sh --dist "$work/dist-test" >/dev/null 2>&1
mkdir -p "$work/site-test/data"
cp -r "$work/dist-test/." "$work/site-test/"
cp -r "$bucket/data/v2" "$work/site-test/data/v2"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port)
"$bin" --bucket "$work/site" serve --addr "127.0.0.1:$port" 2>/dev/null &
server=$!
test_port=$(free_port)
"$bin" --bucket "$work/site-test" serve --addr "127.0.0.1:$test_port" 2>/dev/null &
server="$server $!"
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/" >/dev/null && curl -sf "http://127.0.0.1:$test_port/" >/dev/null && break; sleep 0.1; done

cat > "$work/shoot.mjs" <<'EOF'
// The e2e tests' harness: the same Chromium launch and /ping stand-ins.
const h = await import(process.env.HARNESS);
const url = process.env.URL;
const browser = await h.launch(process.env.TOOLS_DIR, process.env.CHROMIUM);
try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 1180 }, deviceScaleFactor: 1 });
  const pending = new Map();
  page.on('request', (r) => pending.set(r.url(), r));
  page.on('requestfinished', (r) => pending.delete(r.url()));
  page.on('requestfailed', (r) => pending.delete(r.url()));
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
  await page.waitForFunction(() => document.querySelector('#chart')?.dataset.lines === '3', null, { timeout: 60000 })
    .catch(async (e) => { console.error('pending', [...pending.keys()]); console.error(await page.evaluate(() => [location.hash, JSON.stringify(document.querySelector('#chart')?.dataset), [...document.querySelectorAll('[role=alert], .loading, .note')].map(e => e.textContent).join(' / ')])); throw e; });
  await page.mouse.move(0, 0);
  await page.locator('section.graph').screenshot({ path: 'docs/graph.png' });

  // Today against usual, in percent.
  await page.goto(url + '#window=1d&stat=p50&mode=diff&base=7d&unit=pct');
  await page.waitForSelector('td.delta', { timeout: 20000 });
  await page.mouse.move(0, 0);
  await page.locator('.legend.change').waitFor();
  // The graph's screenshot scrolled the page: measure from its top.
  const h2 = await page.evaluate(() => {
    window.scrollTo(0, 0);
    const r = document.querySelector('.legend.change').getBoundingClientRect();
    return Math.ceil(r.bottom + window.scrollY + 12);
  });
  await page.setViewportSize({ width: 1440, height: h2 });
  await page.screenshot({ path: 'docs/change.png', clip: { x: 0, y: 0, width: 1440, height: h2 } });
  await page.setViewportSize({ width: 1440, height: 1180 });

  // The map, lines from Frankfurt, one destination's details showing.
  await page.goto(url + '#/map?window=7d&stat=p50&from=eu-central-1');
  await page.waitForSelector('svg#map path.land', { timeout: 20000 });
  await page.locator('svg#map g.region[data-code="ap-northeast-1"]').hover();
  await page.locator('article.map-page').screenshot({ path: 'docs/map.png' });

  // From your browser, against local stand-ins with Frankfurt's latencies.
  const feed = (p) => fetch(url + 'data/v2/' + p).then((r) => r.json());
  const manifest = await feed('manifest.json');
  const week = manifest.windows.find((w) => w.id === '7d');
  const m = await feed(week.matrix);
  const row = m.sources.indexOf('eu-central-1');
  const endpoints = {};
  for (const [j, dst] of m.destinations.entries()) {
    const delay = m.stats.p50[row][j];
    if (delay === null) continue;
    endpoints[dst] = await h.pingStandIn(delay);
  }
  const test = await browser.newPage({ viewport: { width: 1440, height: 1180 }, deviceScaleFactor: 1 });
  await test.goto(process.env.TEST_URL + '#window=7d&stat=p50');
  await test.evaluate((over) => localStorage.setItem('cloudping.test-endpoints', over), JSON.stringify(endpoints));
  await test.click('#measure');
  await test.waitForSelector('#browser .status:text-matches("^Measured")', { timeout: 60000 });
  await test.mouse.move(0, 0);
  await test.locator('section#browser').screenshot({ path: 'docs/browser.png' });
} finally {
  h.cleanup();
  await browser.close();
}
EOF
HARNESS="$PWD/tests/e2e/harness.mjs" URL="http://127.0.0.1:$port/" TEST_URL="http://127.0.0.1:$test_port/" TOOLS_DIR="$CLOUDPING_CACHE/tools" CHROMIUM="$(command -v chromium)" node "$work/shoot.mjs"
echo "wrote docs/matrix.png, docs/graph.png, docs/change.png, docs/map.png and docs/browser.png"
