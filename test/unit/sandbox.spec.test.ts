import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { startSandbox, type Sandbox } from '../../src/sandbox/index';
import {
  call,
  ci,
  gh,
  items,
  jobsOf,
  latestRelease,
  obj,
  slug,
  specsDir,
  str,
  workflowOf,
  type Answer,
  type CiJob,
  type CiPipeline,
} from './sandbox.helpers.test';
import type { StatePlan } from '../../src/sandbox/states';

/** Every job status and every workflow status of CircleCI's v2 description. */
const JOB_STATUSES = [
  'success',
  'running',
  'not_run',
  'failed',
  'retried',
  'queued',
  'not_running',
  'infrastructure_fail',
  'timedout',
  'on_hold',
  'terminated-unknown',
  'blocked',
  'canceled',
  'unauthorized',
];
const WORKFLOW_STATUSES = [
  'success',
  'running',
  'not_run',
  'failed',
  'error',
  'failing',
  'on_hold',
  'canceled',
  'unauthorized',
];

type Json = Record<string, unknown>;

/** x-nullable / nullable → JSON Schema null types; drop `example`. */
function prepare(node: unknown): unknown {
  if (Array.isArray(node)) {
    return node.map(prepare);
  }
  if (typeof node !== 'object' || node === null) {
    return node;
  }
  const out: Json = {};
  for (const [k, v] of Object.entries(node as Json)) {
    if (k === 'example' || k === 'examples' || k === 'x-nullable' || k === 'nullable') {
      continue;
    }
    out[k] = prepare(v);
  }
  const src = node as Json;
  if (src['x-nullable'] === true || src.nullable === true) {
    if (typeof out.type === 'string') {
      out.type = [out.type, 'null'];
      if (Array.isArray(out.enum)) {
        out.enum = [...(out.enum as unknown[]), null];
      }
    } else {
      return { anyOf: [{ type: 'null' }, out] };
    }
  }
  return out;
}

function loadSpec(file: string): Json {
  return prepare(JSON.parse(fs.readFileSync(path.join(specsDir(), file), 'utf8'))) as Json;
}

const escape = (s: string): string => s.replace(/~/g, '~0').replace(/\//g, '~1');

describe('sandbox: responses match the official OpenAPI descriptions', function () {
  this.timeout(20000);
  let sb: Sandbox;
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  const specs: Record<'gh' | 'cci', Json> = {
    gh: loadSpec('github-api-subset.openapi.json'),
    cci: loadSpec('circleci-api-v2.openapi.json'),
  };
  // Blocked / not-run jobs have no started_at (as CircleCI answers): relax that one requirement, checked separately.
  const jobList = obj(
    obj(
      obj(obj(obj(obj(obj(obj(specs.cci.paths)['/workflow/{id}/job']).get).responses)['200']).content)[
        'application/json'
      ],
    ).schema,
  );
  const jobItem = obj(obj(obj(jobList.properties).items).items);
  jobItem.required = (jobItem.required as string[]).filter((r) => r !== 'started_at');
  ajv.addSchema(specs.gh, 'gh');
  ajv.addSchema(specs.cci, 'cci');
  const covered = new Set<string>();

  function validatorFor(api: 'gh' | 'cci', route: string, method: string, status: number): ValidateFunction {
    const op = obj(obj(obj(specs[api].paths)[route])[method]);
    const responses = obj(op.responses);
    let key = String(status) in responses ? String(status) : 'default' in responses ? 'default' : undefined;
    let pointer = `${api}#/paths/${escape(route)}/${method}/responses/${key ?? ''}`;
    if (key === undefined) {
      // status not described for this operation: the generic error shape
      const fallback = api === 'gh' ? 'gh#/components/schemas/basic-error' : undefined;
      if (fallback !== undefined) {
        const v = ajv.getSchema(fallback);
        assert.ok(v);
        return v;
      }
      key = 'default';
      pointer = `${api}#/paths/${escape(route)}/${method}/responses/default`;
    }
    let response = obj(responses[key]);
    if (typeof response.$ref === 'string') {
      pointer = `${api}${response.$ref}`;
      const name = response.$ref.split('/').pop() ?? '';
      response = obj(obj(obj(specs[api].components).responses)[name]);
    }
    if (response.content === undefined) {
      // described without a body (e.g. delete-ref 422): any JSON error body will do
      return ajv.compile({ type: 'object' });
    }
    const content = obj(response.content);
    const mediaKey = 'application/json' in content ? 'application/json' : (Object.keys(content)[0] ?? '');
    const v = ajv.getSchema(`${pointer}/content/${escape(mediaKey)}/schema`);
    assert.ok(v, `no schema for ${method} ${route} ${status}`);
    return v;
  }

  function check(api: 'gh' | 'cci', method: string, route: string, answer: Answer, expected: number): void {
    assert.equal(answer.status, expected, `${method} ${route}: ${answer.text}`);
    covered.add(`${api} ${method} ${route} ${expected}`);
    if (expected === 204) {
      return;
    }
    const validate = validatorFor(api, route, method.toLowerCase(), answer.status);
    const ok = validate(answer.body);
    assert.ok(
      ok,
      `${method} ${route} ${answer.status}: ${ajv.errorsText(validate.errors)}\n${answer.text.slice(0, 500)}`,
    );
  }

  before(async () => {
    sb = await startSandbox({ scenario: 'mixed' });
  });
  after(async () => {
    await sb.close();
  });

  const site = (): string =>
    sb.sites.find((s) => !(Object.values(sb.roles) as string[][]).flat().includes(s)) ?? 'africa';
  const repo = (): string => `/repos/greenpeace/planet4-${site()}`;

  it('GitHub /user (200, 401)', async () => {
    check('gh', 'GET', '/user', await gh(sb, '/user'), 200);
    check('gh', 'GET', '/user', await gh(sb, '/user', { token: null }), 401);
  });

  it('GitHub repository (200, 404)', async () => {
    check('gh', 'GET', '/repos/{owner}/{repo}', await gh(sb, repo()), 200);
    check('gh', 'GET', '/repos/{owner}/{repo}', await gh(sb, '/repos/greenpeace/planet4-nowhere'), 404);
  });

  it('GitHub tags, paginated', async () => {
    const first = await gh(sb, `${repo()}/tags?per_page=10`);
    check('gh', 'GET', '/repos/{owner}/{repo}/tags', first, 200);
    const next = /<([^>]+)>; rel="next"/.exec(first.headers.get('link') ?? '');
    assert.ok(next?.[1]);
    check(
      'gh',
      'GET',
      '/repos/{owner}/{repo}/tags',
      await call(next[1], { headers: { authorization: `token ${sb.tokens.github}` } }),
      200,
    );
  });

  it('GitHub refs: get, matching, create, update, delete (success and errors)', async () => {
    const r = '/repos/{owner}/{repo}/git/ref/{ref}';
    const main = await gh(sb, `${repo()}/git/ref/heads/main`);
    check('gh', 'GET', r, main, 200);
    check('gh', 'GET', r, await gh(sb, `${repo()}/git/ref/heads/nope`), 404);
    const m = '/repos/{owner}/{repo}/git/matching-refs/{ref}';
    const vTags = await gh(sb, `${repo()}/git/matching-refs/tags/v`);
    check('gh', 'GET', m, vTags, 200);
    // every v… tag in one list, as on the real sites (450–590), annotated and lightweight, no noise
    const listed = vTags.body as { ref: string; object: { type: string } }[];
    assert.ok(listed.length >= 450 && listed.length <= 590, `${listed.length} v… tags`);
    assert.ok(listed.every((t) => t.ref.startsWith('refs/tags/v')));
    assert.ok(listed.some((t) => t.object.type === 'commit') && listed.some((t) => t.object.type === 'tag'));
    check('gh', 'GET', m, await gh(sb, `${repo()}/git/matching-refs/tags/zzz`), 200);
    const head = str(obj(obj(main.body).object).sha);
    const refs = '/repos/{owner}/{repo}/git/refs';
    check(
      'gh',
      'POST',
      refs,
      await gh(sb, `${repo()}/git/refs`, { method: 'POST', body: { ref: 'refs/heads/spec', sha: head } }),
      201,
    );
    check(
      'gh',
      'POST',
      refs,
      await gh(sb, `${repo()}/git/refs`, { method: 'POST', body: { ref: 'refs/heads/spec', sha: head } }),
      422,
    );
    check(
      'gh',
      'POST',
      refs,
      await gh(sb, `${repo()}/git/refs`, { method: 'POST', body: { ref: 'refs/heads/x', sha: 'f'.repeat(40) } }),
      422,
    );
    check(
      'gh',
      'POST',
      refs,
      await gh(sb, `${repo()}/git/refs`, {
        method: 'POST',
        body: { ref: 'refs/heads/y', sha: head },
        token: sb.tokens.githubReadOnly,
      }),
      403,
    );
    const one = '/repos/{owner}/{repo}/git/refs/{ref}';
    const log = obj(await gh(sb, `${repo()}/commits?per_page=3`)).body;
    const older = str(obj((log as unknown[])[2]).sha);
    check(
      'gh',
      'PATCH',
      one,
      await gh(sb, `${repo()}/git/refs/heads/spec`, { method: 'PATCH', body: { sha: older } }),
      422,
    );
    check(
      'gh',
      'PATCH',
      one,
      await gh(sb, `${repo()}/git/refs/heads/spec`, { method: 'PATCH', body: { sha: older, force: true } }),
      200,
    );
    check('gh', 'DELETE', one, await gh(sb, `${repo()}/git/refs/heads/spec`, { method: 'DELETE' }), 204);
    check('gh', 'DELETE', one, await gh(sb, `${repo()}/git/refs/heads/spec`, { method: 'DELETE' }), 422);
  });

  it('GitHub git commits and tags (create, get, errors)', async () => {
    const head = obj((await gh(sb, `${repo()}/commits/main`)).body);
    const tree = str(obj(obj(head.commit).tree).sha);
    const c = '/repos/{owner}/{repo}/git/commits';
    const created = await gh(sb, `${repo()}/git/commits`, {
      method: 'POST',
      body: { message: 'spec commit', tree, parents: [str(head.sha)] },
    });
    check('gh', 'POST', c, created, 201);
    check(
      'gh',
      'POST',
      c,
      await gh(sb, `${repo()}/git/commits`, { method: 'POST', body: { message: 'x', tree: '0'.repeat(40) } }),
      422,
    );
    const g = '/repos/{owner}/{repo}/git/commits/{commit_sha}';
    check('gh', 'GET', g, await gh(sb, `${repo()}/git/commits/${str(head.sha)}`), 200);
    check('gh', 'GET', g, await gh(sb, `${repo()}/git/commits/${'0'.repeat(40)}`), 404);
    const t = '/repos/{owner}/{repo}/git/tags';
    const tag = await gh(sb, `${repo()}/git/tags`, {
      method: 'POST',
      body: { tag: 'spec-tag', message: 'spec-tag', object: str(head.sha), type: 'commit' },
    });
    check('gh', 'POST', t, tag, 201);
    check(
      'gh',
      'POST',
      t,
      await gh(sb, `${repo()}/git/tags`, {
        method: 'POST',
        body: { tag: 'x', message: 'x', object: '0'.repeat(40), type: 'commit' },
      }),
      422,
    );
    const gt = '/repos/{owner}/{repo}/git/tags/{tag_sha}';
    check('gh', 'GET', gt, await gh(sb, `${repo()}/git/tags/${str(obj(tag.body).sha)}`), 200);
    check('gh', 'GET', gt, await gh(sb, `${repo()}/git/tags/${'0'.repeat(40)}`), 404);
  });

  it('GitHub commits, compare, branches, contents (success and errors)', async () => {
    const one = '/repos/{owner}/{repo}/commits/{ref}';
    check('gh', 'GET', one, await gh(sb, `${repo()}/commits/main`), 200);
    check('gh', 'GET', one, await gh(sb, `${repo()}/commits/no-such-ref`), 422);
    const list = '/repos/{owner}/{repo}/commits';
    check('gh', 'GET', list, await gh(sb, `${repo()}/commits?sha=main&per_page=5&page=2`), 200);
    check('gh', 'GET', list, await gh(sb, `${repo()}/commits?sha=no-such-ref`), 404);
    const tags = (await gh(sb, `${repo()}/git/matching-refs/tags/v`)).body as { ref: string }[];
    const tagName = (tags[0]?.ref ?? '').replace('refs/tags/', '');
    const cmp = '/repos/{owner}/{repo}/compare/{base}...{head}';
    check('gh', 'GET', cmp, await gh(sb, `${repo()}/compare/${tagName}...main`), 200);
    // paged as GitHub pages a compare: chronological pages, files on page 1 only
    check('gh', 'GET', cmp, await gh(sb, `${repo()}/compare/${tagName}...main?per_page=100&page=1`), 200);
    const page2 = await gh(sb, `${repo()}/compare/${tagName}...main?per_page=100&page=2`);
    check('gh', 'GET', cmp, page2, 200);
    assert.strictEqual(obj(page2.body).files, undefined);
    check('gh', 'GET', cmp, await gh(sb, `${repo()}/compare/nope...main`), 404);
    const br = '/repos/{owner}/{repo}/branches/{branch}';
    check('gh', 'GET', br, await gh(sb, `${repo()}/branches/main`), 200);
    check('gh', 'GET', br, await gh(sb, `${repo()}/branches/nope`), 404);
    const ct = '/repos/{owner}/{repo}/contents/{path}';
    const sites = await gh(sb, '/repos/greenpeace/planet4-base/contents/sites.txt?ref=main');
    check('gh', 'GET', ct, sites, 200);
    const text = Buffer.from(str(obj(sites.body).content), 'base64').toString('utf8');
    assert.deepEqual(text.trim().split('\n'), [...sb.sites]);
    check('gh', 'GET', ct, await gh(sb, '/repos/greenpeace/planet4-base/contents/nope.txt'), 404);
  });

  it('CircleCI /me (200, 401)', async () => {
    check('cci', 'GET', '/me', await ci(sb, '/me'), 200);
    check('cci', 'GET', '/me', await ci(sb, '/me', { token: null }), 401);
  });

  it('CircleCI pipelines: list pages, by number, by id, trigger, errors', async () => {
    const route = '/project/{project-slug}/pipeline';
    const first = await ci(sb, `/project/${encodeURIComponent(slug(site()))}/pipeline`);
    check('cci', 'GET', route, first, 200);
    const token = str(obj(first.body).next_page_token);
    check(
      'cci',
      'GET',
      route,
      await ci(sb, `/project/${slug(site())}/pipeline?page-token=${encodeURIComponent(token)}`),
      200,
    );
    check('cci', 'GET', route, await ci(sb, `/project/${slug(sb.roles.missingProject[0] ?? '')}/pipeline`), 404);
    check(
      'cci',
      'GET',
      route,
      await ci(sb, `/project/${slug(site())}/pipeline`, { token: sb.tokens.circleciNoAccess }),
      404,
    );
    check('cci', 'GET', route, await ci(sb, `/project/${slug(site())}/pipeline`, { token: 'bad' }), 401);
    const release = await latestRelease(sb, site());
    assert.ok(release.vcs.tag !== undefined && release.vcs.branch === undefined);
    const byNumber = '/project/{project-slug}/pipeline/{pipeline-number}';
    check('cci', 'GET', byNumber, await ci(sb, `/project/${slug(site())}/pipeline/${release.number}`), 200);
    check('cci', 'GET', byNumber, await ci(sb, `/project/${slug(site())}/pipeline/1`), 404);
    const byId = '/pipeline/{pipeline-id}';
    check('cci', 'GET', byId, await ci(sb, `/pipeline/${release.id}`), 200);
    check('cci', 'GET', byId, await ci(sb, `/pipeline/00000000-0000-4000-8000-000000000000`), 404);
    const trigger = await ci(sb, `/project/github/greenpeace/planet4-${site()}/pipeline`, {
      method: 'POST',
      body: { tag: release.vcs.tag, parameters: { rollback: true } },
    });
    check('cci', 'POST', route, trigger, 201);
    check(
      'cci',
      'POST',
      route,
      await ci(sb, `/project/${slug(site())}/pipeline`, { method: 'POST', body: { branch: 'main', tag: 'v1' } }),
      400,
    );
  });

  it('CircleCI workflows, jobs (incl. approval), job details, approve, artifacts', async () => {
    const held = sb.roles.held[0] ?? '';
    const release: CiPipeline = await latestRelease(sb, held);
    check('cci', 'GET', '/pipeline/{pipeline-id}/workflow', await ci(sb, `/pipeline/${release.id}/workflow`), 200);
    const wf = await workflowOf(sb, release.id);
    check('cci', 'GET', '/workflow/{id}', await ci(sb, `/workflow/${wf.id}`), 200);
    check('cci', 'GET', '/workflow/{id}', await ci(sb, '/workflow/00000000-0000-4000-8000-000000000000'), 404);
    const jobsAnswer = await ci(sb, `/workflow/${wf.id}/job`);
    check('cci', 'GET', '/workflow/{id}/job', jobsAnswer, 200);
    for (const job of items<{ status: string; started_at?: string }>(jobsAnswer)) {
      if (job.status !== 'blocked' && job.status !== 'not_run') {
        assert.ok(job.started_at, 'started jobs carry started_at');
      }
    }
    const jobs = await jobsOf(sb, wf.id);
    const compare = jobs.get('visualtests-compare');
    const hold = jobs.get('hold-production');
    assert.ok(compare?.job_number !== undefined && hold?.approval_request_id !== undefined);
    const details = '/project/{project-slug}/job/{job-number}';
    check('cci', 'GET', details, await ci(sb, `/project/${slug(held)}/job/${compare.job_number}`), 200);
    check('cci', 'GET', details, await ci(sb, `/project/${slug(held)}/job/999999999`), 404);
    const arts = '/project/{project-slug}/{job-number}/artifacts';
    const artifacts = await ci(sb, `/project/${slug(held)}/${compare.job_number}/artifacts`);
    check('cci', 'GET', arts, artifacts, 200);
    const list = items<{ path: string; url: string }>(artifacts);
    const config = list.find((a) => a.path === 'app/backstop_data/html_report/config.js');
    assert.ok(config);
    const download = await call(config.url, { headers: { 'Circle-Token': sb.tokens.circleci } });
    assert.equal(download.status, 200);
    assert.match(download.text, /^report\(/);
    assert.equal((await call(config.url)).status, 401);
    const approve = '/workflow/{id}/approve/{approval_request_id}';
    check(
      'cci',
      'POST',
      approve,
      await ci(sb, `/workflow/${wf.id}/approve/${hold.approval_request_id}`, { method: 'POST' }),
      202,
    );
    check(
      'cci',
      'POST',
      approve,
      await ci(sb, `/workflow/${wf.id}/approve/${hold.approval_request_id}`, { method: 'POST' }),
      400,
    );
    check('cci', 'POST', approve, await ci(sb, `/workflow/${wf.id}/approve/${compare.id}`, { method: 'POST' }), 404);
    const rerun = '/workflow/{id}/rerun';
    check('cci', 'POST', rerun, await ci(sb, `/workflow/${wf.id}/rerun`, { method: 'POST', body: '{}' }), 400);
    sb.clock.advance(30 * 60_000); // deploy-production finishes: a finished workflow can be rerun
    const reran = await ci(sb, `/workflow/${wf.id}/rerun`, { method: 'POST', body: '{}' });
    check('cci', 'POST', rerun, reran, 202);
    const again = items<{ id: string; name: string }>(await ci(sb, `/pipeline/${release.id}/workflow`));
    assert.equal(again.filter((w) => w.name === 'production').length, 2, 'the rerun is a new workflow of the pipeline');
    assert.ok(again.some((w) => w.id === obj(reran.body).workflow_id));
    check(
      'cci',
      'POST',
      rerun,
      await ci(sb, '/workflow/00000000-0000-4000-8000-000000000000/rerun', { method: 'POST' }),
      404,
    );
  });

  it('CircleCI workflow cancel (202, then 400 once finished, 404) and the user who approved a job (200, 404)', async () => {
    const rejected = sb.roles.rejected[0] ?? '';
    const wf = await workflowOf(sb, (await latestRelease(sb, rejected)).id);
    const rollbackStaging = items<{ name: string; approved_by?: string }>(await ci(sb, `/workflow/${wf.id}/job`)).find(
      (j) => j.name === 'rollback-staging',
    );
    assert.ok(rollbackStaging?.approved_by, 'a person approved rollback-staging');
    const user = '/user/{id}';
    const who = await ci(sb, `/user/${rollbackStaging.approved_by}`);
    check('cci', 'GET', user, who, 200);
    assert.match(str(obj(who.body).login), /-gp$/);
    check('cci', 'GET', user, await ci(sb, '/user/00000000-0000-4000-8000-000000000000'), 404);
    const cancel = '/workflow/{id}/cancel';
    check('cci', 'POST', cancel, await ci(sb, `/workflow/${wf.id}/cancel`, { method: 'POST' }), 202);
    assert.equal(obj((await ci(sb, `/workflow/${wf.id}`)).body).status, 'canceled');
    const jobs = items<{ name: string; status: string; canceled_by?: string }>(await ci(sb, `/workflow/${wf.id}/job`));
    assert.equal(jobs.find((j) => j.name === 'hold-production')?.status, 'canceled');
    check('cci', 'GET', '/workflow/{id}/job', await ci(sb, `/workflow/${wf.id}/job`), 200);
    check('cci', 'POST', cancel, await ci(sb, `/workflow/${wf.id}/cancel`, { method: 'POST' }), 400);
    check(
      'cci',
      'POST',
      cancel,
      await ci(sb, '/workflow/00000000-0000-4000-8000-000000000000/cancel', { method: 'POST' }),
      404,
    );
  });

  it('CircleCI planet4-base: its pipelines, the release workflow and its jobs, approving hold-release', async () => {
    const base = await startSandbox({ scenario: 'green', platformRelease: 'waiting', sites: ['africa', 'brasil'] });
    try {
      const list = await ci(base, '/project/gh/greenpeace/planet4-base/pipeline');
      check('cci', 'GET', '/project/{project-slug}/pipeline', list, 200);
      const release = items<CiPipeline & { vcs: { tag?: string } }>(list).find((p) => p.vcs.tag === 'v26.17.0');
      assert.ok(release, 'the base release waiting on hold-release');
      const wf = await workflowOf(base, release.id);
      check('cci', 'GET', '/workflow/{id}', await ci(base, `/workflow/${wf.id}`), 200);
      const jobsAnswer = await ci(base, `/workflow/${wf.id}/job`);
      check('cci', 'GET', '/workflow/{id}/job', jobsAnswer, 200);
      const jobs = await jobsOf(base, wf.id);
      assert.deepEqual([...jobs.keys()], ['hold-release', 'release-sites', 'hold-changelog', 'changelog']);
      const hold = jobs.get('hold-release');
      assert.ok(hold?.approval_request_id);
      const approve = await ci(base, `/workflow/${wf.id}/approve/${hold.approval_request_id}`, { method: 'POST' });
      check('cci', 'POST', '/workflow/{id}/approve/{approval_request_id}', approve, 202);
      base.clock.advance(60_000); // release-sites tags africa at once and brasil 30 s later
      const africa = items<{ vcs: { tag?: string }; trigger: { actor: { login: string } } }>(
        await ci(base, `/project/${slug('africa')}/pipeline`),
      )[0];
      assert.match(africa?.vcs.tag ?? '', /^v/);
      assert.equal(africa?.trigger.actor.login, 'planet4-bot', "the bot's tag made africa's newest pipeline");
      check('cci', 'GET', '/workflow/{id}/job', await ci(base, `/workflow/${wf.id}/job`), 200);
    } finally {
      await base.close();
    }
  });

  it('every job, workflow and pipeline status of the spec (SandboxOptions.states), each answer valid', async () => {
    const states: Record<string, StatePlan> = {
      timedout: { jobs: { 'visualtests-compare': 'timedout' } },
      infra: { jobs: { 'visualtests-compare': 'infrastructure_fail' } },
      terminated: { jobs: { 'visualtests-compare': 'terminated-unknown' } },
      canceled: { jobs: { 'visualtests-compare': 'canceled' } },
      retried: { jobs: { 'visualtests-compare': 'retried' } },
      unauthorized: { jobs: { 'visualtests-compare': 'unauthorized' } },
      diffs: { jobs: { 'visualtests-compare': 'failed' } },
      buildFailed: { jobs: { build: 'failed' } },
      stuck: { jobs: { build: 'queued', 'visualtests-reference': 'not_running' } },
      error: { workflow: 'error' },
      notRun: { workflow: 'not_run' },
      wfUnauthorized: { workflow: 'unauthorized' },
      setupPending: { setup: { state: 'setup-pending', minutes: 3 } },
      setup: { setup: { state: 'setup', minutes: 3 } },
      pending: { setup: { state: 'pending', minutes: 3 } },
      errored: { errored: 'Config does not conform to schema: jobs.build is missing' },
      noCommit: { noCommit: true },
    };
    const special = new Set(Object.values(sb.roles).flat());
    const spare = sb.sites.filter((s) => !special.has(s));
    const siteOf = new Map(Object.keys(states).map((k, i) => [k, spare[i] ?? '']));
    const own = await startSandbox({
      scenario: 'mixed',
      states: Object.fromEntries(Object.entries(states).map(([k, plan]) => [siteOf.get(k) ?? '', plan])),
    });
    const jobs = new Set<string>();
    const workflows = new Set<string>();
    const pipelines = new Set<string>();
    const read = async (site: string): Promise<CiPipeline> => {
      const p = await latestRelease(own, site);
      const byId = await ci(own, `/pipeline/${p.id}`);
      check('cci', 'GET', '/pipeline/{pipeline-id}', byId, 200);
      pipelines.add(str(obj(byId.body).state));
      const list = await ci(own, `/pipeline/${p.id}/workflow`);
      check('cci', 'GET', '/pipeline/{pipeline-id}/workflow', list, 200);
      for (const wf of items<{ id: string; status: string }>(list)) {
        const one = await ci(own, `/workflow/${wf.id}`);
        check('cci', 'GET', '/workflow/{id}', one, 200);
        workflows.add(str(obj(one.body).status));
        const jobList = await ci(own, `/workflow/${wf.id}/job`);
        check('cci', 'GET', '/workflow/{id}/job', jobList, 200);
        for (const j of items<CiJob>(jobList)) jobs.add(j.status);
      }
      return p;
    };
    try {
      const tagged = new Map<string, string>();
      for (const [k, site] of siteOf) {
        own.pushCommit(site, `Change for ${k}`); // a HEAD CircleCI builds (not a [skip ci] one)
        tagged.set(k, own.botReleaseTag(site));
      }
      for (const s of siteOf.values()) await read(s); // just tagged: running, blocked, setting up, errored
      const errored = await read(siteOf.get('errored') ?? '');
      assert.match(JSON.stringify(obj(await ci(own, `/pipeline/${errored.id}`)).body), /does not conform/);
      own.clock.advance(20 * 60_000);
      const stuck = await read(siteOf.get('stuck') ?? '');
      const stuckWf = await workflowOf(own, stuck.id);
      check(
        'cci',
        'POST',
        '/workflow/{id}/cancel',
        await ci(own, `/workflow/${stuckWf.id}/cancel`, { method: 'POST' }),
        202,
      );
      for (const s of [...siteOf.values(), site()]) await read(s);
      const noCommit = await latestRelease(own, siteOf.get('noCommit') ?? '');
      assert.equal(noCommit.vcs.tag, tagged.get('noCommit'));
      assert.ok(
        noCommit.vcs.revision && noCommit.vcs.commit === undefined,
        'an API-triggered pipeline without vcs.commit',
      );
      assert.equal(noCommit.trigger.type, 'api');
      const setup = await latestRelease(own, siteOf.get('setup') ?? '');
      assert.equal((await workflowOf(own, setup.id)).name, 'production', 'once set up, the workflows appear');
    } finally {
      await own.close();
    }
    const sorted = (xs: Iterable<string>): string[] => [...xs].sort();
    assert.deepEqual(sorted(jobs), sorted(JOB_STATUSES));
    assert.deepEqual(sorted(workflows), sorted(WORKFLOW_STATUSES));
    assert.deepEqual(sorted(pipelines), sorted(['created', 'errored', 'setup-pending', 'setup', 'pending']));
  });

  it('covered every route', () => {
    const routes = [...covered].map((c) => c.split(' ').slice(0, 3).join(' '));
    assert.ok(new Set(routes).size >= 29, `covered ${new Set(routes).size}: ${[...new Set(routes)].join('\n')}`);
  });
});
