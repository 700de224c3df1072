// Fault injection against the sandbox: how the CircleCI and GitHub clients and the Fleet behave when the services
// throttle, fail, hang, lie, revoke the token or vanish. Plain Node, no VS Code.
import * as assert from 'assert';
import * as net from 'net';
import { CircleCiClient } from '../../src/core/api/circleci/client';
import { ApiError } from '../../src/core/api/errors';
import { GitHubClient } from '../../src/core/api/github/client';
import { Fleet } from '../../src/core/fleet/fleet';
import { RequestLimiter } from '../../src/core/util/limiter';
import { startSandbox, type RequestLogEntry, type Sandbox } from '../../src/sandbox';

interface Setup {
  circleci: CircleCiClient;
  github: GitHubClient;
  fleet: Fleet;
  /** ms since the epoch at which each site was last published by the fleet */
  publishedAt: Map<string, number>;
}

interface SetupOptions {
  timeoutMs?: number;
  maxRetries?: number;
  maxRetryWaitMs?: number;
  circleciUrl?: string;
  githubUrl?: string;
}

function setup(sb: Sandbox, o: SetupOptions = {}): Setup {
  const limiter = new RequestLimiter(8);
  const circleci = new CircleCiClient({
    baseUrl: o.circleciUrl ?? sb.circleciApiUrl,
    token: () => sb.tokens.circleci,
    limiter,
    timeoutMs: o.timeoutMs ?? 5000,
    maxRetries: o.maxRetries ?? 2,
    ...(o.maxRetryWaitMs !== undefined ? { maxRetryWaitMs: o.maxRetryWaitMs } : {}),
  });
  const github = new GitHubClient({
    baseUrl: o.githubUrl ?? sb.githubApiUrl,
    token: sb.tokens.github,
    limiter,
    timeoutMs: o.timeoutMs ?? 5000,
    ...(o.maxRetryWaitMs !== undefined ? { maxRetryWaitMs: o.maxRetryWaitMs } : {}),
  });
  const fleet = new Fleet({
    circleci: () => circleci,
    github: () => Promise.resolve(github),
    organization: () => 'greenpeace',
    now: () => sb.clock.now(),
  });
  const publishedAt = new Map<string, number>();
  fleet.onDidChange((sites) => {
    for (const s of sites) publishedAt.set(s, Date.now());
  });
  fleet.setSites(sb.sites);
  return { circleci, github, fleet, publishedAt };
}

const PIPELINES = /^\/project\/[^/]+\/[^/]+\/[^/]+\/pipeline$/;

function requestsOf(
  sb: Sandbox,
  filter: Partial<Pick<RequestLogEntry, 'service' | 'method' | 'site'>>,
  path?: RegExp,
): RequestLogEntry[] {
  return sb.requests.filter(
    (r) =>
      (filter.service === undefined || r.service === filter.service) &&
      (filter.method === undefined || r.method === filter.method) &&
      (filter.site === undefined || r.site === filter.site) &&
      (path === undefined || path.test(r.path)),
  );
}

async function rejectsWith(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ApiError, `an ApiError, got ${String(e)}`);
    return e;
  }
  throw new Error('expected a rejection');
}

/**
 * How long a full refresh of the sandbox takes on this machine right now, without any fault: the timing
 * assertions below scale their faults to it (a 2-core machine under load can be 10× slower than an idle one), so
 * they test the order of events rather than the machine's speed.
 */
async function baselineMs(sb: Sandbox, github = false): Promise<number> {
  const { fleet } = setup(sb);
  const t0 = Date.now();
  await fleet.refresh({ github });
  return Date.now() - t0;
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => {
        resolve(port);
      });
    });
  });
}

function assertOthersDeployed(fleet: Fleet, sb: Sandbox, except: string): void {
  for (const s of sb.sites.filter((x) => x !== except)) {
    assert.strictEqual(fleet.get(s)?.state, 'deployed', `${s}: ${fleet.get(s)?.error?.message ?? ''}`);
  }
}

function assertNeverForced(sb: Sandbox): void {
  for (const r of sb.requests) {
    const force = (r.body as { force?: unknown } | undefined)?.force;
    assert.notStrictEqual(force, true, `${r.method} ${r.path} carried force: true`);
  }
}

const rejections: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  rejections.push(reason);
};

describe('faults', function () {
  this.timeout(60_000);
  let sb: Sandbox;

  before(() => {
    process.on('unhandledRejection', onUnhandled);
  });
  afterEach(async () => {
    await sb.close();
  });

  describe('CircleCI 429 with Retry-After on one site', () => {
    it('does not call the throttled route before Retry-After, then the site recovers; others unaffected', async () => {
      sb = await startSandbox({ scenario: 'green' });
      // the wait outlasts a whole refresh of the other sites several times over, whatever the machine's load
      const retryAfterSec = Math.max(1, Math.ceil((3 * (await baselineMs(sb))) / 1000));
      sb.clearRequests();
      const { fleet, publishedAt } = setup(sb, { maxRetryWaitMs: retryAfterSec * 1000 + 1000 });
      const site = sb.sites[5] ?? '';
      sb.inject({
        service: 'circleci',
        method: 'GET',
        site,
        path: PIPELINES,
        kind: 'rateLimit',
        retryAfterSec,
        times: 1,
      });
      await fleet.refresh({ github: false });
      const calls = requestsOf(sb, { service: 'circleci', site }, PIPELINES);
      assert.strictEqual(calls[0]?.status, 429);
      assert.strictEqual(calls[1]?.status, 200);
      const gap = (calls.at(1)?.time ?? 0) - (calls.at(0)?.time ?? 0);
      assert.ok(gap >= retryAfterSec * 1000, `called again after ${gap} ms, before Retry-After (${retryAfterSec} s)`);
      assert.strictEqual(fleet.get(site)?.state, 'deployed');
      assertOthersDeployed(fleet, sb, site);
      const throttledDone = publishedAt.get(site) ?? 0;
      const late = sb.sites.filter((s) => s !== site && (publishedAt.get(s) ?? Infinity) > throttledDone);
      assert.deepStrictEqual(late, [], 'no other site waited for the throttled one');
      assert.strictEqual(requestsOf(sb, { service: 'circleci' }).filter((r) => r.status === 429).length, 1);
      assert.strictEqual(fleet.connection, 'ok');
    });

    it('a Retry-After beyond the longest wait: a rate-limited error saying how long, no call before the time', async () => {
      sb = await startSandbox({ scenario: 'green' });
      // long enough that the second refresh below starts well before it ends, whatever the machine's load
      const retryAfterSec = Math.max(2, Math.ceil((3 * (await baselineMs(sb))) / 1000) + 1);
      sb.clearRequests();
      const { fleet } = setup(sb, { maxRetryWaitMs: 300 });
      const site = sb.sites[9] ?? '';
      sb.inject({
        service: 'circleci',
        method: 'GET',
        site,
        path: PIPELINES,
        kind: 'rateLimit',
        retryAfterSec,
        times: 1,
      });
      await fleet.refresh({ github: false });
      const snap = fleet.get(site);
      assert.strictEqual(snap?.state, 'error');
      assert.strictEqual(snap.error?.kind, 'rateLimited');
      assert.match(snap.error.message, new RegExp(`rate limiting.*try again in ${retryAfterSec} s`));
      assertOthersDeployed(fleet, sb, site);
      assert.strictEqual(fleet.connection, 'ok');
      const first = requestsOf(sb, { service: 'circleci', site }, PIPELINES);
      assert.strictEqual(first.length, 1, 'the 429 is not retried when the wait is too long');
      const t429 = first[0]?.time ?? 0;

      // Asked again at once: refused here, the route is not called.
      await fleet.refresh({ sites: [site], github: false });
      assert.strictEqual(
        requestsOf(sb, { service: 'circleci', site }, PIPELINES).length,
        1,
        'route called before Retry-After',
      );
      assert.strictEqual(fleet.get(site)?.error?.kind, 'rateLimited');
      const left = /try again in (\d+) s/.exec(fleet.get(site)?.error?.message ?? '');
      assert.ok(left && Number(left[1]) >= 1 && Number(left[1]) <= retryAfterSec, 'says how long is left');

      await delay(Math.max(0, t429 + retryAfterSec * 1000 + 50 - Date.now()));
      await fleet.refresh({ sites: [site], github: false });
      const after = requestsOf(sb, { service: 'circleci', site }, PIPELINES);
      assert.ok(after.length >= 2);
      assert.ok((after[1]?.time ?? 0) - t429 >= retryAfterSec * 1000, 'called again before Retry-After');
      assert.strictEqual(fleet.get(site)?.state, 'deployed');
      assert.strictEqual(fleet.get(site)?.error, undefined);
    });
  });

  describe('CircleCI 5xx', () => {
    it('a burst of two 502s: the GET is retried and the site ends correct', async () => {
      sb = await startSandbox({ scenario: 'green' });
      const { fleet } = setup(sb);
      const site = sb.sites[11] ?? '';
      sb.inject({ service: 'circleci', method: 'GET', site, path: PIPELINES, kind: 'status', status: 502, times: 2 });
      await fleet.refresh({ github: false });
      const calls = requestsOf(sb, { service: 'circleci', site }, PIPELINES);
      assert.deepStrictEqual(
        calls.slice(0, 3).map((r) => r.status),
        [502, 502, 200],
      );
      assert.strictEqual(fleet.get(site)?.state, 'deployed');
      assert.strictEqual(fleet.get(site)?.error, undefined);
      assertOthersDeployed(fleet, sb, site);
    });

    it('a persistent 503: an error on that site only, after a bounded number of retries', async () => {
      sb = await startSandbox({ scenario: 'green' });
      const { fleet } = setup(sb, { maxRetries: 2 });
      const site = sb.sites[12] ?? '';
      sb.inject({ service: 'circleci', site, kind: 'status', status: 503 });
      await fleet.refresh({ github: false });
      const snap = fleet.get(site);
      assert.strictEqual(snap?.state, 'error');
      assert.strictEqual(snap.error?.kind, 'server');
      assert.match(snap.error.message, /server error \(503\)/);
      assert.strictEqual(requestsOf(sb, { service: 'circleci', site }, PIPELINES).length, 3, 'one try and two retries');
      assertOthersDeployed(fleet, sb, site);
      assert.strictEqual(fleet.connection, 'ok');
    });
  });

  describe('hangs', () => {
    it('a hung CircleCI site times out without holding the others', async () => {
      sb = await startSandbox({ scenario: 'green' });
      const baseline = await baselineMs(sb);
      // the timeout outlasts a whole refresh of the other sites several times over, whatever the machine's load
      const timeoutMs = Math.max(1000, 4 * baseline);
      const { fleet, publishedAt } = setup(sb, { timeoutMs });
      const site = sb.sites[20] ?? '';
      sb.inject({ service: 'circleci', site, kind: 'hang' });
      sb.clearRequests();
      const t0 = Date.now();
      await fleet.refresh({ github: false });
      const total = Date.now() - t0;
      const snap = fleet.get(site);
      assert.strictEqual(snap?.state, 'error');
      assert.strictEqual(snap.error?.kind, 'timeout');
      assert.match(snap.error.message, /did not answer in time/);
      assert.ok(total >= timeoutMs, `the hung site gave up after ${total} ms, before its timeout (${timeoutMs} ms)`);
      assert.ok(total < 6 * timeoutMs, `the hung site took ${total} ms: retries are not bounded`);
      assert.strictEqual(requestsOf(sb, { service: 'circleci', site }).length, 2, 'one try, one retry after a timeout');
      assertOthersDeployed(fleet, sb, site);
      const othersDone =
        Math.max(...sb.sites.filter((s) => s !== site).map((s) => publishedAt.get(s) ?? Infinity)) - t0;
      assert.ok(
        othersDone < Math.min(timeoutMs, baseline * 2 + 300),
        `the other sites were done ${othersDone} ms after the start (${baseline} ms without the hang): held by the hung site`,
      );
      assert.strictEqual(fleet.connection, 'ok', 'one slow site is not "unreachable"');
    });

    it('a hung GitHub read times out as "timeout" within bounded retries', async () => {
      sb = await startSandbox({ scenario: 'green' });
      const { github } = setup(sb, { timeoutMs: 300 });
      const repo = `planet4-${sb.sites[3] ?? ''}`;
      sb.inject({ service: 'github', method: 'GET', kind: 'hang' });
      const t0 = Date.now();
      const e = await rejectsWith(github.matchingTags('greenpeace', repo));
      const took = Date.now() - t0;
      assert.strictEqual(e.kind, 'timeout', e.message);
      assert.ok(e.isConnectivity);
      assert.ok(took >= 300, `gave up after ${took} ms`);
      assert.ok(took < 4000, `a hung GitHub read took ${took} ms to fail (4 tries with 1 + 4 + 9 s between them?)`);
      assert.ok(requestsOf(sb, { service: 'github' }).length <= 3, 'at most two retries');
    });

    it("a site's stages show without waiting for its hung GitHub facts", async () => {
      // about hangs, not tag counts: the former 12–135 tags keep the baseline (and so the hang's timeout) short
      sb = await startSandbox({ scenario: 'green', tagsPerSite: 'small' });
      // the timeout outlasts a whole CircleCI refresh several times over, whatever the machine's load
      const timeoutMs = Math.max(1000, 4 * (await baselineMs(sb)));
      const { fleet } = setup(sb, { timeoutMs });
      const site = sb.sites[6] ?? '';
      sb.inject({ service: 'github', site, kind: 'hang' });
      const firstDeployed = new Map<string, number>();
      fleet.onDidChange((sites) => {
        for (const s of sites)
          if (fleet.get(s)?.state === 'deployed' && !firstDeployed.has(s)) firstDeployed.set(s, Date.now());
      });
      const t0 = Date.now();
      await fleet.refresh();
      assert.ok(Date.now() - t0 >= timeoutMs, 'the GitHub request did hang');
      const shown = (firstDeployed.get(site) ?? Infinity) - t0;
      assert.ok(shown < timeoutMs, `${site}'s CircleCI state showed after ${shown} ms, held by GitHub`);
      assert.strictEqual(fleet.get(site)?.state, 'deployed');
      assert.strictEqual(fleet.get(site)?.next, undefined);
      for (const s of sb.sites.filter((x) => x !== site)) assert.ok(fleet.get(s)?.next?.nextTag, s);
      assert.strictEqual(fleet.connection, 'ok');
    });
  });

  describe('CircleCI malformed answer', () => {
    it('a site answered with broken JSON shows a malformed error; others fine', async () => {
      sb = await startSandbox({ scenario: 'green' });
      const { fleet } = setup(sb);
      const site = sb.sites[30] ?? '';
      sb.inject({ service: 'circleci', site, path: PIPELINES, kind: 'malformed' });
      await fleet.refresh({ github: false });
      const snap = fleet.get(site);
      assert.strictEqual(snap?.state, 'error');
      assert.strictEqual(snap.error?.kind, 'malformed');
      assert.match(snap.error.message, /not JSON/);
      assertOthersDeployed(fleet, sb, site);
      assert.strictEqual(fleet.connection, 'ok');
    });
  });

  describe('GitHub malformed answer', () => {
    it('broken JSON from GitHub reads is a typed "malformed" error, never a TypeError', async () => {
      sb = await startSandbox({ scenario: 'green' });
      const { github } = setup(sb);
      const site = sb.sites[0] ?? '';
      const repo = `planet4-${site}`;
      const head = sb.mainHead(site);
      const reads: [string, RegExp, () => Promise<unknown>][] = [
        ['listTags', /\/matching-refs\/tags\/v$/, () => github.matchingTags('greenpeace', repo)],
        ['commit', /\/git\/commits\//, () => github.commit('greenpeace', repo, head.sha)],
        ['refSha', /\/git\/ref\//, () => github.refSha('greenpeace', repo, 'heads/main')],
        ['compare', /\/compare\//, () => github.compare('greenpeace', repo, 'main', 'main')],
        ['fileText', /\/contents\//, () => github.fileText('greenpeace', 'planet4-base', 'sites.txt', 'main')],
        ['user', /^\/user$/, () => github.user()],
      ];
      for (const [name, path, run] of reads) {
        const remove = sb.inject({ service: 'github', path, kind: 'malformed' });
        const e = await rejectsWith(run());
        remove();
        assert.strictEqual(e.kind, 'malformed', `${name}: ${e.message}`);
        assert.match(e.message, /not the JSON expected/);
      }
    });

    it('a site whose GitHub facts are broken JSON keeps its stages, and the others their next release', async () => {
      sb = await startSandbox({ scenario: 'green' });
      const { fleet } = setup(sb);
      const site = sb.sites[8] ?? '';
      sb.inject({ service: 'github', site, path: /\/matching-refs\/tags\/v$/, kind: 'malformed' });
      await fleet.refresh();
      assert.strictEqual(fleet.get(site)?.state, 'deployed');
      assert.strictEqual(fleet.get(site)?.next, undefined);
      for (const s of sb.sites.filter((x) => x !== site)) assert.ok(fleet.get(s)?.next?.nextTag, s);
      assert.strictEqual(fleet.connection, 'ok');
    });
  });

  describe('CircleCI 401 mid-session', () => {
    it('moves the connection to circleci-unauthorized, and back once the token works again', async () => {
      sb = await startSandbox({ scenario: 'mixed' });
      const { fleet } = setup(sb);
      await fleet.refresh({ github: false });
      assert.strictEqual(fleet.connection, 'ok');
      const remove = sb.inject({ service: 'circleci', kind: 'unauthorized' });
      sb.clearRequests();
      await fleet.refresh({ github: false });
      assert.strictEqual(fleet.connection, 'circleci-unauthorized');
      const perRoute = new Map<string, number>();
      for (const r of requestsOf(sb, { service: 'circleci' })) perRoute.set(r.path, (perRoute.get(r.path) ?? 0) + 1);
      assert.ok(
        [...perRoute.values()].every((n) => n === 1),
        'a 401 is not retried',
      );
      remove();
      await fleet.refresh({ github: false });
      assert.strictEqual(fleet.connection, 'ok');
    });
  });

  describe('offline', () => {
    it('every CircleCI connection reset: one "unreachable" state', async () => {
      sb = await startSandbox({ scenario: 'mixed' });
      const { fleet } = setup(sb);
      await fleet.refresh({ github: false });
      assert.strictEqual(fleet.connection, 'ok');
      const remove = sb.inject({ service: 'circleci', kind: 'reset' });
      await fleet.refresh({ github: false });
      assert.strictEqual(fleet.connection, 'unreachable');
      assert.ok(fleet.all().every((s) => s.error?.kind === 'network'));
      remove();
      await fleet.refresh({ github: false });
      assert.strictEqual(fleet.connection, 'ok');
    });

    it('a closed port: "unreachable", for CircleCI and for GitHub reads', async () => {
      sb = await startSandbox({ scenario: 'green' });
      const port = await freePort();
      const { fleet } = setup(sb, { circleciUrl: `http://127.0.0.1:${port}/api/v2`, maxRetries: 1 });
      const t0 = Date.now();
      await fleet.refresh({ github: false });
      assert.strictEqual(fleet.connection, 'unreachable');
      assert.ok(Date.now() - t0 < 5000);
      assert.ok(fleet.all().every((s) => s.error?.kind === 'network'));

      const offlineGithub = new GitHubClient({
        baseUrl: `http://127.0.0.1:${port}`,
        token: sb.tokens.github,
        timeoutMs: 1000,
      });
      // a mutation is not retried, so this answers at once: the failure must be a network one, not a "server error"
      const e = await rejectsWith(
        offlineGithub.createRef('greenpeace', 'planet4-x', 'refs/tags/v9.9.9', 'a'.repeat(40)),
      );
      assert.strictEqual(e.kind, 'network', e.message);
      assert.ok(e.isConnectivity);
      assert.match(e.message, /Cannot reach GitHub/);
    });

    it('GitHub connection reset on a mutation: a network error, sent once', async () => {
      sb = await startSandbox({ scenario: 'green' });
      const { github } = setup(sb);
      sb.inject({ service: 'github', kind: 'reset' });
      const e = await rejectsWith(
        github.createRef('greenpeace', `planet4-${sb.sites[0] ?? ''}`, 'refs/tags/v9.9.9', 'a'.repeat(40)),
      );
      assert.strictEqual(e.kind, 'network', e.message);
      assert.strictEqual(requestsOf(sb, { service: 'github', method: 'POST' }).length, 1);
    });
  });

  describe('mutations are sent once', () => {
    const circleFaults = [
      { name: '500', rule: { kind: 'status', status: 500 }, kind: 'server' },
      { name: '429', rule: { kind: 'rateLimit', retryAfterSec: 1 }, kind: 'rateLimited' },
      { name: 'reset', rule: { kind: 'reset' }, kind: 'network' },
    ] as const;

    for (const f of circleFaults) {
      it(`CircleCI triggerPipeline and approveJob with ${f.name}: exactly one POST each`, async () => {
        sb = await startSandbox({ scenario: 'mixed' });
        const { fleet, circleci } = setup(sb);
        const site = sb.roles.visualDiffs[0] ?? '';
        await fleet.refresh({ sites: [site], github: false });
        const snap = fleet.get(site);
        const hold = snap?.stages.find((s) => s.name === 'hold-production');
        assert.strictEqual(hold?.status, 'on_hold');
        const workflowId = snap?.workflow?.id ?? '';
        const approvalId = hold.approvalRequestId ?? '';
        sb.clearRequests();

        const remove = sb.inject({ service: 'circleci', method: 'POST', ...f.rule });
        const trig = await rejectsWith(
          circleci.triggerPipeline(snap?.slug ?? '', { tag: 'v1.0.0', parameters: { rollback: true } }),
        );
        assert.strictEqual(trig.kind, f.kind, trig.message);
        const appr = await rejectsWith(circleci.approveJob(workflowId, approvalId));
        assert.strictEqual(appr.kind, f.kind, appr.message);
        await delay(f.name === '429' ? 1100 : 300); // time for any (wrong) retry to show
        const posts = requestsOf(sb, { service: 'circleci', method: 'POST' });
        assert.strictEqual(posts.filter((r) => r.path.endsWith('/pipeline')).length, 1, 'trigger POSTs');
        assert.strictEqual(posts.filter((r) => r.path.includes('/approve/')).length, 1, 'approve POSTs');
        remove();
        assertNeverForced(sb);
      });
    }

    it('CircleCI: a mutation inside a Retry-After window is refused without a request', async () => {
      sb = await startSandbox({ scenario: 'mixed' });
      const { circleci } = setup(sb);
      const slug = `gh/greenpeace/planet4-${sb.sites[0] ?? ''}`;
      sb.inject({ service: 'circleci', method: 'POST', kind: 'rateLimit', retryAfterSec: 5, times: 1 });
      const first = await rejectsWith(circleci.triggerPipeline(slug, { tag: 'v1.0.0' }));
      assert.strictEqual(first.kind, 'rateLimited');
      assert.strictEqual(first.retryAfterMs, 5000);
      const second = await rejectsWith(circleci.triggerPipeline(slug, { tag: 'v1.0.0' }));
      assert.strictEqual(second.kind, 'rateLimited');
      assert.match(second.message, /try again in [45] s/);
      assert.strictEqual(requestsOf(sb, { service: 'circleci', method: 'POST' }).length, 1);
    });

    it('CircleCI: a hung mutation times out and is not sent again', async () => {
      sb = await startSandbox({ scenario: 'mixed' });
      const { circleci } = setup(sb, { timeoutMs: 300 });
      sb.inject({ service: 'circleci', method: 'POST', kind: 'hang' });
      const e = await rejectsWith(
        circleci.approveJob('00000000-0000-4000-8000-000000000000', '00000000-0000-4000-8000-000000000001'),
      );
      assert.strictEqual(e.kind, 'timeout');
      await delay(800);
      assert.strictEqual(requestsOf(sb, { service: 'circleci', method: 'POST' }).length, 1);
    });

    const githubFaults = [
      { name: '500', rule: { kind: 'status', status: 500 }, kind: 'server' },
      { name: '502', rule: { kind: 'status', status: 502 }, kind: 'server' },
      { name: '429', rule: { kind: 'rateLimit', status: 429, retryAfterSec: 1 }, kind: 'rateLimited' },
      { name: '403 rate limit', rule: { kind: 'rateLimit', status: 403, retryAfterSec: 1 }, kind: 'rateLimited' },
    ] as const;

    it('GitHub createTagObject / createRef / createCommit / fastForwardRef with 500, 502, 429, 403 rate limit: one request each, never force', async function () {
      this.timeout(90_000);
      sb = await startSandbox({ scenario: 'green' });
      const { github } = setup(sb);
      const site = sb.sites[2] ?? '';
      const repo = `planet4-${site}`;
      const head = sb.mainHead(site);
      const commit = await github.commit('greenpeace', repo, head.sha);
      const mutations: { name: string; method: string; path: RegExp; run: () => Promise<unknown> }[] = [
        {
          name: 'createTagObject',
          method: 'POST',
          path: /\/git\/tags$/,
          run: () => github.createTagObject('greenpeace', repo, 'v99.0.0', head.sha),
        },
        {
          name: 'createRef',
          method: 'POST',
          path: /\/git\/refs$/,
          run: () => github.createRef('greenpeace', repo, 'refs/tags/v99.0.0', head.sha),
        },
        {
          name: 'createCommit',
          method: 'POST',
          path: /\/git\/commits$/,
          run: () => github.createCommit('greenpeace', repo, '[HOLD] test', commit.treeSha, [head.sha]),
        },
        {
          name: 'fastForwardRef',
          method: 'PATCH',
          path: /\/git\/refs\/heads\/main$/,
          run: () => github.fastForwardRef('greenpeace', repo, 'heads/main', head.sha),
        },
      ];
      for (const f of githubFaults) {
        for (const m of mutations) {
          sb.clearRequests();
          const remove = sb.inject({ service: 'github', method: m.method, path: m.path, ...f.rule });
          const e = await rejectsWith(m.run());
          remove();
          assert.strictEqual(e.kind, f.kind, `${m.name} with ${f.name}: ${e.message}`);
          if (f.kind === 'rateLimited') assert.ok((e.retryAfterMs ?? 0) > 0, `${m.name} with ${f.name}: says how long`);
          const sent = requestsOf(sb, { service: 'github', method: m.method }, m.path);
          assert.strictEqual(sent.length, 1, `${m.name} with ${f.name}: sent ${sent.length} times`);
        }
      }
      await delay(1500); // a (wrong) delayed retry would land here
      assert.strictEqual(requestsOf(sb, { service: 'github' }).length, 1, 'nothing sent after the last failure');
      const ff = sb.requests.find((r) => r.method === 'PATCH');
      assert.strictEqual((ff?.body as { force?: unknown } | undefined)?.force, false);
      assertNeverForced(sb);
    });
  });

  describe('GitHub GET throttling', () => {
    for (const status of [403, 429]) {
      it(`${status} with x-ratelimit-remaining 0 and a short wait: retried after the wait`, async () => {
        sb = await startSandbox({ scenario: 'green' });
        const { github } = setup(sb);
        const site = sb.sites[4] ?? '';
        sb.inject({
          service: 'github',
          method: 'GET',
          path: /\/matching-refs\/tags\/v$/,
          kind: 'rateLimit',
          status,
          retryAfterSec: 1,
          times: 1,
        });
        const tags = await github.matchingTags('greenpeace', `planet4-${site}`);
        assert.ok(tags.length > 0);
        const calls = requestsOf(sb, { service: 'github' }, /\/matching-refs\/tags\/v$/);
        assert.deepStrictEqual(
          calls.map((r) => r.status),
          [status, 200],
        );
        const gap = (calls.at(1)?.time ?? 0) - (calls.at(0)?.time ?? 0);
        assert.ok(gap >= 1000, `retried ${gap} ms later, before the reset`);
      });

      it(`${status} with x-ratelimit-remaining 0 and a long wait: a typed rateLimited error with the wait, not retried`, async () => {
        sb = await startSandbox({ scenario: 'green' });
        const { github } = setup(sb);
        const site = sb.sites[4] ?? '';
        sb.inject({
          service: 'github',
          method: 'GET',
          path: /\/matching-refs\/tags\/v$/,
          kind: 'rateLimit',
          status,
          retryAfterSec: 600,
        });
        const e = await rejectsWith(github.matchingTags('greenpeace', `planet4-${site}`));
        assert.strictEqual(e.kind, 'rateLimited');
        assert.strictEqual(e.service, 'github');
        assert.ok((e.retryAfterMs ?? 0) > 590_000 && (e.retryAfterMs ?? 0) <= 600_000, String(e.retryAfterMs));
        assert.match(e.message, /GitHub is rate limiting requests: try again in 10 min/);
        await delay(200);
        assert.strictEqual(requestsOf(sb, { service: 'github' }, /\/matching-refs\/tags\/v$/).length, 1);
      });
    }

    it('a secondary rate limit with a short Retry-After: retried after it', async () => {
      sb = await startSandbox({ scenario: 'green' });
      const { github } = setup(sb);
      const site = sb.sites[4] ?? '';
      sb.inject({
        service: 'github',
        method: 'GET',
        path: /\/matching-refs\/tags\/v$/,
        kind: 'rateLimit',
        status: 403,
        retryAfterSec: 1,
        times: 1,
        body: { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.' },
      });
      const tags = await github.matchingTags('greenpeace', `planet4-${site}`);
      assert.ok(tags.length > 0);
      const calls = requestsOf(sb, { service: 'github' }, /\/matching-refs\/tags\/v$/);
      assert.strictEqual(calls.length, 2);
      assert.ok((calls[1]?.time ?? 0) - (calls[0]?.time ?? 0) >= 1000);
    });

    it('a 502 on a GET is retried; a 401 is not', async () => {
      sb = await startSandbox({ scenario: 'green' });
      const { github } = setup(sb);
      const repo = `planet4-${sb.sites[4] ?? ''}`;
      sb.inject({
        service: 'github',
        method: 'GET',
        path: /\/matching-refs\/tags\/v$/,
        kind: 'status',
        status: 502,
        times: 1,
      });
      assert.ok((await github.matchingTags('greenpeace', repo)).length > 0);
      assert.strictEqual(requestsOf(sb, { service: 'github' }, /\/matching-refs\/tags\/v$/).length, 2);
      sb.clearRequests();
      sb.inject({ service: 'github', kind: 'unauthorized' });
      const e = await rejectsWith(github.matchingTags('greenpeace', repo));
      assert.strictEqual(e.kind, 'unauthorized');
      assert.strictEqual(requestsOf(sb, { service: 'github' }).length, 1);
    });
  });
});

describe('faults: afterwards', () => {
  it('left no unhandled promise rejection', async () => {
    await delay(100);
    process.off('unhandledRejection', onUnhandled);
    assert.deepStrictEqual(
      rejections.map((r) => (r instanceof Error ? r.message : String(r))),
      [],
    );
  });
});
