// End-to-end tests, in real headless Chromium, of the map: the base map is
// fetched only when the map opens, every region sits at its place, the lines
// carry the matrix's figures and colours, keyboard and pointer open a pair,
// a broken base map is said and the regions still show, dark mode, axe-core,
// and the visitor's own lines once measured from the browser.
//
// Environment (set by scripts/test.sh): CLOUDPING_BIN, DIST_DIR,
// TEST_DIST_DIR, FIXTURES_DIR, TOOLS_DIR (playwright-core, axe-core), CHROMIUM.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as h from './harness.mjs';

const env = (name) => h.env(name, 'run the tests through scripts/test.sh');
const TOOLS = env('TOOLS_DIR');
const BIN = env('CLOUDPING_BIN');
const DIST = env('DIST_DIR');
const TEST_DIST = env('TEST_DIST_DIR');
const FIXTURES = env('FIXTURES_DIR');
const manifest = JSON.parse(readFileSync(join(FIXTURES, 'manifest.json'), 'utf8'));
const matrix = JSON.parse(readFileSync(join(FIXTURES, 'matrix/1d.json'), 'utf8'));
const p50 = (a, b) => matrix.stats.p50[matrix.sources.indexOf(a)]?.[matrix.destinations.indexOf(b)] ?? null;

let browser;
before(async () => {
  browser = await h.launch(TOOLS, env('CHROMIUM'));
});
after(async () => {
  await browser?.close();
  h.cleanup();
});

async function open(root, hash, options = {}) {
  const url = await h.serve(BIN, root);
  const page = await browser.newPage(options);
  const errors = [];
  const requests = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('request', (r) => requests.push(new URL(r.url()).pathname));
  await page.goto(url + hash);
  return { page, errors, requests };
}

const axe = (p) => h.axe(p, TOOLS);

test('the base map is fetched only when the map opens; every region and line is there, coloured as the matrix', async () => {
  const { page, errors, requests } = await open(h.site(DIST, FIXTURES), '#window=1d&stat=p50');
  await h.cell(page, 'us-east-1', 'eu-west-1').waitFor({ timeout: 15000 });
  // The matrix's colours, to compare the lines with.
  const colour = {};
  for (const d of ['eu-west-1', 'ap-northeast-1']) {
    colour[d] = await h.cell(page, 'us-east-1', d).evaluate((td) => getComputedStyle(td).backgroundColor);
  }
  assert.ok(!requests.includes('/map/land.json'), 'not before the map opens');
  await page.locator('nav a', { hasText: 'Map' }).click();
  await page.locator('svg#map path.land').waitFor({ timeout: 10000 });
  assert.equal(requests.filter((r) => r === '/map/land.json').length, 1);
  assert.match(page.url(), /#\/map\?window=1d&stat=p50/);
  assert.equal(await page.locator('svg#map g.region').count(), manifest.regions.length);
  assert.equal(await page.locator('svg#map line.link:not(.copy)').count(), manifest.regions.length - 1);
  // Lines from the first region: us-east-1, at its coordinates.
  const [x, y] = await page.locator('svg#map g.region.from circle').evaluate((c) => [Number(c.getAttribute('cx')), Number(c.getAttribute('cy'))]);
  const east = manifest.regions.find((r) => r.code === 'us-east-1');
  assert.ok(Math.abs(x - ((east.lon + 180) / 360) * 720) < 0.06 && Math.abs(y - ((90 - east.lat) / 180) * 360) < 0.06, `${x},${y}`);
  // To Tokyo the short way is west, over the Pacific: out at the left edge, and
  // the same line a map's width over comes in at the right one.
  const tokyo = await page.locator('svg#map line.link[data-dst="ap-northeast-1"]').evaluate((l) => Number(l.getAttribute('x2')));
  assert.ok(tokyo < 0, `leaves at the left edge (x2 ${tokyo})`);
  const copies = await page.locator('svg#map line.link.copy').evaluateAll((ls) =>
    ls.map((l) => [Number(l.getAttribute('x1')), Number(l.getAttribute('x2'))]));
  assert.equal(copies.length, 1, JSON.stringify(copies));
  assert.ok(Math.abs(copies[0][0] - (x + 720)) < 0.06 && Math.abs(copies[0][1] - (tokyo + 720)) < 0.06, JSON.stringify(copies));
  for (const d of ['eu-west-1', 'ap-northeast-1']) {
    const stroke = await page.locator(`svg#map line[data-dst="${d}"]`).evaluate((l) => getComputedStyle(l).stroke);
    assert.equal(stroke, colour[d], d);
  }
  const drawMs = Number(await page.locator('svg#map').getAttribute('data-draw-ms'));
  assert.ok(Number.isFinite(drawMs) && drawMs >= 0, 'the draw time is recorded for the benchmark');
  assert.deepEqual(errors, []);
});

test('keyboard: Tab reaches each region with its figure, floor and stretch; Enter opens the pair; the origin is in the link', async () => {
  const { page, errors } = await open(h.site(DIST, FIXTURES), '#/map?window=1d&stat=p50&from=us-east-1');
  await page.locator('svg#map path.land').waitFor({ timeout: 15000 });
  // The last control, then past the origin to the first destination.
  await page.focus('#map-stat');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  const code = await page.evaluate(() => document.activeElement?.dataset.code);
  assert.ok(code && code !== 'us-east-1', `focused ${code}`);
  const tip = page.locator(`.map-tip[data-dst="${code}"]`);
  await tip.waitFor();
  assert.match(await tip.textContent(), new RegExp(`us-east-1 → ${code}`));
  const want = p50('us-east-1', code);
  const value = await tip.locator('[data-stat=value]').textContent();
  assert.ok(Math.abs(Number(value.split(' ')[0]) - want) <= 0.05 + 1e-9, `${value} against ${want}`);
  assert.match(await tip.locator('[data-stat=floor]').textContent(), /^\d+\.\d ms$/);
  assert.match(await tip.locator('[data-stat=stretch]').textContent(), /^\d+\.\d\d×$/);
  await page.keyboard.press('Enter');
  await page.waitForFunction((c) => location.hash.includes(`pairs=us-east-1:${c}`) && !location.hash.startsWith('#/map'), code);
  await page.locator('#graph ul.pairs li').first().waitFor();

  // Another origin through the select, kept in the link.
  await page.locator('nav a', { hasText: 'Map' }).click();
  await page.locator('svg#map path.land').waitFor();
  await page.selectOption('#map-from', 'eu-west-1');
  await page.waitForFunction(() => location.hash.includes('from=eu-west-1'));
  assert.equal(await page.locator('svg#map g.region.from').getAttribute('data-code'), 'eu-west-1');
  // Another window and statistic: the link, and the figures of that matrix.
  await page.selectOption('#map-window', '7d');
  await page.selectOption('#map-stat', 'p90');
  await page.waitForFunction(() => location.hash.includes('window=7d') && location.hash.includes('stat=p90'));
  const week = JSON.parse(readFileSync(join(FIXTURES, 'matrix/7d.json'), 'utf8'));
  const p90 = week.stats.p90[week.sources.indexOf('eu-west-1')][week.destinations.indexOf('us-east-1')];
  await page.locator('svg#map g.region[data-code="us-east-1"]').hover();
  await page.waitForFunction((want) => {
    const t = document.querySelector('.map-tip [data-stat=value]')?.textContent ?? '';
    return t.endsWith('p90') && Math.abs(parseFloat(t) - want) <= 0.05 + 1e-9;
  }, p90);
  await page.selectOption('#map-window', '1d');
  await page.selectOption('#map-stat', 'p50');
  // ap-northeast-1 → eu-west-1 has no data in the fixture: that line says so when it is the origin.
  await page.selectOption('#map-from', 'ap-northeast-1');
  await page.locator('svg#map line.link.none[data-dst="eu-west-1"]').waitFor();
  await page.locator('svg#map g.region[data-code="eu-west-1"]').hover();
  assert.match(await page.locator('.map-tip').textContent(), /no data/);
  assert.deepEqual(errors, []);
});

test('from the map, the Matrix link returns to the matrix page as it was: filters and open pairs', async () => {
  const { page, errors } = await open(h.site(DIST, FIXTURES), '#window=1d&stat=p90&geo=europe,north-america&pairs=us-east-1:eu-west-1');
  await page.locator('#graph ul.pairs li').first().waitFor({ timeout: 15000 });
  await page.locator('nav a', { hasText: 'Map' }).click();
  await page.locator('svg#map path.land').waitFor();
  assert.match(page.url(), /#\/map\?window=1d&stat=p90&geo=europe,north-america&pairs=us-east-1:eu-west-1/);
  await page.locator('nav a', { hasText: 'Matrix' }).click();
  await page.locator('#graph ul.pairs li[data-pair="us-east-1:eu-west-1"]').waitFor();
  assert.match(page.url(), /#window=1d&stat=p90&geo=europe,north-america&pairs=us-east-1:eu-west-1$/);
  assert.deepEqual(errors, []);
});

test('the base map never jumps across the map: rings over the antimeridian are unwrapped, with a copy at the other edge, and Antarctica reaches the pole', () => {
  const land = JSON.parse(readFileSync(join(DIST, 'map/land.json'), 'utf8'));
  let jumps = 0;
  let beyond = 0;
  for (const sub of land.land.split('M').filter(Boolean)) {
    const pts = sub.replace(/Z$/, '').split('L').map((p) => p.trim().split(' ').map(Number));
    const onEdge = ([, y]) => y === 0 || y === land.height;
    for (let k = 1; k < pts.length; k++) {
      // Along the top or bottom edge is the pole itself (Antarctica's ring).
      if (Math.abs(pts[k][0] - pts[k - 1][0]) > land.width / 2 && !(onEdge(pts[k]) && onEdge(pts[k - 1]))) jumps++;
    }
    if (pts.some(([x]) => x < 0 || x > land.width)) beyond++;
  }
  assert.equal(jumps, 0, 'no edge runs across the map');
  assert.ok(/ 360(L|Z)/.test(land.land), 'a ring reaches the bottom edge');
  assert.ok(beyond >= 2, `rings running past an edge, and their copies (${beyond})`);
});

test('a broken base map is said with a Retry, and the regions and lines still show', async () => {
  const root = h.site(DIST, FIXTURES);
  const file = join(root, 'map/land.json');
  const good = readFileSync(file, 'utf8');
  writeFileSync(file, good.replace('"land":"M', '"land":"<script>M'));
  const { page, errors } = await open(root, '#/map');
  const alert = page.locator('.land-error [role=alert]');
  await alert.waitFor({ timeout: 15000 });
  assert.match(await alert.textContent(), /^Could not load the base map\. .*map\/land\.json .*not only M, L, Z and numbers/);
  assert.equal(await page.locator('svg#map g.region').count(), manifest.regions.length);
  assert.equal(await page.locator('svg#map path.land').count(), 0);
  writeFileSync(file, good);
  await alert.locator('button', { hasText: 'Retry' }).click();
  await page.locator('svg#map path.land').waitFor();
  assert.equal(await page.locator('.land-error').count(), 0);
  assert.deepEqual(errors, []);
});

test('a site put up without its base map says so, not that the feed is unpublished', async () => {
  const root = h.site(DIST, FIXTURES);
  rmSync(join(root, 'map/land.json'));
  const { page, errors } = await open(root, '#/map');
  const alert = page.locator('.land-error [role=alert]');
  await alert.waitFor({ timeout: 15000 });
  const text = await alert.textContent();
  assert.match(text, /^Could not load the base map\. map\/land\.json was not found \(HTTP 404\): the site was published without it/);
  assert.doesNotMatch(text, /feed/);
  assert.equal(await page.locator('svg#map g.region').count(), manifest.regions.length);
  assert.deepEqual(errors, []);
});

for (const colorScheme of ['light', 'dark']) {
  test(`the map in ${colorScheme} mode: its own land colour, and axe-core finds no violation`, async () => {
    const { page, errors } = await open(h.site(DIST, FIXTURES), '#/map', { colorScheme });
    await page.locator('svg#map path.land').waitFor({ timeout: 15000 });
    const land = await page.locator('svg#map path.land').evaluate((p) => getComputedStyle(p).fill);
    assert.equal(land, colorScheme === 'dark' ? 'rgb(43, 43, 54)' : 'rgb(217, 221, 229)');
    // Lines keep the matrix's colours; in dark mode a light edge keeps the
    // slow (deep purple) ones apart from the dark sea.
    const edge = await page.locator('svg#map line.link').first().evaluate((l) => getComputedStyle(l).filter);
    if (colorScheme === 'dark') assert.match(edge, /^drop-shadow\(/);
    else assert.equal(edge, 'none');
    assert.deepEqual(await axe(page), []);
    assert.deepEqual(errors, []);
  });
}

test('once measured from the browser, the map draws "you" and a line to each region', async () => {
  const endpoints = {};
  for (const [region, delay] of [['us-east-1', 10], ['eu-west-1', 40]]) endpoints[region] = await h.pingStandIn(delay);
  endpoints['ap-northeast-1'] = await h.refusedUrl();
  const { page, errors } = await open(h.site(TEST_DIST, FIXTURES), '#window=1d&stat=p50', {});
  await page.evaluate((over) => localStorage.setItem('cloudping.test-endpoints', over), JSON.stringify(endpoints));
  await page.click('#measure');
  await page.locator('#browser .status', { hasText: 'Measured 2 of 3 regions' }).waitFor({ timeout: 20000 });
  await page.locator('nav a', { hasText: 'Map' }).click();
  await page.locator('svg#map path.land').waitFor();
  await page.selectOption('#map-from', 'you');
  await page.locator('svg#map g.you').waitFor();
  assert.match(page.url(), /from=you/);
  assert.equal(await page.locator('svg#map line.link:not(.copy)').count(), 3);
  assert.equal(await page.locator('svg#map line.link.none:not(.copy)').count(), 1, 'the failed region has a dashed line');
  await page.locator('svg#map g.region[data-code="eu-west-1"]').focus();
  const tip = await page.locator('.map-tip').textContent();
  assert.match(tip, /you \(from your browser\) → eu-west-1/);
  const ms = Number(tip.match(/(\d+(\.\d+)?) ms/)[1]);
  assert.ok(ms >= 40 && ms < 45, tip);
  await page.locator('svg#map g.region[data-code="ap-northeast-1"]').focus();
  assert.match(await page.locator('.map-tip').textContent(), /failed: refused or unreachable/);
  assert.deepEqual(errors, []);
});
