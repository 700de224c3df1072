// 6. The visual report: first open (listing + download + parse) of a 120-entry BackstopJS report, and a reopen.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CircleCiClient } from '../src/core/api/circleci/client';
import { compareJobOf } from '../src/core/report/job';
import { loadReport } from '../src/core/report/loader';
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
    const open = async (): Promise<{
      ms: number;
      listedMs: number;
      outcome: Awaited<ReturnType<typeof loadReport>>;
    }> => {
      let listedMs = NaN;
      const t0 = performance.now();
      const outcome = await loadReport({
        client,
        slug: snapshot.slug,
        jobNumber,
        cacheRoot,
        finished: true,
        onProgress: (p) => {
          if (Number.isNaN(listedMs) && p.done === 1) listedMs = performance.now() - t0;
        },
      });
      return { ms: performance.now() - t0, listedMs, outcome };
    };

    sb.clearRequests();
    const first = await open();
    if (first.outcome.kind !== 'ok' || first.outcome.fromCache) throw new Error(`first open: ${first.outcome.kind}`);
    const entries = first.outcome.summary.total;
    const c = countRequests(sb.requests);
    const downloads = c.artifacts;
    const listings = c.total - downloads;
    // the floor: the listing pages one after the other, config.js, then the images CAP at a time
    const floor = (listings + 1 + Math.ceil((downloads - 1) / CAP)) * latencyMs;

    sb.clearRequests();
    const times: number[] = [];
    for (let i = 0; i < reopens; i++) {
      const again = await open();
      if (again.outcome.kind !== 'ok' || !again.outcome.fromCache)
        throw new Error('reopen did not come from the cache');
      times.push(again.ms);
    }
    const reopenRequests = sb.requests.length;
    return [
      atMost(
        `visual report (${entries} entries): first open`,
        round(first.ms, 0),
        'ms',
        2000,
        `${listings} listing + ${downloads} downloads (config.js + images) at ${latencyMs} ms/request, ${CAP} in parallel; floor ${floor} ms (${round(first.ms / floor, 2)}×); ${first.outcome.missingImages} images missing on purpose`,
      ),
      info(
        `visual report (${entries} entries): entries known`,
        round(first.listedMs, 0),
        'ms',
        'artifact listing + config.js downloaded and parsed (before the images)',
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
