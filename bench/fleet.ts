// Fleet benchmarks against the sandbox: cold load, idle refresh, refresh while running, soak.
// The real Fleet, Poller, clients and limiter; only the VS Code shell is left out.
import { runInNewContext } from 'vm';
import * as v8 from 'v8';
import { CircleCiClient } from '../src/core/api/circleci/client';
import { GitHubClient } from '../src/core/api/github/client';
import { Fleet } from '../src/core/fleet/fleet';
import { Poller, isLive } from '../src/core/fleet/poller';
import { RequestLimiter } from '../src/core/util/limiter';
import { startSandbox, type Sandbox, type SandboxOptions } from '../src/sandbox';
import { atMost, info, median, round, type Figure } from './figures';
import { addCounts, countRequests, NO_REQUESTS, type RequestCounts } from './requests';
import { startSandboxWorker } from './sandboxWorker';

export const ORG = 'greenpeace';
/** The requests a CircleCI client may have in flight (the extension's RequestLimiter(8)). */
export const CAP = 8;
/** Round trips of one site's chain: pipeline list → workflows → jobs. */
export const CHAIN = 3;

interface Endpoints {
  circleciApiUrl: string;
  githubApiUrl: string;
  tokens: Sandbox['tokens'];
}

export interface Harness {
  fleet: Fleet;
  limiter: RequestLimiter;
  circleci: CircleCiClient;
}

/** A fresh Fleet with its own clients and one shared limiter, as the extension's Connection builds them. */
export function harness(sb: Endpoints, now?: () => number): Harness {
  const limiter = new RequestLimiter(CAP);
  const circleci = new CircleCiClient({ baseUrl: sb.circleciApiUrl, token: () => sb.tokens.circleci, limiter });
  const github = new GitHubClient({ baseUrl: sb.githubApiUrl, token: sb.tokens.github, limiter });
  const fleet = new Fleet({
    circleci: () => circleci,
    github: () => Promise.resolve(github),
    organization: () => ORG,
    ...(now ? { now } : {}),
  });
  return { fleet, limiter, circleci };
}

/** The lower bound of a batch of R requests whose longest chain is `chain` round trips, with CAP in flight. */
export function limitMs(requests: number, latencyMs: number, chain = CHAIN): number {
  return Math.max(chain, Math.ceil(requests / CAP)) * latencyMs;
}

async function timed<T>(f: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await f();
  return { ms: performance.now() - t0, value };
}

function perService(c: RequestCounts): string {
  const k = c.byKind;
  return `CircleCI ${c.circleci} (pipelines ${k.pipelines}, workflows ${k.workflows}, jobs ${k.jobs}), GitHub ${c.github}`;
}

function unknownStages(fleet: Fleet): string[] {
  return fleet
    .all()
    .filter((s) => s.state === 'loading' || s.state === 'error')
    .map((s) => s.site);
}

interface ColdRun {
  ms: number;
  counts: RequestCounts;
  peak: number;
}

async function coldRun(sb: Sandbox): Promise<ColdRun> {
  const h = harness(sb, () => sb.clock.now());
  h.fleet.setSites(sb.sites);
  sb.clearRequests();
  const { ms } = await timed(() => h.fleet.refresh({ github: false }));
  const missing = unknownStages(h.fleet);
  if (missing.length > 0) throw new Error(`cold load: stages unknown for ${missing.join(', ')}`);
  return { ms, counts: countRequests(sb.requests), peak: h.limiter.stats().peak };
}

/** 1. Cold load of every site's stages on a fresh Fleet (median of `runs` after one warm-up run). */
export async function coldLoad(
  noise: 'none' | 'realistic',
  latencyMs: number,
  runs: number,
  scenario: SandboxOptions['scenario'] = 'mixed',
): Promise<Figure[]> {
  const sb = await startSandbox({ scenario, latencyMs, pipelineNoise: noise, clock: 'manual' });
  try {
    await coldRun(sb); // warm-up: JIT, TCP connections
    const results: ColdRun[] = [];
    for (let i = 0; i < runs; i++) results.push(await coldRun(sb));
    const ms = median(results.map((r) => r.ms));
    const first = results[0];
    if (!first) throw new Error('no run');
    const c = first.counts;
    const n = sb.sites.length;
    const limit = limitMs(c.total, latencyMs);
    const ratio = ms / limit;
    const tag = `cold load, noise ${noise}`;
    const perSite = c.total / n;
    const where = `${n} sites, scenario ${scenario}, ${latencyMs} ms/request, median of ${runs} after a warm-up`;
    const figures: Figure[] = [
      info(`${tag}: wall time`, round(ms, 0), 'ms', `${where}; stages known for every site`),
      noise === 'none'
        ? atMost(
            `${tag}: time / limit`,
            round(ratio, 2),
            '×',
            1.25,
            `limit = max(3, ⌈${c.total}/${CAP}⌉) × ${latencyMs} ms = ${limit} ms`,
            '≤ 1.25 ×',
          )
        : info(
            `${tag}: time / limit`,
            round(ratio, 2),
            '×',
            `limit = max(3, ⌈${c.total}/${CAP}⌉) × ${latencyMs} ms = ${limit} ms`,
          ),
      noise === 'none'
        ? atMost(
            `${tag}: requests per site`,
            round(perSite, 2),
            'req',
            3,
            `${c.total} requests: ${perService(c)}; at most ${c.maxPerSite} for one site`,
          )
        : info(
            `${tag}: requests per site`,
            round(perSite, 2),
            'req',
            `${c.total} requests: ${perService(c)}; at most ${c.maxPerSite} for one site (older pipelines paged through)`,
          ),
      info(`${tag}: most requests in flight`, first.peak, 'req', `limiter peak (cap ${CAP})`),
    ];
    return figures;
  } finally {
    await sb.close();
  }
}

/** 3. A refresh when nothing changed (green scenario, after the cold load). */
export async function idleRefresh(latencyMs: number): Promise<Figure[]> {
  const sb = await startSandbox({ scenario: 'green', latencyMs, pipelineNoise: 'realistic', clock: 'manual' });
  try {
    const h = harness(sb, () => sb.clock.now());
    h.fleet.setSites(sb.sites);
    await h.fleet.refresh(); // the first load, with GitHub, as the extension does it
    const n = sb.sites.length;
    sb.clearRequests();
    h.limiter.resetStats();
    const quiet = await timed(() => h.fleet.refresh({ github: false }));
    const c = countRequests(sb.requests);
    sb.clearRequests();
    const full = await timed(() => h.fleet.refresh());
    const f = countRequests(sb.requests);
    // the next slow cycle: GitHub is asked with If-None-Match and answers 304 (free of rate limit) for what is unchanged
    sb.clearRequests();
    const again = await timed(() => h.fleet.refresh());
    const github = sb.requests.filter((r) => r.service === 'github');
    const notModified = github.filter((r) => r.status === 304).length;
    return [
      atMost(
        'idle refresh (CircleCI): requests per site',
        round(c.total / n, 2),
        'req',
        1,
        `${c.total} requests for ${n} sites in ${round(quiet.ms, 0)} ms (${perService(c)}); fast-cycle / Refresh-Site path`,
      ),
      atMost(
        'idle refresh: workflow/job reads',
        c.workflowReads,
        'req',
        0,
        'requests to /pipeline/{id}/workflow and /workflow/{id}/job: every workflow has finished',
        '= 0 req',
      ),
      info(
        'idle full refresh (with GitHub): requests per site',
        round(f.total / n, 2),
        'req',
        `${f.total} requests in ${round(full.ms, 0)} ms (${perService(f)}); the slow cycle (every 5 min): main's branch ref per site; tags and a compare only when HEAD moved`,
      ),
      info(
        'next slow cycle: GitHub answers 304 Not Modified',
        github.length === 0 ? 0 : round((100 * notModified) / github.length, 1),
        '%',
        `${notModified} of ${github.length} GitHub reads answered 304 (conditional requests, not counted by GitHub's rate limit) in ${round(again.ms, 0)} ms`,
      ),
    ];
  } finally {
    await sb.close();
  }
}

/** 4. Refreshes while 5 sites are running. */
export async function runningRefresh(latencyMs: number): Promise<Figure[]> {
  const sb = await startSandbox({ scenario: 'running', latencyMs, pipelineNoise: 'realistic', clock: 'manual' });
  try {
    const now = (): number => sb.clock.now();
    const h = harness(sb, now);
    h.fleet.setSites(sb.sites);
    await h.fleet.refresh({ github: false });
    const live = h.fleet.all().filter(isLive).length;
    const poller = new Poller({ fleet: h.fleet, fastMs: () => 10_000, slowMs: () => 300_000, now });
    poller.markFullRefresh();

    // the fast polling cycle: only the live sites
    sb.clock.advance(10_000);
    sb.clearRequests();
    const tick = await timed(() => poller.tick());
    const t = countRequests(sb.requests);

    // the Refresh command: every site (CircleCI part)
    sb.clock.advance(10_000);
    sb.clearRequests();
    h.limiter.resetStats();
    const full = await timed(() => h.fleet.refresh({ github: false }));
    const f = countRequests(sb.requests);
    const fLimit = limitMs(f.total, latencyMs);
    const tLimit = limitMs(t.total, latencyMs);
    return [
      info(
        'running (5 sites): fast poll cycle requests',
        t.total,
        'req',
        `${live} live sites × ${round(t.total / Math.max(1, live), 1)}: ${perService(t)}`,
      ),
      info(
        'running (5 sites): fast poll cycle wall time',
        round(tick.ms, 0),
        'ms',
        `limit ${tLimit} ms (${round(tick.ms / tLimit, 2)}×)`,
      ),
      info('running (5 sites): full refresh requests', f.total, 'req', `${sb.sites.length} sites: ${perService(f)}`),
      info(
        'running (5 sites): full refresh wall time',
        round(full.ms, 0),
        'ms',
        `limit ${fLimit} ms (${round(full.ms / fLimit, 2)}×); peak in flight ${h.limiter.stats().peak}`,
      ),
    ];
  } finally {
    await sb.close();
  }
}

/** `global.gc`, exposed at run time when node was not started with --expose-gc. */
function gcFunction(): () => void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) return g;
  v8.setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

function heapMiB(gc: () => void): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 1024 ** 2;
}

/** 7. Soak: the Poller over `cycles` cycles of 10 simulated seconds, latency 0; the sandbox in a worker thread. */
export async function soak(benchFile: string, cycles: number): Promise<Figure[]> {
  const sb = await startSandboxWorker(benchFile, { scenario: 'mixed', latencyMs: 0, clock: 'manual' });
  try {
    const gc = gcFunction();
    const h = harness(sb, sb.now);
    const fastMs = 10_000;
    const poller = new Poller({ fleet: h.fleet, fastMs: () => fastMs, slowMs: () => 300_000, now: sb.now });
    h.fleet.setSites(sb.sites);
    const warmup = 20;
    let counts = NO_REQUESTS;
    let heapStart = 0;
    let heapMid = 0;
    let fullCycles = 0;
    const t0 = performance.now();
    for (let i = 0; i < warmup + cycles; i++) {
      if (i === warmup) {
        await sb.take();
        heapStart = heapMiB(gc);
      }
      if (i === warmup + Math.floor(cycles / 2)) heapMid = heapMiB(gc);
      await sb.advance(fastMs);
      await poller.tick();
      const c = await sb.take();
      if (c.github > 0) fullCycles += i >= warmup ? 1 : 0;
      if (i >= warmup) counts = addCounts(counts, c);
    }
    const wall = performance.now() - t0;
    const heapEnd = heapMiB(gc);
    const growth = heapEnd - heapStart;
    const stateKiB = JSON.stringify(h.fleet.persist()).length / 1024;
    const live = h.fleet.all().filter(isLive).length;
    return [
      info(
        `soak ${cycles} cycles: heap growth`,
        round(growth, 2),
        'MiB',
        `heapUsed after gc: ${round(heapStart, 1)} → ${round(heapMid, 1)} (mid) → ${round(heapEnd, 1)} MiB; persisted state ${round(stateKiB, 0)} KiB; sandbox in a worker (own heap)`,
      ),
      info(
        `soak ${cycles} cycles: requests per cycle`,
        round(counts.total / cycles, 2),
        'req',
        `${counts.total} in ${cycles} cycles of ${fastMs / 1000} s simulated (${fullCycles} full with GitHub): ${perService(counts)}; ${live} sites still live at the end; ${round(wall / 1000, 1)} s wall`,
      ),
    ];
  } finally {
    await sb.close();
  }
}
