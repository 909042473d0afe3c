// What the browser tests and the frontend benchmark share: serving a folder
// (the built site plus a feed) with `cloudping serve` on a free loopback
// port, loading playwright-core, and cleaning up every folder and server.
// Not a test file: node --test does not pick it up (no .test. in its name).
import { createRequire } from 'node:module';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, cpSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { createServer } from 'node:http';

/** A required environment variable; `hint` says how to get it set. */
export function env(name, hint) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set; ${hint}`);
  return v;
}

/** playwright-core's chromium, from where scripts/setup.sh installed it. */
export function chromiumFrom(toolsDir) {
  return createRequire(join(toolsDir, 'package.json'))('playwright-core').chromium;
}

/**
 * Chromium's flags on this kind of machine: no sandbox (tests run as root),
 * and no background connections, which its closed network refuses.
 */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Headless Chromium at `executable`, driven by the playwright-core in `toolsDir`. */
export function launch(toolsDir, executable) {
  return chromiumFrom(toolsDir).launch({ executablePath: executable, args: CHROMIUM_ARGS });
}

/** `url` in a new page of `browser` (`options` as for `newPage`), with the uncaught errors it throws. */
export async function open(browser, url, options = {}) {
  const page = await browser.newPage(options);
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url);
  return { page, errors };
}

/** The matrix cell of a pair. */
export const cell = (page, src, dst) => page.locator(`td[data-src="${src}"][data-dst="${dst}"]`);

/** Temporary folders and servers, all removed by `cleanup`. */
export const dirs = [];
const servers = [];

export function tempDir(prefix) {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
    s.on('error', reject);
  });
}

/** A site folder: the built frontend `dist` plus data/v2 from `feedDir` (or none). */
export function site(dist, feedDir) {
  const root = tempDir('cloudping-site-');
  cpSync(dist, root, { recursive: true });
  if (feedDir) cpSync(feedDir, join(root, 'data/v2'), { recursive: true });
  return root;
}

/** Serves `root` with `cloudping serve`; resolves to its URL once it answers. */
export async function serve(bin, root) {
  const port = await freePort();
  servers.push(spawn(bin, ['--bucket', root, 'serve', '--addr', `127.0.0.1:${port}`], { stdio: 'ignore' }));
  const url = `http://127.0.0.1:${port}/`;
  for (let i = 0; i < 100; i++) {
    try { if ((await fetch(url)).ok) return url; } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`cloudping serve did not start on ${url}`);
}

/**
 * A bucket folder the pipeline published into (`simulate`, `rollup`,
 * `publish` with the `cloudping` at `bin`): `days` simulated days up to `end`,
 * of `regions` (all by default), with the built site at `dist` copied in
 * first when given (so the publish prerenders its page). Returns the folder.
 */
export function publish(bin, { days, end = '2026-11-20T00:00:00Z', regions, dist } = {}) {
  const work = tempDir('cloudping-pipeline-');
  const bucket = join(work, 'bucket');
  if (dist) cpSync(dist, bucket, { recursive: true });
  const run = (...args) => execFileSync(bin, ['--db', join(work, 'db.sqlite'), '--bucket', bucket, ...args], { stdio: 'pipe' });
  run('simulate', '--days', String(days), '--end', end, ...(regions ? ['--regions', regions] : []));
  run('rollup');
  run('publish');
  return bucket;
}

/** Order statistics of a list of numbers (for the benchmarks). */
export function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { n: s.length, min: s[0], median: q(0.5), p90: q(0.9), max: s[s.length - 1] };
}

/** The `/ping` stand-ins started by `pingStandIn`, closed by `cleanup`. */
const standIns = [];

/**
 * A stand-in for one region's `/ping` endpoint on 127.0.0.1, for the
 * "From your browser" measurement: it answers after `delay` ms (`null`:
 * holds the request open and never answers), allowing CORS and exposing its
 * timing as a CORS-enabled endpoint does, unless `opaque`. `onHit` runs on
 * every request. Resolves to the server's base URL.
 */
export function pingStandIn(delay, { opaque = false, onHit = () => {} } = {}) {
  return new Promise((resolve, reject) => {
    const s = createServer((req, res) => {
      onHit();
      if (delay === null) return;
      setTimeout(() => {
        const cors = opaque ? {} : { 'access-control-allow-origin': '*', 'timing-allow-origin': '*' };
        res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'no-store', ...cors });
        res.end('healthy: local test endpoint');
      }, delay);
    });
    s.keepAliveTimeout = 60_000;
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${s.address().port}`));
    standIns.push(s);
  });
}

/** A loopback URL nothing listens on: a connection to it is refused. */
export async function refusedUrl() {
  return `http://127.0.0.1:${await freePort()}`;
}

export function cleanup() {
  for (const s of standIns) s.closeAllConnections(), s.close();
  standIns.length = 0;
  for (const s of servers) s.kill();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}

/** axe-core's violations on `page` (axe-core from `toolsDir`), one line each. */
export async function axe(page, toolsDir) {
  await page.addScriptTag({ content: readFileSync(join(toolsDir, 'node_modules/axe-core/axe.min.js'), 'utf8') });
  return page.evaluate(async () => (await window.axe.run(document)).violations
    .map((v) => `${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')} (${v.nodes.length})`));
}

/** What a click on `selector` downloads: the file's name and text. */
export async function download(page, selector) {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
  return { name: dl.suggestedFilename(), text: readFileSync(await dl.path(), 'utf8') };
}
