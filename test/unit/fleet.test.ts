import * as assert from 'assert';
import type { Fleet } from '../../src/core/fleet/fleet';
import { startSandbox, type Sandbox } from '../../src/sandbox';
import { fleetFor } from './support';

describe('Fleet against the sandbox (core, no VS Code)', function () {
  this.timeout(30000);
  let sb: Sandbox;
  afterEach(async () => {
    await sb.close();
  });

  it('reads the site list from sites.txt of planet4-base and every site state of the mixed scenario', async () => {
    sb = await startSandbox({ scenario: 'mixed' });
    const fleet = fleetFor(sb);
    const sites = await fleet.resolveSites([]);
    assert.strictEqual(sites.length, 53);
    fleet.setSites(sites);
    await fleet.refresh();
    const state = (s: string): string => fleet.get(s)?.state ?? 'missing';
    for (const s of sb.roles.visualDiffs) {
      assert.strictEqual(state(s), 'waiting', s);
      assert.strictEqual(fleet.get(s)?.hold, 'visual-differences', s);
    }
    for (const s of sb.roles.held) assert.strictEqual(fleet.get(s)?.hold, 'held', s);
    assert.strictEqual(sb.roles.autoApprovalFailed.length, 1);
    for (const s of sb.roles.autoApprovalFailed) {
      assert.strictEqual(state(s), 'waiting', s);
      assert.strictEqual(fleet.get(s)?.hold, 'auto-approval-failed', s);
    }
    for (const s of sb.roles.failedDeploy) assert.strictEqual(state(s), 'failed', s);
    for (const s of sb.roles.rollingBack) {
      assert.strictEqual(state(s), 'waiting', s);
      assert.strictEqual(fleet.get(s)?.workflow?.kind, 'rollback', s);
    }
    for (const s of sb.roles.missingProject) assert.strictEqual(state(s), 'no-project', s);
    for (const s of sb.roles.running) assert.strictEqual(state(s), 'running', s);
    for (const s of sb.roles.headHold) assert.strictEqual(fleet.get(s)?.next?.headHold, true, s);
    const special = new Set(Object.values(sb.roles).flat());
    const others = sites.filter((s) => !special.has(s));
    assert.ok(others.length > 30);
    for (const s of others) {
      assert.strictEqual(state(s), 'deployed', s);
      assert.ok(fleet.get(s)?.next?.nextTag, `${s} has a next tag`);
    }
  });

  it('never asks again for finished workflows, and pages only as far as needed', async () => {
    sb = await startSandbox({ scenario: 'green' });
    const fleet = fleetFor(sb);
    fleet.setSites(sb.sites);
    await fleet.refresh({ github: false });
    const firstListPages = sb.requests.filter((r) => r.service === 'circleci' && r.path.endsWith('/pipeline')).length;
    assert.ok(firstListPages >= 53, 'one page at least per site');
    sb.clearRequests();
    await fleet.refresh({ github: false });
    const second = sb.requests.filter((r) => r.service === 'circleci');
    assert.strictEqual(
      second.filter((r) => r.path.startsWith('/workflow/') || r.path.startsWith('/pipeline/')).length,
      0,
      'no workflow or job requests',
    );
    assert.ok(second.length <= 53, `at most one request per site on an idle refresh, got ${second.length}`);
  });

  it('keeps the other sites right when one site answers 500', async () => {
    sb = await startSandbox({ scenario: 'green' });
    const fleet = fleetFor(sb);
    fleet.setSites(sb.sites);
    const broken = sb.sites[3] ?? 'x';
    sb.inject({ service: 'circleci', site: broken, kind: 'status', status: 500, body: { message: 'boom' } });
    await fleet.refresh({ github: false });
    assert.strictEqual(fleet.get(broken)?.state, 'error');
    assert.match(fleet.get(broken)?.error?.message ?? '', /server error \(500\)/);
    for (const s of sb.sites.filter((x) => x !== broken)) assert.strictEqual(fleet.get(s)?.state, 'deployed', s);
    assert.strictEqual(fleet.connection, 'ok');
  });

  it('finds a release pipeline buried under develop and backup pipelines', async () => {
    sb = await startSandbox({ scenario: 'green' });
    const fleet = fleetFor(sb);
    fleet.setSites(sb.sites);
    await fleet.refresh({ github: false });
    const pages = new Map<string, number>();
    for (const r of sb.requests)
      if (r.site && r.path.endsWith('/pipeline')) pages.set(r.site, (pages.get(r.site) ?? 0) + 1);
    const deep = [...pages.entries()].filter(([, n]) => n > 1);
    assert.ok(deep.length > 0, 'some sites need more than one page');
    for (const [site] of deep) assert.strictEqual(fleet.get(site)?.state, 'deployed', site);
  });

  it('restores the last known state (stale, no request) and refreshes it as cheaply as before the reload', async () => {
    sb = await startSandbox({ scenario: 'mixed' });
    const first = fleetFor(sb);
    first.setSites(sb.sites);
    await first.refresh();
    const saved = JSON.parse(JSON.stringify(first.persist())) as ReturnType<Fleet['persist']>;
    assert.ok(JSON.stringify(saved).length < 200_000, `compact: ${JSON.stringify(saved).length} bytes`);
    sb.clearRequests();
    const second = fleetFor(sb);
    assert.ok(second.restore(saved));
    assert.strictEqual(sb.requests.length, 0, 'restoring needs no network');
    assert.strictEqual(second.all().length, 53);
    assert.ok(second.all().every((s) => s.stale === true));
    for (const s of sb.sites) assert.strictEqual(second.get(s)?.state, first.get(s)?.state, s);
    await second.refresh({ github: false });
    const finished = first
      .all()
      .filter((s) => s.state === 'deployed')
      .map((s) => s.workflow?.id ?? '-');
    const asked = sb.requests.filter((r) => finished.some((id) => r.path.includes(id)));
    assert.deepStrictEqual(asked, [], 'finished workflows are not read again after a reload');
    assert.ok(second.all().every((s) => s.stale !== true));
    assert.ok(!second.restore({ version: 1 }), 'an old format is ignored');
  });
});

describe('Fleet: odd pipelines', function () {
  this.timeout(30000);
  let sb: Sandbox;
  afterEach(async () => {
    await sb.close();
  });

  it('follows a failed release workflow that a person reruns (a new workflow in the same pipeline)', async () => {
    sb = await startSandbox({ scenario: 'failed-deploy' });
    const site = sb.roles.failedDeploy[0] ?? '';
    const fleet = fleetFor(sb);
    fleet.setSites([site]);
    await fleet.refresh({ github: false });
    assert.strictEqual(fleet.get(site)?.state, 'failed');
    // roll staging back: finish-staging runs, then nothing is left to run and the workflow has failed for good
    const stage = fleet.get(site)?.stages.find((s) => s.name === 'rollback-staging');
    const approved = await fetch(
      `${sb.circleciApiUrl}/workflow/${fleet.get(site)?.workflow?.id ?? ''}/approve/${stage?.approvalRequestId ?? ''}`,
      { method: 'POST', headers: { 'Circle-Token': sb.tokens.circleci } },
    );
    assert.strictEqual(approved.status, 202);
    sb.clock.advance(10 * 60_000);
    await fleet.refresh({ github: false });
    const failed = fleet.get(site);
    assert.strictEqual(failed?.workflow?.status, 'failed');
    assert.strictEqual(failed.state, 'failed');
    sb.clearRequests();
    await fleet.refresh({ github: false });
    assert.deepStrictEqual(
      sb.requests.map((r) => r.path.replace(/[0-9a-f-]{36}/g, '{id}')),
      [`/project/gh/greenpeace/planet4-${site}/pipeline`, '/pipeline/{id}/workflow'],
      "a failed workflow: its pipeline's workflows are listed again (a rerun adds one); its jobs are not read again",
    );
    const res = await fetch(`${sb.circleciApiUrl}/workflow/${failed.workflow.id}/rerun`, {
      method: 'POST',
      headers: { 'Circle-Token': sb.tokens.circleci, 'Content-Type': 'application/json' },
      body: JSON.stringify({ from_failed: true }),
    });
    assert.strictEqual(res.status, 202);
    await fleet.refresh({ github: false });
    const rerun = fleet.get(site);
    assert.notStrictEqual(rerun?.workflow?.id, failed.workflow.id);
    assert.strictEqual(rerun?.pipeline?.id, failed.pipeline?.id);
    assert.strictEqual(rerun?.state, 'running');
    sb.clock.advance(30 * 60_000);
    await fleet.refresh({ github: false });
    assert.strictEqual(fleet.get(site)?.state, 'deployed');
  });

  it('says so when the newest release pipeline errored (a tag that does not exist)', async () => {
    sb = await startSandbox({ scenario: 'green' });
    const site = sb.sites[0] ?? '';
    const res = await fetch(`${sb.circleciApiUrl}/project/gh/greenpeace/planet4-${site}/pipeline`, {
      method: 'POST',
      headers: { 'Circle-Token': sb.tokens.circleci, 'Content-Type': 'application/json' },
      body: JSON.stringify({ tag: 'v999.0.0' }),
    });
    assert.strictEqual(res.status, 201);
    const fleet = fleetFor(sb);
    fleet.setSites([site]);
    await fleet.refresh({ github: false });
    assert.strictEqual(fleet.get(site)?.state, 'pipeline-error');
    assert.strictEqual(fleet.get(site)?.pipeline?.tag, 'v999.0.0');
    assert.deepStrictEqual(fleet.get(site)?.pipeline?.errors, ['Could not find a tag named refs/tags/v999.0.0']);
  });
});
