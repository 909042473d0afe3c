// Opens the built site in headless Chromium once per URL and reports, as
// JSON on stdout, whether the matrix rendered, a cell's text and colour, how
// many regions "Measure from my browser" measured, and every
// Content-Security-Policy violation and page error. With CSP_ENDPOINT_PORT
// set, Chromium resolves every dynamodb.*.amazonaws.com to that local HTTPS
// server (its self-signed certificate accepted), so the measurement runs
// offline against the real endpoint names the CSP must allow.
//
//   node deploy/tests/csp_browser.mjs '{"name": "http://127.0.0.1:PORT/", ...}'
//
// Environment: TOOLS_DIR (where playwright-core is installed), CHROMIUM.
import { createRequire } from 'node:module';
import { join } from 'node:path';

const need = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set; run deploy/check.sh`);
  return v;
};
const require = createRequire(join(need('TOOLS_DIR'), 'package.json'));
const { chromium } = require('playwright-core');

const urls = JSON.parse(process.argv[2]);
const port = process.env.CSP_ENDPOINT_PORT;
const endpoints = port
  ? [`--host-resolver-rules=MAP dynamodb.*.amazonaws.com 127.0.0.1:${port}`, '--ignore-certificate-errors']
  : [];
const browser = await chromium.launch({
  executablePath: need('CHROMIUM'),
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', ...endpoints],
});
const results = {};
try {
  for (const [name, url] of Object.entries(urls)) {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    // Injected by the browser itself, before any page script and outside the page's CSP.
    await page.addInitScript(() => {
      window.__violations = [];
      document.addEventListener('securitypolicyviolation', (e) =>
        window.__violations.push(`${e.effectiveDirective} blocked ${e.blockedURI || 'inline'}`));
    });
    await page.goto(url);
    const cell = page.locator('td[data-src="us-east-1"][data-dst="eu-west-1"]');
    let rendered = true;
    try {
      await cell.waitFor({ timeout: 8000 });
    } catch {
      rendered = false;
    }
    // From the browser: one click, then wait for every region to settle.
    let measured = null;
    let regions = null;
    if (rendered && (await page.locator('#measure').count())) {
      await page.click('#measure');
      const status = page.locator('#browser .status', { hasText: /^Measured \d+ of \d+ regions/ });
      try {
        await status.waitFor({ timeout: 120000 });
        const m = (await status.textContent()).match(/^Measured (\d+) of (\d+)/);
        [measured, regions] = [Number(m[1]), Number(m[2])];
      } catch {
        measured = -1;
      }
    }
    results[name] = {
      rendered,
      measured,
      regions,
      cell: rendered ? (await cell.textContent()).trim() : null,
      background: rendered ? await cell.evaluate((td) => getComputedStyle(td).backgroundColor) : null,
      violations: await page.evaluate(() => window.__violations),
      errors,
    };
    await context.close();
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify(results));
