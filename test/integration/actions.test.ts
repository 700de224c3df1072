import * as assert from 'assert';
import * as vscode from 'vscode';
import type { Planet4Api } from '../../src/extension';
import type { RequestLogEntry, Sandbox } from '../../src/sandbox';
import { assertNeverForced, mutations, rejection, sandbox, spareSites, waitFor } from './support';

const ORG = 'greenpeace';

describe('actions: release tag, [HOLD], approve, rollback', function () {
  this.timeout(120_000);
  let api: Planet4Api;
  let sb: Sandbox;
  /** A deployed site nobody else in this suite touches, one per test. */
  let take: () => string;

  before(async () => {
    ({ api, sb } = await sandbox({ scenario: 'mixed' }));
    take = spareSites(api, sb);
  });
  beforeEach(() => {
    sb.clearRequests();
    sb.clearFaults();
  });
  afterEach(() => {
    assertNeverForced(sb);
  });
  after(async () => {
    await api.stopSandbox();
  });

  const repoPath = (site: string, rest: string): string => `/repos/${ORG}/planet4-${site}${rest}`;
  const summary = (rs: RequestLogEntry[]): string[] => rs.map((r) => `${r.method} ${r.path}`);

  it("createReleaseTag makes an annotated tag of main HEAD with the bot's next version, once", async () => {
    const site = take();
    const head = sb.mainHead(site);
    const expected = api.fleet.get(site)?.next?.nextTag;
    assert.ok(expected, 'the tree knows the next version');
    const result = await vscode.commands.executeCommand<{ site: string; tag: string; sha: string; held: boolean }>(
      'planet4.createReleaseTag',
      { site },
    );
    assert.deepStrictEqual(result, { site, tag: expected, sha: head.sha, held: false });
    const m = mutations(sb);
    assert.deepStrictEqual(summary(m), [`POST ${repoPath(site, '/git/tags')}`, `POST ${repoPath(site, '/git/refs')}`]);
    assert.deepStrictEqual(m[0]?.body, { tag: expected, message: expected, object: head.sha, type: 'commit' });
    const tagObject = sb.requests.find((r) => r.method === 'POST' && r.path.endsWith('/git/tags'));
    assert.strictEqual(tagObject?.status, 201);
    const refBody = m[1]?.body as { ref: string; sha: string };
    assert.strictEqual(refBody.ref, `refs/tags/${expected}`);
    assert.notStrictEqual(refBody.sha, head.sha, 'the ref points at the tag object, not the commit');
    await waitFor('the new pipeline in the tree', () => api.fleet.get(site)?.pipeline?.tag === expected);
    assert.strictEqual(api.fleet.get(site)?.state, 'running');
  });

  it('createReleaseTag with hold: a [HOLD] commit fast-forwarded on main, then the tag on it; production waits', async () => {
    const site = take();
    const head = sb.mainHead(site);
    const tag = api.fleet.get(site)?.next?.nextTag ?? '';
    const result = await vscode.commands.executeCommand<{ sha: string; held: boolean; tag: string }>(
      'planet4.createReleaseTag',
      { site, tag, hold: true },
    );
    assert.strictEqual(result.held, true);
    assert.strictEqual(result.tag, tag);
    const m = mutations(sb);
    assert.deepStrictEqual(summary(m), [
      `POST ${repoPath(site, '/git/commits')}`,
      `PATCH ${repoPath(site, '/git/refs/heads/main')}`,
      `POST ${repoPath(site, '/git/tags')}`,
      `POST ${repoPath(site, '/git/refs')}`,
    ]);
    const commit = m[0]?.body as { message: string; parents: string[]; tree: string };
    assert.ok(commit.message.startsWith('[HOLD] '), commit.message);
    assert.deepStrictEqual(commit.parents, [head.sha]);
    assert.deepStrictEqual(m[1]?.body, { sha: result.sha, force: false });
    assert.strictEqual(sb.mainHead(site).sha, result.sha);
    assert.strictEqual((m[2]?.body as { object: string }).object, result.sha);
    sb.clock.advance(20 * 60_000);
    await vscode.commands.executeCommand('planet4.refreshSite', { site });
    const snap = api.fleet.get(site);
    assert.strictEqual(snap?.pipeline?.tag, tag);
    assert.strictEqual(snap.state, 'waiting');
    assert.strictEqual(snap.hold, 'held');
  });

  it('createReleaseTag refuses bad input before any request', async () => {
    const site = take();
    assert.match(await rejection('planet4.createReleaseTag', { site, tag: 'v1.2-rc' }), /not a release tag/);
    assert.match(await rejection('planet4.createReleaseTag', { site: 'atlantis' }), /Unknown site "atlantis"/);
    assert.match(await rejection('planet4.createReleaseTag', {}), /Which site/);
    assert.deepStrictEqual(sb.requests, []);
    const existing = api.fleet.get(site)?.next?.latestTag ?? '';
    assert.match(await rejection('planet4.createReleaseTag', { site, tag: existing }), /already exists/);
    assert.deepStrictEqual(mutations(sb), [], 'an existing tag is refused without a mutation');
  });

  it('createReleaseTag explains 422 "Reference already exists" (a race), 403 and 404', async () => {
    const site = take();
    sb.inject({
      service: 'github',
      method: 'POST',
      path: '/git/refs',
      kind: 'status',
      status: 422,
      body: { message: 'Reference already exists', documentation_url: 'https://docs.github.com/rest' },
    });
    assert.match(
      await rejection('planet4.createReleaseTag', { site }),
      /already exists in greenpeace\/planet4-.*no tag was created/,
    );
    assert.strictEqual(mutations(sb).filter((r) => r.path.endsWith('/git/refs')).length, 1, 'sent once');
    sb.clearFaults();
    sb.clearRequests();
    sb.inject({
      service: 'github',
      method: 'POST',
      kind: 'status',
      status: 403,
      body: { message: 'Resource not accessible by personal access token' },
    });
    assert.match(
      await rejection('planet4.createReleaseTag', { site }),
      /No permission to create the tag .* cannot write/,
    );
    assert.strictEqual(mutations(sb).length, 1, 'stopped at the first refused mutation');
    sb.clearFaults();
    sb.inject({ service: 'github', site, kind: 'status', status: 404, body: { message: 'Not Found' } });
    assert.match(
      await rejection('planet4.createReleaseTag', { site }),
      /not found, or your GitHub account has no access/,
    );
  });

  it('a second invocation while one is in flight is refused', async () => {
    const site = take();
    sb.inject({ service: 'github', site, method: 'GET', kind: 'latency', latencyMs: 800 });
    const first = vscode.commands.executeCommand('planet4.createReleaseTag', { site });
    await new Promise((r) => setTimeout(r, 100));
    assert.match(await rejection('planet4.createReleaseTag', { site }), /already in progress/);
    await first;
    assert.strictEqual(mutations(sb).filter((r) => r.path.endsWith('/git/refs')).length, 1);
  });

  it('holdRelease adds a [HOLD] commit without force; refuses a second hold; releaseHold lifts it', async () => {
    const site = take();
    const head = sb.mainHead(site);
    const held = await vscode.commands.executeCommand<{ site: string; sha: string }>('planet4.holdRelease', { site });
    assert.strictEqual(held.site, site);
    const m = mutations(sb);
    assert.deepStrictEqual(summary(m), [
      `POST ${repoPath(site, '/git/commits')}`,
      `PATCH ${repoPath(site, '/git/refs/heads/main')}`,
    ]);
    const body = m[0]?.body as { message: string; parents: string[]; tree: string };
    const subject = head.message.split('\n')[0] ?? '';
    assert.ok(body.message.startsWith(`[HOLD] ${subject}\n\n`), body.message);
    assert.deepStrictEqual(body.parents, [head.sha]);
    assert.deepStrictEqual(m[1]?.body, { sha: held.sha, force: false });
    assert.strictEqual(sb.mainHead(site).sha, held.sha);
    assert.ok(sb.mainHead(site).message.includes('[HOLD]'));
    await waitFor('the tree sees [HOLD] on main', () => api.fleet.get(site)?.next?.headHold === true);

    sb.clearRequests();
    assert.match(await rejection('planet4.holdRelease', { site }), /already carries \[HOLD\]/);
    assert.deepStrictEqual(mutations(sb), []);

    const released = await vscode.commands.executeCommand<{ sha: string }>('planet4.releaseHold', { site });
    assert.strictEqual(sb.mainHead(site).sha, released.sha);
    assert.ok(!sb.mainHead(site).message.includes('[HOLD]'));
    assert.strictEqual(mutations(sb).length, 2);
  });

  it('holdRelease says so when main moved meanwhile (not a fast forward): nothing changed', async () => {
    const site = take();
    const head = sb.mainHead(site);
    sb.inject({
      service: 'github',
      method: 'PATCH',
      kind: 'status',
      status: 422,
      body: { message: 'Update is not a fast forward' },
    });
    assert.match(
      await rejection('planet4.holdRelease', { site }),
      /moved while .*not a fast forward, so nothing changed/,
    );
    assert.strictEqual(sb.mainHead(site).sha, head.sha);
    assert.strictEqual(mutations(sb).filter((r) => r.method === 'PATCH').length, 1);
  });

  it('approveJob deploys a visually different release after a person looks, once', async () => {
    const site = sb.roles.visualDiffs[0] ?? '';
    const before = api.fleet.get(site);
    const stage = before?.stages.find((s) => s.name === 'hold-production');
    assert.strictEqual(stage?.status, 'on_hold');
    const result = await vscode.commands.executeCommand<{ site: string; job: string; workflowId: string }>(
      'planet4.approveJob',
      { site, job: 'hold-production' },
    );
    assert.deepStrictEqual(result, { site, job: 'hold-production', workflowId: before?.workflow?.id });
    assert.deepStrictEqual(summary(mutations(sb)), [
      `POST /workflow/${before?.workflow?.id ?? ''}/approve/${stage.approvalRequestId ?? ''}`,
    ]);
    await waitFor(
      'deploy-production starts',
      () => api.fleet.get(site)?.stages.find((s) => s.name === 'deploy-production')?.status === 'running',
    );
    sb.clearRequests();
    assert.match(await rejection('planet4.approveJob', { site, job: 'hold-production' }), /not waiting for approval/);
    assert.deepStrictEqual(mutations(sb), []);
    assert.match(await rejection('planet4.approveJob', { site, job: 'build' }), /not an approval job/);
  });

  it('rollback triggers exactly {"tag", "parameters": {"rollback": true}}; the tree follows it; its approval works', async () => {
    const site = take();
    await vscode.commands.executeCommand('planet4.refreshSite', { site });
    const current = api.fleet.get(site)?.pipeline?.tag ?? '';
    const tags = [...(api.fleet.knownTags(site) ?? [])];
    // the newest release before the current one: built (a rollback redeploys the images its build pushed)
    const byVersion = (a: string, b: string): number => {
      const [pa, pb] = [a, b].map((t) => t.slice(1).split('.').map(Number));
      for (let i = 0; i < Math.max(pa?.length ?? 0, pb?.length ?? 0); i++) {
        const d = (pb?.[i] ?? 0) - (pa?.[i] ?? 0);
        if (d !== 0) return d;
      }
      return 0;
    };
    const older =
      tags
        .filter((t) => t !== current && /^v\d+(\.\d+)*$/.test(t))
        .sort(byVersion)
        .at(0) ?? '';
    assert.ok(older);
    assert.match(await rejection('planet4.rollback', { site }), /Which tag/);
    assert.match(await rejection('planet4.rollback', { site, tag: 'sync.2026' }), /not a release tag/);
    assert.deepStrictEqual(mutations(sb), []);
    const result = await vscode.commands.executeCommand<{ site: string; tag: string; pipelineNumber: number }>(
      'planet4.rollback',
      { site, tag: older },
    );
    assert.strictEqual(result.tag, older);
    const m = mutations(sb);
    assert.deepStrictEqual(summary(m), [`POST /project/gh/${ORG}/planet4-${site}/pipeline`]);
    assert.deepStrictEqual(m[0]?.body, { tag: older, parameters: { rollback: true } });
    await waitFor('the rollback workflow in the tree', () => api.fleet.get(site)?.workflow?.kind === 'rollback');
    sb.clock.advance(10 * 60_000);
    await vscode.commands.executeCommand('planet4.refreshSite', { site });
    assert.strictEqual(api.fleet.get(site)?.stages.find((s) => s.name === 'hold-production')?.status, 'on_hold');
    sb.clearRequests();
    await vscode.commands.executeCommand('planet4.approveJob', { site, job: 'hold-production' });
    assert.strictEqual(mutations(sb).length, 1);
    sb.clock.advance(10 * 60_000);
    await vscode.commands.executeCommand('planet4.refreshSite', { site });
    assert.strictEqual(api.fleet.get(site)?.state, 'rolled-back');
  });

  it('rollback explains a CircleCI token without access and rate limiting, sending once', async () => {
    const site = take();
    const tag = api.fleet.get(site)?.pipeline?.tag ?? '';
    sb.inject({
      service: 'circleci',
      method: 'POST',
      kind: 'status',
      status: 404,
      body: { message: 'Project not found' },
    });
    assert.match(
      await rejection('planet4.rollback', { site, tag }),
      /project gh\/greenpeace\/planet4-.* not found, or your CircleCI token has no access/,
    );
    assert.strictEqual(mutations(sb).length, 1);
    sb.clearFaults();
    sb.clearRequests();
    sb.inject({ service: 'circleci', method: 'POST', kind: 'rateLimit', retryAfterSec: 120 });
    assert.match(await rejection('planet4.rollback', { site, tag }), /rate limiting requests: try again in 2 min/);
    assert.strictEqual(mutations(sb).length, 1, 'a throttled mutation is not retried');
  });

  it('batch: two selected sites each get their next tag, with a summary', async () => {
    const a = take();
    const b = take();
    const nodes = [api.pipelines.nodeFor(a), api.pipelines.nodeFor(b)];
    const results = await vscode.commands.executeCommand<{ site: string; tag: string }[]>(
      'planet4.createReleaseTag',
      nodes[0],
      nodes,
    );
    assert.deepStrictEqual(results.map((r) => r.site).sort(), [a, b].sort());
    assert.strictEqual(mutations(sb).filter((r) => r.path.endsWith('/git/refs')).length, 2);
  });
});
