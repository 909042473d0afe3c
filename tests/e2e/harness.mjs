// What the browser tests and the frontend benchmark share: serving a folder
// (the built site plus a feed) with `cloudping serve` on a free loopback
// port, loading playwright-core, and cleaning up every folder and server.
// Not a test file: node --test does not pick it up (no .test. in its name).
import { createRequire } from 'node:module';
import { spawn } from 'node:child_process';
import { mkdtempSync, cpSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';

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

export function cleanup() {
  for (const s of servers) s.kill();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}
