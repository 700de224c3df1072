import * as assert from 'assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CircleCiClient } from '../../src/core/api/circleci/client';
import type { Fleet } from '../../src/core/fleet/fleet';
import { isLive } from '../../src/core/fleet/poller';
import type { SiteSnapshot } from '../../src/core/fleet/types';
import { needsAttention, unauthorizedJobs } from '../../src/core/pipeline/stages';
import { loadReport } from '../../src/core/report/loader';
import { RequestLimiter } from '../../src/core/util/limiter';
import { startSandbox, type Sandbox, type StatePlan } from '../../src/sandbox';
import { fleetFor, production } from './support';

const MINUTE = 60_000;

/** Pipelines setting up or errored, API-triggered ones without vcs.commit, and a compare job without a verdict. */
describe('every CircleCI state: pipelines and what the report says', function () {
  this.timeout(30000);
  let sb: Sandbox;
  let fleet: Fleet;
  const plans: Record<string, StatePlan> = {
    setup: { setup: { state: 'setup', minutes: 3 } },
    stuckSetup: { setup: { state: 'setup-pending', minutes: 60 } },
    errored: { errored: 'Config does not conform to schema: jobs.build is missing' },
    noCommit: { noCommit: true },
    timedout: { jobs: { 'visualtests-compare': 'timedout' } },
    unauthorized: { jobs: { 'visualtests-compare': 'unauthorized' } },
  };
  const siteOf: Record<string, string> = {};

  before(async () => {
    const probe = await startSandbox({ scenario: 'green' });
    const sites = probe.sites.slice(0, Object.keys(plans).length);
    await probe.close();
    Object.keys(plans).forEach((k, i) => (siteOf[k] = sites[i] ?? ''));
    sb = await startSandbox({
      scenario: 'green',
      states: Object.fromEntries(Object.entries(plans).map(([k, p]) => [siteOf[k] ?? '', p])),
    });
    fleet = fleetFor(sb);
    fleet.setSites(sites);
    await fleet.refresh({ github: false });
  });
  after(async () => {
    await sb.close();
  });

  const tag = (k: string, message = `Change for ${k}`): string => {
    const site = siteOf[k] ?? '';
    sb.pushCommit(site, message);
    return sb.botReleaseTag(site);
  };
  const load = async (k: string): Promise<SiteSnapshot> => {
    const site = siteOf[k] ?? '';
    await fleet.refresh({ sites: [site], github: false });
    const s = fleet.get(site);
    assert.ok(s);
    return s;
  };

  it('a pipeline setting up reads setting-up (watched fast), then its workflow', async () => {
    const t = tag('setup');
    const s = await load('setup');
    assert.strictEqual(s.pipeline?.tag, t);
    assert.strictEqual(s.state, 'setting-up');
    assert.ok(isLive(s), 'a pipeline setting up is watched fast');
    sb.clock.advance(4 * MINUTE);
    const after = await load('setup');
    assert.strictEqual(after.state, 'running');
    assert.strictEqual(after.workflow?.name, 'production');
  });

  it('after the setup grace a pipeline without workflows reads no-workflows, and its workflows are not asked again', async () => {
    tag('stuckSetup');
    assert.strictEqual((await load('stuckSetup')).state, 'setting-up');
    sb.clock.advance(11 * MINUTE);
    const late = await load('stuckSetup');
    assert.strictEqual(late.state, 'no-workflows');
    assert.ok(!isLive(late));
    sb.clearRequests();
    await load('stuckSetup');
    const asked = sb.requests.filter((r) => /\/workflow/.test(r.path));
    assert.deepStrictEqual(asked, [], 'the grace took effect: no more workflow lists');
  });

  it('an errored pipeline shows its errors[].message and needs attention', async () => {
    tag('errored');
    const s = await load('errored');
    assert.strictEqual(s.state, 'pipeline-error');
    assert.deepStrictEqual(s.pipeline?.errors, ['Config does not conform to schema: jobs.build is missing']);
    assert.ok(needsAttention(s.state));
  });

  it('an API-triggered pipeline without vcs.commit: [HOLD] read from GitHub, cached by sha', async () => {
    tag('noCommit', 'Release with care\n\n[HOLD] wait for the campaign launch');
    sb.clock.advance(15 * MINUTE); // visualtests-compare succeeds; [HOLD] keeps hold-production on hold
    const s = await load('noCommit');
    assert.strictEqual(s.state, 'waiting');
    assert.strictEqual(s.hold, 'held', 'a real [HOLD] is not "automatic approval failed"');
    assert.strictEqual(s.pipeline?.commitSubject, 'Release with care');
    sb.clearRequests();
    await load('noCommit');
    assert.deepStrictEqual(
      sb.requests.filter((r) => r.service === 'github'),
      [],
      'the commit is read once (a commit never changes)',
    );
  });

  it('a compare job that timed out: the report says so, not that artifacts expire', async () => {
    tag('timedout');
    sb.clock.advance(15 * MINUTE);
    const s = await load('timedout');
    assert.strictEqual(s.hold, 'compare-broken');
    const compare = s.stages.find((st) => st.name === 'visualtests-compare');
    assert.strictEqual(compare?.status, 'timedout');
    const client = new CircleCiClient({
      baseUrl: sb.circleciApiUrl,
      token: () => sb.tokens.circleci,
      limiter: new RequestLimiter(4),
      maxRetries: 0,
      timeoutMs: 5000,
    });
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'p4-states-'));
    try {
      const base = { client, slug: s.slug, jobNumber: compare.jobNumber, cacheRoot: root, finished: true };
      const o = await loadReport({ ...base, status: 'timedout' });
      assert.ok(
        o.kind === 'no-verdict' && /timed out/.test(o.message) && !/30 days/.test(o.message),
        JSON.stringify(o).slice(0, 300),
      );
      const unknown = await loadReport(base); // the same job, status not given: the old words
      assert.ok(unknown.kind === 'gone' && /30 days/.test(unknown.message));
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('an unauthorized compare job: waiting, not polled fast, and the report says unauthorized', async () => {
    tag('unauthorized');
    sb.clock.advance(15 * MINUTE);
    const s = await load('unauthorized');
    assert.strictEqual(s.hold, 'compare-unauthorized');
    assert.ok(!isLive(s));
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'p4-states-'));
    try {
      const o = await loadReport({
        client: { listArtifacts: () => Promise.reject(new Error('no request')) } as never,
        slug: s.slug,
        jobNumber: undefined,
        cacheRoot: root,
        finished: true,
        status: 'unauthorized',
      });
      assert.ok(o.kind === 'no-verdict' && /restricted context/.test(o.message));
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('unauthorized jobs, or a workflow unauthorized on its own, are named', () => {
    assert.deepStrictEqual(unauthorizedJobs({ status: 'unauthorized' }, production({ build: 'unauthorized' })), [
      'build',
    ]);
    assert.deepStrictEqual(unauthorizedJobs({ status: 'unauthorized' }, []), ['workflow']);
    assert.deepStrictEqual(unauthorizedJobs({ status: 'failed' }, production({})), []);
  });
});
