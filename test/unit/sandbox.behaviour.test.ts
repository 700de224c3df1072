import * as assert from 'node:assert/strict';
import { sortReleaseTags } from '../../src/core/release/version';
import { SCENARIOS, startSandbox, type Sandbox } from '../../src/sandbox/index';
import {
  ci,
  gh,
  items,
  jobsOf,
  latestRelease,
  obj,
  slug,
  statusesOf,
  str,
  workflowOf,
  type CiPipeline,
} from './sandbox.helpers.test';

const MIN = 60_000;

function nextVersion(tags: string[]): string {
  const versions = tags.filter((t) => /^v\d+(\.\d+)*$/.test(t));
  versions.sort((a, b) => {
    const pa = a.slice(1).split('.').map(Number);
    const pb = b.slice(1).split('.').map(Number);
    for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
      const d = (pa[i] ?? 0) - (pb[i] ?? 0);
      if (d !== 0) {
        return d;
      }
    }
    return 0;
  });
  const top = versions[versions.length - 1] ?? 'v1.0';
  const parts = top.slice(1).split('.').map(Number);
  parts[parts.length - 1] = (parts[parts.length - 1] ?? 0) + 1;
  return `v${parts.join('.')}`;
}

async function allTags(sb: Sandbox, site: string): Promise<string[]> {
  const refs = (await gh(sb, `/repos/greenpeace/planet4-${site}/git/matching-refs/tags/`)).body as { ref: string }[];
  return refs.map((r) => r.ref.replace('refs/tags/', ''));
}

/** Tags main HEAD with the next version (annotated), as the extension does. */
async function release(sb: Sandbox, site: string): Promise<string> {
  const repo = `/repos/greenpeace/planet4-${site}`;
  const tag = nextVersion(await allTags(sb, site));
  const head = sb.mainHead(site).sha;
  const tagObj = await gh(sb, `${repo}/git/tags`, {
    method: 'POST',
    body: { tag, message: tag, object: head, type: 'commit' },
  });
  assert.equal(tagObj.status, 201);
  const ref = await gh(sb, `${repo}/git/refs`, {
    method: 'POST',
    body: { ref: `refs/tags/${tag}`, sha: str(obj(tagObj.body).sha) },
  });
  assert.equal(ref.status, 201, ref.text);
  return tag;
}

async function newest(sb: Sandbox, site: string): Promise<CiPipeline> {
  const p = items<CiPipeline>(await ci(sb, `/project/${slug(site)}/pipeline`))[0];
  assert.ok(p);
  return p;
}

async function stateOf(sb: Sandbox, pipelineId: string): Promise<{ wf: string; jobs: Record<string, string> }> {
  const wf = await workflowOf(sb, pipelineId);
  return { wf: wf.status, jobs: statusesOf(await jobsOf(sb, wf.id)) };
}

function greenSite(sb: Sandbox, n = 0): string {
  const busy = new Set((Object.values(sb.roles) as string[][]).flat());
  const site = sb.sites.filter((s) => !busy.has(s))[n];
  assert.ok(site);
  return site;
}

describe('sandbox: behaviour', function () {
  this.timeout(20000);
  let sb: Sandbox;
  beforeEach(async () => {
    sb = await startSandbox();
  });
  afterEach(async () => {
    await sb.close();
  });

  it('starts deterministically', async () => {
    const other = await startSandbox();
    try {
      assert.equal(other.sites.length, 53);
      assert.deepEqual(other.roles, sb.roles);
      assert.deepEqual(other.mainHead('africa'), sb.mainHead('africa'));
      assert.equal(other.clock.now(), Date.UTC(2026, 10, 20, 9));
      assert.match(sb.mainHead('africa').sha, /^[0-9a-f]{40}$/);
    } finally {
      await other.close();
    }
  });

  it('a new tag starts a production pipeline that advances with the clock and deploys by itself', async () => {
    const site = greenSite(sb);
    const tag = await release(sb, site);
    const p = await newest(sb, site);
    assert.equal(p.vcs.tag, tag);
    assert.equal(p.vcs.branch, undefined);
    assert.equal(p.vcs.revision, sb.mainHead(site).sha);
    assert.equal(p.trigger.type, 'webhook');
    let s = await stateOf(sb, p.id);
    assert.equal(s.wf, 'running');
    assert.equal(s.jobs.build, 'running');
    assert.equal(s.jobs['visualtests-reference'], 'running');
    assert.equal(s.jobs['deploy-staging'], 'blocked');
    const blocked = (await jobsOf(sb, (await workflowOf(sb, p.id)).id)).get('deploy-staging');
    assert.equal(blocked?.started_at, undefined);
    sb.clock.advance(5 * MIN);
    s = await stateOf(sb, p.id);
    assert.equal(s.jobs['deploy-staging'], 'running');
    sb.clock.advance(3 * MIN);
    s = await stateOf(sb, p.id);
    assert.deepEqual(
      [s.jobs['visualtests-compare'], s.jobs['hold-production'], s.jobs['rollback-staging']],
      ['running', 'on_hold', 'on_hold'],
    );
    sb.clock.advance(5 * MIN);
    s = await stateOf(sb, p.id);
    assert.equal(s.jobs['visualtests-compare'], 'success');
    assert.equal(s.jobs['hold-production'], 'success', 'compare approves hold-production without [HOLD]');
    assert.equal(s.jobs['deploy-production'], 'running');
    sb.clock.advance(3 * MIN);
    s = await stateOf(sb, p.id);
    assert.equal(s.jobs['deploy-production'], 'success');
    assert.equal(s.jobs['rollback-staging'], 'success', 'deploy-production approves rollback-staging');
    assert.equal(s.jobs['finish-staging'], 'running');
    sb.clock.advance(MIN);
    s = await stateOf(sb, p.id);
    assert.equal(s.wf, 'success');
    const wf = await workflowOf(sb, p.id);
    assert.ok(obj((await ci(sb, `/workflow/${wf.id}`)).body).stopped_at !== null);
  });

  it('[HOLD] in the tagged commit keeps hold-production on hold until approved', async () => {
    const site = greenSite(sb, 1);
    sb.pushCommit(site, ':robot: [HOLD] Trigger build #5051');
    const develop = await newest(sb, site);
    assert.equal(develop.vcs.branch, 'main');
    await release(sb, site);
    const p = await newest(sb, site);
    assert.equal(p.vcs.commit?.subject, ':robot: [HOLD] Trigger build #5051');
    sb.clock.advance(13 * MIN);
    let s = await stateOf(sb, p.id);
    assert.equal(s.jobs['visualtests-compare'], 'success');
    assert.equal(s.jobs['hold-production'], 'on_hold');
    assert.equal(s.wf, 'on_hold');
    const wf = await workflowOf(sb, p.id);
    const hold = (await jobsOf(sb, wf.id)).get('hold-production');
    assert.ok(hold?.approval_request_id !== undefined && hold.job_number === undefined);
    assert.equal(hold.approval_request_id, hold.id);
    const approved = await ci(sb, `/workflow/${wf.id}/approve/${hold.approval_request_id}`, { method: 'POST' });
    assert.equal(approved.status, 202);
    assert.deepEqual(approved.body, { message: 'Accepted.' });
    s = await stateOf(sb, p.id);
    assert.equal(s.jobs['hold-production'], 'success');
    assert.equal(s.jobs['deploy-production'], 'running');
    const again = await ci(sb, `/workflow/${wf.id}/approve/${hold.approval_request_id}`, { method: 'POST' });
    assert.equal(again.status, 400);
  });

  it('lowercase [hold] does not hold', async () => {
    const site = greenSite(sb, 2);
    sb.pushCommit(site, 'Release [hold] lowercase');
    await release(sb, site);
    const p = await newest(sb, site);
    sb.clock.advance(13 * MIN);
    assert.equal((await stateOf(sb, p.id)).jobs['hold-production'], 'success');
  });

  it('visual differences fail visualtests-compare, and again on a new release', async () => {
    for (const site of sb.roles.visualDiffs) {
      const s = await stateOf(sb, (await latestRelease(sb, site)).id);
      assert.equal(s.jobs['visualtests-compare'], 'failed', site);
      assert.equal(s.jobs['hold-production'], 'on_hold', site);
      assert.equal(s.wf, 'failing');
    }
    const site = sb.roles.visualDiffs[0] ?? '';
    await release(sb, site);
    const p = await newest(sb, site);
    sb.clock.advance(13 * MIN);
    const s = await stateOf(sb, p.id);
    assert.equal(s.jobs['visualtests-compare'], 'failed');
    assert.equal(s.jobs['hold-production'], 'on_hold');
  });

  it('a rollback trigger runs the rollback workflow with its two approvals', async () => {
    const site = greenSite(sb, 3);
    // the release before the latest: built (its images exist); with 450–590 tags the first one listed is an old one
    const tag = sortReleaseTags(await allTags(sb, site))[1] ?? '';
    const trig = await ci(sb, `/project/github/greenpeace/planet4-${site}/pipeline`, {
      method: 'POST',
      body: { tag, parameters: { rollback: true } },
    });
    assert.equal(trig.status, 201);
    const id = str(obj(trig.body).id);
    const p = obj((await ci(sb, `/pipeline/${id}`)).body) as unknown as CiPipeline;
    assert.equal(p.trigger.type, 'api');
    assert.equal(p.vcs.tag, tag);
    const wf = await workflowOf(sb, id);
    assert.equal(wf.name, 'rollback');
    assert.equal((await stateOf(sb, id)).jobs['rollback-staging'], 'running');
    sb.clock.advance(3 * MIN);
    let jobs = await jobsOf(sb, wf.id);
    assert.deepEqual(statusesOf(jobs), {
      'rollback-staging': 'success',
      'hold-production': 'on_hold',
      'rollback-production': 'blocked',
      'hold-production-db': 'on_hold',
      'rollback-production-db': 'blocked',
    });
    const hold = jobs.get('hold-production')?.approval_request_id ?? '';
    assert.equal((await ci(sb, `/workflow/${wf.id}/approve/${hold}`, { method: 'POST' })).status, 202);
    jobs = await jobsOf(sb, wf.id);
    assert.equal(jobs.get('rollback-production')?.status, 'running');
    assert.equal(jobs.get('rollback-production-db')?.status, 'blocked');
    const db = jobs.get('hold-production-db')?.approval_request_id ?? '';
    assert.equal((await ci(sb, `/workflow/${wf.id}/approve/${db}`, { method: 'POST' })).status, 202);
    assert.equal((await jobsOf(sb, wf.id)).get('rollback-production-db')?.status, 'running');
    sb.clock.advance(5 * MIN);
    assert.equal((await workflowOf(sb, id)).status, 'success');
  });

  it('refs: 422 on an existing ref, non-fast-forward refused unless forced, main moves start develop', async () => {
    const site = greenSite(sb, 4);
    const repo = `/repos/greenpeace/planet4-${site}`;
    const head = sb.mainHead(site).sha;
    const tags = await allTags(sb, site);
    const exists = await gh(sb, `${repo}/git/refs`, {
      method: 'POST',
      body: { ref: `refs/tags/${tags[0] ?? ''}`, sha: head },
    });
    assert.equal(exists.status, 422);
    assert.equal(obj(exists.body).message, 'Reference already exists');
    const log = (await gh(sb, `${repo}/commits?per_page=5`)).body as { sha: string }[];
    const older = log[3]?.sha ?? '';
    const nff = await gh(sb, `${repo}/git/refs/heads/main`, { method: 'PATCH', body: { sha: older } });
    assert.equal(nff.status, 422);
    assert.equal(obj(nff.body).message, 'Update is not a fast forward');
    const forced = await gh(sb, `${repo}/git/refs/heads/main`, { method: 'PATCH', body: { sha: older, force: true } });
    assert.equal(forced.status, 200);
    assert.equal(sb.mainHead(site).sha, older);
    const ff = await gh(sb, `${repo}/git/refs/heads/main`, { method: 'PATCH', body: { sha: head } });
    assert.equal(ff.status, 200);
    const p = await newest(sb, site);
    assert.equal(p.vcs.branch, 'main');
    assert.equal(p.vcs.revision, head);
    assert.equal((await workflowOf(sb, p.id)).name, 'develop');
    // compare between a release tag and main
    const cmp = obj((await gh(sb, `${repo}/compare/${head}...${older}`)).body);
    assert.equal(cmp.status, 'behind');
    assert.equal(cmp.behind_by, 3);
  });

  it('auth failures answer like the real services', async () => {
    const site = greenSite(sb);
    const noToken = await gh(sb, '/user', { token: null });
    assert.equal(noToken.status, 401);
    assert.equal(obj(noToken.body).message, 'Bad credentials');
    assert.equal((await gh(sb, '/user', { token: 'nope' })).status, 401);
    const ro = await gh(sb, `/repos/greenpeace/planet4-${site}/git/refs`, {
      method: 'POST',
      body: { ref: 'refs/heads/x', sha: sb.mainHead(site).sha },
      token: sb.tokens.githubReadOnly,
    });
    assert.equal(ro.status, 403);
    assert.equal(obj(ro.body).message, 'Resource not accessible by personal access token');
    assert.equal(
      (await gh(sb, `/repos/greenpeace/planet4-${site}/tags`, { token: sb.tokens.githubReadOnly })).status,
      200,
    );
    const ci401 = await ci(sb, `/project/${slug(site)}/pipeline`, { token: null });
    assert.equal(ci401.status, 401);
    assert.deepEqual(ci401.body, { message: 'You must log in first' });
    const noAccess = await ci(sb, `/project/${slug(site)}/pipeline`, { token: sb.tokens.circleciNoAccess });
    assert.equal(noAccess.status, 404);
    assert.deepEqual(noAccess.body, { message: 'Project not found' });
    assert.equal((await ci(sb, '/me', { token: sb.tokens.circleciNoAccess })).status, 200);
    const missing = await ci(sb, `/project/${slug(sb.roles.missingProject[0] ?? '')}/pipeline`);
    assert.deepEqual([missing.status, missing.body], [404, { message: 'Project not found' }]);
    const basic = Buffer.from(`${sb.tokens.circleci}:`).toString('base64');
    const viaBasic = await fetch(`${sb.circleciApiUrl}/me`, { headers: { authorization: `Basic ${basic}` } });
    assert.equal(viaBasic.status, 200);
    const viaBearer = await fetch(`${sb.circleciApiUrl}/me`, {
      headers: { authorization: `Bearer ${sb.tokens.circleci}` },
    });
    assert.equal(viaBearer.status, 200);
    assert.ok((await gh(sb, '/user')).headers.get('x-ratelimit-remaining') !== null);
  });

  it('paginates pipelines (next_page_token) and tags (Link header)', async () => {
    // a site whose latest release is beyond page 1
    let deep: string | undefined;
    for (const site of sb.sites) {
      if (sb.roles.missingProject.includes(site)) {
        continue;
      }
      const page = await ci(sb, `/project/${slug(site)}/pipeline`);
      if (!items<CiPipeline>(page).some((p) => p.vcs.tag !== undefined)) {
        deep = site;
        break;
      }
    }
    assert.ok(deep, 'some site has its latest release beyond page 1');
    const seen = new Set<number>();
    let token: unknown = null;
    let pages = 0;
    do {
      const q = typeof token === 'string' ? `?page-token=${encodeURIComponent(token)}` : '';
      const page = await ci(sb, `/project/${slug(deep)}/pipeline${q}`);
      const list = items<CiPipeline>(page);
      assert.ok(list.length <= 20);
      for (const p of list) {
        assert.ok(!seen.has(p.number));
        seen.add(p.number);
      }
      token = obj(page.body).next_page_token;
      pages += 1;
    } while (typeof token === 'string' && pages < 50);
    assert.equal(token, null);
    assert.ok(pages >= 2);
    const numbers = [...seen];
    assert.deepEqual(
      numbers,
      [...numbers].sort((a, b) => b - a),
      'newest first',
    );
    const mainOnly = items<CiPipeline>(await ci(sb, `/project/${slug(deep)}/pipeline?branch=main`));
    assert.ok(mainOnly.every((p) => p.vcs.branch === 'main'));
    // tags: some site has more than 100
    let many: string | undefined;
    for (const site of sb.sites) {
      const first = await gh(sb, `/repos/greenpeace/planet4-${site}/tags?per_page=100`);
      if ((first.headers.get('link') ?? '').includes('rel="next"')) {
        many = site;
        break;
      }
    }
    assert.ok(many);
    const names: string[] = [];
    let url: string | undefined = `/repos/greenpeace/planet4-${many}/tags?per_page=100`;
    while (url !== undefined) {
      const page = await gh(sb, url);
      names.push(...(page.body as { name: string }[]).map((t) => t.name));
      const next = /<[^>]*\/github([^>]+)>; rel="next"/.exec(page.headers.get('link') ?? '');
      url = next?.[1];
    }
    assert.ok(names.length > 100);
    assert.equal(new Set(names).size, names.length);
    assert.deepEqual(names.sort(), (await allTags(sb, many)).sort());
  });

  it('tags: version schemes, v1.99 and v1.100, noise tags, lightweight tags', async () => {
    const all = new Map<string, string[]>();
    for (const site of sb.sites) {
      all.set(site, await allTags(sb, site));
    }
    const flat = [...all.values()].flat();
    assert.ok([...all.values()].some((t) => t.includes('v1.99') && t.includes('v1.100')));
    assert.ok(flat.some((t) => /^v\d+\.\d+\.\d+$/.test(t)) && flat.some((t) => /^v\d+\.\d+$/.test(t)));
    assert.ok(flat.some((t) => t.startsWith('sync.')) && flat.some((t) => t.startsWith('lang.')));
    const site = [...all.keys()][0] ?? '';
    const refs = (await gh(sb, `/repos/greenpeace/planet4-${site}/git/matching-refs/tags/v`)).body as {
      object: { type: string; sha: string };
    }[];
    const annotated = refs.find((r) => r.object.type === 'tag');
    assert.ok(annotated);
    const tagObj = obj((await gh(sb, `/repos/greenpeace/planet4-${site}/git/tags/${annotated.object.sha}`)).body);
    assert.equal(obj(tagObj.object).type, 'commit');
    let lightweight = 0;
    for (const s of sb.sites.slice(0, 10)) {
      const r = (await gh(sb, `/repos/greenpeace/planet4-${s}/git/matching-refs/tags/v`)).body as {
        object: { type: string };
      }[];
      lightweight += r.filter((x) => x.object.type === 'commit').length;
    }
    assert.ok(lightweight > 0);
  });

  it('faults: rate limits, status, malformed, times, reset, hang + close', async () => {
    const site = greenSite(sb);
    const remove = sb.inject({ service: 'circleci', kind: 'rateLimit', retryAfterSec: 7, times: 1 });
    const limited = await ci(sb, '/me');
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '7');
    assert.equal((await ci(sb, '/me')).status, 200, 'times: 1');
    remove();
    sb.inject({ service: 'github', kind: 'rateLimit', times: 1 });
    const ghLimited = await gh(sb, '/user');
    assert.ok(ghLimited.status === 403 || ghLimited.status === 429);
    assert.equal(ghLimited.headers.get('x-ratelimit-remaining'), '0');
    sb.inject({ site, kind: 'status', status: 500, body: { message: 'boom' }, times: 2 });
    assert.equal((await gh(sb, `/repos/greenpeace/planet4-${site}`)).status, 500);
    const fault = await ci(sb, `/project/${slug(site)}/pipeline`);
    assert.deepEqual([fault.status, fault.body], [500, { message: 'boom' }]);
    assert.equal((await ci(sb, `/project/${slug(site)}/pipeline`)).status, 200);
    sb.inject({ path: /\/tags$/, kind: 'malformed', times: 1 });
    const bad = await gh(sb, `/repos/greenpeace/planet4-${site}/tags`);
    assert.equal(bad.status, 200);
    assert.throws(() => JSON.parse(bad.text) as unknown);
    sb.inject({ path: '/me', kind: 'unauthorized', times: 1 });
    assert.deepEqual((await ci(sb, '/me')).body, { message: 'You must log in first' });
    sb.inject({ path: '/user', kind: 'reset', times: 1 });
    await assert.rejects(fetch(`${sb.githubApiUrl}/user`, { headers: { authorization: `token ${sb.tokens.github}` } }));
    sb.inject({ path: '/user', kind: 'latency', latencyMs: 150, times: 1 });
    const t0 = Date.now();
    assert.equal((await gh(sb, '/user')).status, 200);
    assert.ok(Date.now() - t0 >= 140);
    sb.clearFaults();
    sb.inject({ kind: 'hang' });
    const hung = fetch(`${sb.githubApiUrl}/user`, { headers: { authorization: `token ${sb.tokens.github}` } });
    hung.catch(() => undefined);
    await new Promise((r) => setTimeout(r, 50));
    const c0 = Date.now();
    await sb.close();
    assert.ok(Date.now() - c0 < 1000, 'close ends hung sockets promptly');
    await assert.rejects(hung);
  });

  it('logs every request with decoded path, query, auth, site and status', async () => {
    const site = greenSite(sb);
    sb.clearRequests();
    await ci(sb, `/project/${encodeURIComponent(slug(site))}/pipeline?branch=main`);
    await gh(sb, `/repos/greenpeace/planet4-${site}/git/refs`, {
      method: 'POST',
      body: { ref: 'refs/heads/logged', sha: sb.mainHead(site).sha },
    });
    sb.inject({ kind: 'status', status: 503, times: 1 });
    await gh(sb, '/user', { token: null });
    const basic = Buffer.from(`${sb.tokens.circleci}:`).toString('base64');
    await fetch(`${sb.circleciApiUrl}/me`, { headers: { authorization: `Basic ${basic}` } });
    const [a, b, c, d] = sb.requests;
    assert.equal(sb.requests.length, 4);
    assert.ok(a && b && c && d);
    assert.deepEqual(
      {
        service: a.service,
        method: a.method,
        path: a.path,
        query: a.query,
        status: a.status,
        auth: a.auth,
        site: a.site,
      },
      {
        service: 'circleci',
        method: 'GET',
        path: `/project/gh/greenpeace/planet4-${site}/pipeline`,
        query: { branch: 'main' },
        status: 200,
        auth: 'circle-token',
        site,
      },
    );
    assert.equal(b.path, `/repos/greenpeace/planet4-${site}/git/refs`);
    assert.deepEqual(b.body, { ref: 'refs/heads/logged', sha: sb.mainHead(site).sha });
    assert.equal(b.status, 201);
    assert.equal(b.auth, 'bearer');
    assert.deepEqual([c.service, c.status, c.auth], ['github', 503, 'none']);
    assert.equal(d.auth, 'basic');
    assert.ok(typeof a.time === 'number' && a.time <= Date.now());
    sb.clearRequests();
    assert.equal(sb.requests.length, 0);
  });
});

describe('sandbox: scenarios', function () {
  this.timeout(30000);

  for (const scenario of SCENARIOS) {
    it(`${scenario}: roles are in the claimed state`, async () => {
      const sb = await startSandbox({ scenario });
      try {
        const roles = (Object.values(sb.roles) as string[][]).flat();
        assert.ok(roles.every((s) => sb.sites.includes(s)));
        const check = async (
          site: string,
        ): Promise<{ wf: string; name: string; jobs: Record<string, string>; p: CiPipeline }> => {
          const p = await latestRelease(sb, site);
          const wf = await workflowOf(sb, p.id);
          return { wf: wf.status, name: wf.name, jobs: statusesOf(await jobsOf(sb, wf.id)), p };
        };
        for (const site of sb.roles.visualDiffs) {
          const s = await check(site);
          assert.equal(s.jobs['visualtests-compare'], 'failed');
          assert.equal(s.jobs['hold-production'], 'on_hold');
        }
        for (const site of sb.roles.held) {
          const s = await check(site);
          assert.equal(s.jobs['visualtests-compare'], 'success');
          assert.equal(s.jobs['hold-production'], 'on_hold');
          assert.ok(`${s.p.vcs.commit?.subject ?? ''}\n${s.p.vcs.commit?.body ?? ''}`.includes('[HOLD]'));
        }
        for (const site of sb.roles.failedDeploy) {
          assert.equal((await check(site)).jobs['deploy-production'], 'failed');
        }
        for (const site of sb.roles.rollingBack) {
          const s = await check(site);
          assert.equal(s.name, 'rollback');
          assert.deepEqual(
            [s.jobs['rollback-staging'], s.jobs['hold-production'], s.jobs['hold-production-db']],
            ['success', 'on_hold', 'on_hold'],
          );
          const tags = (await gh(sb, `/repos/greenpeace/planet4-${site}/git/matching-refs/tags/v`)).body as unknown[];
          assert.ok(tags.length > 1);
        }
        for (const site of sb.roles.missingProject) {
          assert.equal((await ci(sb, `/project/${slug(site)}/pipeline`)).status, 404);
          assert.equal((await gh(sb, `/repos/greenpeace/planet4-${site}`)).status, 200);
        }
        for (const site of sb.roles.autoApprovalFailed) {
          const s = await check(site);
          assert.equal(s.jobs['visualtests-compare'], 'success');
          assert.equal(s.jobs['hold-production'], 'on_hold');
          assert.ok(!`${s.p.vcs.commit?.subject ?? ''}\n${s.p.vcs.commit?.body ?? ''}`.includes('[HOLD]'));
        }
        for (const site of sb.roles.running) {
          const s = await check(site);
          assert.ok(Object.values(s.jobs).includes('running'), `${site}: ${JSON.stringify(s.jobs)}`);
        }
        for (const site of sb.roles.headHold) {
          assert.ok(sb.mainHead(site).message.includes('[HOLD]'));
        }
        const greens = sb.sites.filter((s) => !roles.includes(s)).slice(0, scenario === 'green' ? 53 : 5);
        for (const site of greens) {
          const s = await check(site);
          assert.equal(s.wf, 'success', site);
          assert.equal(s.name, 'production');
        }
        const expected: Record<string, number> = {
          'visual-diffs': sb.roles.visualDiffs.length,
          held: sb.roles.held.length + sb.roles.autoApprovalFailed.length,
          'failed-deploy': sb.roles.failedDeploy.length,
          rollback: sb.roles.rollingBack.length,
          'missing-project': sb.roles.missingProject.length,
          running: sb.roles.running.length,
        };
        if (scenario in expected) {
          assert.ok((expected[scenario] ?? 0) >= 1);
          assert.equal(roles.length, expected[scenario]);
        }
        if (scenario === 'mixed') {
          assert.ok(sb.roles.visualDiffs.length >= 3 && sb.roles.running.length === 5 && sb.roles.headHold.length >= 1);
          assert.equal(new Set(roles).size, roles.length, 'different sites');
        }
      } finally {
        await sb.close();
      }
    });
  }

  it("pipelineNoise 'none' puts every latest release on page 1", async () => {
    const sb = await startSandbox({ pipelineNoise: 'none' });
    try {
      for (const site of sb.sites) {
        if (sb.roles.missingProject.includes(site)) {
          continue;
        }
        const page = items<CiPipeline>(await ci(sb, `/project/${slug(site)}/pipeline`));
        assert.ok(page[0]?.vcs.tag !== undefined, site);
      }
    } finally {
      await sb.close();
    }
  });
});
