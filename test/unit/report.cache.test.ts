// The report cache trusts nothing it reads back and never loses a folder in use: a complete.json or listing.json of
// the wrong shape is deleted and the report rebuilt (every time, never thrown at the user); pruning leaves the
// folders that are downloading or shown alone; a folder is marked complete only when its images are on disk; a
// symbolic link planted in the cache never redirects a write.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiError } from '../../src/core/api/errors';
import { LiveJobFolders, liveJobFolders } from '../../src/core/report/liveFolders';
import { jobCacheDir, LISTING_FILE, MARKER_FILE, readCachedReport } from '../../src/core/report/cache';
import {
  loadReport,
  startReport,
  type ArtifactSource,
  type DownloadLimits,
  type LoadOutcome,
} from '../../src/core/report/loader';
import { pruneCache } from '../../src/core/report/prune';

const SLUG = 'gh/greenpeace/planet4-cache';

type Ok = Extract<LoadOutcome, { kind: 'ok' }>;

function ok(outcome: LoadOutcome): Ok {
  if (outcome.kind !== 'ok') throw new Error(`expected a report, got ${JSON.stringify(outcome)}`);
  return outcome;
}

function config(names: string[]): string {
  const tests = names.map((name) => ({
    status: 'fail',
    pair: {
      label: 'Home',
      viewportLabel: 'phone',
      fileName: name,
      reference: `../bitmaps_reference/${name}`,
      test: `../bitmaps_test/1/${name}`,
    },
  }));
  return `report(${JSON.stringify({ testSuite: 'BackstopJS', id: 'c', tests })});`;
}

/** An in-memory job of `names` tests; `gate` (when set) holds every image download until it resolves. */
function source(names: string[]): ArtifactSource & {
  listings: number;
  downloads: string[];
  gate: Promise<void> | undefined;
  offline: boolean;
} {
  const files = new Map<string, string>([['x/backstop_data/html_report/config.js', config(names)]]);
  for (const n of names) {
    files.set(`x/backstop_data/bitmaps_reference/${n}`, `ref ${n}`);
    files.set(`x/backstop_data/bitmaps_test/1/${n}`, `test ${n}`);
  }
  const body = (url: string): Buffer => {
    const content = files.get(url.slice('https://h/'.length));
    if (content === undefined) throw new ApiError('circleci', 'notFound', 'Not found');
    return Buffer.from(content);
  };
  const src = {
    listings: 0,
    downloads: [] as string[],
    gate: undefined as Promise<void> | undefined,
    offline: false,
    listArtifacts: () => {
      src.listings++;
      if (src.offline) return Promise.reject(new ApiError('circleci', 'network', 'Cannot reach CircleCI'));
      return Promise.resolve([...files.keys()].map((p) => ({ path: p, url: `https://h/${p}` })));
    },
    download: (url: string) => {
      src.downloads.push(url.slice('https://h/x/backstop_data/'.length));
      return Promise.resolve(body(url));
    },
    downloadToFile: async (url: string, file: string, limits: DownloadLimits) => {
      src.downloads.push(url.slice('https://h/x/backstop_data/'.length));
      if (src.gate) {
        // like the real client: an abort ends the wait
        const signal = limits.signal;
        signal?.throwIfAborted();
        await Promise.race([
          src.gate,
          new Promise((_, reject) => {
            signal?.addEventListener('abort', () => {
              reject(new Error('aborted'));
            });
          }),
        ]);
      }
      const data = body(url);
      await fs.promises.writeFile(file, data);
      return data.length;
    },
  };
  return src;
}

/** Every image the report says is available is a file in the job folder. */
function assertImagesOnDisk(report: Ok): void {
  for (const t of report.report.tests) {
    for (const img of Object.values(t.images)) {
      if (img.available) assert.ok(fs.statSync(path.join(report.jobDir, img.path ?? 'none')).isFile(), img.path);
    }
  }
}

describe('report cache: files read back are validated', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'p4-report-cache-'));
  });
  afterEach(() => {
    fs.rmSync(root, { recursive: true, force: true });
  });

  /** A complete folder of job 1, then its marker replaced by `text`. */
  async function withMarker(text: string): Promise<{ src: ReturnType<typeof source>; markerFile: string }> {
    const src = source(['a.png', 'b.png']);
    ok(await loadReport({ client: src, slug: SLUG, jobNumber: 1, cacheRoot: root, finished: true }));
    const markerFile = path.join(jobCacheDir(root, SLUG, 1), MARKER_FILE);
    const valid = JSON.parse(fs.readFileSync(markerFile, 'utf8')) as { report: { tests: unknown[] } };
    assert.strictEqual(valid.report.tests.length, 2);
    fs.writeFileSync(markerFile, text);
    return { src, markerFile };
  }

  const marker = (report: unknown, extra: Record<string, unknown> = {}): string =>
    JSON.stringify({ version: 1, slug: SLUG, jobNumber: 1, savedAt: 'x', report, ...extra });
  const test = (images: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    key: 'a.png',
    label: 'Home',
    viewportLabel: 'phone',
    selector: '',
    url: '',
    status: 'fail',
    images,
    ...extra,
  });
  const MALFORMED: [string, string][] = [
    ['null', 'null'],
    ['a number', '42'],
    ['an array', '[]'],
    ['{}', '{}'],
    ['report: null', marker(null)],
    ['report without tests', marker({ id: 'c' })],
    ['tests: null', marker({ id: 'c', tests: null })],
    ['tests[0]: null', marker({ id: 'c', tests: [null] })],
    ['tests[0].images: null', marker({ id: 'c', tests: [test(null)] })],
    ['an image: null', marker({ id: 'c', tests: [test({ test: null })] })],
    ['an unknown status', marker({ id: 'c', tests: [test({}, { status: 'weird' })] })],
    [
      'an image path leaving the folder',
      marker({
        id: 'c',
        tests: [
          test({ test: { reportPath: '../bitmaps_test/1/a.png', path: '../../../../outside.png', available: true } }),
        ],
      }),
    ],
    ['another job', marker({ id: 'c', tests: [] }, { jobNumber: 2 })],
    ['another project', marker({ id: 'c', tests: [] }, { slug: 'gh/greenpeace/planet4-other' })],
    ['truncated JSON', '{"version":1,"rep'],
  ];

  for (const [what, text] of MALFORMED) {
    it(`discards a complete.json with ${what} and rebuilds the report, every time`, async () => {
      const { src, markerFile } = await withMarker(text);
      assert.strictEqual(await readCachedReport(root, SLUG, 1), undefined, 'not a cached report');
      assert.ok(!fs.existsSync(markerFile), 'the malformed marker is deleted');
      fs.writeFileSync(markerFile, text);
      const listed = src.listings;
      const rebuilt = ok(await loadReport({ client: src, slug: SLUG, jobNumber: 1, cacheRoot: root, finished: true }));
      assert.strictEqual(rebuilt.fromCache, false);
      assert.strictEqual(src.listings, listed + 1, 'listed again');
      assert.deepStrictEqual(rebuilt.summary, { total: 2, passed: 0, failed: 2 });
      assert.strictEqual(rebuilt.missingImages, 0);
      assertImagesOnDisk(rebuilt);
      // rebuilt: the next open is from the cache again; corrupt it once more, and it is repaired once more
      const again = ok(await loadReport({ client: src, slug: SLUG, jobNumber: 1, cacheRoot: root, finished: true }));
      assert.strictEqual(again.fromCache, true);
      assert.deepStrictEqual(again.report, rebuilt.report, 'a valid marker brings its report back unchanged');
      fs.writeFileSync(markerFile, text);
      assert.strictEqual(
        (await startReport({ client: src, slug: SLUG, jobNumber: 1, cacheRoot: root, finished: false })).outcome.kind,
        'running',
      );
      assert.ok(!fs.existsSync(markerFile), 'deleted on the next open too');
    });
  }

  const LISTINGS: [string, (valid: Record<string, unknown>) => unknown][] = [
    ['null', () => null],
    ['an array', () => []],
    ['urls: null', (v) => ({ ...v, urls: null })],
    ['a url that is not a string', (v) => ({ ...v, urls: [['bitmaps_test/1/a.png', 7]] })],
    ['a pair of three', (v) => ({ ...v, urls: [['a', 'b', 'c']] })],
    ['another job', (v) => ({ ...v, jobNumber: 2 })],
  ];

  for (const [what, corrupt] of LISTINGS) {
    it(`discards a listing.json with ${what}: deleted even when the artifacts cannot be listed again`, async () => {
      const src = source(['a.png', 'b.png']);
      // an interrupted download keeps its listing
      const controller = new AbortController();
      src.gate = new Promise(() => undefined);
      const started = await startReport({
        client: src,
        slug: SLUG,
        jobNumber: 1,
        cacheRoot: root,
        finished: true,
        signal: controller.signal,
      });
      assert.ok(started.downloads);
      controller.abort();
      await started.downloads.done;
      src.gate = undefined;
      const listingFile = path.join(jobCacheDir(root, SLUG, 1), LISTING_FILE);
      const valid = JSON.parse(fs.readFileSync(listingFile, 'utf8')) as Record<string, unknown>;
      fs.writeFileSync(listingFile, JSON.stringify(corrupt(valid)));

      src.offline = true;
      await assert.rejects(
        loadReport({ client: src, slug: SLUG, jobNumber: 1, cacheRoot: root, finished: true }),
        /Cannot reach CircleCI/,
      );
      assert.ok(!fs.existsSync(listingFile), 'the malformed listing is deleted');

      src.offline = false;
      const r = ok(await loadReport({ client: src, slug: SLUG, jobNumber: 1, cacheRoot: root, finished: true }));
      assert.strictEqual(r.missingImages, 0);
      assertImagesOnDisk(r);
      assert.ok(fs.existsSync(path.join(r.jobDir, MARKER_FILE)));
    });
  }
});

describe('report cache: folders in use are never pruned', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'p4-report-prune-'));
  });
  afterEach(() => {
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('leaves a report that is still downloading alone when another report finishes and prunes', async () => {
    // A downloads slowly; B finishes and prunes down to 1 byte, keeping only itself (what the panel did)
    const a = source(['a1.png', 'a2.png', 'a3.png']);
    let open!: () => void;
    a.gate = new Promise<void>((r) => {
      open = r;
    });
    const startedA = await startReport({
      client: a,
      slug: 'gh/o/planet4-a',
      jobNumber: 5,
      cacheRoot: root,
      finished: true,
    });
    assert.ok(startedA.downloads && startedA.outcome.kind === 'ok');
    const b = ok(
      await loadReport({
        client: source(['b.png']),
        slug: 'gh/o/planet4-b',
        jobNumber: 6,
        cacheRoot: root,
        finished: true,
      }),
    );
    // make A's folder look old: it would be the first to go
    const old = new Date(Date.now() - 3600_000);
    fs.utimesSync(startedA.outcome.jobDir, old, old);
    const pruned = await pruneCache(root, 1, [b.jobDir], { activeGraceMs: 0 });
    assert.deepStrictEqual(pruned.deleted, [], 'nothing deleted: A is downloading');
    open();
    const result = await startedA.downloads.done;
    assert.strictEqual(result.complete, true);
    const reopened = await readCachedReport(root, 'gh/o/planet4-a', 5);
    assert.ok(reopened);
    assert.strictEqual(reopened.missingImages, 0);
    assertImagesOnDisk(reopened);
    // once A's downloads have ended, it is an ordinary folder again
    assert.deepStrictEqual((await pruneCache(root, 1, [b.jobDir], { activeGraceMs: 0 })).deleted, [
      startedA.outcome.jobDir,
    ]);
  });

  it('leaves a folder held by an open panel alone, and deletes it once released', async () => {
    const r = ok(
      await loadReport({ client: source(['a.png']), slug: SLUG, jobNumber: 3, cacheRoot: root, finished: true }),
    );
    const release = await liveJobFolders.hold(r.jobDir);
    try {
      assert.deepStrictEqual((await pruneCache(root, 1)).deleted, []);
      assert.ok(fs.existsSync(path.join(r.jobDir, MARKER_FILE)));
    } finally {
      release();
    }
    assert.deepStrictEqual((await pruneCache(root, 1)).deleted, [r.jobDir]);
  });

  it('keeps an incomplete folder written recently (another window may be downloading it)', async () => {
    const dir = jobCacheDir(root, SLUG, 4);
    fs.mkdirSync(path.join(dir, 'bitmaps_test'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'bitmaps_test', 'x.png'), 'x');
    fs.writeFileSync(path.join(dir, LISTING_FILE), '{}');
    const complete = jobCacheDir(root, SLUG, 5);
    fs.mkdirSync(complete, { recursive: true });
    fs.writeFileSync(path.join(complete, MARKER_FILE), '{}');
    assert.deepStrictEqual((await pruneCache(root, 1)).deleted, [complete], 'the complete one goes');
    assert.deepStrictEqual((await pruneCache(root, 1, [], { now: Date.now() + 11 * 60_000 })).deleted, [dir]);
  });

  it('makes a load wait while its folder is being deleted, and never deletes a held folder', async () => {
    const live = new LiveJobFolders();
    let finish!: () => void;
    const deleting = live.deleteUnlessHeld(
      '/cache/x/1',
      () =>
        new Promise<void>((r) => {
          finish = r;
        }),
    );
    let held = false;
    const hold = live.hold('/cache/x/1').then((release) => {
      held = true;
      return release;
    });
    await new Promise((r) => setTimeout(r, 10));
    assert.strictEqual(held, false, 'the hold waits for the deletion');
    finish();
    assert.strictEqual(await deleting, true);
    const release = await hold;
    assert.strictEqual(held, true);
    let removed = false;
    assert.strictEqual(
      await live.deleteUnlessHeld('/cache/x/1', () => {
        removed = true;
        return Promise.resolve();
      }),
      false,
    );
    assert.strictEqual(removed, false);
    release();
    release();
    assert.deepStrictEqual(live.list(), []);
  });

  it('writes no complete.json when an image it lists is gone from the disk; the next open downloads it again', async () => {
    const src = source(['a.png', 'b.png']);
    let removed: string | undefined;
    const started = await startReport({
      client: src,
      slug: SLUG,
      jobNumber: 7,
      cacheRoot: root,
      finished: true,
      concurrency: 1,
      onImage: (img) => {
        // something deletes the first image that landed while the others still download
        if (removed === undefined && img.available) {
          removed = img.path;
          fs.rmSync(path.join(jobCacheDir(root, SLUG, 7), img.path));
        }
      },
    });
    assert.ok(started.downloads && started.outcome.kind === 'ok');
    const result = await started.downloads.done;
    assert.ok(removed);
    assert.strictEqual(result.complete, false, 'not complete');
    const jobDir = jobCacheDir(root, SLUG, 7);
    assert.ok(!fs.existsSync(path.join(jobDir, MARKER_FILE)), 'no marker');
    const lost = started.outcome.report.tests.flatMap((t) => Object.values(t.images)).find((i) => i.path === removed);
    assert.strictEqual(lost?.available, false);
    assert.match(lost.error ?? '', /removed from the report's cache folder/);
    src.downloads.length = 0;
    const again = ok(await loadReport({ client: src, slug: SLUG, jobNumber: 7, cacheRoot: root, finished: true }));
    assert.deepStrictEqual(src.downloads, [removed], 'only the lost image again');
    assert.strictEqual(again.missingImages, 0);
    assertImagesOnDisk(again);
    assert.ok(fs.existsSync(path.join(jobDir, MARKER_FILE)));
  });
});

describe('report cache: symbolic links', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'p4-report-links-'));
  });
  afterEach(() => {
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('never writes through a link planted in the cache folder', async () => {
    const cacheRoot = path.join(root, 'cache');
    const outside = path.join(root, 'outside');
    fs.mkdirSync(outside);
    const jobDir = jobCacheDir(cacheRoot, SLUG, 8);
    fs.mkdirSync(path.join(jobDir, 'bitmaps_reference'), { recursive: true });
    // a folder of the report is a link to elsewhere, and an image file is a link to a file elsewhere
    fs.symlinkSync(outside, path.join(jobDir, 'bitmaps_test'));
    const target = path.join(root, 'precious.txt');
    fs.writeFileSync(target, 'precious');
    fs.symlinkSync(target, path.join(jobDir, 'bitmaps_reference', 'a.png'));

    const src = source(['a.png']);
    const started = await startReport({ client: src, slug: SLUG, jobNumber: 8, cacheRoot, finished: true });
    assert.ok(started.downloads && started.outcome.kind === 'ok');
    const result = await started.downloads.done;
    assert.deepStrictEqual(fs.readdirSync(outside), [], 'nothing written through the folder link');
    assert.strictEqual(fs.readFileSync(target, 'utf8'), 'precious', 'the linked file is untouched');
    const [t] = started.outcome.report.tests;
    assert.match(t?.images.test?.error ?? '', /not a folder of the report cache/);
    // the linked image is downloaded as a file of its own, replacing the link
    assert.strictEqual(t?.images.reference?.available, true);
    assert.ok(!fs.lstatSync(path.join(jobDir, 'bitmaps_reference', 'a.png')).isSymbolicLink());
    assert.strictEqual(result.complete, false);
  });
});
