// End-to-end tests, in real headless Chromium, of the matrix's comparisons:
// asymmetry (A→B − B→A) and one window against another ("today against
// usual"), in ms and in %, against the published matrix files; the controls
// and the link keep them; keyboard details; dark mode and axe-core.
//
// Environment (set by scripts/test.sh): CLOUDPING_BIN, DIST_DIR, TOOLS_DIR
// (playwright-core and axe-core), CHROMIUM.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import * as h from './harness.mjs';

const env = (name) => h.env(name, 'run the tests through scripts/test.sh');
const TOOLS = env('TOOLS_DIR');
const BIN = env('CLOUDPING_BIN');
const DIST = env('DIST_DIR');
const REGIONS = ['us-east-1', 'eu-west-1', 'ap-south-1'];

let browser;
before(async () => {
  browser = await h.launch(TOOLS, env('CHROMIUM'));
});
after(async () => {
  await browser?.close();
  h.cleanup();
});

/** 35 simulated days of three regions, published by the pipeline: windows 1 d, 7 d and 30 d. */
let feedDir;
const feed = () => (feedDir ??= join(h.publish(BIN, { days: 35, regions: REGIONS.join(',') }), 'data/v2'));

const manifestOf = (dir) => JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
/** The published p50 of a window, by source and destination code. */
function p50(dir, window) {
  const w = manifestOf(dir).windows.find((x) => x.id === window);
  const m = JSON.parse(readFileSync(join(dir, w.matrix), 'utf8'));
  return (src, dst) => {
    const i = m.sources.indexOf(src);
    const j = m.destinations.indexOf(dst);
    return i < 0 || j < 0 ? null : m.stats.p50[i][j];
  };
}

/** A cell's text as a number: `+5.5`, `−2.5`, `+7.9 %`. */
const num = (text) => Number(text.replace('\u2212', '-').replace(/[\s\u00a0]*%$/, ''));
/** The figure a cell shows to within its rounding: one decimal under 100 (10 for %), none above. */
function near(text, want, pct = false) {
  const step = Math.abs(want) < (pct ? 10 : 100) ? 0.05 : 0.5;
  return Math.abs(num(text) - want) <= step + 1e-9;
}

async function open(root, hash, options = {}) {
  const url = await h.serve(BIN, root);
  const { page, errors } = await h.open(browser, url + hash, options);
  await page.locator('table#matrix td[data-src]').first().waitFor({ timeout: 15000 });
  return { page, errors };
}

const cellText = (page, src, dst) => h.cell(page, src, dst).textContent();

const axe = (p) => h.axe(p, TOOLS);

test('asymmetry: every cell is A→B − B→A of the published matrix, in ms and in %; one-way pairs are marked', async () => {
  // A site whose 7 d matrix lost eu-west-1 → ap-south-1: that pair is missing,
  // and its reverse has nothing to be held against.
  const root = h.site(DIST, feed());
  const data = join(root, 'data/v2');
  const w = manifestOf(data).windows.find((x) => x.id === '7d');
  for (const rel of [w.matrix, w.views.p50]) {
    const m = JSON.parse(readFileSync(join(data, rel), 'utf8'));
    const [i, j] = [m.sources.indexOf('eu-west-1'), m.destinations.indexOf('ap-south-1')];
    for (const grid of Object.values(m.stats)) grid[i][j] = null;
    // No sample at all, or the page rightly reports a cell whose counts disagree.
    m.samples[i][j] = 0;
    m.lost[i][j] = 0;
    writeFileSync(join(data, rel), JSON.stringify(m));
  }
  const v = p50(data, '7d');
  const { page, errors } = await open(root, '#window=7d&stat=p50&mode=asym');
  assert.match(await page.locator('#matrix caption').textContent(), /p50 A→B − B→A over 7 days in milliseconds/);
  assert.equal(await page.locator('#mode').inputValue(), 'asym');
  assert.equal(await page.locator('#base').isVisible(), false, 'no base window to pick');
  let checked = 0;
  for (const a of REGIONS) {
    for (const b of REGIONS) {
      const text = await cellText(page, a, b);
      if (a === 'eu-west-1' && b === 'ap-south-1') {
        assert.equal(text, '—', 'no figure');
      } else if (a === 'ap-south-1' && b === 'eu-west-1') {
        assert.equal(text, 'one way');
        assert.match(await h.cell(page, a, b).getAttribute('class'), /noref/);
      } else {
        const want = v(a, b) - v(b, a);
        assert.ok(near(text, want), `${a} → ${b}: ${text} against ${want}`);
        if (a !== b) assert.equal(num(text), -num(await cellText(page, b, a)), 'the reverse is the opposite');
        checked++;
      }
    }
  }
  assert.equal(checked, 7);
  assert.equal(await cellText(page, 'us-east-1', 'us-east-1'), '0.0', 'a region against itself');

  // In percent of B→A, through the control; the link keeps it.
  await page.selectOption('#unit', 'pct');
  await page.waitForFunction(() => location.hash.includes('unit=pct'));
  assert.match(page.url(), /mode=asym&unit=pct/);
  const [a, b] = ['us-east-1', 'ap-south-1'];
  const pct = (100 * (v(a, b) - v(b, a))) / v(b, a);
  const text = await cellText(page, a, b);
  assert.match(text, /%$/);
  assert.ok(near(text, pct, true), `${text} against ${pct}`);
  assert.match(await page.locator('.legend.change').textContent(), /faster.*slower/s);

  // Keyboard: a focused cell's details give both forms.
  await h.cell(page, a, b).focus();
  await page.keyboard.press('ArrowRight');
  const focused = await page.evaluate(() => [document.activeElement.dataset.src, document.activeElement.dataset.dst]);
  const detail = await page.locator('#cell-tip td[data-stat="compared"]').textContent();
  const [fa, fb] = focused;
  assert.match(detail, / ms \(.*%\)$/, detail);
  assert.ok(near(detail.split(' ms')[0], v(fa, fb) - v(fb, fa)), `${detail} for ${fa} → ${fb}`);

  // The comparison downloads as shown: the differences, not the latencies.
  const csv = await h.download(page, '#download-comparison-csv');
  assert.equal(csv.name, 'cloudping-7d-comparison.csv');
  const rows = csv.text.trim().split('\n').map((l) => l.split(','));
  assert.deepEqual(rows[0], ['source', 'destination', 'delta_ms', 'delta_pct', 'note']);
  assert.equal(rows.length, 1 + REGIONS.length ** 2);
  for (const [src, dst, ms, pctText, note] of rows.slice(1)) {
    if (src === 'eu-west-1' && dst === 'ap-south-1') assert.deepEqual([ms, pctText, note], ['', '', 'no figure']);
    else if (src === 'ap-south-1' && dst === 'eu-west-1') assert.deepEqual([ms, pctText, note], ['', '', 'no reference']);
    else {
      const want = v(src, dst) - v(dst, src);
      assert.ok(Math.abs(Number(ms) - want) <= 0.0005 + 1e-9, `${src} → ${dst}: ${ms} against ${want}`);
      assert.ok(Math.abs(Number(pctText) - (100 * want) / v(dst, src)) <= 1e-6, `${src} → ${dst}: ${pctText} %`);
      assert.equal(note, '');
    }
  }
  const json = JSON.parse((await h.download(page, '#download-comparison-json')).text);
  assert.match(json.what, /^p50 A→B − B→A over 7 days$/);
  assert.deepEqual([json.window, json.sources.length, json.no_reference.flat().filter(Boolean).length], ['7d', 3, 1]);
  assert.deepEqual(errors, []);
});

test('today against usual: 1 d − 30 d per pair, another base through the control, a base the feed lacks is said', async () => {
  const data = feed();
  const day = p50(data, '1d');
  const month = p50(data, '30d');
  const week = p50(data, '7d');
  const { page, errors } = await open(h.site(DIST, data), '#window=1d&stat=p50&mode=diff&base=30d');
  await page.locator('td.delta').first().waitFor();
  for (const a of REGIONS) {
    for (const b of REGIONS) {
      const text = await cellText(page, a, b);
      const want = day(a, b) - month(a, b);
      assert.ok(near(text, want), `${a} → ${b}: ${text} against ${want}`);
    }
  }
  assert.match(await page.locator('#matrix caption').textContent(), /p50 1 ?d.* − 30 ?d/i);
  assert.match(await page.locator('.legend.change').textContent(), /minus over the last 30/);
  // The usual is the 7 d instead: the control, the link, the figures.
  await page.selectOption('#base', '7d');
  await page.waitForFunction(() => location.hash.includes('base=7d'));
  const [a, b] = ['eu-west-1', 'ap-south-1'];
  await page.waitForFunction(
    ([a, b, want]) => {
      const t = document.querySelector(`td[data-src="${a}"][data-dst="${b}"]`)?.textContent ?? '';
      return Math.abs(Number(t.replace('\u2212', '-')) - want) <= 0.05 + 1e-9;
    },
    [a, b, day(a, b) - week(a, b)],
  );
  // Sorting a column sorts by the change shown.
  await page.locator('th.dst button[aria-label^="ap-south-1"]').click();
  const col = await page.locator('#matrix tbody tr').evaluateAll((rows) => rows.map((r) =>
    r.querySelector('td[data-dst="ap-south-1"]').textContent));
  const nums = col.map(num);
  assert.deepEqual(nums, [...nums].sort((x, y) => x - y), `ascending: ${col}`);
  assert.deepEqual(errors, []);

  // A link to a base this feed does not publish: a note, and the fallback shown.
  const other = await open(h.site(DIST, data), '#mode=diff&base=90d');
  assert.match(await other.page.locator('.notes').textContent(), /no “90d” window to compare with; comparing with/);
  const fallback = await other.page.locator('#base').inputValue();
  assert.ok(manifestOf(data).windows.some((w) => w.id === fallback), fallback);
  assert.match(other.page.url(), new RegExp(`base=${fallback}`));
  // Back to latencies: the plain table and its legend.
  await other.page.selectOption('#mode', 'latency');
  await other.page.waitForFunction(() => !location.hash.includes('mode='));
  await other.page.locator('.legend:not(.change)').waitFor();
  assert.equal(await other.page.locator('td.delta').count(), 0);
  assert.deepEqual(other.errors, []);
});

/** Every daily point of the feed's 1d series chunks, per pair: [{t, p50, samples}]. */
function dailyPoints(dir) {
  const out = new Map();
  const files = [];
  for (const base of ['series/1d', 'series/open/1d']) {
    // A young feed has its daily points in open chunks only.
    if (!existsSync(join(dir, base))) continue;
    for (const src of readdirSync(join(dir, base))) {
      for (const f of readdirSync(join(dir, base, src))) files.push(join(dir, base, src, f));
    }
  }
  for (const f of files) {
    const c = JSON.parse(readFileSync(f, 'utf8'));
    const start = Date.parse(c.start) / 1000;
    for (const [dst, cols] of Object.entries(c.destinations)) {
      const key = `${c.source}>${dst}`;
      if (!out.has(key)) out.set(key, []);
      cols.p50.forEach((v, k) => out.get(key).push({ t: start + k * c.step_seconds, v, samples: cols.samples[k] }));
    }
  }
  return out;
}
/** The samples-weighted (lower) median of the pair's daily p50 over whole days [a, b]. */
function spanMedian(points, a, b) {
  const from = Date.parse(`${a}T00:00:00Z`) / 1000;
  const to = Date.parse(`${b}T00:00:00Z`) / 1000 + 86400;
  const xs = (points ?? []).filter((p) => p.t >= from && p.t + 86400 <= to && p.v !== null).sort((x, y) => x.v - y.v);
  const total = xs.reduce((n, p) => n + Math.max(p.samples, 1), 0);
  let seen = 0;
  for (const p of xs) {
    seen += Math.max(p.samples, 1);
    if (2 * seen >= total) return p.v;
  }
  return null;
}

test('two custom spans of days against each other, through the link, from the daily series', async () => {
  const data = feed();
  const points = dailyPoints(data);
  const [now, base] = [['2026-11-13', '2026-11-19'], ['2026-10-20', '2026-11-09']];
  const hash = `#window=7d&stat=p50&mode=diff&base=${base.join('..')}&now=${now.join('..')}`;
  const { page, errors } = await open(h.site(DIST, data), hash);
  await page.locator('td.delta').first().waitFor({ timeout: 15000 });
  let checked = 0;
  for (const a of REGIONS) {
    for (const b of REGIONS) {
      const p = points.get(`${a}>${b}`);
      const want = spanMedian(p, ...now) - spanMedian(p, ...base);
      const text = await cellText(page, a, b);
      assert.ok(near(text, want), `${a} → ${b}: ${text} against ${want}`);
      checked++;
    }
  }
  assert.equal(checked, 9);
  assert.match(await page.locator('#matrix caption').textContent(), /p50 2026-11-13 to 2026-11-19 − 2026-10-20 to 2026-11-09/);
  assert.match(await page.locator('.legend.change').textContent(), /weighted by its samples/);
  assert.equal(await page.locator('#base').inputValue(), base.join('..'), 'the control shows the span');
  assert.ok(page.url().endsWith(hash), page.url());
  // The series carry no mean: the page says which statistics a span can compare.
  await page.selectOption('#stat', 'mean');
  await page.locator('.matrix-wrap, [role=alert]').first().waitFor();
  assert.match(await page.locator('[role=alert]').first().textContent(), /carry p10, p50, p90, min, max; pick one of those, not mean/);
  assert.deepEqual(errors, []);
});

for (const colorScheme of ['light', 'dark']) {
  test(`comparisons pass axe-core and every cell's text is readable (${colorScheme})`, async () => {
    for (const hash of ['#window=7d&mode=asym', '#window=1d&mode=diff&base=30d&unit=pct']) {
      const { page, errors } = await open(h.site(DIST, feed()), hash, { colorScheme });
      await page.locator('td.delta').first().waitFor();
      assert.deepEqual(await axe(page), [], hash);
      assert.deepEqual(errors, []);
    }
  });
}
