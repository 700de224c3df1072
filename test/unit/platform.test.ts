import * as assert from 'assert';
import { CircleCiClient } from '../../src/core/api/circleci/client';
import type { SiteSnapshot } from '../../src/core/fleet/types';
import type { HoldReason } from '../../src/core/release/hold';
import { PlatformLoader } from '../../src/core/platform/loader';
import type { PlatformSnapshot, PlatformStage, PlatformWorkflow } from '../../src/core/platform/types';
import { computeWave, platformLive, platformState, waveOutcome } from '../../src/core/platform/wave';
import { silentLogger } from '../../src/core/util/logger';
import { startSandbox, type Sandbox } from '../../src/sandbox';

const T0 = Date.UTC(2026, 10, 20, 9, 0, 0);
const iso = (ms: number): string => new Date(ms).toISOString();
const SEC = 1000;

function st(name: string, status: string, extra: Partial<PlatformStage> = {}): PlatformStage {
  const type = name.startsWith('hold-') ? 'approval' : 'build';
  return { name, id: `id-${name}`, type, status, dependencies: [], ...extra };
}

function release(stages: PlatformStage[], status = 'running'): PlatformWorkflow {
  return {
    id: 'wf',
    name: 'release',
    status,
    createdAt: iso(T0),
    pipelineId: 'p',
    pipelineNumber: 1,
    tag: 'v26.17.0',
    stages,
  };
}

function site(name: string, state: SiteSnapshot['state'], createdAt: number, hold?: HoldReason): SiteSnapshot {
  return {
    site: name,
    slug: `gh/greenpeace/planet4-${name}`,
    state,
    stages: [],
    pipeline: { id: `p-${name}`, number: 7, tag: 'v1.2', createdAt: iso(createdAt), revision: 'abc' },
    workflow: { id: `w-${name}`, name: 'production', kind: 'production', status: 'x', createdAt: iso(createdAt) },
    ...(hold ? { hold } : {}),
  };
}

describe('platform: the release state and the wave (pure)', () => {
  it('says where the platform release is, from its stages', () => {
    const table: [PlatformStage[], string, string | undefined][] = [
      [[st('hold-release', 'on_hold'), st('release-sites', 'blocked')], 'waiting', 'hold-release'],
      [[st('hold-release', 'success'), st('release-sites', 'running')], 'running', undefined],
      [[st('release-sites', 'success'), st('hold-changelog', 'on_hold')], 'waiting', 'hold-changelog'],
      [[st('hold-changelog', 'success'), st('changelog', 'running')], 'running', undefined],
      [[st('hold-changelog', 'success'), st('changelog', 'success')], 'finished', undefined],
      [[st('release-sites', 'failed'), st('hold-changelog', 'not_run')], 'failed', undefined],
      [[st('hold-release', 'canceled'), st('release-sites', 'canceled')], 'canceled', undefined],
    ];
    for (const [stages, state, waitingFor] of table) {
      const got = platformState(release(stages));
      assert.deepStrictEqual([got.state, got.waitingFor], [state, waitingFor], JSON.stringify(stages));
    }
    assert.strictEqual(platformState(undefined).state, 'no-release');
  });

  it('is live while release-sites or changelog runs or hold-changelog waits, not while hold-release waits', () => {
    const snap = (stages: PlatformStage[]): PlatformSnapshot => {
      const r = release(stages);
      return { ...platformState(r), release: r };
    };
    assert.strictEqual(platformLive(snap([st('hold-release', 'on_hold'), st('release-sites', 'blocked')])), false);
    assert.strictEqual(platformLive(snap([st('hold-release', 'success'), st('release-sites', 'running')])), true);
    assert.strictEqual(platformLive(snap([st('release-sites', 'success'), st('hold-changelog', 'on_hold')])), true);
    assert.strictEqual(platformLive(snap([st('hold-changelog', 'success'), st('changelog', 'success')])), false);
  });

  it("maps a site's state and hold reason to its outcome in the wave", () => {
    const table: [SiteSnapshot['state'], HoldReason | undefined, boolean, string][] = [
      ['deployed', undefined, true, 'deployed'],
      ['deployed', undefined, false, 'not-tagged'],
      ['running', undefined, true, 'running'],
      ['waiting', 'comparing', true, 'running'],
      ['waiting', 'visual-differences', true, 'visual-differences'],
      ['waiting', 'held', true, 'hold'],
      ['waiting', 'auto-approval-failed', true, 'approval-failed'],
      ['waiting', 'compare-broken', true, 'waiting'],
      ['rejected', undefined, true, 'rejected'],
      ['failed', undefined, true, 'failed'],
      ['canceled', undefined, true, 'canceled'],
      ['no-project', undefined, false, 'unknown'],
      ['error', undefined, true, 'unknown'],
    ];
    for (const [state, hold, tagged, outcome] of table) {
      assert.strictEqual(waveOutcome(site('x', state, T0, hold), tagged), outcome, `${state} ${hold ?? ''}`);
    }
  });

  it('counts the wave in sites.txt order: tagged, remaining, outcomes, ETA from the 30 s spacing', () => {
    const started = T0 + 10 * 60_000;
    const r = release([
      st('hold-release', 'success'),
      st('release-sites', 'running', { startedAt: iso(started) }),
      st('hold-changelog', 'blocked'),
    ]);
    const snapshot: PlatformSnapshot = { state: 'running', release: r };
    const fleet = [
      site('a', 'deployed', started),
      site('b', 'waiting', started + 30 * SEC, 'visual-differences'),
      site('c', 'waiting', started + 60 * SEC, 'held'),
      site('d', 'deployed', started - 3 * 86_400_000), // its latest release is older: not yet tagged
      site('e', 'failed', started - 86_400_000),
    ];
    const now = started + 70 * SEC;
    const wave = computeWave(snapshot, fleet, ['a', 'b', 'c', 'd', 'e'], now);
    assert.ok(wave);
    assert.deepStrictEqual(
      [wave.baseTag, wave.total, wave.tagged, wave.remaining, wave.needPerson],
      ['v26.17.0', 5, 3, 2, 2],
    );
    assert.deepStrictEqual(
      wave.sites.map((s) => s.outcome),
      ['deployed', 'visual-differences', 'hold', 'not-tagged', 'not-tagged'],
    );
    assert.strictEqual(wave.counts['not-tagged'], 2);
    // the last tagging was at +60 s; 2 sites left, 30 s apart: +120 s, i.e. 50 s after now
    assert.strictEqual(wave.etaMs, 50 * SEC);
    assert.strictEqual(wave.sites[1]?.workflowId, 'w-b');
    // before release-sites starts there is no wave; once it stopped, no ETA and a tag after the grace is not the wave's
    assert.strictEqual(
      computeWave({ state: 'waiting', release: release([st('hold-release', 'on_hold')]) }, fleet, ['a'], now),
      undefined,
    );
    const stopped = release([
      st('release-sites', 'success', { startedAt: iso(started), stoppedAt: iso(started + 150 * SEC) }),
      st('hold-changelog', 'on_hold'),
    ]);
    const late = [site('a', 'deployed', started + 150 * SEC + 10 * 60_000)];
    const after = computeWave({ state: 'waiting', release: stopped }, late, ['a'], now);
    assert.deepStrictEqual([after?.etaMs, after?.tagged, after?.finishedAt], [undefined, 0, iso(started + 150 * SEC)]);
  });
});

describe('platform: the loader against the sandbox', function () {
  this.timeout(30000);
  let sb: Sandbox;
  afterEach(async () => {
    await sb.close();
  });
  const loaderFor = (s: Sandbox): PlatformLoader => {
    const circleci = new CircleCiClient({
      baseUrl: s.circleciApiUrl,
      token: () => s.tokens.circleci,
      maxRetries: 0,
      timeoutMs: 5000,
    });
    return new PlatformLoader({
      circleci: () => circleci,
      organization: () => 'greenpeace',
      log: silentLogger,
      now: () => s.clock.now(),
    });
  };
  const reads = (s: Sandbox): string[] => s.requests.map((r) => `${r.method} ${r.path}`);

  it('reads the base release waiting on hold-release and the develop run on hold-dev-sites, then cheaply', async () => {
    sb = await startSandbox({ scenario: 'mixed', platformRelease: 'waiting' });
    const loader = loaderFor(sb);
    const first = await loader.load();
    assert.strictEqual(first.state, 'waiting');
    assert.strictEqual(first.waitingFor, 'hold-release');
    assert.strictEqual(first.release?.tag, 'v26.17.0');
    assert.deepStrictEqual(
      first.release.stages.map((s) => s.name),
      ['hold-release', 'release-sites', 'hold-changelog', 'changelog'],
    );
    assert.strictEqual(first.developWaiting?.stages.find((s) => s.name === 'hold-dev-sites')?.status, 'on_hold');
    sb.clearRequests();
    const idle = await loader.load();
    assert.deepStrictEqual(idle.release, first.release);
    assert.strictEqual(reads(sb).length, 2, reads(sb).join('\n')); // the pipeline list, the waiting release's jobs
  });

  it('reads a finished platform release with its approvers, and never its jobs again', async () => {
    sb = await startSandbox({ scenario: 'green' });
    const loader = loaderFor(sb);
    const first = await loader.load();
    assert.strictEqual(first.state, 'finished');
    assert.strictEqual(first.release?.tag, 'v26.16.0');
    assert.match(first.release.stages.find((s) => s.name === 'hold-release')?.approvedByLogin ?? '', /-gp$/);
    assert.strictEqual(first.developWaiting, undefined);
    sb.clearRequests();
    await loader.load({ full: true });
    assert.deepStrictEqual(reads(sb), ['GET /project/gh/greenpeace/planet4-base/pipeline']);
  });
});
