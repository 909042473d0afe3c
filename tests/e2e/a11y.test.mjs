// Accessibility and layout of the site in real headless Chromium: axe-core on
// every page in light and dark mode, the contrast of every cell's text and of
// the focus ring, sticky headers, keyboard reach (skip link, End/Ctrl+End,
// focus after a pair goes), a phone's width, and the cell details' place.
//
// Environment (set by scripts/test.sh): CLOUDPING_BIN, DIST_DIR, FIXTURES_DIR,
// TOOLS_DIR (playwright-core and axe-core are installed there), CHROMIUM.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as h from './harness.mjs';

const env = (name) => h.env(name, 'run the tests through scripts/test.sh');
const TOOLS = env('TOOLS_DIR');
const BIN = env('CLOUDPING_BIN');
const DIST = env('DIST_DIR');
const FIXTURES = env('FIXTURES_DIR');

let browser;
before(async () => {
  browser = await h.launch(TOOLS, env('CHROMIUM'));
});
after(async () => {
  await browser?.close();
  h.cleanup();
});

/** Every commercial region, two simulated days, published by the pipeline: the real table size. */
let full;
const fullFeed = () => (full ??= join(h.publish(BIN, { days: 2 }), 'data/v2'));

async function page(feed, hash = '', options = {}) {
  const { page: p, errors } = await h.open(browser, await h.serve(BIN, h.site(DIST, feed)) + hash, options);
  return { p, errors };
}

const axe = (p) => h.axe(p, TOOLS);

for (const colorScheme of ['light', 'dark']) {
  test(`axe-core finds no violation on the matrix, the graph and the API page (${colorScheme})`, async () => {
    const { p, errors } = await page(fullFeed(), '', { colorScheme });
    await p.locator('td[data-src="us-east-1"][data-dst="eu-west-1"]').waitFor({ timeout: 15000 });
    assert.deepEqual(await axe(p), [], 'matrix');
    await p.locator('td[data-src="us-east-1"][data-dst="eu-west-1"]').click();
    await p.waitForFunction(() => document.querySelector('#chart')?.dataset.lines === '1', null, { timeout: 15000 });
    assert.deepEqual(await axe(p), [], 'graph');
    await p.click('nav a[href="#/api"]');
    await p.locator('article.api').waitFor();
    assert.deepEqual(await axe(p), [], 'API page');
    assert.deepEqual(errors, []);
  });
}

// ---- Contrast ----------------------------------------------------------------------------------

/** WCAG contrast of two `rgb(…)` strings, computed in the page. */
const CONTRAST = `
  const rgb = (s) => s.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = (c) => { const l = c.map((v) => { v /= 255; return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * l[0] + 0.7152 * l[1] + 0.0722 * l[2]; };
  const contrast = (a, b) => { const [x, y] = [lum(rgb(a)), lum(rgb(b))]; return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
`;

for (const colorScheme of ['light', 'dark']) {
  test(`every cell's text is ≥ 4.5:1 and the focus ring ≥ 3:1 on its cell (${colorScheme})`, async () => {
    const { p } = await page(fullFeed(), '#window=1d&stat=p99', { colorScheme });
    await p.locator('td[data-src="us-east-1"][data-dst="eu-west-1"]').waitFor({ timeout: 15000 });
    const worst = await p.evaluate(`(() => { ${CONTRAST}
      let min = 99, at = '';
      for (const td of document.querySelectorAll('table.matrix td[data-i], .legend .stop')) {
        const s = getComputedStyle(td);
        const c = contrast(s.color, s.backgroundColor);
        if (c < min) { min = c; at = td.dataset.src + '>' + td.dataset.dst + ' ' + s.color + ' on ' + s.backgroundColor; }
      }
      return { min, at, n: document.querySelectorAll('table.matrix td[data-i]').length };
    })()`);
    assert.ok(worst.n > 1000, `the whole table (${worst.n} cells)`);
    assert.ok(worst.min >= 4.5, `lowest text contrast ${worst.min.toFixed(2)}:1 at ${worst.at}`);
    // The ring: its outline and its inner shadow; the better of the two against the cell.
    const ring = await p.evaluate(`(async () => { ${CONTRAST}
      let min = 99, at = '';
      const cells = [...document.querySelectorAll('table.matrix td[data-i]')];
      for (const td of cells.filter((_, k) => k % 7 === 0)) {
        td.focus();
        const s = getComputedStyle(td);
        const inner = s.boxShadow.match(/rgba?\\([^)]*\\)/)[0];
        const c = Math.max(contrast(s.outlineColor, s.backgroundColor), contrast(inner, s.backgroundColor));
        if (s.outlineStyle === 'none' || parseFloat(s.outlineWidth) < 2) return { min: 0, at: 'no outline on ' + td.dataset.src };
        if (c < min) { min = c; at = td.dataset.src + '>' + td.dataset.dst; }
      }
      return { min, at };
    })()`);
    assert.ok(ring.min >= 3, `focus ring contrast ${ring.min.toFixed(2)}:1 at ${ring.at}`);
  });
}

// ---- Keyboard ----------------------------------------------------------------------------------

test('the skip link is the first stop and lands on the matrix', async () => {
  const { p, errors } = await page(FIXTURES);
  await p.locator('td[data-src]').first().waitFor({ timeout: 10000 });
  await p.keyboard.press('Tab');
  assert.equal(await p.evaluate(() => document.activeElement.textContent), 'Skip to the matrix');
  assert.ok(await p.evaluate(() => document.activeElement.getBoundingClientRect().left >= 0), 'visible when focused');
  await p.keyboard.press('Enter');
  assert.equal(await p.evaluate(() => document.activeElement.dataset.src), 'us-east-1');
  assert.doesNotMatch(p.url(), /#matrix/, 'the view in the hash is kept');
  assert.deepEqual(errors, []);
});

/** Whether the focused cell is wholly inside the scroller and clear of the sticky headers. */
const focusedClear = (p) => p.evaluate(() => {
  const td = document.activeElement;
  const sc = document.querySelector('.matrix-scroll').getBoundingClientRect();
  const head = document.querySelector('table.matrix thead').getBoundingClientRect();
  const side = td.parentElement.firstElementChild.getBoundingClientRect();
  const r = td.getBoundingClientRect();
  const scroller = document.querySelector('.matrix-scroll');
  const ok = r.top >= head.bottom - 1 && r.left >= side.right - 1
    && r.bottom <= sc.top + scroller.clientHeight + 1 && r.right <= sc.left + scroller.clientWidth + 1
    && r.bottom <= window.innerHeight + 1 && r.top >= -1;
  return { ok, cell: `${td.dataset.src}>${td.dataset.dst}`, r: [r.top, r.left, r.bottom, r.right], head: head.bottom, side: side.right };
});

test('headers stay in sight, and End / Ctrl+End / Ctrl+Home show the focused cell whole', async () => {
  const { p, errors } = await page(fullFeed(), '', { viewport: { width: 900, height: 600 } });
  const first = p.locator('td[data-src]').first();
  await first.waitFor({ timeout: 15000 });
  await first.focus();
  await p.keyboard.press('Control+End');
  let at = await focusedClear(p);
  assert.ok(at.ok, JSON.stringify(at));
  // The column headers and the corner stuck at the top of the scrolled table.
  const stuck = await p.evaluate(() => {
    const sc = document.querySelector('.matrix-scroll');
    const top = sc.getBoundingClientRect().top;
    return { scrolled: sc.scrollTop, corner: document.querySelector('th.corner').getBoundingClientRect().top - top,
      col: document.querySelector('th.dst').getBoundingClientRect().top - top };
  });
  assert.ok(stuck.scrolled > 100, `the table scrolled (${stuck.scrolled})`);
  assert.ok(Math.abs(stuck.corner) < 2 && Math.abs(stuck.col) < 2, JSON.stringify(stuck));
  await p.keyboard.press('Home');
  at = await focusedClear(p);
  assert.ok(at.ok, JSON.stringify(at));
  await p.keyboard.press('End');
  at = await focusedClear(p);
  assert.ok(at.ok, JSON.stringify(at));
  await p.keyboard.press('Control+Home');
  at = await focusedClear(p);
  assert.ok(at.ok && at.cell.startsWith(await p.locator('tbody th .long').first().textContent()), JSON.stringify(at));
  assert.deepEqual(errors, []);
});

test('after a pair is removed or the graph closed, focus goes to the next pair or back to the cell', async () => {
  const { p, errors } = await page(FIXTURES, '#pairs=us-east-1:eu-west-1,eu-west-1:us-east-1,us-east-1:ap-northeast-1');
  await p.locator('ul.pairs li').nth(2).waitFor({ timeout: 10000 });
  const active = () => p.evaluate(() => {
    const a = document.activeElement;
    return a.dataset.src ? `cell ${a.dataset.src}>${a.dataset.dst}` : `${a.tagName} ${a.closest('li')?.dataset.pair ?? ''}`.trim();
  });
  await p.click('ul.pairs li[data-pair="eu-west-1:us-east-1"] button.remove');
  await p.waitForFunction(() => document.querySelectorAll('ul.pairs li').length === 2);
  assert.equal(await active(), 'BUTTON us-east-1:ap-northeast-1', 'the next pair’s ×');
  await p.click('ul.pairs li[data-pair="us-east-1:ap-northeast-1"] button.remove');
  assert.equal(await active(), 'BUTTON us-east-1:eu-west-1', 'the one before');
  await p.click('ul.pairs li[data-pair="us-east-1:eu-west-1"] button.remove');
  await p.waitForFunction(() => document.activeElement?.dataset?.src);
  assert.equal(await active(), 'cell us-east-1>eu-west-1', 'the graph is gone: back to its cell');
  // Close the graph: back to the first pair's cell.
  await p.locator('td[data-src="eu-west-1"][data-dst="ap-northeast-1"]').click();
  await p.click('button.clear');
  await p.waitForFunction(() => document.activeElement?.dataset?.src);
  assert.equal(await active(), 'cell eu-west-1>ap-northeast-1');
  assert.deepEqual(errors, []);
});

// ---- Phones and the cell details ---------------------------------------------------------------

test('on a 390 px phone the row headers are narrow and many columns show', async () => {
  const { p, errors } = await page(fullFeed(), '', { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  await p.locator('td[data-src]').first().waitFor({ timeout: 15000 });
  const m = await p.evaluate(() => {
    const sc = document.querySelector('.matrix-scroll').getBoundingClientRect();
    const th = document.querySelector('tbody th.src').getBoundingClientRect();
    const cols = [...document.querySelectorAll('thead th.dst')].filter((e) => e.getBoundingClientRect().right <= sc.right).length;
    return { head: th.width, cols, page: document.documentElement.scrollWidth };
  });
  assert.ok(m.head <= 80, `row headers ${m.head} px`);
  assert.ok(m.cols >= 7, `${m.cols} columns in sight`);
  assert.ok(m.page <= 390, `the page itself does not scroll sideways (${m.page} px)`);
  // Short codes are shown; screen readers still get the full code.
  assert.equal(await p.locator('tbody th.src .short').first().isVisible(), true);
  // A tap shows the details at the bottom, inside the window, and × hides them.
  await p.locator('td[data-src="us-east-1"][data-dst="eu-west-1"]').dispatchEvent('mouseover');
  const tip = p.locator('#cell-tip');
  await tip.waitFor();
  const box = await tip.boundingBox();
  assert.ok(box.y >= 0 && box.y + box.height <= 844 + 1 && box.x >= 0 && box.x + box.width <= 390 + 1, JSON.stringify(box));
  await p.locator('#cell-tip .tip-close').tap();
  await tip.waitFor({ state: 'detached' });
  assert.deepEqual(errors, []);
});

test('the cell details stay inside the window next to the last row and column, and Escape hides them', async () => {
  const { p, errors } = await page(fullFeed(), '', { viewport: { width: 1000, height: 500 } });
  const last = p.locator('tbody tr:last-child td:last-child');
  await last.waitFor({ timeout: 15000 });
  await last.focus();
  const tip = p.locator('#cell-tip');
  await tip.waitFor();
  await p.waitForTimeout(100);
  const box = await tip.boundingBox();
  assert.ok(box.y >= 0 && box.y + box.height <= 500 + 1 && box.x >= 0 && box.x + box.width <= 1000 + 1, JSON.stringify(box));
  await p.keyboard.press('Escape');
  await tip.waitFor({ state: 'detached' });
  assert.deepEqual(errors, []);
});

test('the simulated-data banner and the update time read as prose', async () => {
  const { p } = await page(fullFeed());
  const banner = p.locator('.banner');
  await banner.waitFor({ timeout: 15000 });
  assert.doesNotMatch(await banner.textContent(), /`/);
  const fresh = await p.locator('.freshness').textContent();
  assert.doesNotMatch(fresh, /Z UTC/);
  assert.match(fresh, /\(\d{4}-\d\d-\d\d \d\d:\d\d UTC\)/);
});
