// Driven by scripts/bench-map.sh: opens the map cold RUNS times (a fresh
// browser context each, after one uncounted run) over a feed of every
// commercial region and prints, per run, the time from the later of the
// one-statistic matrix the map draws first and the land's arrival (Resource Timing's responseEnd) to the
// map's `map-drawn` mark, and the svg's own `data-draw-ms`.
import * as h from './harness.mjs';

const env = (name) => h.env(name, 'run scripts/bench-map.sh');
const RUNS = Number(process.env.RUNS || 15);
const browser = await h.launch(env('TOOLS_DIR'), env('CHROMIUM'));
const url = await h.serve(env('CLOUDPING_BIN'), env('SITE'));
const after = [];
const own = [];
try {
  for (let run = 0; run <= RUNS; run++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(url + '#/map?window=1d&stat=p50&from=us-east-1');
    await page.waitForFunction(() => performance.getEntriesByName('map-drawn').length > 0, null, { timeout: 20000 });
    const t = await page.evaluate(() => {
      const ends = performance.getEntriesByType('resource')
        .filter((e) => /\/map\/land\.json$|\/data\/v2\/matrix\/1d-p50\./.test(e.name))
        .map((e) => e.responseEnd);
      const drawn = performance.getEntriesByName('map-drawn')[0].startTime;
      return { after: drawn - Math.max(...ends), own: Number(document.querySelector('svg#map').dataset.drawMs) };
    });
    const lines = await page.locator('svg#map line.link').count();
    if (lines < 33) throw new Error(`only ${lines} lines drawn`);
    if (run > 0) {
      after.push(t.after);
      own.push(t.own);
    }
    await context.close();
  }
} finally {
  await browser.close();
  h.cleanup();
}
const f = (s) => `median ${s.median.toFixed(1)} ms (${s.min.toFixed(1)}–${s.max.toFixed(1)} ms, ${s.n} runs)`;
console.log(`map drawn after its files arrived: ${f(h.stats(after))}`);
console.log(`the map's own render (data-draw-ms): ${f(h.stats(own))}`);
