import * as assert from 'assert';
import { isLive } from '../../src/core/fleet/poller';
import { OLDER_READS_PER_CYCLE } from '../../src/core/fleet/older';
import { attentionRank, deriveState, needsAttention } from '../../src/core/pipeline/stages';
import { skippedVisualTests, stopTargets, workflowSeen } from '../../src/core/release/approvals';
import { startSandbox, type Sandbox } from '../../src/sandbox';
import { fleetFor, production } from './support';

describe('Releases a person stopped: the state', () => {
  const wf = { name: 'production', status: 'on_hold' };

  it('a rejected release is "rejected": not waiting, not needing attention, not polled fast', () => {
    const d = deriveState(wf, production({ 'rollback-staging': 'success', 'finish-staging': 'success' }), 'x');
    assert.deepStrictEqual(d, { state: 'rejected', rejection: 'rejected' });
    assert.strictEqual(needsAttention(d.state), false);
    assert.strictEqual(attentionRank(d.state), attentionRank('deployed'));
    assert.strictEqual(isLive({ site: 's', slug: 's', state: d.state, stages: [] }), false);
  });

  it('rolling staging back is running; approving it while the comparison runs may still deploy', () => {
    const rejecting = deriveState(wf, production({ 'rollback-staging': 'success', 'finish-staging': 'running' }), '');
    assert.deepStrictEqual(rejecting, { state: 'running', rejection: 'rejecting' });
    const may = deriveState(
      { name: 'production', status: 'running' },
      production({ 'visualtests-compare': 'running', 'rollback-staging': 'success', 'finish-staging': 'success' }),
      '',
    );
    assert.deepStrictEqual(may, { state: 'running', hold: 'comparing', rejection: 'may-still-deploy' });
  });

  it('a canceled release workflow is canceled, whatever its approvals say', () => {
    assert.strictEqual(deriveState({ name: 'production', status: 'canceled' }, production({}), '').state, 'canceled');
  });

  it('what approving hold-production skips: the visual tests still running, or failed', () => {
    assert.strictEqual(skippedVisualTests(production({ 'visualtests-compare': 'running' })), 'running');
    assert.strictEqual(skippedVisualTests(production({ 'visualtests-compare': 'queued' })), 'running');
    assert.strictEqual(skippedVisualTests(production({})), 'failed');
    assert.strictEqual(skippedVisualTests(production({ 'visualtests-compare': 'success' })), undefined);
  });
});

describe('Releases a person stopped: the sandbox and the fleet', function () {
  this.timeout(30000);
  let sb: Sandbox;
  afterEach(async () => {
    await sb.close();
  });

  it('the mixed scenario has a rejected release, named by who rolled staging back', async () => {
    sb = await startSandbox({ scenario: 'mixed' });
    const site = sb.roles.rejected[0] ?? '';
    assert.ok(site);
    const fleet = fleetFor(sb);
    fleet.setSites([site]);
    await fleet.refresh({ github: false });
    const s = fleet.get(site);
    assert.strictEqual(s?.state, 'rejected');
    assert.strictEqual(s.rejection, 'rejected');
    assert.match(s.rejectedBy ?? '', /-gp$/, 'the login of the person who approved rollback-staging');
    assert.strictEqual(s.stages.find((st) => st.name === 'hold-production')?.status, 'on_hold');
    assert.strictEqual(s.stages.find((st) => st.name === 'finish-staging')?.status, 'success');
  });

  it('older releases on hold: not on the first load, then on the slow cycle at a bounded cost; cancel stops them', async () => {
    sb = await startSandbox({ scenario: 'mixed', pipelineNoise: 'none' });
    const site = sb.roles.olderOnHold[0] ?? '';
    const fleet = fleetFor(sb);
    fleet.setSites([site]);
    await fleet.refresh(); // the first load (a full one): nothing asked about older releases
    assert.strictEqual(fleet.get(site)?.state, 'deployed');
    assert.strictEqual(fleet.get(site)?.olderOnHold, undefined, 'the first load asks nothing about older releases');
    assert.strictEqual(
      sb.requests.filter((r) => r.service === 'circleci' && r.site === site).length,
      3,
      'the cold load: pipelines, workflows, jobs',
    );
    await fleet.refresh({ github: false });
    assert.strictEqual(fleet.get(site)?.olderOnHold, undefined, 'the fast path asks nothing about older releases');
    sb.clearRequests();
    await fleet.refresh({ sites: [site], github: true });
    const older = fleet.get(site)?.olderOnHold ?? [];
    assert.strictEqual(older.length, 1);
    const latest = fleet.get(site)?.pipeline;
    assert.ok(latest && older[0]);
    assert.ok(older[0].pipelineNumber < latest.number);
    assert.ok(Date.parse(latest.createdAt) - Date.parse(older[0].createdAt) === 5 * 3_600_000, 'five hours apart');
    const ci = sb.requests.filter((r) => r.service === 'circleci').map((r) => `${r.method} ${r.path}`);
    // the pipeline list (already read) + per older release pipeline on it: its workflows; for the one on hold its jobs
    const workflowReads = ci.filter((r) => /\/pipeline\/[^/]+\/workflow$/.test(r)).length;
    const jobReads = ci.filter((r) => /\/workflow\/[^/]+\/job$/.test(r)).length;
    assert.ok(workflowReads >= 1 && workflowReads <= OLDER_READS_PER_CYCLE, ci.join('\n'));
    assert.strictEqual(jobReads, 1, ci.join('\n'));
    // the candidates not asked yet are asked on the next cycles (a bounded number each), then settled for good
    for (let i = 0; i < 3; i++) await fleet.refresh({ sites: [site], github: true });
    sb.clearRequests();
    await fleet.refresh({ sites: [site], github: true });
    const again = sb.requests.filter((r) => r.service === 'circleci').map((r) => `${r.method} ${r.path}`);
    assert.deepStrictEqual(
      again.filter((r) => r.includes('/workflow')).length,
      2,
      `settled older releases are never asked about again: only the one on hold (workflows + jobs)\n${again.join('\n')}`,
    );
    const s = fleet.get(site);
    assert.ok(s);
    assert.deepStrictEqual(
      stopTargets(s).map((t) => [t.tag, t.latest]),
      [[older[0].tag, false]],
    );
    assert.deepStrictEqual(workflowSeen(s, older[0].workflowId), older[0]);
    assert.strictEqual(workflowSeen(s, s.workflow?.id ?? ''), 'latest');
    assert.strictEqual(workflowSeen(s, '00000000-0000-4000-8000-000000000000'), 'changed');
    // cancel it, as planet4.stopRelease does
    const res = await fetch(`${sb.circleciApiUrl}/workflow/${older[0].workflowId}/cancel`, {
      method: 'POST',
      headers: { 'Circle-Token': sb.tokens.circleci },
    });
    assert.strictEqual(res.status, 202);
    await fleet.refresh({ sites: [site], github: true });
    assert.strictEqual(fleet.get(site)?.olderOnHold, undefined);
  });
});
