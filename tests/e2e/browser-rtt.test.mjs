// End-to-end tests, in real headless Chromium, of "From your browser": the
// page's own round trip to each region, against local servers with known
// added delays (20, 80 and 150 ms), one that never answers and one that
// refuses. The endpoints are pointed at them through the override that only
// a test build honours (TEST_DIST_DIR, built with CLOUDPING_TEST_ENDPOINTS=1);
// the published build (DIST_DIR) is shown to ignore it.
//
// Environment (set by scripts/test.sh): CLOUDPING_BIN, DIST_DIR,
// TEST_DIST_DIR, FIXTURES_DIR, TOOLS_DIR (playwright-core, axe-core), CHROMIUM.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as h from './harness.mjs';

const env = (name) => h.env(name, 'run the tests through scripts/test.sh');
const TOOLS = env('TOOLS_DIR');
const BIN = env('CLOUDPING_BIN');
const DIST = env('DIST_DIR');
const TEST_DIST = env('TEST_DIST_DIR');
const FIXTURES = env('FIXTURES_DIR');

const DELAYS = { 'us-east-1': 20, 'eu-west-1': 80, 'ap-northeast-1': 150 };
/** Per region, the base URL the override points it at; hits counts every request. */
const endpoints = {};
let hits = 0;
const standIn = (delay, options = {}) => h.pingStandIn(delay, { ...options, onHit: () => hits++ });

let browser;
before(async () => {
  browser = await h.launch(TOOLS, env('CHROMIUM'));
  for (const [region, delay] of Object.entries(DELAYS)) endpoints[region] = await standIn(delay);
  endpoints['sa-east-1'] = await standIn(null);
  // No CORS: the browser hides the timing, so the page times the request itself.
  endpoints['eu-central-1'] = await standIn(50, { opaque: true });
  endpoints['ap-south-1'] = await h.refusedUrl();
});
after(async () => {
  await browser?.close();
  h.cleanup();
});

/** A page of `dist` over the fixture feed with the override (and consent, if `remembered`) stored. */
async function open(dist, { remembered = false, colorScheme } = {}) {
  const url = await h.serve(BIN, h.site(dist, FIXTURES));
  const page = await browser.newPage({ colorScheme, acceptDownloads: true });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.addInitScript(([over, yes]) => {
    if (!sessionStorage.getItem('seeded')) {
      sessionStorage.setItem('seeded', '1');
      localStorage.setItem('cloudping.test-endpoints', over);
      if (yes) localStorage.setItem('cloudping.measure', 'yes');
    }
  }, [JSON.stringify(endpoints), remembered]);
  await page.goto(url + '#window=1d&stat=p50');
  await h.cell(page, 'us-east-1', 'eu-west-1').waitFor({ timeout: 15000 });
  return { page, errors };
}

const settled = (page) => page.locator('#browser .status', { hasText: /^Measured \d+ of 6 regions/ }).waitFor({ timeout: 20000 });

const download = h.download;

test('one click measures every region: medians within 3 ms of the known delays, ranked, failures shown as failed', async () => {
  const { page, errors } = await open(TEST_DIST);
  assert.match(await page.locator('#browser').textContent(), /HTTP round trip, so a few ms above the matrix's TCP connect\. Nothing is sent anywhere/);
  assert.equal(await page.locator('tbody.you').count(), 0, 'nothing measured before the click');
  assert.equal(hits, 0, 'nothing requested before the click');
  await page.click('#measure');
  await settled(page);
  assert.equal(await page.locator('#browser .status').textContent(), 'Measured 4 of 6 regions from your browser.');

  // Ranked by median; the regions not reached listed apart, unnumbered.
  assert.equal(await page.locator('#browser ol.closest li').count(), 4);
  assert.deepEqual(await page.locator('#browser ul.unreached li').evaluateAll((lis) => lis.map((li) => li.dataset.region)),
    ['ap-south-1', 'sa-east-1']);
  const items = await page.locator('#browser ol.closest li, #browser ul.unreached li').evaluateAll((lis) =>
    lis.map((li) => ({ region: li.dataset.region, median: li.dataset.median ? Number(li.dataset.median) : null, cls: li.className, text: li.textContent })));
  assert.deepEqual(items.map((i) => i.region), ['us-east-1', 'eu-central-1', 'eu-west-1', 'ap-northeast-1', 'ap-south-1', 'sa-east-1']);
  const byRegion = Object.fromEntries(items.map((i) => [i.region, i]));
  // Timed as the page sees it: at least the delay, and above it by the browser's own work.
  assert.ok(byRegion['eu-central-1'].median >= 50 && byRegion['eu-central-1'].median < 75, JSON.stringify(byRegion['eu-central-1']));
  for (const i of [byRegion['us-east-1'], byRegion['eu-west-1'], byRegion['ap-northeast-1']]) {
    const want = DELAYS[i.region];
    assert.ok(Math.abs(i.median - want) <= 3, `${i.region}: ${i.median} ms against ${want} ms; ${JSON.stringify(items)}`);
    assert.equal(i.cls, 'measured');
  }
  assert.equal(items[4].cls, 'failed');
  assert.match(items[4].text, /failed: refused or unreachable/);
  assert.match(items[5].text, /failed: no answer within 4 s/);
  for (const i of items.slice(4)) assert.doesNotMatch(i.text, /\b0(\.0)? ms/, 'a failure is never a 0');

  // The "you" row above the sources, on the matrix's scale.
  const you = (dst) => page.locator(`tbody.you td[data-dst="${dst}"]`).textContent();
  assert.ok(Math.abs(Number(await you('us-east-1')) - items[0].median) <= 0.05 + 1e-9);
  assert.ok(Math.abs(Number(await you('ap-northeast-1')) - byRegion['ap-northeast-1'].median) <= 0.5 + 1e-9);
  assert.match(await page.locator('tbody.you th').textContent(), /you/);

  // The same figures as JSON and CSV.
  const json = await download(page, '#download-browser-json');
  assert.equal(json.name, 'cloudping-from-my-browser.json');
  const report = JSON.parse(json.text);
  assert.equal(report.timed_requests, 5);
  assert.deepEqual(report.regions.map((r) => [r.region, r.status]), items.map((i) => [i.region, i.cls]));
  for (const r of report.regions.slice(0, 4)) {
    assert.equal(r.timing, r.region === 'eu-central-1' ? 'script' : 'network', r.region);
    assert.equal(r.rtts_ms.length, 5);
    assert.equal(r.median_ms, [...r.rtts_ms].sort((a, b) => a - b)[2]);
    assert.equal(r.url, `${endpoints[r.region]}/ping`);
    assert.ok(r.warmup.total_ms >= (DELAYS[r.region] ?? 50), r.region);
  }
  assert.equal(report.regions[5].median_ms, undefined);
  const csv = await download(page, '#download-browser-csv');
  const rows = csv.text.trim().split('\n').map((l) => l.split(','));
  assert.deepEqual(rows[0], ['region', 'url', 'status', 'median_ms', 'min_ms', 'max_ms', 'rtts_ms', 'error']);
  assert.deepEqual(rows.slice(1).map((r) => r[0]), items.map((i) => i.region));
  assert.ok(Math.abs(Number(rows[1][3]) - items[0].median) < 0.001);
  assert.equal(rows[5][2], 'failed');
  assert.equal(rows[5][3], '');
  assert.deepEqual(errors, []);
});

test('the choice is remembered: the next visit measures without a click, and Forget stops it', async () => {
  const { page, errors } = await open(TEST_DIST, { remembered: true });
  await settled(page);
  assert.equal(await page.locator('#browser ol.closest li.measured').count(), 4);
  await page.click('#measure-forget');
  await page.locator('#browser ol.closest').waitFor({ state: 'detached' });
  assert.equal(await page.evaluate(() => localStorage.getItem('cloudping.measure')), null);
  assert.equal(await page.locator('tbody.you').count(), 0);
  await page.reload();
  await h.cell(page, 'us-east-1', 'eu-west-1').waitFor();
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(await page.locator('#browser .status').textContent(), '', 'not measured again');
  assert.deepEqual(errors, []);
});

test('the published build ignores the override: none of the local servers is asked', async () => {
  const before = hits;
  const { page, errors } = await open(DIST, { remembered: true });
  await page.locator('#browser .status', { hasText: 'Measuring from your browser' }).waitFor();
  await new Promise((r) => setTimeout(r, 3000));
  assert.equal(hits, before, 'no request reached a local server');
  assert.match(await page.locator('#browser .status').textContent(), / of \d\d regions/, 'every commercial region');
  await page.close();
  assert.deepEqual(errors, []);
});

for (const colorScheme of ['light', 'dark']) {
  test(`the measured page passes axe-core (${colorScheme})`, async () => {
    const { page, errors } = await open(TEST_DIST, { colorScheme });
    await page.keyboard.press('Tab');
    await page.focus('#measure');
    await page.keyboard.press('Enter');
    await settled(page);
    assert.deepEqual(await h.axe(page, TOOLS), []);
    assert.deepEqual(errors, []);
  });
}
