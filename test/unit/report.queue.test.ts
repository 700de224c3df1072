// The report's background image downloads against the real sandbox: the report is known before the images, the
// queue runs in display order (failures first), `prioritize` moves images to the front, and an interrupted download
// resumes from the kept listing without listing the artifacts again.
import { findFailedCompareJob } from './support';
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CircleCiClient } from '../../src/core/api/circleci/client';
import { ApiError } from '../../src/core/api/errors';
import { orderForDisplay, type ImageKind } from '../../src/core/report/backstop';
import { jobCacheDir, LISTING_FILE, MARKER_FILE } from '../../src/core/report/cache';
import {
  startReport,
  type ArtifactSource,
  type LandedImage,
  type LoadOutcome,
  type LoadReportOptions,
  type StartedReport,
} from '../../src/core/report/loader';
import { startSandbox, type RequestLogEntry, type Sandbox } from '../../src/sandbox';

type Ok = Extract<LoadOutcome, { kind: 'ok' }>;

function ok(started: StartedReport): Ok & { downloads: NonNullable<StartedReport['downloads']> } {
  const o = started.outcome;
  if (o.kind !== 'ok') throw new Error(`expected a report, got ${JSON.stringify(o)}`);
  if (!started.downloads) throw new Error('expected background downloads');
  return { ...o, downloads: started.downloads };
}

/** The `backstop_data`-relative path of an artifact download, or undefined for other requests. */
function imageOf(r: RequestLogEntry): string | undefined {
  if (r.service !== 'artifacts') return undefined;
  return /\/backstop_data\/(.+)$/.exec(r.path)?.[1];
}

function imageRequests(sb: Sandbox): string[] {
  return sb.requests.flatMap((r) => {
    const p = imageOf(r);
    return p && p !== 'html_report/config.js' ? [p] : [];
  });
}

describe('report downloads against the sandbox: order, priority, resume', function () {
  this.timeout(30_000);
  let sb: Sandbox;
  let client: CircleCiClient;
  let slug: string;
  let jobNumber: number;
  let cacheRoot: string;

  before(async () => {
    sb = await startSandbox({ scenario: 'visual-diffs', latencyMs: 15 });
    client = new CircleCiClient({ baseUrl: sb.circleciApiUrl, token: () => sb.tokens.circleci });
    const site = sb.roles.visualDiffs[0];
    assert.ok(site, 'the scenario has a visual-diffs site');
    slug = `gh/greenpeace/planet4-${site}`;
    jobNumber = await findFailedCompareJob(client, slug);
  });

  beforeEach(() => {
    cacheRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'p4-report-queue-'));
  });

  afterEach(() => {
    fs.rmSync(cacheRoot, { recursive: true, force: true });
  });

  after(async () => {
    await sb.close();
  });

  const options = (extra: Partial<LoadReportOptions> = {}): LoadReportOptions => ({
    client,
    slug,
    jobNumber,
    cacheRoot,
    finished: true,
    ...extra,
  });

  it('resolves with the entries before the images, then downloads them one by one in display order', async () => {
    sb.clearRequests();
    const landed: LandedImage[] = [];
    const r = ok(await startReport(options({ concurrency: 1, onImage: (i) => landed.push(i) })));
    assert.deepStrictEqual(r.summary, { total: 12, passed: 8, failed: 4 });
    assert.strictEqual(r.fromCache, false);
    assert.ok(r.pendingImages > 0, 'images still to download');
    assert.strictEqual(landed.length, 0, 'no image has landed yet');
    assert.strictEqual(
      sb.requests.filter((q) => imageOf(q) !== undefined && q.status === 200 && imageOf(q) !== 'html_report/config.js')
        .length,
      0,
      'no image download has finished when the report is known',
    );
    const total = r.downloads.total;
    const result = await r.downloads.done;
    assert.deepStrictEqual(result, { downloaded: total, failed: 0, aborted: false, complete: true });
    assert.strictEqual(landed.length, total);
    assert.ok(landed.every((i) => i.available));

    // display order: failed tests first; per test the thumbnail (diff, else test) first, then the reference
    const expected: string[] = [];
    for (const t of orderForDisplay(r.report.tests)) {
      for (const kind of ['diff', 'test', 'reference'] as ImageKind[]) {
        const img = t.images[kind];
        if (img?.path && img.available && !expected.includes(img.path)) expected.push(img.path);
      }
    }
    const requested = imageRequests(sb);
    assert.deepStrictEqual(requested, expected);
    assert.deepStrictEqual(
      landed.map((i) => i.path),
      expected,
    );
    const failedFirst = orderForDisplay(r.report.tests).filter((t) => t.status === 'fail');
    const failedImages = new Set(failedFirst.flatMap((t) => Object.values(t.images).map((i) => i.path)));
    const firstPassed = requested.findIndex((p) => !failedImages.has(p));
    assert.ok(firstPassed > 0, 'failures first');
    assert.ok(
      requested.slice(firstPassed).every((p) => !failedImages.has(p)),
      'then the rest',
    );
    const jobDir = jobCacheDir(cacheRoot, slug, jobNumber);
    assert.ok(fs.existsSync(path.join(jobDir, MARKER_FILE)));
    assert.ok(!fs.existsSync(path.join(jobDir, LISTING_FILE)));
    // every ReportImage of the (shared) report object was updated in place
    assert.strictEqual(
      r.report.tests.flatMap((t) => Object.values(t.images)).filter((i) => !i.available && !i.error).length,
      0,
    );
  });

  it('moves wanted images to the front of the queue, and keeps at most 8 downloads in flight', async () => {
    sb.clearRequests();
    const r = ok(await startReport(options({ concurrency: 1 })));
    const before = r.downloads.queued();
    assert.strictEqual(before.length, r.downloads.total - 1, 'one download in flight');
    const last = before[before.length - 1];
    const secondLast = before[before.length - 2];
    assert.ok(last && secondLast);
    assert.strictEqual(r.downloads.prioritize([last, secondLast, 'not/an/image.png', last]), 2);
    assert.deepStrictEqual(r.downloads.queued(), [last, secondLast, ...before.slice(0, -2)]);
    await r.downloads.done;
    const requested = imageRequests(sb);
    assert.deepStrictEqual(requested.slice(1, 3), [last, secondLast], 'the wanted images come next');
    assert.strictEqual(new Set(requested).size, requested.length, 'each image once');
    assert.strictEqual(r.downloads.prioritize([last]), 0, 'nothing left to move');

    // the default: 8 workers, never more downloads in flight
    const root2 = fs.mkdtempSync(path.join(os.tmpdir(), 'p4-report-queue-'));
    try {
      let active = 0;
      let maxActive = 0;
      const counting: ArtifactSource = {
        listArtifacts: (s, j) => client.listArtifacts(s, j),
        download: (url, limits) => client.download(url, limits),
        downloadToFile: async (url, file, limits) => {
          active++;
          maxActive = Math.max(maxActive, active);
          try {
            return await client.downloadToFile(url, file, limits);
          } finally {
            active--;
          }
        },
      };
      const r2 = ok(await startReport(options({ client: counting, cacheRoot: root2, concurrency: 50 })));
      await r2.downloads.done;
      assert.ok(maxActive <= 8 && maxActive >= 2, `max ${maxActive} in flight`);
    } finally {
      fs.rmSync(root2, { recursive: true, force: true });
    }
  });

  it('resumes an interrupted download from the kept listing: no listing, no config.js, only the missing images', async () => {
    const jobDir = jobCacheDir(cacheRoot, slug, jobNumber);
    const controller = new AbortController();
    let landed = 0;
    const first = ok(
      await startReport(
        options({
          concurrency: 2,
          signal: controller.signal,
          onImage: () => {
            if (++landed === 5) controller.abort();
          },
        }),
      ),
    );
    const result = await first.downloads.done;
    assert.strictEqual(result.aborted, true);
    assert.strictEqual(result.complete, false);
    assert.ok(!fs.existsSync(path.join(jobDir, MARKER_FILE)), 'no marker for a partial folder');
    assert.ok(fs.existsSync(path.join(jobDir, LISTING_FILE)), 'the listing is kept');
    const onDisk = first.report.tests
      .flatMap((t) => Object.values(t.images))
      .filter((i) => i.path && fs.existsSync(path.join(jobDir, i.path)))
      .map((i) => i.path);
    assert.ok(onDisk.length >= 5, `${onDisk.length} images on disk`);

    sb.clearRequests();
    const second = ok(await startReport(options()));
    assert.strictEqual(second.fromCache, false);
    assert.ok(second.pendingImages > 0 && second.pendingImages < first.pendingImages);
    assert.strictEqual(second.downloads.total, first.downloads.total - new Set(onDisk).size);
    await second.downloads.done;
    const requests = sb.requests.map((q) => `${q.service} ${q.path}`);
    assert.ok(!requests.some((q) => q.endsWith('/artifacts')), 'no artifact listing');
    assert.ok(!requests.some((q) => q.endsWith('config.js')), 'no config.js download');
    const requested = imageRequests(sb);
    assert.strictEqual(requested.length, second.downloads.total);
    assert.ok(!requested.some((p) => onDisk.includes(p)), 'nothing downloaded twice');
    assert.ok(fs.existsSync(path.join(jobDir, MARKER_FILE)), 'complete now');
    assert.ok(!fs.existsSync(path.join(jobDir, LISTING_FILE)));

    sb.clearRequests();
    const third = await startReport(options());
    assert.ok(third.outcome.kind === 'ok' && third.outcome.fromCache);
    assert.strictEqual(third.downloads, undefined);
    assert.strictEqual(sb.requests.length, 0, 'a complete folder reopens without a request');
  });

  it('lists again when an interrupted folder has no listing, downloading only the missing images', async () => {
    const jobDir = jobCacheDir(cacheRoot, slug, jobNumber);
    const controller = new AbortController();
    let landed = 0;
    const first = ok(
      await startReport(
        options({
          concurrency: 1,
          signal: controller.signal,
          onImage: () => {
            if (++landed === 3) controller.abort();
          },
        }),
      ),
    );
    await first.downloads.done;
    fs.rmSync(path.join(jobDir, LISTING_FILE));
    sb.clearRequests();
    const second = ok(await startReport(options()));
    await second.downloads.done;
    const requests = sb.requests.map((q) => q.path);
    assert.ok(
      requests.some((q) => q.endsWith('/artifacts')),
      'listed again',
    );
    assert.ok(
      requests.some((q) => q.endsWith('config.js')),
      'config.js again',
    );
    assert.strictEqual(imageRequests(sb).length, first.downloads.total - 3);
    assert.ok(fs.existsSync(path.join(jobDir, MARKER_FILE)));
  });
});

describe('report downloads: a stale kept listing', () => {
  it('drops the listing when a kept URL is gone, so the next open lists again', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'p4-report-queue-'));
    try {
      const config = `report(${JSON.stringify({
        tests: [
          {
            status: 'fail',
            pair: {
              label: 'Home',
              viewportLabel: 'phone',
              fileName: 'a',
              reference: '../bitmaps_reference/a.png',
              test: '../bitmaps_test/1/a.png',
            },
          },
        ],
      })});`;
      const files: Record<string, string> = {
        'x/backstop_data/html_report/config.js': config,
        'x/backstop_data/bitmaps_reference/a.png': 'r',
        'x/backstop_data/bitmaps_test/1/a.png': 't',
      };
      let listings = 0;
      let mode: 'network' | 'gone' | 'ok' = 'network';
      const src: ArtifactSource = {
        listArtifacts: () => {
          listings++;
          return Promise.resolve(Object.keys(files).map((p) => ({ path: p, url: `https://h/${p}` })));
        },
        download: (url) => {
          const p = url.slice('https://h/'.length);
          if (p.endsWith('a.png') && p.includes('bitmaps_test')) {
            if (mode === 'network') return Promise.reject(new ApiError('circleci', 'network', 'offline'));
            if (mode === 'gone') return Promise.reject(new ApiError('circleci', 'notFound', 'Not found'));
          }
          return Promise.resolve(Buffer.from(files[p] ?? ''));
        },
        downloadToFile: async (url, file, limits) => {
          const body = await src.download(url, limits);
          await fs.promises.writeFile(file, body);
          return body.length;
        },
      };
      const opts = { client: src, slug: 'gh/o/r', jobNumber: 1, cacheRoot: root, finished: true };
      const jobDir = jobCacheDir(root, 'gh/o/r', 1);
      const a = ok(await startReport(opts));
      assert.strictEqual((await a.downloads.done).complete, false, 'a transient failure: incomplete');
      assert.ok(fs.existsSync(path.join(jobDir, LISTING_FILE)));
      mode = 'gone';
      const b = ok(await startReport(opts));
      assert.strictEqual(listings, 1, 'resumed from the listing');
      assert.strictEqual((await b.downloads.done).complete, false);
      assert.ok(!fs.existsSync(path.join(jobDir, LISTING_FILE)), 'the stale listing is dropped');
      mode = 'ok';
      const c = ok(await startReport(opts));
      assert.strictEqual(listings, 2, 'listed again');
      assert.strictEqual((await c.downloads.done).complete, true);
      assert.ok(fs.existsSync(path.join(jobDir, MARKER_FILE)));
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
