// What the site does with input it cannot show as asked, in real headless
// Chromium: impossible figures in the feed, a manifest without regions, a
// region code with markup, values in the link the page does not know, and
// more pairs than the graph holds. Each is said in words, and the rest of the
// page stays usable.
//
// Environment (set by scripts/test.sh): CLOUDPING_BIN, DIST_DIR, FIXTURES_DIR,
// TOOLS_DIR (where playwright-core is installed), CHROMIUM.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as h from './harness.mjs';

const env = (name) => h.env(name, 'run the tests through scripts/test.sh');
const BIN = env('CLOUDPING_BIN');
const DIST = env('DIST_DIR');
const FIXTURES = env('FIXTURES_DIR');

let browser;
before(async () => {
  browser = await h.launch(env('TOOLS_DIR'), env('CHROMIUM'));
});
after(async () => {
  await browser?.close();
  h.cleanup();
});

const open = (url, options) => h.open(browser, url, options);

const cell = h.cell;

/** A copy of the fixture feed with `edit(json)` applied to one of its files. */
function feedWith(file, edit) {
  const feed = h.tempDir('cloudping-feed-');
  cpSync(FIXTURES, feed, { recursive: true });
  const path = join(feed, file);
  const json = JSON.parse(readFileSync(path, 'utf8'));
  edit(json);
  writeFileSync(path, JSON.stringify(json));
  return feed;
}

const serveFeed = (feed) => h.serve(BIN, h.site(DIST, feed));

// ---- Impossible figures ------------------------------------------------------------------------

for (const [what, edit, message] of [
  ['a negative latency', (m) => { m.stats.p50[0][1] = -12.5; },
    /matrix\/1d-p50\.json is malformed: cell us-east-1 → eu-west-1: p50 = -12\.5 ms is negative/],
  ['a latency above 60 s', (m) => { m.stats.p50[0][1] = 1e308; },
    /matrix\/1d-p50\.json is malformed: cell us-east-1 → eu-west-1: p50 = 1e308 ms is above the 60 s/],
  ['a latency where nothing was sampled', (m) => { m.samples[0][1] = 0; },
    /matrix\/1d-p50\.json is malformed: cell us-east-1 → eu-west-1: p50 = 68\.42 ms, but samples is 0/],
  ['samples without a latency', (m) => { m.stats.p50[0][1] = null; },
    /matrix\/1d-p50\.json is malformed: cell us-east-1 → eu-west-1: samples is 2880, but no latency is given/],
]) {
  test(`${what} is an error naming the file and the cell, and the page stays usable`, async () => {
    const { page, errors } = await open(await serveFeed(feedWith('matrix/1d-p50.json', edit)));
    const alert = page.locator('[role=alert]');
    await alert.waitFor({ timeout: 10000 });
    assert.match(await alert.textContent(), message);
    assert.equal(await page.locator('table.matrix').count(), 0, 'nothing of the bad file is drawn');
    // The controls stay: another window shows its matrix.
    await page.selectOption('#window', '7d');
    await cell(page, 'us-east-1', 'eu-west-1').waitFor({ timeout: 10000 });
    assert.equal((await cell(page, 'us-east-1', 'eu-west-1').textContent()).trim(), '69.0');
    // And the page is as wide as the window (no 309-digit column).
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1));
    assert.deepEqual(errors, []);
  });
}

test('a bad point in a series is an error naming the file, pair and time; the matrix stays', async () => {
  const feed = feedWith('series/1h/us-east-1/2026-11-19T00.json', (c) => { c.destinations['eu-west-1'].p90[15] = -1; });
  const { page, errors } = await open(await serveFeed(feed) + '#pairs=us-east-1:eu-west-1&range=7d');
  // The chart's panel; the weekly pattern, over the same hourly chunk, says so too.
  const alert = page.locator('.graph [role=alert]', { hasText: 'Could not load the series' });
  await page.locator('.graph [role=alert]', { hasText: 'Could not load the weekly pattern' }).waitFor({ timeout: 10000 });
  await alert.waitFor({ timeout: 10000 });
  const text = await alert.textContent();
  assert.match(text, /series\/1h\/us-east-1\/2026-11-19T00\.json is malformed: us-east-1 → eu-west-1 at 2026-11-19T15:00:00Z: p90 = -1 ms is negative/, text);
  assert.equal((await cell(page, 'us-east-1', 'eu-west-1').textContent()).trim(), '68.4', 'the matrix still shows');
  assert.deepEqual(errors, []);
});

test('a manifest without regions is an error, and no picker writes pairs=: to the URL', async () => {
  const { page, errors } = await open(await serveFeed(feedWith('manifest.json', (m) => { m.regions = []; })));
  const alert = page.locator('[role=alert]');
  await alert.waitFor({ timeout: 10000 });
  assert.match(await alert.textContent(), /manifest\.json is malformed: .*no regions/);
  assert.equal(await page.locator('#pick-add').count(), 0);
  assert.doesNotMatch(page.url(), /pairs=/);
  assert.deepEqual(errors, []);
});

test('a region code with markup is refused by the feed check, with its code shown as text', async () => {
  const bad = 'us-east-1"><img src=x onerror=alert(1)>';
  const { page, errors } = await open(await serveFeed(feedWith('matrix/1d-p50.json', (m) => { m.sources[0] = bad; })));
  const alert = page.locator('[role=alert]');
  await alert.waitFor({ timeout: 10000 });
  assert.match(await alert.textContent(), /matrix\/1d-p50\.json is malformed: .*is not a region code or site name/);
  assert.equal(await page.locator('img[src=x]').count(), 0, 'the markup is text, never an element');
  assert.deepEqual(errors, []);
});

// ---- Values in the link ------------------------------------------------------------------------

test('values in the link the page does not know are said, and the controls show the fallback', async () => {
  const url = await serveFeed(FIXTURES);
  for (const [hash, note, control, shown] of [
    ['#window=99d', /no “99d” window; showing 1 day/, '#window', '1d'],
    ['#window=30d', /no “30d” window; showing 1 day/, '#window', '1d'],
    ['#window=<b>x', /window “<b>x” is not one this page knows; showing the 1 d window/, '#window', '1d'],
    ['#stat=p42', /statistic “p42” .*showing p50/, '#stat', 'p50'],
    ['#sort=col:nope', /no region “nope” to sort by; rows are in geographic order/, '#sort', 'geo'],
    ['#sort=sideways', /row order “sideways” is not one this page knows/, '#sort', 'geo'],
  ]) {
    const { page, errors } = await open(url + hash);
    const notes = page.locator('.notes');
    await notes.waitFor({ timeout: 10000 });
    assert.match(await notes.textContent(), note, hash);
    await cell(page, 'us-east-1', 'eu-west-1').waitFor();
    assert.equal(await page.inputValue(control), shown, `${hash}: the control shows what is in effect`);
    assert.doesNotMatch(page.url(), new RegExp(hash.slice(1)), `${hash}: the address bar is corrected`);
    // The next choice the reader makes clears the note.
    await page.selectOption('#stat', 'p90');
    await page.waitForFunction(() => !document.querySelector('.notes'));
    assert.deepEqual(errors, []);
    await page.close();
  }
});

test('an unknown geography or region is said, and the others still filter', async () => {
  const { page, errors } = await open(await serveFeed(FIXTURES) + '#geo=mars,europe&region=xx-nowhere-9');
  const notes = page.locator('.notes');
  await notes.waitFor({ timeout: 10000 });
  const text = await notes.textContent();
  assert.match(text, /no region in “mars”; that filter is off/);
  assert.match(text, /no region “xx-nowhere-9”; that filter is off/);
  await page.waitForFunction(() => document.querySelectorAll('table.matrix tbody tr').length === 1);
  assert.ok(await page.isChecked('input[name=geo][value=europe]'));
  assert.deepEqual(errors, []);
});

test('a seventh pair is refused with a note, and the six stay', async () => {
  const pairs = ['us-east-1:eu-west-1', 'eu-west-1:us-east-1', 'us-east-1:ap-northeast-1', 'ap-northeast-1:us-east-1',
    'eu-west-1:ap-northeast-1', 'ap-northeast-1:eu-west-1'];
  const { page, errors } = await open(await serveFeed(FIXTURES) + `#pairs=${pairs.join(',')}`);
  await page.locator('ul.pairs li').nth(5).waitFor({ timeout: 10000 });
  assert.match(await page.locator('#pick-limit').textContent(), /holds 6 pairs at most/);
  await cell(page, 'us-east-1', 'us-east-1').click({ modifiers: ['Shift'] });
  const note = page.locator('#graph-note');
  await note.waitFor();
  assert.match(await note.textContent(), /holds 6 pairs at most: remove one \(×\) to add us-east-1 → us-east-1/);
  assert.deepEqual(await page.locator('ul.pairs li').evaluateAll((l) => l.map((e) => e.dataset.pair)), pairs, 'none dropped');
  // A link with more than six says it shows the first six.
  const more = await open(page.url().replace(/pairs=[^&]*/, `pairs=${[...pairs, 'us-east-1:us-east-1'].join(',')}`));
  await more.page.locator('.notes').waitFor({ timeout: 10000 });
  assert.match(await more.page.locator('.notes').textContent(), /more than 6 pairs; the graph shows the first 6/);
  assert.deepEqual(errors, []);
});

test('a range preset fills the custom From and To dates', async () => {
  const { page, errors } = await open(await serveFeed(FIXTURES) + '#pairs=us-east-1:eu-west-1&range=7d');
  await page.waitForFunction(() => document.querySelector('#chart')?.dataset.lines === '1', null, { timeout: 10000 });
  // data_end is 2026-11-20T12:00Z: 7 days back from the round after it.
  assert.equal(await page.inputValue('#range-from'), '2026-11-13');
  assert.equal(await page.inputValue('#range-to'), '2026-11-20');
  await page.click('button.preset[data-range="24h"]');
  await page.waitForFunction(() => document.querySelector('#range-from').value === '2026-11-19');
  assert.equal(await page.inputValue('#range-to'), '2026-11-20');
  assert.deepEqual(errors, []);
});
