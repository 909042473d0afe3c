// End-to-end tests of the trunk-built site in real headless Chromium.
//
// Each test serves a folder holding the built site plus a feed (a small
// fixed one, a corrupted copy, or one the pipeline just published) with
// `cloudping serve`, and drives Chromium through playwright-core.
//
// Environment (set by scripts/test.sh): CLOUDPING_BIN, DIST_DIR, FIXTURES_DIR,
// TOOLS_DIR (where playwright-core is installed), CHROMIUM.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, cpSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as h from './harness.mjs';

const env = (name) => h.env(name, 'run the tests through scripts/test.sh');

const BIN = env('CLOUDPING_BIN');
const DIST = env('DIST_DIR');
const FIXTURES = env('FIXTURES_DIR');

let browser;
const dirs = h.dirs;
const site = (feedDir) => h.site(DIST, feedDir);
const serve = (root) => h.serve(BIN, root);

const open = (url, options) => h.open(browser, url, options);

const cell = h.cell;

before(async () => {
  browser = await h.launch(env('TOOLS_DIR'), env('CHROMIUM'));
});

after(async () => {
  await browser?.close();
  h.cleanup();
});

test('the fixed feed shows its known values, labelled', async () => {
  const { page, errors } = await open(await serve(site(FIXTURES)));
  await assert.doesNotReject(cell(page, 'us-east-1', 'eu-west-1').waitFor({ timeout: 10000 }));
  assert.equal((await cell(page, 'us-east-1', 'eu-west-1').textContent()).trim(), '68.4');
  assert.equal((await cell(page, 'ap-northeast-1', 'eu-west-1').textContent()).trim(), '—', 'missing is not 0');
  const caption = await page.locator('table.matrix caption').textContent();
  assert.match(caption, /rows: source region, columns: destination region/);
  assert.equal(await page.locator('table.matrix thead th[scope=col]').count(), 4);
  assert.equal(await page.locator('table.matrix tbody th[scope=row]').count(), 3);
  assert.equal(await page.locator('.banner').count(), 0, 'real data has no simulated banner');
  assert.deepEqual(errors, []);
});

test('the window and statistic selectors change the value and the URL', async () => {
  const url = await serve(site(FIXTURES));
  const { page } = await open(url);
  await cell(page, 'us-east-1', 'eu-west-1').waitFor();
  await page.selectOption('#window', '7d');
  await page.waitForFunction(() => document.querySelector('td[data-src="us-east-1"][data-dst="eu-west-1"]')?.textContent.trim() === '69.0');
  await page.selectOption('#stat', 'p99');
  // p99 of the 7 d fixture for this pair is 82.84 ms.
  await page.waitForFunction(() => document.querySelector('td[data-src="us-east-1"][data-dst="eu-west-1"]')?.textContent.trim() === '82.8');
  assert.match(page.url(), /#window=7d&stat=p99$/);
  // The link reopens the same view.
  const again = await open(page.url());
  await again.page.waitForFunction(() => document.querySelector('td[data-src="us-east-1"][data-dst="eu-west-1"]')?.textContent.trim() === '82.8');
  assert.equal(await again.page.inputValue('#window'), '7d');
});

test('a malformed matrix shows a clear error, not a blank page', async () => {
  const feed = mkdtempSync(join(tmpdir(), 'cloudping-feed-'));
  dirs.push(feed);
  cpSync(FIXTURES, feed, { recursive: true });
  writeFileSync(join(feed, 'matrix/1d.json'), '{"version": 1, "window": "1d", "truncated');
  const { page, errors } = await open(await serve(site(feed)));
  const alert = page.locator('[role=alert]');
  await alert.waitFor({ timeout: 10000 });
  assert.match(await alert.textContent(), /data\/v2\/matrix\/1d\.json is not valid feed JSON/);
  assert.equal(await page.locator('button', { hasText: 'Retry' }).count(), 1);
  assert.deepEqual(errors, [], 'no panic reaches the page');
});

test('the matrix shows from the one-statistic file before the full matrix arrives', async () => {
  const page = await browser.newPage();
  const requested = [];
  let releaseFull;
  const fullHeld = new Promise((r) => { releaseFull = r; });
  await page.route('**/data/v2/matrix/**', async (route) => {
    const url = route.request().url();
    requested.push(url.replace(/.*\/data\/v2\//, ''));
    if (url.endsWith('/matrix/1d.json')) await fullHeld;
    await route.continue();
  });
  await page.goto(await serve(site(FIXTURES)));
  await cell(page, 'us-east-1', 'eu-west-1').waitFor({ timeout: 10000 });
  assert.equal((await cell(page, 'us-east-1', 'eu-west-1').textContent()).trim(), '68.4');
  assert.deepEqual(requested[0], 'matrix/1d-p50.json', 'the shown statistic first');
  assert.equal(await page.locator('#download-matrix-json').count(), 0, 'downloads wait for every statistic');
  releaseFull();
  await page.locator('#download-matrix-json').waitFor({ timeout: 10000 });
  assert.ok(requested.includes('matrix/1d.json'), 'then the full matrix');
  // The legend states what the figures are good to.
  assert.match(await page.locator('.legend .precision').textContent(), /0\.1 % or 10 µs/);
  await page.close();
});

test('a matrix of the wrong shape is reported as malformed', async () => {
  const feed = mkdtempSync(join(tmpdir(), 'cloudping-feed-'));
  dirs.push(feed);
  cpSync(FIXTURES, feed, { recursive: true });
  const m = JSON.parse(readFileSync(join(feed, 'matrix/1d.json'), 'utf8'));
  m.stats.p50.pop();
  writeFileSync(join(feed, 'matrix/1d.json'), JSON.stringify(m));
  const { page } = await open(await serve(site(feed)));
  const alert = page.locator('[role=alert]');
  await alert.waitFor({ timeout: 10000 });
  assert.match(await alert.textContent(), /is malformed: matrix `p50` is not 3 × 3/);
});

test('a missing feed says it is not published yet', async () => {
  const { page } = await open(await serve(site(null)));
  const alert = page.locator('[role=alert]');
  await alert.waitFor({ timeout: 10000 });
  assert.match(await alert.textContent(), /manifest\.json was not found \(HTTP 404\)/);
});

/** A feed the pipeline publishes (2 simulated days, every commercial region), made once. */
let pipeline;
const pipelineFeed = () => (pipeline ??= join(h.publish(BIN, { days: 2 }), 'data/v2'));

test('a feed published by the pipeline renders every region', async () => {
  const feed = pipelineFeed();
  const manifest = JSON.parse(readFileSync(join(feed, 'manifest.json'), 'utf8'));
  const matrix = JSON.parse(readFileSync(join(feed, manifest.windows[0].matrix), 'utf8'));
  const { page, errors } = await open(await serve(site(feed)));
  await cell(page, 'us-east-1', 'eu-west-1').waitFor({ timeout: 10000 });
  const n = matrix.sources.length;
  assert.ok(n >= 34, `all commercial regions published (${n})`);
  assert.equal(await page.locator('table.matrix tbody tr').count(), n);
  const i = matrix.sources.indexOf('us-east-1');
  const j = matrix.destinations.indexOf('eu-west-1');
  const v = matrix.stats.p50[i][j];
  assert.equal((await cell(page, 'us-east-1', 'eu-west-1').textContent()).trim(), v.toFixed(1));
  assert.equal(await page.locator('.banner').count(), 1, 'simulated data is flagged');
  assert.deepEqual(errors, []);
});

// ---- Details, filters, sorting, keyboard -------------------------------------------------------

/** The text of the focused element's data attributes, e.g. "us-east-1>eu-west-1". */
const focused = (page) => page.evaluate(() => `${document.activeElement?.dataset.src}>${document.activeElement?.dataset.dst}`);
const rowOrder = (page) => page.locator('table.matrix tbody th[scope=row] .long').allTextContents();

test('hovering a cell shows every statistic, samples, loss, fiber floor and stretch', async () => {
  const { page, errors } = await open(await serve(site(FIXTURES)));
  await cell(page, 'us-east-1', 'eu-west-1').hover();
  const tip = page.locator('#cell-tip');
  await tip.waitFor();
  const text = await tip.textContent();
  for (const want of ['us-east-1 → eu-west-1', 'p10', '66.37 ms', 'p99', '82.10 ms', 'max', '109.470 ms', '2\u202f880', '0 (0.00 %)']) {
    assert.ok(text.includes(want), `${want} in ${text}`);
  }
  // Ashburn–Dublin: about 5 450 km of great circle, a fiber floor near 53.5 ms.
  assert.equal((await tip.locator('[data-stat=floor]').textContent()).trim(), '53.5 ms');
  assert.equal((await tip.locator('[data-stat=stretch]').textContent()).trim(), '1.28×', '68.42 ms ÷ 53.5 ms');
  // The pair that lost everything: no latency, 100 % loss, no stretch.
  await cell(page, 'ap-northeast-1', 'eu-west-1').hover();
  await page.waitForFunction(() => document.querySelector('#cell-tip')?.textContent.includes('ap-northeast-1 → eu-west-1'));
  const lost = await tip.textContent();
  assert.ok(lost.includes('2\u202f880 (100.00 %)'), lost);
  assert.match(await tip.locator('[data-stat=stretch]').textContent(), /no latency/);
  assert.deepEqual(errors, []);
});

test('geography and region filters, and sorting by a column, apply and stay in the URL', async () => {
  const url = await serve(site(FIXTURES));
  const { page } = await open(url);
  await cell(page, 'us-east-1', 'eu-west-1').waitFor();
  assert.deepEqual(await rowOrder(page), ['us-east-1', 'eu-west-1', 'ap-northeast-1'], 'geographic by default');
  await page.check('input[name=geo][value=europe]');
  await page.waitForFunction(() => document.querySelectorAll('table.matrix tbody tr').length === 1);
  assert.deepEqual(await rowOrder(page), ['eu-west-1']);
  assert.equal(await page.locator('table.matrix thead th.dst').count(), 1);
  assert.match(page.url(), /geo=europe/);
  await page.click('button.clear');
  await page.waitForFunction(() => document.querySelectorAll('table.matrix tbody tr').length === 3);
  // Regions: ticking two shows those two.
  await page.click('details.regions summary');
  await page.check('input[name=region][value=ap-northeast-1]');
  await page.check('input[name=region][value=us-east-1]');
  await page.waitForFunction(() => document.querySelectorAll('table.matrix tbody tr').length === 2);
  assert.deepEqual(await rowOrder(page), ['us-east-1', 'ap-northeast-1']);
  await page.click('button.clear');
  await page.waitForFunction(() => document.querySelectorAll('table.matrix tbody tr').length === 3);
  // Sort by the eu-west-1 column: fastest first, missing last; again: slowest first.
  const header = page.locator('table.matrix thead th.dst button', { hasText: 'eu-west-1' });
  await header.click();
  await page.waitForFunction(() => document.querySelector('table.matrix tbody th .long')?.textContent === 'eu-west-1');
  assert.deepEqual(await rowOrder(page), ['eu-west-1', 'us-east-1', 'ap-northeast-1']);
  assert.equal(await page.locator('th[aria-sort=ascending]').count(), 1);
  await header.click();
  await page.waitForFunction(() => document.querySelector('table.matrix tbody th .long')?.textContent === 'us-east-1');
  assert.deepEqual(await rowOrder(page), ['us-east-1', 'eu-west-1', 'ap-northeast-1']);
  assert.match(page.url(), /sort=col:eu-west-1:desc/);
  await page.selectOption('#sort', 'code');
  await page.waitForFunction(() => document.querySelector('table.matrix tbody th .long')?.textContent === 'ap-northeast-1');
  assert.deepEqual(await rowOrder(page), ['ap-northeast-1', 'eu-west-1', 'us-east-1']);
});

test('arrow keys move between cells and Enter opens the pair', async () => {
  const { page, errors } = await open(await serve(site(FIXTURES)));
  await cell(page, 'us-east-1', 'us-east-1').waitFor();
  assert.equal(await page.locator('table.matrix td[tabindex="0"]').count(), 1, 'one tab stop in the table');
  await cell(page, 'us-east-1', 'us-east-1').focus();
  await page.keyboard.press('ArrowRight');
  assert.equal(await focused(page), 'us-east-1>eu-west-1');
  await page.keyboard.press('ArrowDown');
  assert.equal(await focused(page), 'eu-west-1>eu-west-1');
  await page.keyboard.press('End');
  assert.equal(await focused(page), 'eu-west-1>ap-northeast-1');
  await page.keyboard.press('ArrowRight');
  assert.equal(await focused(page), 'eu-west-1>ap-northeast-1', 'the edge holds');
  await page.keyboard.press('Home');
  await page.keyboard.press('ArrowUp');
  assert.equal(await focused(page), 'us-east-1>us-east-1');
  await page.keyboard.press('ArrowRight');
  assert.ok((await page.locator('#cell-tip').textContent()).includes('us-east-1 → eu-west-1'), 'focus shows the details');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelector('#chart')?.dataset.lines === '1');
  assert.match(page.url(), /pairs=us-east-1:eu-west-1/);
  assert.equal(await page.locator('ul.pairs li').count(), 1);
  assert.deepEqual(errors, []);
});

// ---- Graphs ------------------------------------------------------------------------------------

/** Pixels of the canvas close to an RGB colour. */
const pixelsNear = (page, rgb) => page.evaluate(([r, g, b]) => {
  const c = document.querySelector('#chart');
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 0; i < d.length; i += 4) {
    if (Math.abs(d[i] - r) < 24 && Math.abs(d[i + 1] - g) < 24 && Math.abs(d[i + 2] - b) < 24) n++;
  }
  return n;
}, rgb);
const chart = (page) => page.evaluate(() => ({ ...document.querySelector('#chart').dataset }));
const drawnAtLeast = (page, n) => page.waitForFunction((n) => Number(document.querySelector('#chart')?.dataset.drawn) >= n, n);
const linesDrawn = (page, n) => page.waitForFunction((n) => document.querySelector('#chart')?.dataset.lines === String(n), n);

test('clicking a cell opens its graph, and the range picks the resolution and redraws', async () => {
  const { page, errors } = await open(await serve(site(FIXTURES)));
  await cell(page, 'us-east-1', 'eu-west-1').click();
  await linesDrawn(page, 1);
  let c = await chart(page);
  // 7 days (the default) use the hourly series: 24 points, a gap, two lossy hours.
  assert.equal(c.lines, '1');
  assert.equal(c.points, '24');
  assert.equal(c.lossy, '2');
  assert.equal(c.from, '2026-11-13T12:05:00Z');
  assert.equal(c.to, '2026-11-20T12:05:00Z');
  assert.equal(await page.locator('ul.chart-legend li[data-resolution="1h"]').count(), 1);
  assert.ok(await pixelsNear(page, [0, 114, 178]) > 150, 'the median line is drawn in the pair colour');
  // 24 h: 5-minute points, ending with the newest round (data_end 12:00 is in, 12:00 the day before
  // is out); the fixture's series stops at 11:55, so 287 of them.
  await page.click('button.preset[data-range="24h"]');
  await page.waitForFunction(() => document.querySelector('#chart').dataset.points === '287');
  c = await chart(page);
  assert.equal(c.from, '2026-11-19T12:05:00Z');
  assert.equal(await page.locator('ul.chart-legend li[data-resolution="5m"]').count(), 1);
  assert.match(page.url(), /range=24h/);
  // A custom range: the 20th only (UTC), still within 2 days: 5-minute points, 12 h of them.
  const before = Number(c.drawn);
  await page.fill('#range-from', '2026-11-20');
  await page.fill('#range-to', '2026-11-20');
  await page.click('#range-apply');
  await drawnAtLeast(page, before + 1);
  await page.waitForFunction(() => document.querySelector('#chart').dataset.from === '2026-11-20T00:00:00Z');
  c = await chart(page);
  assert.equal(c.to, '2026-11-21T00:00:00Z');
  assert.equal(c.points, '144');
  assert.match(page.url(), /range=2026-11-20\.\.2026-11-20/);
  // All: daily points, complete days only (the 20th is still going).
  await page.click('button.preset[data-range="all"]');
  await page.waitForFunction(() => document.querySelector('ul.chart-legend li[data-resolution="1d"]'));
  await page.waitForFunction(() => document.querySelector('#chart').dataset.points === '9');
  // Reversed dates are refused; a preset (even the one in effect) clears what was said.
  await page.fill('#range-from', '2026-11-19');
  await page.fill('#range-to', '2026-11-15');
  await page.click('#range-apply');
  const said = page.locator('.range .error-message', { hasText: 'the first not after the second' });
  await said.waitFor();
  await page.click('button.preset[data-range="all"]');
  await said.waitFor({ state: 'detached' });
  // A second pair from the picker: two lines, two colours.
  await page.click('button.preset[data-range="7d"]');
  await page.selectOption('#pick-src', 'eu-west-1');
  await page.selectOption('#pick-dst', 'us-east-1');
  await page.click('#pick-add');
  await page.waitForFunction(() => document.querySelector('#chart').dataset.lines === '2');
  assert.ok(await pixelsNear(page, [230, 159, 0]) > 150, 'the second pair in its own colour');
  assert.match(page.url(), /pairs=us-east-1:eu-west-1,eu-west-1:us-east-1/);
  // A pair without series says so.
  await page.selectOption('#pick-src', 'ap-northeast-1');
  await page.selectOption('#pick-dst', 'eu-west-1');
  await page.click('#pick-add');
  await page.locator('.graph .note', { hasText: 'no series for this pair' }).waitFor();
  assert.deepEqual(errors, []);
});

test('the chart reads out the figures where it is pointed at, and by keyboard', async () => {
  const { page, errors } = await open(await serve(site(FIXTURES)));
  await cell(page, 'us-east-1', 'eu-west-1').click();
  await linesDrawn(page, 1);
  const readout = page.locator('#chart-readout');
  assert.match(await readout.textContent(), /^Point at the chart/);
  // Focused, it reads the newest point: the figures of the series download.
  const series = JSON.parse((await h.download(page, '#download-series-json')).text).series[0];
  const figures = (k) => {
    const at = new Date(Date.parse(series.start) + k * series.step_seconds * 1000).toISOString().slice(0, 16).replace('T', ' ');
    const v = series.p50[k];
    return [`${at} UTC — us-east-1 → eu-west-1: `, v === null ? 'every connect lost' : `${v < 100 ? v.toFixed(1) : v.toFixed(0)} ms`];
  };
  await page.focus('#chart');
  await page.waitForFunction(() => !document.querySelector('#chart-readout').textContent.startsWith('Point'));
  const [head, value] = figures(series.p50.length - 1);
  const text = await readout.textContent();
  assert.ok(text.startsWith(head + value), `${text} against ${head}${value}`);
  // A step to the left: an earlier hour (a step is 1 % of the range, here 1.7 h).
  await page.keyboard.press('ArrowLeft');
  const earlier = await readout.textContent();
  assert.ok(earlier.slice(0, 16) < text.slice(0, 16), `${earlier} before ${text}`);
  // The range's start is 6 days before the fixture's data: said, no line drawn.
  await page.keyboard.press('Home');
  assert.equal(await readout.textContent(), 'No data at this time.');
  assert.equal(await page.locator('.chart-cursor').count(), 0);
  await page.keyboard.press('Escape');
  assert.match(await readout.textContent(), /^Point at the chart/);
  // The mouse, over the last day (where the fixture has data): a line at it.
  const box = await page.locator('#chart').boundingBox();
  await page.mouse.move(box.x + box.width * 0.95, box.y + box.height / 2);
  assert.match(await readout.textContent(), /^\d{4}-\d\d-\d\d \d\d:\d\d UTC — us-east-1 → eu-west-1: /);
  assert.equal(await page.locator('.chart-cursor').count(), 1);
  await page.mouse.move(0, 0);
  assert.equal(await page.locator('.chart-cursor').count(), 0);
  assert.deepEqual(errors, []);
});

test('opening a pair brings its graph to the top of the window, and keyboard focus follows', async () => {
  // Every region: the graph starts far below the fold, as on the real site.
  const { page, errors } = await open(await serve(site(pipelineFeed())), { viewport: { width: 1440, height: 900 } });
  const graphTop = () => page.evaluate(() => Math.round(document.getElementById('graph').getBoundingClientRect().top));
  await cell(page, 'us-east-1', 'eu-west-1').focus();
  await page.keyboard.press('Enter');
  await linesDrawn(page, 1);
  assert.ok(Math.abs(await graphTop()) <= 2, `the graph's top is at ${await graphTop()} px`);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'graph-title');
  await page.keyboard.press('Tab');
  assert.ok(await page.evaluate(() => document.getElementById('graph').contains(document.activeElement)),
    'Tab goes on into the graph');
  // With the mouse, from the top of the page, another pair.
  await page.evaluate(() => window.scrollTo(0, 0));
  await cell(page, 'eu-west-1', 'us-east-1').click();
  await page.waitForFunction(() => location.hash.includes('pairs=eu-west-1:us-east-1'));
  await linesDrawn(page, 1);
  assert.ok(Math.abs(await graphTop()) <= 2, `the graph's top is at ${await graphTop()} px`);
  assert.deepEqual(errors, []);
});

test('back from the map or the API page, the home page is where the reader left it', async () => {
  const { page, errors } = await open(await serve(site(pipelineFeed())), { viewport: { width: 1440, height: 900 } });
  await cell(page, 'us-east-1', 'eu-west-1').click();
  await linesDrawn(page, 1);
  await page.evaluate(() => window.scrollBy(0, -300));
  await page.waitForTimeout(100); // the scroll event
  const left = await page.evaluate(() => Math.round(window.scrollY));
  assert.ok(left > 1000, `scrolled down to the graph (${left} px)`);
  for (const [link, ready] of [['Map', 'svg#map'], ['Feed & API', 'article.api']]) {
    // Clicked in the page: playwright's own click would first scroll the
    // link at the top into view, and the page would rightly record that
    // the reader left it at the top.
    await page.locator('nav a', { hasText: link }).evaluate((a) => a.click());
    await page.locator(ready).waitFor();
    await page.goBack();
    await linesDrawn(page, 1);
    const y = await page.evaluate(() => Math.round(window.scrollY));
    assert.ok(Math.abs(y - left) <= 2, `back from ${link}: at ${y} px, left at ${left} px`);
  }
  // From the map, a region opens its pair: the graph, not the old place.
  await page.locator('nav a', { hasText: 'Map' }).click();
  await page.locator('svg#map g.region[data-code="eu-west-1"]').click();
  await page.waitForFunction(() => !location.hash.startsWith('#/map'));
  await page.locator('#graph ul.pairs li').first().waitFor();
  await page.waitForTimeout(100);
  assert.ok(Math.abs(await page.evaluate(() => document.getElementById('graph').getBoundingClientRect().top)) <= 2);
  assert.deepEqual(errors, []);
});

test('a shared URL restores the whole view', async () => {
  const url = await serve(site(FIXTURES));
  const hash = '#window=7d&stat=p90&geo=europe,north-america&sort=col:eu-west-1&pairs=us-east-1:eu-west-1,eu-west-1:us-east-1&range=24h';
  const { page, errors } = await open(url + hash);
  await page.waitForFunction(() => document.querySelector('#chart')?.dataset.lines === '2');
  assert.equal(await page.inputValue('#window'), '7d');
  assert.equal(await page.inputValue('#stat'), 'p90');
  assert.equal(await page.inputValue('#sort'), 'col:eu-west-1');
  assert.deepEqual(await rowOrder(page), ['eu-west-1', 'us-east-1'], 'filtered, sorted');
  assert.ok(await page.isChecked('input[name=geo][value=europe]'));
  assert.ok(!(await page.isChecked('input[name=geo][value=asia-pacific]')));
  assert.equal(await page.getAttribute('button.preset[data-range="24h"]', 'aria-pressed'), 'true');
  assert.deepEqual(await page.locator('ul.pairs li').evaluateAll((l) => l.map((e) => e.dataset.pair)), ['us-east-1:eu-west-1', 'eu-west-1:us-east-1']);
  assert.equal(page.url(), url + hash, 'the link is kept as it is');
  // Back and forward follow the hash.
  await page.selectOption('#stat', 'p50');
  await page.waitForFunction(() => location.hash.includes('stat=p50'));
  await page.goBack();
  await page.waitForFunction(() => document.querySelector('#stat').value === 'p90');
  assert.deepEqual(errors, []);
});

// ---- Downloads ---------------------------------------------------------------------------------

const download = h.download;

const csvRows = (text) => text.trim().split('\n').map((l) => l.split(','));

test('the shown matrix downloads as JSON and CSV that match the view', async () => {
  const { page, errors } = await open(await serve(site(FIXTURES)) + '#window=7d&stat=p99&region=eu-west-1,us-east-1&sort=code');
  await page.waitForFunction(() => document.querySelectorAll('table.matrix tbody tr').length === 2);
  const json = await download(page, '#download-matrix-json');
  assert.equal(json.name, 'cloudping-7d-matrix.json');
  const m = JSON.parse(json.text);
  assert.equal(m.version, 2);
  assert.equal(m.window, '7d');
  assert.deepEqual(m.sources, ['eu-west-1', 'us-east-1'], 'rows as shown');
  assert.deepEqual(m.destinations, ['us-east-1', 'eu-west-1'], 'columns as shown');
  const shown = (await cell(page, 'us-east-1', 'eu-west-1').textContent()).trim();
  assert.equal(m.stats.p99[1][1].toFixed(1), shown, 'the value on screen');
  assert.equal(m.stats.p99[1][1], 82.84);
  const csv = await download(page, '#download-matrix-csv');
  assert.equal(csv.name, 'cloudping-7d-matrix.csv');
  const rows = csvRows(csv.text);
  assert.deepEqual(rows[0].slice(0, 6), ['source', 'destination', 'samples', 'lost', 'loss_pct', 'p10']);
  assert.equal(rows.length, 1 + 4);
  const p99 = rows[0].indexOf('p99');
  const pair = rows.find((r) => r[0] === 'us-east-1' && r[1] === 'eu-west-1');
  assert.equal(Number(pair[p99]), 82.84);
  // Every published row of these pairs is the same in the download.
  const published = csvRows(readFileSync(join(FIXTURES, 'matrix/7d.csv'), 'utf8'));
  for (const r of rows.slice(1)) {
    assert.deepEqual(r, published.find((p) => p[0] === r[0] && p[1] === r[1]));
  }
  assert.deepEqual(errors, []);
});

test('the shown series download as JSON and CSV that match the graph', async () => {
  const { page, errors } = await open(await serve(site(FIXTURES)) + '#window=1d&stat=p50&pairs=us-east-1:eu-west-1,eu-west-1:us-east-1&range=2026-11-19..2026-11-19');
  await page.waitForFunction(() => document.querySelector('#chart')?.dataset.lines === '2');
  const json = await download(page, '#download-series-json');
  assert.equal(json.name, 'cloudping-series-2026-11-19-2026-11-19.json');
  const d = JSON.parse(json.text);
  assert.equal(d.from, '2026-11-19T00:00:00Z');
  assert.equal(d.to, '2026-11-20T00:00:00Z');
  assert.deepEqual(d.series.map((s) => `${s.source}>${s.destination}:${s.resolution}`), ['us-east-1>eu-west-1:5m', 'eu-west-1>us-east-1:1h']);
  // The 19th holds 12 h of each (the fixtures start at noon).
  assert.equal(d.series[0].start, '2026-11-19T12:00:00Z');
  assert.equal(d.series[0].p50.length, 144);
  assert.equal(d.series[1].p50.length, 12);
  assert.equal(d.series[0].p50[5], null, 'gaps stay null');
  const fixture = JSON.parse(readFileSync(join(FIXTURES, 'series/eu-west-1/us-east-1/1h.json'), 'utf8'));
  assert.deepEqual(d.series[1].p50, fixture.p50.slice(0, 12));
  const csv = await download(page, '#download-series-csv');
  const rows = csvRows(csv.text);
  assert.deepEqual(rows[0], ['source', 'destination', 'time', 'p10', 'p50', 'p90', 'min', 'max', 'samples', 'lost']);
  assert.equal(rows.length, 1 + 144 + 12);
  const r = rows.find((x) => x[0] === 'eu-west-1' && x[2] === '2026-11-19T12:00:00Z');
  assert.equal(Number(r[4]), fixture.p50[0]);
  const gap = rows.find((x) => x[1] === 'eu-west-1' && x[2] === '2026-11-19T12:25:00Z');
  assert.deepEqual(gap.slice(3, 8), ['', '', '', '', ''], 'a gap is empty, not 0');
  assert.deepEqual(errors, []);
});

// ---- Failures, the API page, phones, dark mode, the pipeline's series ---------------------------

test('a corrupted series file shows what went wrong and retries', async () => {
  const root = site(FIXTURES);
  const file = join(root, 'data/v2/series/1h/us-east-1/2026-11-19T00.json');
  const good = readFileSync(file, 'utf8');
  writeFileSync(file, good.slice(0, 200));
  const { page, errors } = await open(await serve(root) + '#window=1d&stat=p50&pairs=us-east-1:eu-west-1');
  // The chart's panel (the weekly pattern, over the same chunk, has its own).
  const alert = page.locator('.graph [role=alert]', { hasText: 'Could not load the series' });
  await alert.waitFor({ timeout: 10000 });
  assert.match(await alert.textContent(), /series\/1h\/us-east-1\/2026-11-19T00\.json is not valid feed JSON/);
  assert.equal(await cell(page, 'us-east-1', 'eu-west-1').count(), 1, 'the matrix stays');
  writeFileSync(file, good);
  await alert.locator('button', { hasText: 'Retry' }).click();
  await linesDrawn(page, 1);
  assert.equal(await page.locator('.graph [role=alert]').count(), 0);
  assert.deepEqual(errors, []);
});

test('a series file that never arrives times out with a clear error, and Retry loads it', async () => {
  const root = site(FIXTURES);
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  // Fake timers (AbortSignal.timeout included) so 30 s pass at once.
  await page.clock.install();
  let stall = true;
  await page.route('**/data/v2/series/1h/us-east-1/2026-11-19T00.json', async (route) => {
    if (stall) return; // never answered: the request stays pending
    await route.continue();
  });
  await page.goto(await serve(root) + '#window=1d&stat=p50&pairs=us-east-1:eu-west-1');
  await page.locator('.graph').getByText(/Loading us-east-1/).first().waitFor({ timeout: 10000 });
  await page.clock.fastForward('00:31');
  const alert = page.locator('.graph [role=alert]', { hasText: 'Could not load the series' });
  await alert.waitFor({ timeout: 10000 });
  assert.match(await alert.textContent(),
    /series\/1h\/us-east-1\/2026-11-19T00\.json did not arrive within 30 s; check your connection and retry/);
  assert.equal(await cell(page, 'us-east-1', 'eu-west-1').count(), 1, 'the matrix stays');
  stall = false;
  await alert.locator('button', { hasText: 'Retry' }).click();
  await linesDrawn(page, 1);
  assert.equal(await page.locator('.graph [role=alert]').count(), 0);
  assert.deepEqual(errors, []);
  await page.close();
});

test('the API page documents the feed with the current files', async () => {
  const { page, errors } = await open(await serve(site(FIXTURES)) + '#window=7d&stat=p90');
  await cell(page, 'us-east-1', 'eu-west-1').waitFor();
  await page.click('nav a[href="#/api"]');
  await page.locator('article.api').waitFor();
  const text = await page.locator('article.api').textContent();
  for (const want of ['data/v2/manifest.json', 'max-age=60', 'immutable', 'series/{5m|1h|1d}/{src}/{YYYY-MM-DDTHH}.json', 'null', 'ms']) {
    assert.ok(text.includes(want), want);
  }
  assert.equal(await page.locator('article.api a[href="data/v2/matrix/7d.csv"]').count(), 1, 'links to the current files');
  assert.equal(page.url().endsWith('#/api'), true);
  await page.click('text=back to the matrix');
  await cell(page, 'us-east-1', 'eu-west-1').waitFor();
  assert.equal(await page.inputValue('#stat'), 'p90', 'the view survives the detour');
  assert.deepEqual(errors, []);
});

test('the full matrix fits a phone: the table scrolls, the page does not', async () => {
  const url = await serve(site(pipelineFeed()));
  const page = await browser.newPage({ viewport: { width: 375, height: 800 } });
  await page.goto(url);
  await cell(page, 'us-east-1', 'eu-west-1').waitFor({ timeout: 10000 });
  const { page: pw, inner, wrap } = await page.evaluate(() => ({
    page: document.documentElement.scrollWidth,
    inner: window.innerWidth,
    wrap: document.querySelector('.matrix-scroll').scrollWidth,
  }));
  assert.ok(pw <= inner, `page ${pw} px in a ${inner} px window`);
  assert.ok(wrap > inner, 'the table itself scrolls');
  await cell(page, 'us-east-1', 'eu-west-1').click();
  await linesDrawn(page, 1);
  const c = await chart(page);
  assert.equal(c.lines, '1', 'the pipeline\'s series are drawn');
  assert.ok(Number(c.points) > 0);
  assert.ok(await page.evaluate(() => document.querySelector('#chart').getBoundingClientRect().width) <= 375);
  await page.close();
});

test('on a phone, a tap on a cell under the details sheet opens its graph, and the sheet goes', async () => {
  const url = await serve(site(FIXTURES));
  const page = await browser.newPage({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
  await page.goto(url);
  const low = cell(page, 'eu-west-1', 'us-east-1');
  await low.waitFor({ timeout: 10000 });
  // The cell near the bottom of the screen, another cell's details showing.
  await low.evaluate((el) => window.scrollBy(0, el.getBoundingClientRect().bottom - window.innerHeight + 40));
  await page.evaluate(() => document.querySelector('td[data-src="us-east-1"][data-dst="eu-west-1"]').focus({ preventScroll: true }));
  const sheet = page.locator('#cell-tip');
  await sheet.waitFor();
  const [c, t] = [await low.boundingBox(), await sheet.boundingBox()];
  assert.ok(c.y + c.height / 2 > t.y, `the sheet (from ${t.y} px) covers the cell (at ${c.y} px)`);
  // A tap at that point of the screen, as a finger does it (no scrolling first).
  await page.touchscreen.tap(c.x + c.width / 2, c.y + c.height / 2);
  await linesDrawn(page, 1);
  assert.match(page.url(), /pairs=eu-west-1:us-east-1/);
  assert.equal(await sheet.count(), 0, 'the details are gone');
  await page.close();
});

test('dark mode follows the system setting, the chart too', async () => {
  const url = await serve(site(FIXTURES));
  const page = await browser.newPage({ colorScheme: 'dark' });
  await page.goto(url + '#pairs=us-east-1:eu-west-1');
  await linesDrawn(page, 1);
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.equal(bg, 'rgb(21, 21, 26)');
  const corner = await page.evaluate(() => [...document.querySelector('#chart').getContext('2d').getImageData(1, 1, 1, 1).data]);
  assert.deepEqual(corner.slice(0, 3), [21, 21, 26]);
  // Switching the system setting redraws the chart in the other theme.
  const drawn = Number((await chart(page)).drawn);
  await page.emulateMedia({ colorScheme: 'light' });
  await drawnAtLeast(page, drawn + 1);
  const light = await page.evaluate(() => [...document.querySelector('#chart').getContext('2d').getImageData(1, 1, 1, 1).data]);
  assert.deepEqual(light.slice(0, 3), [255, 255, 255]);
  await page.close();
});
