// The page the publisher prerenders, in real headless Chromium: readable with
// JavaScript off, and taken over by the app with no frame in between that
// lacks the matrix, and nothing moving.
//
// Environment (set by scripts/test.sh): CLOUDPING_BIN, DIST_DIR, TOOLS_DIR, CHROMIUM.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as h from './harness.mjs';

const env = (name) => h.env(name, 'run the tests through scripts/test.sh');
const BIN = env('CLOUDPING_BIN');
const DIST = env('DIST_DIR');

let browser;
before(async () => {
  browser = await h.launch(env('TOOLS_DIR'), env('CHROMIUM'));
});
after(async () => {
  await browser?.close();
  h.cleanup();
});

/** The built site in a bucket folder, then 2 simulated days published into it (which prerenders). */
let bucket;
const published = () => (bucket ??= h.publish(BIN, { days: 2, dist: DIST }));

/** The first window's p50 of us-east-1 → eu-west-1, as a cell shows it. */
function expected(root) {
  const feed = join(root, 'data/v2');
  const m = JSON.parse(readFileSync(join(feed, 'manifest.json'), 'utf8'));
  const x = JSON.parse(readFileSync(join(feed, m.windows[0].matrix), 'utf8'));
  const v = x.stats.p50[x.sources.indexOf('us-east-1')][x.destinations.indexOf('eu-west-1')];
  return v < 100 ? v.toFixed(1) : v.toFixed(0);
}

const CELL = 'td[data-src="us-east-1"][data-dst="eu-west-1"]';

test('with JavaScript off, the page shows the matrix the feed publishes', async () => {
  const root = published();
  const url = await h.serve(BIN, root);
  const ctx = await browser.newContext({ javaScriptEnabled: false });
  const page = await ctx.newPage();
  await page.goto(url);
  const cell = page.locator(`#prerender ${CELL}`);
  assert.ok(await cell.isVisible(), 'the cell is drawn from the HTML alone');
  assert.equal((await cell.textContent()).trim(), expected(root));
  assert.ok(await page.locator('#prerender table.matrix tbody tr').count() >= 30, 'every region');
  assert.match(await page.locator('#prerender .freshness').textContent(), /^Updated \d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
  assert.match(await page.locator('noscript').textContent(), /need JavaScript/);
  // A link in the static page works without script: the skip link, to the table.
  assert.equal(await page.locator('#prerender a.skip[href="#matrix"]').count(), 1);
  await ctx.close();
});

test('the app takes over from the prerendered page without a flash', async () => {
  const root = published();
  const url = await h.serve(BIN, root);
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  // Every frame: is the cell there and visible, where, and whose is it.
  await page.addInitScript((sel) => {
    window.__frames = [];
    const tick = () => {
      const cells = [...document.querySelectorAll(sel)].filter((c) => c.getClientRects().length > 0);
      const c = cells[0];
      window.__frames.push(c ? { y: c.getBoundingClientRect().top, x: c.getBoundingClientRect().left,
        live: !c.closest('#prerender'), n: cells.length } : null);
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  }, CELL);
  await page.goto(url);
  await page.waitForFunction(() => !document.querySelector('#prerender') && document.querySelector('#app:not([hidden])'), null, { timeout: 15000 });
  await page.waitForTimeout(200);
  const frames = await page.evaluate(() => window.__frames);
  const first = frames.findIndex((f) => f);
  assert.ok(first >= 0, 'the matrix was drawn');
  const after = frames.slice(first);
  assert.equal(after.filter((f) => !f).length, 0, `no frame without the matrix once it showed (${after.length} frames)`);
  assert.ok(after.every((f) => f.n === 1), 'never two copies on screen');
  const staticF = after.filter((f) => !f.live);
  const live = after.filter((f) => f.live);
  assert.ok(staticF.length > 0 && live.length > 0, `static, then live (${staticF.length}, ${live.length} frames)`);
  const [a, b] = [staticF.at(-1), live[0]];
  assert.ok(Math.abs(a.x - b.x) <= 1 && Math.abs(a.y - b.y) <= 1, `the cell did not move: ${JSON.stringify([a, b])}`);
  // The live page is the app: its value, and a click opens the graph.
  const cell = page.locator(`#app ${CELL}`);
  assert.equal((await cell.textContent()).trim(), expected(root));
  await cell.click();
  await page.waitForFunction(() => document.querySelector('#chart')?.dataset.lines === '1', null, { timeout: 15000 });
  assert.deepEqual(errors, []);
});

test('a link to another view shows the prerendered matrix, then that view', async () => {
  const root = published();
  const url = await h.serve(BIN, root);
  const page = await browser.newPage();
  await page.goto(url + '#window=7d&stat=p90');
  await page.waitForFunction(() => !document.querySelector('#prerender'), null, { timeout: 15000 });
  assert.equal(await page.inputValue('#stat'), 'p90');
  assert.match(await page.locator('table.matrix caption').textContent(), /^p90 .* over 7d/);
});
