// Bounded report downloads through the REAL CircleCiClient against a real local HTTP server: an image body larger
// than the image limit (streamed, no Content-Length) and a gzip bomb (tiny on the wire, 200 MiB decoded) each become
// that image's failure with a message naming the limit, while the rest of the report loads; an oversized or bombed
// config.js is a clear report error; nothing is left behind but what fits.
import * as assert from 'assert';
import { once } from 'events';
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { CircleCiClient } from '../../src/core/api/circleci/client';
import { jobCacheDir, MARKER_FILE, readCachedReport } from '../../src/core/report/cache';
import { MAX_IMAGE_BYTES } from '../../src/core/report/downloads';
import { loadReport, startReport } from '../../src/core/report/loader';

const MiB = 1024 * 1024;
const SLUG = 'gh/greenpeace/planet4-limits';

type Body =
  | { kind: 'plain'; data: Buffer }
  /** `bytes` zeros, chunked (no Content-Length), written as fast as the client reads them. */
  | { kind: 'stream'; bytes: number }
  /** A gzip body sent with `Content-Encoding: gzip`. */
  | { kind: 'gzip'; data: Buffer };

interface Served {
  /** Bytes written of each streamed artifact, by path. */
  streamed: Map<string, number>;
  /** Streamed artifacts whose client went away before the end. */
  cut: Set<string>;
}

/** One gzip member of `bytes` zeros (compressed as a stream: never `bytes` in memory). */
async function gzipZeros(bytes: number): Promise<Buffer> {
  const gz = zlib.createGzip({ level: 9 });
  const out: Buffer[] = [];
  gz.on('data', (c: Buffer) => out.push(c));
  const ended = once(gz, 'end');
  const chunk = Buffer.alloc(MiB);
  for (let written = 0; written < bytes; written += chunk.length) {
    if (!gz.write(chunk)) await once(gz, 'drain');
  }
  gz.end();
  await ended;
  return Buffer.concat(out);
}

/** Waits (at most 5 s) for `ok()`: the server sees a closed connection a moment after the client drops it. */
async function eventually(ok: () => boolean): Promise<boolean> {
  for (const until = Date.now() + 5000; !ok() && Date.now() < until;) await new Promise((r) => setTimeout(r, 20));
  return ok();
}

function config(images: string[]): string {
  const tests = images.map((name, i) => ({
    status: 'fail',
    pair: {
      label: `Page ${i}`,
      viewportLabel: 'phone',
      fileName: name,
      reference: `../bitmaps_reference/${name}`,
      test: `../bitmaps_test/1/${name}`,
    },
  }));
  return `report(${JSON.stringify({ testSuite: 'BackstopJS', id: 'limits', tests })});`;
}

describe('report downloads are bounded (real CircleCiClient, real HTTP)', function () {
  this.timeout(60_000);
  let server: http.Server;
  let baseUrl: string;
  let client: CircleCiClient;
  let root: string;
  /** job → artifact path (below `app/backstop_data/`) → body */
  const jobs = new Map<number, Map<string, Body>>();
  const served: Served = { streamed: new Map(), cut: new Set() };

  before(async () => {
    const bomb = await gzipZeros(200 * MiB);
    assert.ok(bomb.length < 1 * MiB, `the bomb is tiny on the wire (${bomb.length} bytes)`);
    const png = Buffer.from('a small png');
    // job 1: one small image per test, except one body over the limit and one gzip bomb
    jobs.set(
      1,
      new Map<string, Body>([
        ['html_report/config.js', { kind: 'plain', data: Buffer.from(config(['ok.png', 'big.png', 'bomb.png'])) }],
        ['bitmaps_reference/ok.png', { kind: 'plain', data: png }],
        ['bitmaps_test/1/ok.png', { kind: 'plain', data: png }],
        ['bitmaps_reference/big.png', { kind: 'plain', data: png }],
        ['bitmaps_test/1/big.png', { kind: 'stream', bytes: 200 * MiB }],
        ['bitmaps_reference/bomb.png', { kind: 'plain', data: png }],
        ['bitmaps_test/1/bomb.png', { kind: 'gzip', data: bomb }],
      ]),
    );
    // job 2: config.js is a gzip bomb; job 3: config.js streams past 64 MiB
    jobs.set(2, new Map<string, Body>([['html_report/config.js', { kind: 'gzip', data: bomb }]]));
    jobs.set(3, new Map<string, Body>([['html_report/config.js', { kind: 'stream', bytes: 200 * MiB }]]));

    server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const list = /^\/api\/v2\/project\/gh\/greenpeace\/planet4-limits\/(\d+)\/artifacts$/.exec(url.pathname);
      if (list) {
        const files = jobs.get(Number(list[1]));
        if (!files) {
          res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"Not found"}');
          return;
        }
        const items = [...files.keys()].map((p) => ({
          path: `app/backstop_data/${p}`,
          node_index: 0,
          url: `${baseUrl}/artifacts/${list[1]}/app/backstop_data/${p}`,
        }));
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ items, next_page_token: null }));
        return;
      }
      const art = /^\/artifacts\/(\d+)\/app\/backstop_data\/(.+)$/.exec(url.pathname);
      const body = art ? jobs.get(Number(art[1]))?.get(art[2] ?? '') : undefined;
      if (!art || !body) {
        res.writeHead(404).end();
        return;
      }
      const key = `${art[1]}/${art[2]}`;
      if (body.kind === 'plain') {
        res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(body.data);
      } else if (body.kind === 'gzip') {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-encoding': 'gzip' }).end(body.data);
      } else {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        const chunk = Buffer.alloc(MiB);
        let sent = 0;
        served.streamed.set(key, 0);
        res.on('close', () => {
          if (sent < body.bytes) served.cut.add(key);
        });
        const pump = (): void => {
          while (sent < body.bytes && !res.destroyed) {
            sent += chunk.length;
            served.streamed.set(key, sent);
            if (!res.write(chunk)) {
              res.once('drain', pump);
              return;
            }
          }
          if (!res.destroyed) res.end();
        };
        pump();
      }
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    client = new CircleCiClient({ baseUrl: `${baseUrl}/api/v2`, token: () => 'test-token', maxRetries: 0 });
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'p4-report-limits-'));
  });

  afterEach(() => {
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('fails an oversized image and a gzip-bomb image on their own, naming the limit; the rest of the report works', async () => {
    const started = await startReport({ client, slug: SLUG, jobNumber: 1, cacheRoot: root, finished: true });
    assert.ok(started.outcome.kind === 'ok' && started.downloads, 'the report shows');
    assert.deepStrictEqual(started.outcome.summary, { total: 3, passed: 0, failed: 3 });
    const result = await started.downloads.done;
    assert.strictEqual(result.downloaded, 4);
    assert.strictEqual(result.failed, 2);

    const byName = new Map(started.outcome.report.tests.map((t) => [t.key, t]));
    const limit = `${MAX_IMAGE_BYTES / MiB} MiB`;
    for (const name of ['big.png', 'bomb.png']) {
      const img = byName.get(name)?.images.test;
      assert.ok(img);
      assert.strictEqual(img.available, undefined, `${name} is not available`);
      assert.ok(img.error?.includes(`bitmaps_test/1/${name}`), img.error);
      assert.ok(img.error?.includes(limit), `the message names the limit: ${img.error}`);
      assert.strictEqual(byName.get(name)?.images.reference?.available, true, `the reference of ${name} is there`);
    }
    assert.strictEqual(byName.get('ok.png')?.images.test?.available, true);

    const jobDir = jobCacheDir(root, SLUG, 1);
    const files = fs.readdirSync(path.join(jobDir, 'bitmaps_test', '1'));
    assert.deepStrictEqual(files, ['ok.png'], 'nothing of the refused images (no .part file either)');
    // the streamed body was cut off near the limit, not read to its end
    assert.ok(await eventually(() => served.cut.has('1/bitmaps_test/1/big.png')), 'the client stopped reading');
    const sent = served.streamed.get('1/bitmaps_test/1/big.png') ?? 0;
    assert.ok(sent < 120 * MiB, `${sent / MiB} MiB of 200 sent`);

    // a refused size is not retried for ever: the folder is complete, and says why the two are missing
    assert.strictEqual(result.complete, true);
    assert.ok(fs.existsSync(path.join(jobDir, MARKER_FILE)));
    const cached = await readCachedReport(root, SLUG, 1);
    assert.ok(cached, 'reopens from the cache');
    assert.strictEqual(cached.missingImages, 2);
    assert.ok(cached.report.tests.find((t) => t.key === 'bomb.png')?.images.test?.error?.includes(limit));
  });

  it('refuses a gzip-bomb config.js with a clear report error, and writes nothing', async () => {
    await assert.rejects(
      loadReport({ client, slug: SLUG, jobNumber: 2, cacheRoot: root, finished: true }),
      (e: Error) => {
        assert.match(
          e.message,
          /visual report of job 2 is too large to open: its html_report\/config\.js is over 64 MiB/,
        );
        return true;
      },
    );
    assert.ok(!fs.existsSync(jobCacheDir(root, SLUG, 2)) || fs.readdirSync(jobCacheDir(root, SLUG, 2)).length === 0);
  });

  it('refuses a config.js that streams past 64 MiB without reading it all', async () => {
    await assert.rejects(
      loadReport({ client, slug: SLUG, jobNumber: 3, cacheRoot: root, finished: true }),
      /visual report of job 3 is too large to open: its html_report\/config\.js is over 64 MiB/,
    );
    assert.ok(await eventually(() => served.cut.has('3/html_report/config.js')), 'the client stopped reading');
    const sent = served.streamed.get('3/html_report/config.js') ?? 0;
    assert.ok(sent < 150 * MiB, `${sent / MiB} MiB of 200 sent`);
    assert.ok(!fs.existsSync(jobCacheDir(root, SLUG, 3)) || fs.readdirSync(jobCacheDir(root, SLUG, 3)).length === 0);
  });
});
