// End-to-end tests of `cloudping serve` over raw HTTP: that it answers like
// the CloudFront set-up it stands in for (Cache-Control per kind of file,
// brotli/gzip on request, ETags and 304, HEAD), so what works locally works
// deployed.
//
// Requests go through node:http, not fetch: fetch sets its own
// Accept-Encoding and decompresses, hiding exactly what is tested here.
//
// Environment (set by scripts/test.sh): CLOUDPING_BIN; the others the suite
// gets are not needed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect } from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import zlib from 'node:zlib';
import * as h from './harness.mjs';

const BIN = h.env('CLOUDPING_BIN', 'run the tests through scripts/test.sh');

const MANIFEST = 'public, max-age=60, must-revalidate';
const SCHEMA = 'public, max-age=3600';
const IMMUTABLE = 'public, max-age=31536000, immutable';
const SITE_FILE = 'public, max-age=3600';

// Repetitive enough to compress well, long enough to span several packets.
const json = (n) => JSON.stringify({ rows: Array.from({ length: n }, (_, i) => ({ src: 'us-east-1', dst: 'eu-west-1', p50: i / 7 })) });
const files = {
  'index.html': `<!doctype html><html><head><title>CloudPing</title></head><body>${'<p>latency</p>'.repeat(200)}</body></html>`,
  'frontend-0123456789abcdef_bg.wasm': Buffer.concat([Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]), Buffer.alloc(50000, 7)]),
  'frontend-0123456789abcdef.js': `export function init() { return ${JSON.stringify('x'.repeat(3000))}; }\n`.repeat(20),
  'map/land.json': json(20),
  'data/v2/manifest.json': json(50),
  'data/v2/matrix/1d.0123abcd.json': json(5000),
  'data/v2/schema/manifest.schema.json': JSON.stringify({ $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', description: 'm'.repeat(2000) }),
  'data/v2/raw/2026-11-19.ndjson.gz': zlib.gzipSync(Buffer.from('{"src":"us-east-1","rtt_us":[68400,68390]}\n'.repeat(500))),
};

let top; // holds the served folder and a file just outside it
let root;
let base;

function write(rel, body) {
  const p = join(root, rel);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, body);
}

/** One raw request: status, headers and the body bytes exactly as sent. */
function get(path, headers = {}, method = 'GET') {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, method, headers, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const bytes = (rel) => Buffer.from(files[rel]);

before(async () => {
  top = h.tempDir('cloudping-serve-');
  root = join(top, 'site');
  for (const [rel, body] of Object.entries(files)) write(rel, body);
  base = await h.serve(BIN, root);
});

after(() => h.cleanup());

test('each kind of file gets the Cache-Control of its S3 object', async () => {
  for (const [path, want] of [
    ['/', 'no-cache'],
    ['/index.html', 'no-cache'],
    ['/frontend-0123456789abcdef_bg.wasm', IMMUTABLE],
    ['/frontend-0123456789abcdef.js', IMMUTABLE],
    ['/map/land.json', SITE_FILE],
    ['/data/v2/manifest.json', MANIFEST],
    ['/data/v2/matrix/1d.0123abcd.json', IMMUTABLE],
    ['/data/v2/schema/manifest.schema.json', SCHEMA],
    ['/data/v2/raw/2026-11-19.ndjson.gz', IMMUTABLE],
  ]) {
    const r = await get(path);
    assert.equal(r.status, 200, path);
    assert.equal(r.headers['cache-control'], want, path);
  }
});

test('content types stay as they were', async () => {
  assert.equal((await get('/frontend-0123456789abcdef_bg.wasm')).headers['content-type'], 'application/wasm');
  assert.equal((await get('/data/v2/manifest.json')).headers['content-type'], 'application/json');
  assert.equal((await get('/')).headers['content-type'], 'text/html; charset=utf-8');
});

test('brotli when br is accepted, and the bytes decompress to the file', async () => {
  for (const rel of ['index.html', 'frontend-0123456789abcdef_bg.wasm', 'frontend-0123456789abcdef.js',
    'data/v2/manifest.json', 'data/v2/matrix/1d.0123abcd.json', 'data/v2/schema/manifest.schema.json']) {
    const r = await get(`/${rel}`, { 'accept-encoding': 'br' });
    assert.equal(r.headers['content-encoding'], 'br', rel);
    assert.equal(r.headers.vary, 'Accept-Encoding', rel);
    assert.equal(Number(r.headers['content-length']), r.body.length, rel);
    assert.ok(r.body.length < bytes(rel).length, `${rel} is smaller compressed`);
    assert.deepEqual(zlib.brotliDecompressSync(r.body), bytes(rel), rel);
  }
  // What a browser sends: brotli is preferred.
  const r = await get('/data/v2/manifest.json', { 'accept-encoding': 'gzip, deflate, br, zstd' });
  assert.equal(r.headers['content-encoding'], 'br');
});

test('gzip when only gzip is accepted, and the bytes gunzip to the file', async () => {
  for (const [rel, accept] of [['data/v2/matrix/1d.0123abcd.json', 'gzip'], ['frontend-0123456789abcdef_bg.wasm', 'br;q=0, gzip'],
    ['index.html', 'gzip;q=0.9, br;q=0.5']]) {
    const r = await get(`/${rel}`, { 'accept-encoding': accept });
    assert.equal(r.headers['content-encoding'], 'gzip', `${rel} with ${accept}`);
    assert.equal(r.headers.vary, 'Accept-Encoding', rel);
    assert.deepEqual(zlib.gunzipSync(r.body), bytes(rel), rel);
  }
});

test('no encoding without Accept-Encoding, or when only identity is accepted', async () => {
  for (const headers of [{}, { 'accept-encoding': 'identity' }, { 'accept-encoding': 'br;q=0, gzip;q=0' }, { 'accept-encoding': 'deflate' }]) {
    const r = await get('/data/v2/matrix/1d.0123abcd.json', headers);
    assert.equal(r.headers['content-encoding'], undefined, JSON.stringify(headers));
    assert.equal(r.headers.vary, 'Accept-Encoding', 'the answer still depends on the header');
    assert.deepEqual(r.body, bytes('data/v2/matrix/1d.0123abcd.json'));
  }
});

test('an already compressed file is sent as it is, never encoded twice', async () => {
  const rel = 'data/v2/raw/2026-11-19.ndjson.gz';
  for (const accept of ['br', 'gzip', 'gzip, deflate, br']) {
    const r = await get(`/${rel}`, { 'accept-encoding': accept });
    assert.equal(r.headers['content-encoding'], undefined, accept);
    assert.equal(r.headers['content-type'], 'application/gzip');
    assert.deepEqual(r.body, bytes(rel), accept);
  }
  assert.match(zlib.gunzipSync((await get(`/${rel}`)).body).toString(), /^\{"src":"us-east-1"/);
});

test('ETags are stable, differ per encoding, and If-None-Match answers 304 with no body', async () => {
  const path = '/data/v2/manifest.json';
  for (const accept of [undefined, 'br', 'gzip']) {
    const headers = accept ? { 'accept-encoding': accept } : {};
    const first = await get(path, headers);
    const etag = first.headers.etag;
    assert.match(etag ?? '', /^"[0-9a-f]{32}(-br|-gz)?"$/, `an ETag for ${accept}`);
    assert.equal((await get(path, headers)).headers.etag, etag, 'the same ETag again');
    for (const inm of [etag, `W/${etag}`, `"nope", ${etag}`, '*']) {
      const r = await get(path, { ...headers, 'if-none-match': inm });
      assert.equal(r.status, 304, `If-None-Match: ${inm} (${accept})`);
      assert.equal(r.body.length, 0);
      assert.equal(r.headers.etag, etag);
      assert.equal(r.headers['cache-control'], MANIFEST);
      assert.equal(r.headers.vary, 'Accept-Encoding');
    }
    const other = await get(path, { ...headers, 'if-none-match': '"nope"' });
    assert.equal(other.status, 200);
    assert.ok(other.body.length > 0);
  }
  const plain = (await get(path)).headers.etag;
  const br = (await get(path, { 'accept-encoding': 'br' })).headers.etag;
  const gz = (await get(path, { 'accept-encoding': 'gzip' })).headers.etag;
  assert.equal(new Set([plain, br, gz]).size, 3, 'one ETag per encoding');
  // The identity ETag does not validate the brotli body.
  assert.equal((await get(path, { 'accept-encoding': 'br', 'if-none-match': plain })).status, 200);
});

test('a changed file gets a new ETag and its new bytes, compressed too', async () => {
  const rel = 'index.html';
  const old = { plain: await get(`/${rel}`), br: await get(`/${rel}`, { 'accept-encoding': 'br' }) };
  files[rel] = `<!doctype html><html><body>${'<p>changed</p>'.repeat(300)}</body></html>`;
  write(rel, files[rel]);
  const plain = await get(`/${rel}`);
  assert.notEqual(plain.headers.etag, old.plain.headers.etag);
  assert.deepEqual(plain.body, bytes(rel));
  const br = await get(`/${rel}`, { 'accept-encoding': 'br' });
  assert.notEqual(br.headers.etag, old.br.headers.etag);
  assert.deepEqual(zlib.brotliDecompressSync(br.body), bytes(rel));
  assert.equal((await get(`/${rel}`, { 'if-none-match': old.plain.headers.etag })).status, 200, 'the old ETag no longer matches');
});

test('HEAD sends the headers of GET and no body', async () => {
  const path = '/frontend-0123456789abcdef_bg.wasm';
  const got = await get(path, { 'accept-encoding': 'br' });
  const head = await get(path, { 'accept-encoding': 'br' }, 'HEAD');
  assert.equal(head.status, 200);
  assert.equal(head.body.length, 0);
  for (const k of ['etag', 'cache-control', 'content-type', 'content-encoding', 'vary', 'content-length']) {
    assert.equal(head.headers[k], got.headers[k], k);
  }
});

test('missing files are 404, and paths that leave the folder are refused', async () => {
  assert.equal((await get('/data/v2/matrix/7d.ffffffff.json')).status, 404);
  assert.equal((await get('/data/v2/')).status, 404, 'a folder without an index');
  writeFileSync(join(top, 'outside.txt'), 'secret');
  for (const path of ['/../outside.txt', '/data/../../outside.txt', '/data/v2/../../../outside.txt']) {
    const r = await get(path);
    assert.ok([400, 404].includes(r.status), `${path}: ${r.status}`);
    assert.ok(!r.body.toString().includes('secret'), path);
  }
});

test('requests are answered in parallel', async () => {
  const paths = ['/frontend-0123456789abcdef_bg.wasm', '/frontend-0123456789abcdef.js', '/data/v2/manifest.json',
    '/data/v2/matrix/1d.0123abcd.json', '/index.html', '/data/v2/schema/manifest.schema.json'];
  const all = await Promise.all(paths.flatMap((p) => [get(p, { 'accept-encoding': 'gzip' }), get(p)]));
  assert.ok(all.every((r) => r.status === 200));
});

/** Opens a raw connection, sends one keep-alive GET and resolves with the
 * socket and whether a status line arrived within `ms` (the socket stays
 * open, as a browser keeps it). */
function keepAliveGet(path, ms) {
  const { hostname, port } = new URL(base);
  return new Promise((resolve) => {
    const sock = connect({ host: hostname, port: Number(port) }, () => {
      sock.write(`GET ${path} HTTP/1.1\r\nHost: ${hostname}\r\nConnection: keep-alive\r\n\r\n`);
    });
    const timer = setTimeout(() => resolve({ sock, answered: false }), ms);
    sock.once('data', (d) => {
      clearTimeout(timer);
      resolve({ sock, answered: d.toString().startsWith('HTTP/1.1 200') });
    });
    sock.on('error', () => { clearTimeout(timer); resolve({ sock, answered: false }); });
  });
}

test('connections a browser keeps alive never hold up a new one', async () => {
  // A browser opens six connections at once and keeps them; a server whose
  // threads each hold a connection left some of these unanswered until an
  // older one closed (a graph's chunk fetches then stayed pending).
  const open = [];
  let unanswered = 0;
  try {
    for (let round = 0; round < 40; round++) {
      const got = await Promise.all(Array.from({ length: 6 }, () => keepAliveGet('/index.html', 3000)));
      unanswered += got.filter((g) => !g.answered).length;
      open.push(...got.map((g) => g.sock));
    }
  } finally {
    for (const s of open) s.destroy();
  }
  assert.equal(unanswered, 0, `${unanswered} of ${open.length} kept-alive connections got no answer within 3 s`);
});
