// End-to-end tests of the latency-over-time chart in real headless Chromium:
// a range without data, the p10–p90 band in dark mode, a year of hourly
// points that must stay a readable line, and the newest point drawn.
//
// The small fixed feed serves the first two; a feed the pipeline publishes
// (400 simulated days of two regions, about 10 s to make) the others.
//
// Environment (set by scripts/test.sh): CLOUDPING_BIN, DIST_DIR, FIXTURES_DIR,
// TOOLS_DIR (where playwright-core is installed), CHROMIUM.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as h from './harness.mjs';

const env = (name) => h.env(name, 'run the tests through scripts/test.sh');

const BIN = env('CLOUDPING_BIN');
const DIST = env('DIST_DIR');
const FIXTURES = env('FIXTURES_DIR');

let browser;
const site = (feedDir) => h.site(DIST, feedDir);
const serve = (root) => h.serve(BIN, root);

const open = (url, options) => h.open(browser, url, options);

before(async () => {
  browser = await h.launch(env('TOOLS_DIR'), env('CHROMIUM'));
});

after(async () => {
  await browser?.close();
  h.cleanup();
});

const BLUE = [0, 114, 178]; // the first pair's colour (PALETTE[0])
const chart = (page) => page.evaluate(() => ({ ...document.querySelector('#chart').dataset }));
const linesDrawn = (page, n) => page.waitForFunction((n) => document.querySelector('#chart')?.dataset.lines === String(n), n);

/**
 * Pixels of the canvas close to an RGB colour (each channel within 24), in
 * the plotting area only when `plot` is set; with the area's size.
 */
const pixelsNear = (page, rgb, plot = false) => page.evaluate(([[r, g, b], plot]) => {
  const c = document.querySelector('#chart');
  const s = window.devicePixelRatio || 1;
  const px = (v) => Math.round(v * s);
  // The layout of chart/draw.rs: 58 px left of the plot, 12 right, 10 above;
  // below it a 6 px gap, the loss strip (6 + 9 per pair) and the 24 px axis.
  const rows = Math.max(1, Number(c.dataset.lines) || 1);
  const [x0, x1, y0] = plot ? [px(58), c.width - px(12), px(10)] : [0, c.width, 0];
  const y1 = plot ? c.height - px(24) - px(6 + 9 * rows) - px(6) : c.height;
  const d = c.getContext('2d').getImageData(x0, y0, x1 - x0, y1 - y0).data;
  let n = 0;
  for (let i = 0; i < d.length; i += 4) {
    if (Math.abs(d[i] - r) < 24 && Math.abs(d[i + 1] - g) < 24 && Math.abs(d[i + 2] - b) < 24) n++;
  }
  return { n, area: (x1 - x0) * (y1 - y0), width: x1 - x0 };
}, [rgb, plot]);

test('a range without data says so, and draws no made-up axis', async () => {
  const url = await serve(site(FIXTURES));
  const { page, errors } = await open(url + '#pairs=us-east-1:eu-west-1&range=2026-10-01..2026-10-02');
  const empty = page.locator('#graph .chart-empty[role=status]');
  await empty.waitFor({ timeout: 10000 });
  assert.equal((await empty.textContent()).trim(), 'No data in this range (2026-10-01 – 2026-10-02).');
  assert.ok(await empty.isVisible());
  await page.waitForFunction(() => document.querySelector('#chart')?.dataset.points === '0');
  const c = await chart(page);
  assert.equal(c.lines, '0');
  assert.equal(c.last, undefined, 'no newest point');
  // No axis: no text or axis line in the foreground colour, only the background.
  assert.equal((await pixelsNear(page, [27, 27, 31])).n, 0, 'no axis or labels');
  assert.equal(await page.locator('.graph .note', { hasText: 'no series for this pair' }).count(), 0,
    'the feed has the series, only not in this range');
  // A range with data: the message goes, the chart comes back.
  await page.click('button.preset[data-range="7d"]');
  await page.waitForFunction(() => document.querySelector('#chart').dataset.points === '24');
  assert.equal(await empty.count(), 0);
  assert.deepEqual(errors, []);
  await page.close();
});

test('in dark mode the p10–p90 band stands out from the background, under the line', async () => {
  const url = await serve(site(FIXTURES));
  const { page, errors } = await open(url + '#pairs=us-east-1:eu-west-1&range=24h');
  await page.emulateMedia({ colorScheme: 'dark' });
  await linesDrawn(page, 1);
  await page.waitForFunction(() => {
    const c = document.querySelector('#chart');
    return [...c.getContext('2d').getImageData(1, 1, 1, 1).data].slice(0, 3).join() === '21,21,26';
  });
  // The band is the pair's colour at 45 % over the background (21, 21, 26):
  // (12, 63, 94), about 1.6:1 against it; at the light page's 22 % it was
  // (16, 42, 59), within 1.25:1.
  const band = await pixelsNear(page, [12, 63, 94], true);
  assert.ok(band.n > 0.05 * band.area, `band pixels: ${band.n} of ${band.area}`);
  const line = await pixelsNear(page, BLUE, true);
  assert.ok(line.n > 150, `the median line is drawn over the band (${line.n} pixels)`);
  assert.deepEqual(errors, []);
  await page.close();
});

/** A feed the pipeline publishes: 400 simulated days of us-east-1 and eu-west-1, made once. */
let pipeline;
const pipelineFeed = () =>
  (pipeline ??= join(h.publish(BIN, { days: 400, regions: 'us-east-1,eu-west-1' }), 'data/v2'));

test('a year of hourly points stays a line with an envelope, not a solid block', async () => {
  const feed = pipelineFeed();
  const { page, errors } = await open(await serve(site(feed)) + '#pairs=us-east-1:eu-west-1&range=1y');
  await linesDrawn(page, 1);
  await page.waitForFunction(() => Number(document.querySelector('#chart').dataset.points) > 8000, null, { timeout: 20000 });
  assert.equal(await page.locator('ul.chart-legend li[data-resolution="1h"]').count(), 1, 'hourly points');
  const c = await chart(page);
  const plot = await pixelsNear(page, BLUE, true);
  assert.ok(Number(c.columns) <= plot.width, `${c.columns} columns in a ${plot.width} px plot`);
  assert.ok(Number(c.columns) > plot.width / 2, `${c.columns} columns`);
  assert.ok(Number(c.envelope) > 0, `columns with an envelope: ${c.envelope}`);
  const share = plot.n / plot.area;
  assert.ok(share < 0.4, `line colour covers ${(100 * share).toFixed(1)} % of the plot`);
  assert.ok(plot.n > plot.width, 'yet the line is there');
  assert.deepEqual(errors, []);
  await page.close();
});

test('a range that begins long before the data says where the data starts', async () => {
  // Three days up to 2026-11-20, in the 1 y range.
  const young = join(h.publish(BIN, { days: 3, regions: 'us-east-1,eu-west-1' }), 'data/v2');
  const { page, errors } = await open(await serve(site(young)) + '#pairs=us-east-1:eu-west-1&range=1y');
  await linesDrawn(page, 1);
  const note = page.locator('#graph-starts');
  await note.waitFor({ timeout: 10000 });
  const text = await note.textContent();
  const m = text.match(/^The data starts at (\d{4}-\d\d-\d\d \d\d:\d\d) UTC; the range before it is empty\.$/);
  assert.ok(m, text);
  assert.equal(m[1], '2026-11-17 00:00', 'the first simulated hour');
  // A range the data fills says nothing.
  await page.click('button.preset[data-range="24h"]');
  await page.waitForFunction(() => !document.querySelector('#graph-starts'), null, { timeout: 10000 });
  assert.deepEqual(errors, []);
  await page.close();
});

test('the 24 h range ends with the newest round', async () => {
  const feed = pipelineFeed();
  const manifest = JSON.parse(readFileSync(join(feed, 'manifest.json'), 'utf8'));
  const { page, errors } = await open(await serve(site(feed)) + '#pairs=us-east-1:eu-west-1&range=7d');
  await linesDrawn(page, 1);
  await page.click('button.preset[data-range="24h"]');
  await page.waitForFunction(() => document.querySelector('ul.chart-legend li[data-resolution="5m"]'));
  await page.waitForFunction((end) => document.querySelector('#chart').dataset.last === end, manifest.data_end, { timeout: 10000 })
    .catch(() => {});
  const c = await chart(page);
  assert.equal(c.last, manifest.data_end, 'the newest point drawn is the newest round');
  assert.ok(c.from < c.last && c.last < c.to, `${c.from} < ${c.last} < ${c.to}`);
  assert.deepEqual(errors, []);
  await page.close();
});
