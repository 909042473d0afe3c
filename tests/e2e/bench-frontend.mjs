// Measures the trunk-built site in headless Chromium (run by scripts/bench-frontend.sh):
//
// 1. navigation to the full matrix with a cold cache: a fresh browser context per run,
//    from `goto` to the table in the DOM (the app's `matrix-ready` performance mark,
//    and the wall time seen from outside);
// 2. redraw of a graph of 3 pairs × 1 year of hourly points (a synthetic feed made
//    here): the canvas's `data-draw-ms` (data preparation and drawing) on each resize.
//
// Environment: CLOUDPING_BIN, DIST_DIR, PIPELINE_FEED (a published data/v2 folder with
// every region), FIXTURES_DIR, TOOLS_DIR, CHROMIUM, RUNS (default 15).
// Not a test file: node --test does not pick it up (no .test. in its name).
import { mkdtempSync, cpSync, writeFileSync, readFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as h from './harness.mjs';

const env = (name) => h.env(name, 'run scripts/bench-frontend.sh');
const RUNS = Number(process.env.RUNS || 15);
const dirs = h.dirs;
const site = (feedDir) => h.site(env('DIST_DIR'), feedDir);
const serve = (root) => h.serve(env('CLOUDPING_BIN'), root);

const fmt = (st) => `${st.median.toFixed(1)} | ${st.min.toFixed(1)} | ${st.p90.toFixed(1)} | ${st.max.toFixed(1)}`;

/** A feed of the fixture's 3 regions with a year of hourly points for 3 pairs, in daily chunks. */
function yearFeed() {
  const feed = mkdtempSync(join(tmpdir(), 'cloudping-year-'));
  dirs.push(feed);
  cpSync(env('FIXTURES_DIR'), feed, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(feed, 'manifest.json'), 'utf8'));
  const end = Date.parse(manifest.data_end) / 1000;
  const day = 86400;
  const last = Math.floor(end / day) * day;
  const first = last - 365 * day;
  const pairs = [['us-east-1', 'eu-west-1', 68], ['us-east-1', 'ap-northeast-1', 146], ['eu-west-1', 'ap-northeast-1', 212]];
  const index = JSON.parse(readFileSync(join(feed, 'series/index.json'), 'utf8'));
  const iso = (t) => new Date(t * 1000).toISOString().replace('.000Z', 'Z');
  let seed = 1;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const chunks = {};
  for (const [src, dst, base] of pairs) {
    for (let t0 = first; t0 <= last; t0 += day) {
      const c = (chunks[`${src}@${t0}`] ??= { version: 2, source: src, resolution: '1h', step_seconds: 3600,
        start: iso(t0), unit: 'ms', points: 24, destinations: {} });
      const s = { p10: [], p50: [], p90: [], min: [], max: [], samples: [], lost: [] };
      for (let k = 0; k < 24; k++) {
        const i = (t0 - first) / 3600 + k;
        const gap = rnd() < 0.002;
        const v = base * (1 + 0.02 * Math.sin((2 * Math.PI * i) / 24) + 0.01 * rnd()) + (rnd() < 0.003 ? base * 0.5 : 0);
        const r = (x) => (gap ? null : Math.round(x * 1000) / 1000);
        s.p10.push(r(v * 0.985)); s.p50.push(r(v)); s.p90.push(r(v * 1.03)); s.min.push(r(v * 0.97)); s.max.push(r(v * 1.2));
        const lost = gap ? 120 : (rnd() < 0.01 ? 1 : 0);
        s.samples.push(gap ? 0 : 120 - lost); s.lost.push(lost);
      }
      c.destinations[dst] = s;
    }
  }
  for (const [key, c] of Object.entries(chunks)) {
    const [src, t0] = key.split('@');
    mkdirSync(join(feed, `series/1h/${src}`), { recursive: true });
    writeFileSync(join(feed, `series/1h/${src}/${iso(Number(t0)).slice(0, 13)}.json`), JSON.stringify(c));
  }
  for (const src of new Set(pairs.map(([s]) => s))) {
    index.sources[src] ??= {};
    index.sources[src]['1h'] = { first: iso(first), closed_before: iso(last + day), open: {} };
  }
  writeFileSync(join(feed, 'series/index.json'), JSON.stringify(index));
  return { feed, pairs: pairs.map(([a, b]) => `${a}:${b}`).join(','), points: 365 * 24 };
}

const browser = await h.launch(env('TOOLS_DIR'), env('CHROMIUM'));
const out = [];
try {
  // 1. Navigation to the full matrix, cold cache.
  const feed = env('PIPELINE_FEED');
  const manifest = JSON.parse(readFileSync(join(feed, 'manifest.json'), 'utf8'));
  const matrix = JSON.parse(readFileSync(join(feed, manifest.windows[0].matrix), 'utf8'));
  const url = await serve(site(feed));
  const mark = [];
  const wall = [];
  for (let i = 0; i < RUNS + 1; i++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    const t0 = performance.now();
    await page.goto(url, { waitUntil: 'commit' });
    await page.waitForFunction(() => performance.getEntriesByName('matrix-ready').length > 0, null, { timeout: 20000, polling: 'raf' });
    const t1 = performance.now();
    const m = await page.evaluate(() => performance.getEntriesByName('matrix-ready')[0].startTime);
    const rows = await page.locator('table.matrix tbody tr').count();
    if (rows !== matrix.sources.length) throw new Error(`${rows} rows, expected ${matrix.sources.length}`);
    if (i > 0) { mark.push(m); wall.push(t1 - t0); } // the first run warms the browser process only
    await context.close();
  }
  out.push(`navigation to the full matrix (${matrix.sources.length} × ${matrix.destinations.length}), cold cache, ${RUNS} runs`);
  out.push('| measure | median ms | min | p90 | max |');
  out.push('|---|---|---|---|---|');
  out.push(`| navigation start → table in the DOM (performance mark) | ${fmt(h.stats(mark))} |`);
  out.push(`| goto → table seen by the test driver (wall) | ${fmt(h.stats(wall))} |`);

  // 2. Redraw of 3 pairs × 1 year hourly.
  const year = yearFeed();
  const yurl = await serve(site(year.feed));
  for (const scale of [1, 2]) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: scale });
    const page = await context.newPage();
    await page.goto(`${yurl}#window=1d&stat=p50&pairs=${year.pairs}&range=1y`);
    await page.waitForFunction(() => document.querySelector('#chart')?.dataset.lines === '3', null, { timeout: 20000 });
    const points = await page.evaluate(() => document.querySelector('#chart').dataset.points);
    if (Number(points) !== 3 * year.points) throw new Error(`${points} points drawn`);
    const times = [];
    for (let i = 0; i < RUNS; i++) {
      const before = await page.evaluate(() => Number(document.querySelector('#chart').dataset.drawn));
      await page.setViewportSize({ width: 1280 - ((i + 1) % 2) * 16, height: 900 });
      await page.waitForFunction((b) => Number(document.querySelector('#chart').dataset.drawn) > b, before, { polling: 'raf' });
      times.push(await page.evaluate(() => Number(document.querySelector('#chart').dataset.drawMs)));
    }
    const cols = await page.evaluate(() => document.querySelector('#chart').dataset.columns);
    out.push('');
    out.push(`redraw, 3 pairs × ${year.points} hourly points (1 year), canvas 1264–1280 CSS px wide at ${scale}× device pixels, ${cols} columns drawn, ${RUNS} redraws`);
    out.push('| measure | median ms | min | p90 | max |');
    out.push('|---|---|---|---|---|');
    out.push(`| prepare (cut, fold to pixel columns) + draw | ${fmt(h.stats(times))} |`);
    await context.close();
  }
} finally {
  await browser.close();
  h.cleanup();
}
console.log(out.join('\n'));
