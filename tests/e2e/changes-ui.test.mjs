// End-to-end tests, in real headless Chromium, of "What changed" on the home
// page, the level shifts marked on the chart, and the weekly pattern.
//
// The pipeline publishes 35 simulated days of two regions (and, for missing
// hours, 3 days); each test writes its own changes.json into the site folder,
// so they depend on the site and the feed's shape, not on the detector.
//
// Environment (set by scripts/test.sh): CLOUDPING_BIN, DIST_DIR, TOOLS_DIR
// (where playwright-core is installed), CHROMIUM.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import * as h from './harness.mjs';

const env = (name) => h.env(name, 'run the tests through scripts/test.sh');

const BIN = env('CLOUDPING_BIN');
const DIST = env('DIST_DIR');

let browser;
const open = (url, options) => h.open(browser, url, options);

before(async () => {
  browser = await h.launch(env('TOOLS_DIR'), env('CHROMIUM'));
});

after(async () => {
  await browser?.close();
  h.cleanup();
});

/** Feeds the pipeline publishes, made once each: `days` days of us-east-1 and eu-west-1 up to 2026-11-20. */
const feeds = {};
const feed = (days) => (feeds[days] ??= join(h.publish(BIN, { days, regions: 'us-east-1,eu-west-1' }), 'data/v2'));

/** A site folder over a feed, with `changes` as its changes.json (`null`: none; a string: as written). */
function site(feedDir, changes) {
  const root = h.site(DIST, feedDir);
  const path = join(root, 'data/v2/changes.json');
  if (changes === null) rmSync(path, { force: true });
  else writeFileSync(path, typeof changes === 'string' ? changes : JSON.stringify(changes));
  return root;
}

const shift = (source, destination, onset, end, before_ms, after_ms) =>
  ({ source, destination, onset, end, before_ms, after_ms });

/** One ongoing event, one recovered (five pairs), one over before the last 7 days. */
const CHANGES = {
  version: 2,
  generated_at: '2026-11-20T00:05:00Z',
  from: '2026-10-30T00:00:00Z',
  to: '2026-11-20T00:00:00Z',
  rule: { min_shift_ms: 2.0, min_shift_ratio: 0.05, min_hours: 2 },
  simulated: true,
  events: [
    {
      id: '2026-11-18T05:00:00Z/us-east-1/eu-west-1', onset: '2026-11-18T05:00:00Z', end: null,
      pairs: [shift('us-east-1', 'eu-west-1', '2026-11-18T05:00:00Z', null, 70.123, 91.456)],
    },
    {
      id: '2026-11-15T10:00:00Z/eu-west-1/us-east-1', onset: '2026-11-15T10:00:00Z', end: '2026-11-15T14:00:00Z',
      pairs: [
        shift('eu-west-1', 'us-east-1', '2026-11-15T10:00:00Z', '2026-11-15T14:00:00Z', 70.5, 80.26),
        shift('ap-south-1', 'us-east-1', '2026-11-15T10:00:00Z', '2026-11-15T13:00:00Z', 187.5, 199.0),
        shift('ap-south-1', 'eu-west-1', '2026-11-15T11:00:00Z', '2026-11-15T13:00:00Z', 120.0, 112.0),
        shift('us-west-2', 'us-east-1', '2026-11-15T11:00:00Z', '2026-11-15T14:00:00Z', 60.0, 66.5),
        shift('us-west-2', 'eu-west-1', '2026-11-15T12:00:00Z', '2026-11-15T14:00:00Z', 130.0, 140.0),
      ],
    },
    {
      id: '2026-11-01T00:00:00Z/us-east-1/eu-west-1', onset: '2026-11-01T00:00:00Z', end: '2026-11-02T00:00:00Z',
      pairs: [shift('us-east-1', 'eu-west-1', '2026-11-01T00:00:00Z', '2026-11-02T00:00:00Z', 70.0, 99.0)],
    },
  ],
};

/** What the page says of a shift, computed here from the figures. */
const shiftText = (p) => {
  const d = p.after_ms - p.before_ms;
  const sign = (v) => (v >= 0 ? '+' : '-') + Math.abs(v).toFixed(1);
  return `${p.before_ms.toFixed(1)} → ${p.after_ms.toFixed(1)} ms (${sign(d)} ms, ${sign((100 * d) / p.before_ms)} %)`;
};
const utc = (t) => t.slice(0, 16).replace('T', ' ') + ' UTC';

test('"What changed" lists the last 7 days, a pair link opens its graph by keyboard, the chart marks the shift', async () => {
  const url = await h.serve(BIN, site(feed(35), CHANGES));
  const { page, errors } = await open(url);
  const events = page.locator('#changes ol.events li.event');
  await events.first().waitFor({ timeout: 15000 });
  assert.equal(await events.count(), 2, 'the event over before the last 7 days is left out');
  assert.equal(await page.locator('#changes h2').textContent(), 'What changed (last 7 days)');

  const [ongoing, recovered] = CHANGES.events;
  const first = events.nth(0);
  assert.equal(await first.getAttribute('data-id'), ongoing.id, 'newest first');
  assert.equal(await first.locator('time').textContent(), utc(ongoing.onset));
  assert.equal(await first.locator('.status').textContent(), 'ongoing');
  assert.equal((await first.locator('ul.shifts > li').textContent()).trim(),
    `us-east-1 → eu-west-1: ${shiftText(ongoing.pairs[0])}`);
  assert.equal(shiftText(ongoing.pairs[0]), '70.1 → 91.5 ms (+21.3 ms, +30.4 %)');

  const second = events.nth(1);
  assert.equal(await second.getAttribute('data-id'), recovered.id);
  assert.equal(await second.locator('.status').textContent(), `recovered ${utc(recovered.end)}`);
  const shown = second.locator(':scope > ul.shifts > li');
  assert.equal(await shown.count(), 3, 'the first few pairs');
  for (let k = 0; k < 3; k++) {
    const p = recovered.pairs[k];
    assert.equal((await shown.nth(k).textContent()).trim(), `${p.source} → ${p.destination}: ${shiftText(p)}`);
  }
  assert.equal(await second.locator('details.more summary').textContent(), 'and 2 more');
  assert.equal(await second.locator('details.more li').count(), 2);
  assert.match(await page.locator('#changes .hint').textContent(), /2 ms and 5 % or more, for 2 hours or more\. Simulated data\./);

  // Tab to the first pair link and open it with Enter.
  let onLink = false;
  for (let i = 0; i < 250 && !onLink; i++) {
    await page.keyboard.press('Tab');
    onLink = await page.evaluate(() => document.activeElement?.matches('#changes a.pair-link'));
  }
  assert.ok(onLink, 'a pair link is reachable with Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'us-east-1 → eu-west-1');
  await page.keyboard.press('Enter');
  await page.locator('ul.pairs li[data-pair="us-east-1:eu-west-1"]').waitFor();
  assert.equal(await page.locator('ul.pairs li').count(), 1, 'the graph shows that pair alone');
  assert.match(await page.evaluate(() => location.hash), /pairs=us-east-1:eu-west-1/);

  // The ongoing shift is marked (the old one is outside the 7 days shown) and listed.
  await page.waitForFunction(() => document.querySelector('#chart')?.dataset.marks === '1', null, { timeout: 15000 });
  assert.deepEqual(await page.locator('ul.chart-marks li').allTextContents(),
    ['Level shift 2026-11-18 05:00 UTC: 70.1 → 91.5 ms (us-east-1 → eu-west-1, ongoing)']);
  // The line at the onset, in the pair's colour, where the onset falls on the time axis.
  const line = await page.evaluate((onset) => {
    const c = document.querySelector('#chart');
    const s = window.devicePixelRatio || 1;
    const px = (v) => Math.round(v * s);
    const [from, to] = [Date.parse(c.dataset.from), Date.parse(c.dataset.to)];
    const [left, right, top] = [px(58), c.width - px(12), px(10)];
    const bottom = c.height - px(24) - px(6 + 9) - px(6);
    const x = left + Math.round(((Date.parse(onset) - from) / (to - from)) * (right - left));
    const ctx = c.getContext('2d');
    // Rows whose pixels at x ± 1 hold the pair's blue (blue well above red).
    const share = (x) => {
      const d = ctx.getImageData(x - 1, top + 2, 3, bottom - top - 4).data;
      let rows = 0;
      for (let r = 0; r < d.length / 12; r++) {
        let hit = false;
        for (let k = 0; k < 3; k++) { const i = (r * 3 + k) * 4; if (d[i + 2] - d[i] > 70) hit = true; }
        if (hit) rows++;
      }
      return rows / (d.length / 12);
    };
    return { at: share(x), before: share(x - px(30)) };
  }, ongoing.onset);
  assert.ok(line.at > 0.5, `a vertical line at the onset (${(100 * line.at).toFixed(0)} % of its rows)`);
  assert.ok(line.before < 0.2, `and none 30 px before it (${(100 * line.before).toFixed(0)} %)`);

  // Dark mode: the list and the chart follow.
  const drawn = await page.evaluate(() => Number(document.querySelector('#chart').dataset.drawn));
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.waitForFunction((n) => Number(document.querySelector('#chart').dataset.drawn) > n, drawn);
  assert.equal(await page.evaluate(() => getComputedStyle(document.querySelector('#changes')).color), 'rgb(236, 236, 241)');
  assert.equal(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), 'rgb(21, 21, 26)');
  assert.equal(await page.evaluate(() => document.querySelector('#chart').dataset.marks), '1');
  assert.deepEqual(errors, []);
  await page.close();
});

test('no changes.json yet says so; a broken one offers Retry, which loads the fixed file', async () => {
  const root = site(feed(35), null);
  const url = await h.serve(BIN, root);
  const { page, errors } = await open(url);
  const note = page.locator('#changes .note');
  await note.waitFor({ timeout: 15000 });
  assert.equal(await note.textContent(), 'No changes are published yet.');
  assert.equal(await page.locator('#changes .error').count(), 0, 'a missing file is no error');
  assert.ok(await page.locator('#matrix td[data-src="us-east-1"][data-dst="eu-west-1"]').isVisible(), 'the matrix is there');
  await page.close();

  writeFileSync(join(root, 'data/v2/changes.json'), '{"version": 2, "events": [');
  const broken = await open(url);
  const panel = broken.page.locator('#changes .error[role=alert]');
  await panel.waitFor({ timeout: 15000 });
  assert.match(await panel.textContent(), /Could not load the recent changes\..*changes\.json is not valid feed JSON/);
  writeFileSync(join(root, 'data/v2/changes.json'), JSON.stringify({ ...CHANGES, events: [] }));
  await panel.locator('button', { hasText: 'Retry' }).click();
  await broken.page.locator('#changes .note', { hasText: 'No level shifts in the last 7 days.' }).waitFor();
  assert.equal(await broken.page.locator('#changes .error').count(), 0);
  assert.deepEqual([...errors, ...broken.errors], []);
  await broken.page.close();
});

/**
 * The weekly pattern the page should show, computed from the feed's files:
 * per hour of the week (Monday 00:00 UTC first, shifted by `offsetHours`),
 * the median of the pair's hourly p50 in `[from, to)`, and how many values.
 */
function expectedWeek(feedDir, src, dst, from, to, offsetHours = 0) {
  const manifest = JSON.parse(readFileSync(join(feedDir, 'manifest.json'), 'utf8'));
  const index = JSON.parse(readFileSync(join(feedDir, manifest.series_index), 'utf8'));
  const c = index.sources[src]['1h'];
  const values = Array.from({ length: 168 }, () => []);
  for (let t = Math.floor(from / 86400e3) * 86400e3; t < to; t += 86400e3) {
    const iso = new Date(t).toISOString().replace('.000Z', 'Z');
    const rel = c.open[iso] ?? `series/1h/${src}/${iso.slice(0, 13)}.json`;
    if (!existsSync(join(feedDir, rel))) continue;
    const chunk = JSON.parse(readFileSync(join(feedDir, rel), 'utf8'));
    const d = chunk.destinations[dst];
    if (!d) continue;
    const start = Date.parse(chunk.start);
    d.p50.forEach((v, k) => {
      const at = start + k * 3600e3;
      if (v === null || at < from || at >= to) return;
      const local = at / 1000 + offsetHours * 3600;
      const slot = ((Math.floor(local / 86400) + 3) % 7) * 24 + Math.floor((local % 86400) / 3600);
      values[slot].push(v);
    });
  }
  return values.map((v) => {
    if (v.length === 0) return null;
    const s = [...v].sort((a, b) => a - b);
    const n = s.length;
    return { ms: n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2, weeks: n };
  });
}

/** The cells of the page's weekly pattern, by slot. */
const cells = (page) => page.$$eval('#week td[data-slot]', (tds) => tds.map((td) => ({
  slot: Number(td.dataset.slot), ms: td.dataset.ms === undefined ? null : Number(td.dataset.ms),
  weeks: td.dataset.weeks === undefined ? null : Number(td.dataset.weeks), missing: td.classList.contains('missing'),
  title: td.title,
})));

test('the weekly pattern: 168 hours against the feed, UTC or local time in the link, keyboard, dark mode', async () => {
  const dir = feed(35);
  const url = await h.serve(BIN, site(dir, CHANGES));
  const { page, errors } = await open(url + '#pairs=us-east-1:eu-west-1', { timezoneId: 'Asia/Tokyo' });
  const table = page.locator('#week');
  await page.waitForFunction(() => document.querySelectorAll('#week td[data-slot]').length === 168, null, { timeout: 20000 });
  // Four weeks of whole hours up to the newest data.
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  const to = Math.floor((Date.parse(manifest.data_end) + manifest.interval_seconds * 1000) / 3600e3) * 3600e3;
  const from = to - 28 * 86400e3;
  assert.equal(await table.getAttribute('data-from'), new Date(from).toISOString().replace('.000Z', 'Z'));
  assert.equal(await table.getAttribute('data-to'), new Date(to).toISOString().replace('.000Z', 'Z'));
  assert.equal(await page.locator('#week tbody th[scope=row]').count(), 7);
  assert.equal(await page.locator('#week thead th[scope=col]').count(), 24);
  assert.equal(await page.locator('.week-short').count(), 0, 'four weeks of data: no warning');

  const check = async (offsetHours, zone) => {
    const want = expectedWeek(dir, 'us-east-1', 'eu-west-1', from, to, offsetHours);
    const got = await cells(page);
    assert.equal(got.length, 168);
    for (const c of got) {
      const w = want[c.slot];
      assert.ok(w, `slot ${c.slot} has values in the feed`);
      assert.ok(Math.abs(c.ms - w.ms) <= 0.0006, `slot ${c.slot} (${zone}): ${c.ms} vs ${w.ms}`);
      assert.equal(c.weeks, w.weeks, `slot ${c.slot}: weeks`);
      assert.equal(c.missing, false);
    }
    // One cell as a reader sees it: Monday 05:00.
    const mon5 = want[5];
    assert.equal(got[5].title, `Mon 05:00–06:00 ${zone}: ${mon5.ms < 100 ? mon5.ms.toFixed(1) : mon5.ms.toFixed(0)} ms, the median of ${mon5.weeks} weeks`);
    assert.ok(got.every((c) => c.weeks <= 5), "at most one value a week");
  };
  await check(0, 'UTC');
  assert.equal(await page.locator('#week-utc').getAttribute('aria-pressed'), 'true');
  // The colours span the pair's own hours: its fastest brightest, its slowest darkest.
  const styled = await page.locator('#week td[data-ms]').evaluateAll((tds) =>
    tds.map((td) => [Number(td.dataset.ms), getComputedStyle(td).backgroundColor]));
  const byMs = [...styled].sort((a, b) => a[0] - b[0]);
  assert.equal(byMs[0][1], 'rgb(253, 231, 37)');
  assert.equal(byMs.at(-1)[1], 'rgb(68, 1, 84)');
  assert.ok(new Set(styled.map((c) => c[1])).size > 20, 'the hours differ in colour');
  assert.match(await page.locator('.week-legend').getAttribute('aria-label'),
    new RegExp(`fastest \\(${byMs[0][0] < 100 ? byMs[0][0].toFixed(1) : byMs[0][0].toFixed(0)} ms\\)`));

  // Local time (Tokyo, UTC+9): the hours move by nine, wrapping across the week.
  await page.click('#week-local');
  await page.waitForFunction(() => document.querySelector('#week')?.dataset.zone === 'local');
  assert.match(await page.evaluate(() => location.hash), /&week=local/);
  assert.equal(await page.locator('#week-local').textContent(), 'Local time (UTC+09:00)');
  await check(9, 'UTC+09:00');
  const utcCells = expectedWeek(dir, 'us-east-1', 'eu-west-1', from, to, 0);
  const local = await cells(page);
  assert.ok(Math.abs(local[9].ms - utcCells[0].ms) <= 0.0006, 'Mon 09:00 in Tokyo is Mon 00:00 UTC');
  assert.ok(Math.abs(local[0].ms - utcCells[159].ms) <= 0.0006, 'and Mon 00:00 in Tokyo is Sun 15:00 UTC');
  // Back: the previous link, in UTC again; and the link alone reopens local time.
  await page.goBack();
  await page.waitForFunction(() => document.querySelector('#week')?.dataset.zone === 'utc');
  assert.doesNotMatch(await page.evaluate(() => location.hash), /week=/);
  await check(0, 'UTC');
  await page.click('#week-local');
  await page.click('#week-utc');
  await page.waitForFunction(() => document.querySelector('#week')?.dataset.zone === 'utc');
  assert.doesNotMatch(await page.evaluate(() => location.hash), /week=/);

  // Keyboard: one tab stop, arrows move between hours, the line below says the value.
  assert.equal(await page.locator('#week td[tabindex="0"]').count(), 1);
  await page.focus('#week td[tabindex="0"]');
  const active = () => page.evaluate(() => document.activeElement?.dataset.slot);
  assert.equal(await active(), '0');
  await page.keyboard.press('ArrowRight');
  assert.equal(await active(), '1');
  await page.keyboard.press('ArrowDown');
  assert.equal(await active(), '25');
  await page.keyboard.press('End');
  assert.equal(await active(), '47');
  assert.match(await page.locator('#week-detail').textContent(), /^Tue 23:00–00:00 UTC: [\d.]+ ms, the median of \d weeks$/);
  assert.equal(await page.locator('#week td[tabindex="0"]').getAttribute('data-slot'), '47', 'the tab stop follows');

  // Dark mode: the page goes dark, the cells keep their colours.
  const style = await page.locator('#week td[data-slot="5"]').getAttribute('style');
  await page.emulateMedia({ colorScheme: 'dark' });
  assert.equal(await page.evaluate(() => getComputedStyle(document.querySelector('#week caption')).color), 'rgb(160, 160, 173)');
  assert.equal(await page.locator('#week td[data-slot="5"]').getAttribute('style'), style);
  assert.deepEqual(errors, []);
  await page.close();
});

test('the weekly pattern of a short feed says it is short, and hatches the hours without data', async () => {
  const dir = feed(3);
  const url = await h.serve(BIN, site(dir, { ...CHANGES, events: [] }));
  const { page, errors } = await open(url + '#pairs=us-east-1:eu-west-1');
  await page.waitForFunction(() => document.querySelectorAll('#week td[data-slot]').length === 168, null, { timeout: 20000 });
  assert.match(await page.locator('.week-short').textContent(), /^Fewer than 4 weeks of data: the pattern covers [23] days/);
  const to = Date.parse(await page.locator('#week').getAttribute('data-to'));
  const want = expectedWeek(dir, 'us-east-1', 'eu-west-1', to - 28 * 86400e3, to);
  const got = await cells(page);
  const missing = got.filter((c) => c.missing).map((c) => c.slot);
  const none = want.flatMap((w, k) => (w === null ? [k] : []));
  assert.ok(none.length >= 168 - 3 * 24, `hours without data in the feed: ${none.length}`);
  assert.deepEqual(missing, none, 'exactly the hours without data are missing');
  for (const c of got.filter((c) => !c.missing)) assert.ok(Math.abs(c.ms - want[c.slot].ms) <= 0.0006);
  const gap = page.locator(`#week td[data-slot="${none[0]}"]`);
  assert.equal(await gap.textContent(), '–', 'no value, never 0');
  assert.match(await gap.getAttribute('title'), /: no data$/);
  assert.equal(await gap.getAttribute('style'), null, 'no colour of the scale');
  assert.match(await gap.evaluate((td) => getComputedStyle(td).backgroundImage), /repeating-linear-gradient/);
  assert.equal(await page.locator('.week-gaps').textContent(), `${none.length} of the 168 hours have no data (hatched).`);
  await page.emulateMedia({ colorScheme: 'dark' });
  assert.match(await gap.evaluate((td) => getComputedStyle(td).backgroundImage), /rgb\(36, 36, 44\)/, 'dark hatching');
  assert.equal(await page.locator('#changes .note').textContent(), 'No level shifts in the last 7 days.');
  assert.deepEqual(errors, []);
  await page.close();
});
