// 6. The visual report: first open of a 120-entry BackstopJS report (listing + config.js: the entries show while the
// images download in the background), all its images downloaded, and a cached reopen.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CircleCiClient } from '../src/core/api/circleci/client';
import { compareJobOf } from '../src/core/report/job';
import { startReport, type DownloadResult, type LoadOutcome } from '../src/core/report/loader';
import { RequestLimiter } from '../src/core/util/limiter';
import { startSandbox } from '../src/sandbox';
import { atMost, info, median, round, type Figure } from './figures';
import { CAP, harness } from './fleet';
import { countRequests } from './requests';

const PREFIX = 'acme_site_';

/**
 * A sandbox data folder whose BackstopJS report has `copies` × the stored report's tests: every copy's file names
 * get a distinct prefix (`acme_site_c3_…`), and the images are copied under those names.
 */
export function multipliedDataDir(source: string, copies: number): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'planet4-bench-data-'));
  fs.copyFileSync(path.join(source, 'sites.txt'), path.join(dir, 'sites.txt'));
  fs.cpSync(path.join(source, 'backstop'), path.join(dir, 'backstop'), { recursive: true });
  const root = path.join(dir, 'backstop', 'small', 'backstop_data');
  const configFile = path.join(root, 'html_report', 'config.js');
  const text = fs.readFileSync(configFile, 'utf8');
  const m = /^\s*report\(([\s\S]*)\);?\s*$/.exec(text);
  if (!m?.[1]) throw new Error('unexpected config.js format');
  const report = JSON.parse(m[1]) as { tests: unknown[] };
  const original = JSON.stringify(report.tests);
  const tests: unknown[] = [];
  for (let k = 0; k < copies; k++) {
    const renamed = k === 0 ? original : original.split(PREFIX).join(`${PREFIX}c${k}_`);
    tests.push(...(JSON.parse(renamed) as unknown[]));
  }
  report.tests = tests;
  fs.writeFileSync(configFile, `report(${JSON.stringify(report, null, 2)});\n`);
  // the images of every copy
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.png') && e.name.includes(PREFIX)) {
        for (let k = 1; k < copies; k++) fs.copyFileSync(p, path.join(d, e.name.split(PREFIX).join(`${PREFIX}c${k}_`)));
      }
    }
  };
  walk(root);
  return dir;
}

export async function visualReport(sourceDataDir: string, latencyMs: number, reopens: number): Promise<Figure[]> {
  const dataDir = multipliedDataDir(sourceDataDir, 10);
  const cacheRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'planet4-bench-cache-'));
  const sb = await startSandbox({
    scenario: 'visual-diffs',
    latencyMs,
    pipelineNoise: 'none',
    clock: 'manual',
    dataDir,
  });
  try {
    const site = sb.roles.visualDiffs[0];
    if (!site) throw new Error('the visual-diffs scenario has no site');
    // the compare job, found the way the extension finds it: from the site's snapshot
    const h = harness(sb, () => sb.clock.now());
    h.fleet.setSites([site]);
    await h.fleet.refresh({ github: false });
    const snapshot = h.fleet.get(site);
    if (!snapshot) throw new Error(`${site}: no snapshot`);
    const job = compareJobOf(snapshot);
    if (job.jobNumber === undefined || !job.finished) throw new Error(`${site}: no finished compare job`);
    const jobNumber = job.jobNumber;

    const client = new CircleCiClient({
      baseUrl: sb.circleciApiUrl,
      token: () => sb.tokens.circleci,
      limiter: new RequestLimiter(CAP),
    });
    /** `shownMs`: the report is known (the command resolves, the panel lists it); `imagesMs`: every image is on disk. */
    const open = async (): Promise<{
      shownMs: number;
      imagesMs: number;
      outcome: LoadOutcome;
      result?: DownloadResult;
    }> => {
      const t0 = performance.now();
      const started = await startReport({ client, slug: snapshot.slug, jobNumber, cacheRoot, finished: true });
      const shownMs = performance.now() - t0;
      const result = await started.downloads?.done;
      return { shownMs, imagesMs: performance.now() - t0, outcome: started.outcome, ...(result ? { result } : {}) };
    };

    sb.clearRequests();
    const first = await open();
    if (first.outcome.kind !== 'ok' || first.outcome.fromCache) throw new Error(`first open: ${first.outcome.kind}`);
    if (!first.result?.complete)
      throw new Error(`first open: the cache is not complete (${JSON.stringify(first.result)})`);
    const entries = first.outcome.summary.total;
    const c = countRequests(sb.requests);
    const downloads = c.artifacts;
    const listings = c.total - downloads;
    // the floors: the listing pages one after the other and config.js; then the images CAP at a time
    const shownFloor = (listings + 1) * latencyMs;
    const imagesFloor = (listings + 1 + Math.ceil((downloads - 1) / CAP)) * latencyMs;
    const missing = first.outcome.report.tests
      .flatMap((t) => Object.values(t.images))
      .filter((i) => !i.available).length;

    sb.clearRequests();
    const times: number[] = [];
    for (let i = 0; i < reopens; i++) {
      const again = await open();
      if (again.outcome.kind !== 'ok' || !again.outcome.fromCache)
        throw new Error('reopen did not come from the cache');
      times.push(again.shownMs);
    }
    const reopenRequests = sb.requests.length;
    return [
      atMost(
        `visual report (${entries} entries): first open (entries shown)`,
        round(first.shownMs, 0),
        'ms',
        2000,
        `${listings} listing + config.js at ${latencyMs} ms/request, then the list shows; floor ${shownFloor} ms (${round(first.shownMs / shownFloor, 2)}×)`,
      ),
      info(
        `visual report (${entries} entries): all images downloaded`,
        round(first.imagesMs, 0),
        'ms',
        `in the background after the list shows: ${downloads - 1} images, ${CAP} in parallel; floor ${imagesFloor} ms (${round(first.imagesMs / imagesFloor, 2)}×); ${missing} images missing on purpose`,
      ),
      atMost(
        `visual report (${entries} entries): cached reopen`,
        round(median(times), 1),
        'ms',
        300,
        `median of ${reopens}; ${reopenRequests} requests`,
      ),
    ];
  } finally {
    await sb.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(cacheRoot, { recursive: true, force: true });
  }
}
