import { findFailedCompareJob } from './support';
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CircleCiClient } from '../../src/core/api/circleci/client';
import { ApiError } from '../../src/core/api/errors';
import { jobCacheDir, LISTING_FILE, MARKER_FILE } from '../../src/core/report/cache';
import { loadReport, type ArtifactSource, type LoadOutcome } from '../../src/core/report/loader';
import { pruneCache } from '../../src/core/report/prune';
import { startSandbox, type Sandbox } from '../../src/sandbox';

function ok(outcome: LoadOutcome): Extract<LoadOutcome, { kind: 'ok' }> {
  if (outcome.kind !== 'ok') throw new Error(`expected a report, got ${JSON.stringify(outcome)}`);
  return outcome;
}

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'p4-report-'));
}

/** Every file under dir, relative, POSIX. */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path.join(d, e.name), r);
      else out.push(r);
    }
  };
  if (fs.existsSync(dir)) walk(dir, '');
  return out.sort();
}

describe('report loader against the sandbox (visual-diffs)', function () {
  this.timeout(30_000);
  let sb: Sandbox;
  let client: CircleCiClient;
  let slug: string;
  let jobNumber: number;
  let cacheRoot: string;

  before(async () => {
    sb = await startSandbox({ scenario: 'visual-diffs' });
    client = new CircleCiClient({ baseUrl: sb.circleciApiUrl, token: () => sb.tokens.circleci });
    const site = sb.roles.visualDiffs[0];
    assert.ok(site, 'the scenario has a visual-diffs site');
    slug = `gh/greenpeace/planet4-${site}`;
    // the latest release pipeline's production workflow has a finished visualtests-compare job
    jobNumber = await findFailedCompareJob(client, slug);
    cacheRoot = tmpDir();
  });

  after(async () => {
    await sb.close();
    fs.rmSync(cacheRoot, { recursive: true, force: true });
  });

  it('downloads the report and its images, then reopens it from disk with zero requests', async () => {
    sb.clearRequests();
    const progress: number[] = [];
    const first = ok(
      await loadReport({
        client,
        slug,
        jobNumber,
        cacheRoot,
        finished: true,
        onProgress: (p) => progress.push(p.done),
      }),
    );
    assert.strictEqual(first.fromCache, false);
    assert.deepStrictEqual(first.summary, { total: 12, passed: 8, failed: 4 });
    assert.ok(progress.length > 1);

    const jobDir = jobCacheDir(cacheRoot, slug, jobNumber);
    assert.strictEqual(first.jobDir, jobDir);
    const files = filesUnder(jobDir);
    assert.ok(files.includes('html_report/config.js'));
    assert.ok(files.includes(MARKER_FILE));
    assert.ok(files.some((f) => f.startsWith('bitmaps_reference/')));
    assert.ok(files.some((f) => /^bitmaps_test\/[^/]+\/failed_diff_/.test(f)));
    assert.ok(!files.some((f) => f.endsWith('.part')));
    // every available image is on disk; the missing reference is flagged, not downloaded
    for (const t of first.report.tests) {
      for (const img of Object.values(t.images)) {
        if (img.available) assert.ok(fs.existsSync(path.join(jobDir, img.path ?? 'x')), img.path);
      }
    }
    const missingRef = first.report.tests.filter((t) => t.error !== undefined);
    assert.ok(missingRef.length > 0);
    for (const t of missingRef) {
      assert.strictEqual(t.images.reference?.available, undefined);
      assert.match(t.images.reference?.error ?? '', /not among the artifacts/);
    }
    assert.strictEqual(first.missingImages, missingRef.length);
    const downloads = sb.requests.filter((r) => r.service === 'artifacts');
    assert.ok(downloads.length >= 20, `downloaded ${downloads.length} files`);
    assert.ok(
      downloads.every((r) => r.status === 200),
      'no download of a file that is not listed',
    );

    sb.clearRequests();
    const second = ok(await loadReport({ client, slug, jobNumber, cacheRoot, finished: true }));
    assert.strictEqual(second.fromCache, true);
    assert.deepStrictEqual(second.summary, first.summary);
    assert.deepStrictEqual(second.report, first.report);
    assert.strictEqual(sb.requests.length, 0, 'a reopen makes no request');
  });

  it('says gone when the job has no report, and no-job / running without requests', async () => {
    sb.clearRequests();
    const root = tmpDir();
    try {
      const gone = await loadReport({ client, slug, jobNumber: 999_999, cacheRoot: root, finished: true });
      assert.ok(gone.kind === 'gone');
      assert.match(gone.message, /30 days/);
      sb.clearRequests();
      assert.strictEqual(
        (await loadReport({ client, slug, jobNumber: undefined, cacheRoot: root, finished: true })).kind,
        'no-job',
      );
      assert.strictEqual(
        (await loadReport({ client, slug, jobNumber: 5, cacheRoot: root, finished: false })).kind,
        'running',
      );
      assert.strictEqual(sb.requests.length, 0);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

/** An in-memory job: artifact path → content. */
function fakeSource(
  files: Record<string, string>,
  opts: { listStatus?: 404; failing?: string[] } = {},
): ArtifactSource & {
  downloads: string[];
  active: number;
  maxActive: number;
} {
  const src = {
    downloads: [] as string[],
    active: 0,
    maxActive: 0,
    listArtifacts: () =>
      opts.listStatus
        ? Promise.reject(new ApiError('circleci', 'notFound', 'Not found'))
        : Promise.resolve(Object.keys(files).map((p) => ({ path: p, node_index: 0, url: `https://x/${p}` }))),
    download: async (url: string): Promise<Buffer> => {
      const p = url.slice('https://x/'.length);
      src.downloads.push(p);
      src.active++;
      src.maxActive = Math.max(src.maxActive, src.active);
      await new Promise((r) => setTimeout(r, 2));
      src.active--;
      if (opts.failing?.includes(p)) throw new ApiError('circleci', 'network', 'Cannot reach CircleCI');
      const content = files[p];
      if (content === undefined) throw new ApiError('circleci', 'notFound', 'Not found');
      return Buffer.from(content);
    },
    downloadToFile: async (url: string, file: string): Promise<number> => {
      const body = await src.download(url);
      await fs.promises.writeFile(file, body);
      return body.length;
    },
  };
  return src;
}

function config(
  pairs: { fileName: string; reference: string; test: string; diffImage?: string; label?: string }[],
): string {
  const tests = pairs.map((p) => ({
    pair: {
      label: p.label ?? 'Home',
      viewportLabel: 'phone',
      selector: 'document',
      url: 'http://x',
      misMatchThreshold: 0.1,
      ...p,
    },
    status: 'fail',
  }));
  return `report(${JSON.stringify({ testSuite: 'BackstopJS', tests, id: 'c' })});`;
}

describe('report loader: hostile data, gone artifacts, concurrency, pruning', () => {
  let root: string;
  beforeEach(() => {
    root = tmpDir();
  });
  afterEach(() => {
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('refuses ../../x and absolute paths: nothing is written outside the job folder', async () => {
    const cacheRoot = path.join(root, 'cache');
    const files: Record<string, string> = {
      'app/backstop_data/html_report/config.js': config([
        {
          fileName: 'a',
          reference: '../../x',
          test: '/etc/passwd',
          diffImage: '../../../escape.png',
          label: '<img src=x onerror=alert(1)>',
        },
        { fileName: 'b', reference: '../bitmaps_reference/b.png', test: '../bitmaps_test/1/b.png' },
      ]),
      'app/x': 'outside',
      'app/backstop_data/bitmaps_reference/b.png': 'ref',
      'app/backstop_data/bitmaps_test/1/b.png': 'test',
    };
    const src = fakeSource(files);
    const r = ok(await loadReport({ client: src, slug: 'gh/o/planet4-x', jobNumber: 3, cacheRoot, finished: true }));
    const [a, b] = r.report.tests;
    assert.ok(a && b);
    assert.strictEqual(a.label, '<img src=x onerror=alert(1)>');
    for (const img of Object.values(a.images)) {
      assert.strictEqual(img.available, undefined);
      assert.match(img.error ?? '', /Refused/);
    }
    assert.strictEqual(b.images.reference?.available, true);
    assert.deepStrictEqual(src.downloads.sort(), [
      'app/backstop_data/bitmaps_reference/b.png',
      'app/backstop_data/bitmaps_test/1/b.png',
      'app/backstop_data/html_report/config.js',
    ]);
    assert.deepStrictEqual(filesUnder(root), [
      'cache/gh_o_planet4-x/3/bitmaps_reference/b.png',
      'cache/gh_o_planet4-x/3/bitmaps_test/1/b.png',
      `cache/gh_o_planet4-x/3/${MARKER_FILE}`,
      'cache/gh_o_planet4-x/3/html_report/config.js',
    ]);
  });

  it('says gone on a 404 listing or without config.js, with the 30 days note', async () => {
    const a = await loadReport({
      client: fakeSource({}, { listStatus: 404 }),
      slug: 's/o/r',
      jobNumber: 1,
      cacheRoot: root,
      finished: true,
    });
    const b = await loadReport({
      client: fakeSource({ 'app/other.txt': 'x' }),
      slug: 's/o/r',
      jobNumber: 2,
      cacheRoot: root,
      finished: true,
    });
    const c = await loadReport({
      client: fakeSource({}),
      slug: 's/o/r',
      jobNumber: 4,
      cacheRoot: root,
      finished: true,
    });
    for (const o of [a, b, c]) {
      assert.ok(o.kind === 'gone');
      assert.match(o.message, /CircleCI keeps artifacts for 30 days at most/);
    }
  });

  it('downloads at most 8 at a time, and writes no marker after a failed download', async () => {
    const files: Record<string, string> = {};
    const pairs = [];
    for (let i = 0; i < 40; i++) {
      files[`app/backstop_data/bitmaps_reference/${i}.png`] = 'r';
      files[`app/backstop_data/bitmaps_test/1/${i}.png`] = 't';
      pairs.push({ fileName: `${i}`, reference: `../bitmaps_reference/${i}.png`, test: `../bitmaps_test/1/${i}.png` });
    }
    files['app/backstop_data/html_report/config.js'] = config(pairs);
    const src = fakeSource(files, { failing: ['app/backstop_data/bitmaps_test/1/7.png'] });
    const r = ok(await loadReport({ client: src, slug: 's/o/r', jobNumber: 9, cacheRoot: root, finished: true }));
    assert.ok(src.maxActive <= 8 && src.maxActive >= 2, `max ${src.maxActive} parallel downloads`);
    assert.strictEqual(r.missingImages, 1);
    const jobDir = jobCacheDir(root, 's/o/r', 9);
    assert.ok(!fs.existsSync(path.join(jobDir, MARKER_FILE)), 'incomplete: no marker');
    assert.ok(fs.existsSync(path.join(jobDir, LISTING_FILE)), 'the listing is kept for a resume');
    // the next load downloads only what is missing, from the kept listing: no listing, no config.js
    const again = fakeSource(files);
    let listed = 0;
    const list = again.listArtifacts.bind(again);
    again.listArtifacts = (...a) => {
      listed++;
      return list(...a);
    };
    const r2 = ok(await loadReport({ client: again, slug: 's/o/r', jobNumber: 9, cacheRoot: root, finished: true }));
    assert.strictEqual(r2.missingImages, 0);
    assert.strictEqual(listed, 0);
    assert.deepStrictEqual(again.downloads.sort(), ['app/backstop_data/bitmaps_test/1/7.png']);
    assert.ok(fs.existsSync(path.join(jobDir, MARKER_FILE)));
    assert.ok(!fs.existsSync(path.join(jobDir, LISTING_FILE)), 'a complete folder needs no listing');
  });

  it('prunes the least recently opened job folders until under the limit', async () => {
    const mk = (slug: string, job: number, bytes: number, ageS: number): string => {
      const dir = jobCacheDir(root, slug, job);
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'data.bin'), Buffer.alloc(bytes));
      fs.writeFileSync(path.join(dir, MARKER_FILE), '{}');
      const t = new Date(Date.now() - ageS * 1000);
      fs.utimesSync(path.join(dir, MARKER_FILE), t, t);
      return dir;
    };
    const oldest = mk('gh/o/a', 1, 1000, 300);
    const middle = mk('gh/o/b', 2, 1000, 200);
    const newest = mk('gh/o/a', 3, 1000, 100);
    const kept = mk('gh/o/c', 4, 1000, 400); // oldest, but in use
    const r = await pruneCache(root, 2100, [kept]);
    assert.deepStrictEqual(r.deleted, [oldest, middle]);
    assert.ok(!fs.existsSync(oldest) && !fs.existsSync(middle));
    assert.ok(fs.existsSync(newest) && fs.existsSync(kept));
    assert.ok(r.totalBytes <= 2100);
    assert.deepStrictEqual((await pruneCache(root, 10_000)).deleted, []);
  });
});
