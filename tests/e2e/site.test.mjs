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
import { createRequire } from 'node:module';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, cpSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set; run the tests through scripts/test.sh`);
  return v;
};
const require = createRequire(join(env('TOOLS_DIR'), 'package.json'));
const { chromium } = require('playwright-core');

const BIN = env('CLOUDPING_BIN');
const DIST = env('DIST_DIR');
const FIXTURES = env('FIXTURES_DIR');

let browser;
const servers = [];
const dirs = [];

async function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
    s.on('error', reject);
  });
}

/** A site folder: the built frontend plus data/v1 from `feedDir` (or none). */
function site(feedDir) {
  const root = mkdtempSync(join(tmpdir(), 'cloudping-site-'));
  dirs.push(root);
  cpSync(DIST, root, { recursive: true });
  if (feedDir) cpSync(feedDir, join(root, 'data/v1'), { recursive: true });
  return root;
}

async function serve(root) {
  const port = await freePort();
  const proc = spawn(BIN, ['--bucket', root, 'serve', '--addr', `127.0.0.1:${port}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  servers.push(proc);
  const url = `http://127.0.0.1:${port}/`;
  for (let i = 0; i < 100; i++) {
    try { if ((await fetch(url)).ok) return url; } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`cloudping serve did not start on ${url}`);
}

async function open(url) {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url);
  return { page, errors };
}

const cell = (page, src, dst) => page.locator(`td[data-src="${src}"][data-dst="${dst}"]`);

before(async () => {
  browser = await chromium.launch({
    executablePath: env('CHROMIUM'),
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  for (const s of servers) s.kill();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
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
  assert.match(await alert.textContent(), /data\/v1\/matrix\/1d\.json is not valid feed JSON/);
  assert.equal(await page.locator('button', { hasText: 'Retry' }).count(), 1);
  assert.deepEqual(errors, [], 'no panic reaches the page');
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

test('a feed published by the pipeline renders every region', async () => {
  const work = mkdtempSync(join(tmpdir(), 'cloudping-pipeline-'));
  dirs.push(work);
  const bucket = join(work, 'bucket');
  const run = (...args) => execFileSync(BIN, ['--db', join(work, 'db.sqlite'), '--bucket', bucket, ...args], { stdio: 'pipe' });
  run('simulate', '--days', '2', '--end', '2026-11-20T00:00:00Z');
  run('rollup');
  run('publish');
  const manifest = JSON.parse(readFileSync(join(bucket, 'data/v1/manifest.json'), 'utf8'));
  const matrix = JSON.parse(readFileSync(join(bucket, 'data/v1', manifest.windows[0].matrix), 'utf8'));
  const { page, errors } = await open(await serve(site(join(bucket, 'data/v1'))));
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
