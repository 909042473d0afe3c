// Time to the matrix on screen, prerendered page against the app alone, in
// headless Chromium (run by scripts/bench-first-paint.sh). Each run is a fresh
// browser context (cold cache), from navigation start to the first painted
// frame that shows the cell us-east-1 → eu-west-1: the later of the first
// contentful paint and the first animation frame in which the cell is laid out.
//
// Two networks: localhost as it is, and a slow link emulated by Chromium
// (400 ms round trip, 1 Mbit/s each way, through the DevTools protocol).
// Two sites, side by side in the same run: the built site with the feed
// published into it (prerendered) and the same site and feed without the
// prerender (the app alone, as before).
//
// Environment: CLOUDPING_BIN, PRERENDERED (a bucket folder: site + feed,
// published into), PLAIN (the same without the prerender), TOOLS_DIR,
// CHROMIUM, RUNS (default 15). Not a test file (no .test. in its name).
import os from 'node:os';
import * as h from './harness.mjs';

const env = (name) => h.env(name, 'run scripts/bench-first-paint.sh');
const RUNS = Number(process.env.RUNS || 15);
const WARM = 3;

const SLOW = { offline: false, latency: 400, downloadThroughput: 1e6 / 8, uploadThroughput: 1e6 / 8 };
const CELL = 'td[data-src="us-east-1"][data-dst="eu-west-1"]';

async function once(browser, url, network) {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  if (network) {
    const cdp = await ctx.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    await cdp.send('Network.emulateNetworkConditions', network);
  }
  await page.addInitScript((sel) => {
    window.__shown = null;
    const tick = () => {
      const c = [...document.querySelectorAll(sel)].find((e) => e.getClientRects().length > 0);
      if (c) window.__shown = performance.now(); else requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  }, CELL);
  await page.goto(url, { waitUntil: 'commit' });
  await page.waitForFunction(() => window.__shown !== null, null, { timeout: 60000, polling: 50 });
  const t = await page.evaluate(() => {
    const fcp = performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? 0;
    return Math.max(fcp, window.__shown);
  });
  await ctx.close();
  return t;
}

const browser = await h.launch(env('TOOLS_DIR'), env('CHROMIUM'));
const sites = [['prerendered', await h.serve(env('CLOUDPING_BIN'), env('PRERENDERED'))],
  ['app alone', await h.serve(env('CLOUDPING_BIN'), env('PLAIN'))]];
// This machine is shared: the figures follow its load more than the page.
// The two pages are measured in turns, so both see the same load, and the
// load average is printed with them.
const load = () => os.loadavg().map((x) => x.toFixed(1)).join(' ');
console.log(`time from navigation to the matrix on screen, ms (${RUNS} cold-cache runs each, the two pages in turns, after ${WARM} uncounted; median, min, max)\n`);
console.log('| network | page | median | min | max | load average (1, 5, 15 min) before → after |\n|---|---|---|---|---|---|');
for (const [label, network] of [['localhost', null], ['400 ms RTT, 1 Mbit/s', SLOW]]) {
  // The uncounted runs warm the browser process and the server's compressed
  // copies (as CloudFront's edge would hold them).
  for (let i = 0; i < WARM; i++) for (const [, url] of sites) await once(browser, url, network);
  const before = load();
  const xs = sites.map(() => []);
  for (let i = 0; i < RUNS; i++) {
    for (const [k, [, url]] of sites.entries()) xs[k].push(await once(browser, url, network));
  }
  const after = load();
  for (const [k, [name]] of sites.entries()) {
    const s = h.stats(xs[k]);
    console.log(`| ${label} | ${name} | ${s.median.toFixed(0)} | ${s.min.toFixed(0)} | ${s.max.toFixed(0)} | ${before} → ${after} |`);
  }
}
await browser.close();
h.cleanup();
