import * as assert from 'assert';
import { CircleCiClient } from '../../src/core/api/circleci/client';
import { Fleet } from '../../src/core/fleet/fleet';
import { Poller, isLive } from '../../src/core/fleet/poller';
import type { SiteSnapshot } from '../../src/core/fleet/types';
import { RequestLimiter } from '../../src/core/util/limiter';
import { startSandbox, type Sandbox } from '../../src/sandbox';
import { fleetFor } from './support';

const FAST = 10_000;

function circleci(sb: Sandbox): { path: string }[] {
  return sb.requests.filter((r) => r.service === 'circleci');
}

/** When what a site shows happened in CircleCI: the last job of its workflow to stop. */
function happenedAt(s: SiteSnapshot): number {
  return Math.max(0, ...s.stages.flatMap((st) => (st.stoppedAt ? [Date.parse(st.stoppedAt)] : [])));
}

describe('Polling what can change (issue 12.9): a release wave against the sandbox', function () {
  this.timeout(60_000);
  let sb: Sandbox;
  afterEach(async () => {
    await sb.close();
  });

  it('reads each live site with ONE request per fast cycle, shows waiting/failed within a cycle, and reads a release waiting for a person slowly', async () => {
    sb = await startSandbox({ scenario: 'green', clock: 'manual' });
    const [a, b, c, d] = sb.sites;
    const sites = [a, b, c, d].map((s) => s ?? '');
    const now = (): number => sb.clock.now();
    const fleet = fleetFor(sb);
    fleet.setSites(sites);
    await fleet.refresh({ github: false });
    // tagged 30 s apart, between polling cycles; b's visual tests find differences, c's production deploy fails
    const failing: Record<string, string[]> = {
      [sites[1] ?? '']: ['visualtests-compare'],
      [sites[2] ?? '']: ['deploy-production'],
    };
    for (const s of sites) {
      sb.clock.advance(s === sites[0] ? 3_000 : 30_000);
      sb.botReleaseTag(s, failing[s]);
    }
    await fleet.refresh({ github: false }); // a slow cycle finds the new pipelines
    assert.deepStrictEqual(
      fleet.all().map((s) => s.state),
      ['running', 'running', 'running', 'running'],
    );
    const poller = new Poller({ fleet, fastMs: () => FAST, slowMs: () => 3_600_000, now });
    poller.markFullRefresh();

    const shown = new Map<string, number>();
    let requests = 0;
    let liveCycles = 0;
    let steady = 0;
    for (let i = 0; i < 150; i++) {
      sb.clock.advance(FAST);
      const live = fleet.all().filter(isLive);
      const polled = live.filter((s) => s.stages.some((st) => st.status === 'running'));
      sb.clearRequests();
      await poller.tick();
      const asked = circleci(sb);
      requests += asked.length;
      liveCycles += live.length;
      assert.ok(
        asked.every((r) => !/\/pipeline$/.test(r.path)),
        `cycle ${i}: the pipeline list is read only to find a new pipeline: ${asked.map((r) => r.path).join(', ')}`,
      );
      // a cycle where no job started, stopped or went on hold: exactly one job list per running site
      if (asked.every((r) => r.path.endsWith('/job'))) {
        steady++;
        assert.strictEqual(asked.length, polled.length, `cycle ${i}`);
      }
      for (const s of fleet.all()) {
        if ((s.state === 'waiting' || s.state === 'failed') && !shown.has(s.site)) {
          shown.set(s.site, now() - happenedAt(s));
        }
      }
    }
    assert.ok(steady > 100, `${steady} steady cycles`);
    assert.ok(requests / liveCycles <= 1, `${requests} requests for ${liveCycles} live-site cycles`);
    assert.deepStrictEqual(
      [...shown.keys()].sort(),
      [sites[1], sites[2]].sort(),
      'b waits (visual differences), c failed',
    );
    for (const [site, delay] of shown) assert.ok(delay <= FAST, `${site} shown ${delay} ms after it happened`);
    assert.strictEqual(fleet.get(sites[1] ?? '')?.hold, 'visual-differences');
    assert.deepStrictEqual(
      fleet.all().map((s) => s.state),
      ['deployed', 'waiting', 'failed', 'deployed'],
    );

    // b's jobs all wait for a person: nothing of it is read on the fast cycle
    const waitingWorkflow = fleet.get(sites[1] ?? '')?.workflow?.id ?? '';
    sb.clearRequests();
    for (let i = 0; i < 10; i++) {
      sb.clock.advance(FAST);
      await poller.tick();
    }
    assert.deepStrictEqual(
      circleci(sb).filter((r) => r.path.includes(waitingWorkflow) || r.path.includes(sites[1] ?? '')),
      [],
    );
    // …until the slow cycle
    sb.clock.advance(3_600_000);
    sb.clearRequests();
    await poller.tick();
    assert.ok(
      circleci(sb).some((r) => r.path.includes(sites[1] ?? '')),
      'read on the slow cycle',
    );
  });
});

describe('No release pipeline within the pages read (issue 12.6)', function () {
  this.timeout(60_000);
  let sb: Sandbox;
  afterEach(async () => {
    await sb.close();
  });

  it('says how far it read, and then reads only the pipelines newer than those', async () => {
    sb = await startSandbox({ scenario: 'green', clock: 'manual' });
    const site = sb.sites[0] ?? '';
    for (let i = 0; i < 45; i++) sb.botTriggerBuild(site); // 45 develop pipelines bury the latest release
    const client = new CircleCiClient({
      baseUrl: sb.circleciApiUrl,
      token: () => sb.tokens.circleci,
      limiter: new RequestLimiter(8),
      maxRetries: 1,
    });
    const fleet = new Fleet({
      circleci: () => client,
      github: () => Promise.reject(new Error('no GitHub here')),
      organization: () => 'greenpeace',
      now: () => sb.clock.now(),
      maxPipelinePages: 2,
    });
    fleet.setSites([site]);
    const lists = (): number => circleci(sb).filter((r) => r.path.endsWith('/pipeline')).length;

    sb.clearRequests();
    await fleet.refresh({ github: false });
    assert.strictEqual(fleet.get(site)?.state, 'no-release');
    assert.deepStrictEqual(fleet.get(site)?.searched, { pipelines: 40, all: false });
    assert.strictEqual(lists(), 2);

    sb.clearRequests();
    await fleet.refresh({ github: false });
    assert.strictEqual(lists(), 1, 'nothing new: the first page only');
    assert.deepStrictEqual(fleet.get(site)?.searched, { pipelines: 40, all: false });

    for (let i = 0; i < 3; i++) sb.botTriggerBuild(site);
    sb.clearRequests();
    await fleet.refresh({ github: false });
    assert.strictEqual(lists(), 1);
    assert.deepStrictEqual(fleet.get(site)?.searched, { pipelines: 43, all: false });
  });
});

describe('Polling in the background (issue 12.7): window unfocused or view hidden', function () {
  this.timeout(60_000);
  let sb: Sandbox;
  afterEach(async () => {
    await sb.close();
  });

  it('keeps reading the live sites slowly, so a release that starts waiting is still told', async () => {
    sb = await startSandbox({ scenario: 'green', clock: 'manual' });
    const site = sb.sites[0] ?? '';
    const other = sb.sites[1] ?? '';
    const fleet = fleetFor(sb);
    fleet.setSites([site, other]);
    sb.botReleaseTag(site, ['visualtests-compare']);
    await fleet.refresh({ github: false });
    assert.strictEqual(fleet.get(site)?.state, 'running');
    const now = (): number => sb.clock.now();
    const poller = new Poller({ fleet, fastMs: () => FAST, slowMs: () => 3_600_000, backgroundMs: () => 60_000, now });
    poller.markFullRefresh();
    poller.setMode('background');
    try {
      const told: string[] = [];
      fleet.onDidChange((sites) => {
        for (const s of sites) if (fleet.get(s)?.state === 'waiting') told.push(s);
      });
      let requests = 0;
      for (let i = 0; i < 6 * 20; i++) {
        sb.clock.advance(FAST);
        sb.clearRequests();
        await poller.tick();
        requests += circleci(sb).length;
        assert.ok(
          circleci(sb).every((r) => !r.path.includes(other)),
          'a finished site is not read',
        );
      }
      assert.deepStrictEqual(told, [site], 'the visual differences are told while unfocused');
      assert.ok(requests <= 20 + 4, `${requests} requests in 20 minutes: one a minute, not one per fast cycle`);
      assert.ok(requests >= 10, `${requests} requests: the live site is read`);
    } finally {
      poller.dispose();
    }
  });

  it('runs its own timer in background mode, and none while paused', async () => {
    sb = await startSandbox({ scenario: 'running', clock: 'manual' });
    const fleet = fleetFor(sb);
    fleet.setSites(sb.roles.running.slice(0, 2));
    await fleet.refresh({ github: false });
    const poller = new Poller({ fleet, fastMs: () => 20, slowMs: () => 3_600_000, backgroundMs: () => 50 });
    poller.markFullRefresh();
    try {
      poller.setMode('background');
      assert.strictEqual(poller.isActive, false);
      const before = poller.cycles;
      await new Promise((r) => setTimeout(r, 600));
      assert.ok(poller.cycles > before, 'background cycles ran');
      poller.setMode('paused');
      await new Promise((r) => setTimeout(r, 100));
      const paused = poller.cycles;
      await new Promise((r) => setTimeout(r, 300));
      assert.strictEqual(poller.cycles, paused, 'no cycle while paused');
    } finally {
      poller.dispose();
    }
  });
});

describe('Watches after the view starts over', function () {
  this.timeout(60_000);
  let sb: Sandbox;
  afterEach(async () => {
    await sb.close();
  });

  it('forgetWatches drops a watch, so the watched site is no longer read fast', async () => {
    sb = await startSandbox({ scenario: 'green', clock: 'manual' });
    const site = sb.sites[0] ?? '';
    const fleet = fleetFor(sb);
    fleet.setSites([site]);
    await fleet.refresh({ github: false });
    assert.strictEqual(fleet.get(site)?.state, 'deployed');
    const now = (): number => sb.clock.now();
    const poller = new Poller({ fleet, fastMs: () => FAST, slowMs: () => 3_600_000, now });
    poller.markFullRefresh();
    const fastCycle = async (): Promise<boolean> => {
      sb.clock.advance(FAST);
      sb.clearRequests();
      await poller.tick();
      return circleci(sb).some((r) => r.path.includes(site));
    };
    poller.watch(site, () => false); // e.g. "until the tag of another world's action shows"
    assert.ok(await fastCycle(), 'a watched deployed site is read on the fast cycle');
    poller.forgetWatches();
    assert.ok(!(await fastCycle()), 'once the watches are forgotten, it is not');
  });
});
