// A rollback whose answer never came must not be sent a second time when CircleCI did start it: the pure core of
// planet4.rollback (src/core/release/rollback.ts) against the sandbox, plain Node.
import * as assert from 'assert';
import { CircleCiClient } from '../../src/core/api/circleci/client';
import type { Pipeline } from '../../src/core/api/circleci/types';
import { ApiError } from '../../src/core/api/errors';
import { GitHubClient } from '../../src/core/api/github/client';
import { OutcomeUnknownError } from '../../src/core/release/failures';
import { findProductionTag } from '../../src/core/release/history';
import {
  earlierRollbackPipeline,
  findStartedRollback,
  isRollbackPipelineOf,
  RECENT_ROLLBACK_MS,
  RecentRollbacks,
  triggerRollback,
  type RollbackRequest,
} from '../../src/core/release/rollback';
import { planRelease } from '../../src/core/release/tagging';
import { startSandbox, type Sandbox } from '../../src/sandbox';

const ORG = 'greenpeace';

/**
 * A CircleCI whose answer to the rollback trigger is lost: the request reaches the sandbox, which starts the
 * pipeline, and then the client reports what a timeout after sending reports (outcome unknown).
 */
function answerLost(circleci: CircleCiClient): CircleCiClient {
  return Object.assign(Object.create(circleci) as CircleCiClient, {
    triggerPipeline: async (...args: Parameters<CircleCiClient['triggerPipeline']>) => {
      await circleci.triggerPipeline(...args);
      throw new ApiError(
        'circleci',
        'timeout',
        'CircleCI did not answer in time while trying to trigger a pipeline.',
        undefined,
        undefined,
        undefined,
        true,
      );
    },
  });
}

describe('rollback: sent once, even when the answer is lost', function () {
  this.timeout(30_000);
  let sb: Sandbox;
  let circleci: CircleCiClient;
  let github: GitHubClient;
  let now: number;
  let recent: RecentRollbacks;
  let nextSite = 0;

  /** A site nobody else in this suite touches, its slug, and an older release tag to roll back to. */
  async function rollbackRequest(): Promise<RollbackRequest> {
    const site = sb.sites[nextSite++] ?? '';
    const slug = `gh/${ORG}/planet4-${site}`;
    const plan = await planRelease(github, ORG, site);
    const tag = plan.latest ?? '';
    assert.ok(tag, `${site} has a release tag`);
    const prod = await findProductionTag(circleci, ORG, site);
    return { site, slug, tag, newestPipelineBefore: prod.newestPipelineNumber };
  }

  const rollbackPipelines = async (request: RollbackRequest): Promise<Pipeline[]> =>
    (await circleci.listPipelinesPage(request.slug)).items.filter(
      (p) => p.number > request.newestPipelineBefore && isRollbackPipelineOf(p, request.tag),
    );
  const posts = (): number => sb.requests.filter((r) => r.method === 'POST').length;

  before(async () => {
    sb = await startSandbox({ scenario: 'green' });
    circleci = new CircleCiClient({ baseUrl: sb.circleciApiUrl, token: () => sb.tokens.circleci, timeoutMs: 500 });
    github = new GitHubClient({ baseUrl: sb.githubApiUrl, token: sb.tokens.github });
  });
  beforeEach(() => {
    now = 1_000_000;
    recent = new RecentRollbacks(() => now);
    sb.clearFaults();
    sb.clearRequests();
  });
  after(() => sb.close());

  it('reads the newest pipeline number before sending: the new rollback pipeline is above it', async () => {
    const request = await rollbackRequest();
    const newest = (await circleci.listPipelinesPage(request.slug)).items[0]?.number;
    assert.strictEqual(request.newestPipelineBefore, newest);
    const triggered = await triggerRollback(circleci, recent, request);
    assert.ok(triggered.number > request.newestPipelineBefore);
    const body = sb.requests.find((r) => r.method === 'POST')?.body;
    assert.deepStrictEqual(body, { tag: request.tag, parameters: { rollback: true } });
  });

  it('answer lost after CircleCI started it: "may have started", and the second attempt finds it and sends nothing', async () => {
    const request = await rollbackRequest();
    await assert.rejects(triggerRollback(answerLost(circleci), recent, request), (e: unknown) => {
      assert.ok(e instanceof OutcomeUnknownError);
      assert.strictEqual(
        e.message,
        `CircleCI did not answer in time while starting the rollback of ${request.slug} to ${request.tag}: the rollback pipeline may have started. Refresh the site (or look at the pipelines on CircleCI) before trying again: a second rollback to the same tag first looks for it and does not start another.`,
      );
      return true;
    });
    const started = await rollbackPipelines(request);
    assert.strictEqual(started.length, 1, 'CircleCI did start it');
    sb.clearRequests();

    // The release manager runs the rollback again, even a day later (an unknown outcome is looked for as long as
    // the window lives): one read, and the pipeline of the first attempt.
    now += 24 * 60 * 60_000;
    const existing = await earlierRollbackPipeline(circleci, recent, request);
    assert.strictEqual(existing, started[0]?.number);
    assert.deepStrictEqual(
      sb.requests.map((r) => `${r.method} ${r.path}`),
      [`GET /project/${request.slug}/pipeline`],
    );
    assert.strictEqual((await rollbackPipelines(request)).length, 1, 'no second rollback pipeline');
    assert.strictEqual(posts(), 0);
  });

  it('a real timeout (the sandbox hangs, nothing started): "may have started", then the second attempt sends it once', async () => {
    const request = await rollbackRequest();
    sb.inject({ service: 'circleci', method: 'POST', path: '/pipeline', kind: 'hang', times: 1 });
    await assert.rejects(triggerRollback(circleci, recent, request), (e: unknown) => {
      assert.ok(e instanceof OutcomeUnknownError, String(e));
      assert.match(
        e.message,
        /did not answer in time while starting the rollback .*: the rollback pipeline may have started\. Refresh the site/,
      );
      return true;
    });
    assert.strictEqual((await rollbackPipelines(request)).length, 0, 'the hung request started nothing');
    assert.strictEqual(await earlierRollbackPipeline(circleci, recent, request), undefined, 'nothing to find');
    sb.clearRequests();
    const triggered = await triggerRollback(circleci, recent, request);
    assert.strictEqual(posts(), 1);
    assert.deepStrictEqual(
      (await rollbackPipelines(request)).map((p) => p.number),
      [triggered.number],
    );
  });

  it('a second click within minutes of a successful rollback gets that pipeline; after the window it is sent again', async () => {
    const request = await rollbackRequest();
    const first = await triggerRollback(circleci, recent, request);
    sb.clearRequests();
    now += RECENT_ROLLBACK_MS - 1000;
    assert.strictEqual(await earlierRollbackPipeline(circleci, recent, request), first.number);
    assert.strictEqual(posts(), 0);
    now += 2000;
    sb.clearRequests();
    assert.strictEqual(await earlierRollbackPipeline(circleci, recent, request), undefined);
    assert.deepStrictEqual(sb.requests, [], 'past the window: not even a read');
    const other = await earlierRollbackPipeline(circleci, recent, { ...request, tag: 'v0.0.1' });
    assert.strictEqual(other, undefined, 'another tag is another rollback');
  });

  it('a refused rollback (4xx) started nothing: nothing is remembered, the next one is sent without a read', async () => {
    const request = await rollbackRequest();
    sb.inject({
      service: 'circleci',
      method: 'POST',
      kind: 'status',
      status: 404,
      body: { message: 'Project not found' },
      times: 1,
    });
    await assert.rejects(triggerRollback(circleci, recent, request), (e: unknown) => {
      assert.ok(!(e instanceof OutcomeUnknownError));
      assert.match((e as Error).message, /not found, or your CircleCI token has no access/);
      return true;
    });
    sb.clearRequests();
    assert.strictEqual(await earlierRollbackPipeline(circleci, recent, request), undefined);
    assert.deepStrictEqual(sb.requests, []);
  });

  it('when the pipelines cannot be read, nothing is sent blindly: it fails saying so', async () => {
    const request = await rollbackRequest();
    await assert.rejects(triggerRollback(answerLost(circleci), recent, request), OutcomeUnknownError);
    sb.clearRequests();
    sb.inject({
      service: 'circleci',
      method: 'GET',
      path: '/pipeline',
      kind: 'status',
      status: 403,
      body: { message: 'Forbidden' },
    });
    await assert.rejects(
      earlierRollbackPipeline(circleci, recent, request),
      /Cannot check whether the earlier rollback of .* started, so none was sent/,
    );
    assert.strictEqual(posts(), 0);
  });

  it('looks only for rollback pipelines of that tag newer than the attempt (not the tag push, not older rollbacks)', async () => {
    const request = await rollbackRequest();
    const older = await triggerRollback(circleci, new RecentRollbacks(), request);
    const attempt = recent.sending({ ...request, newestPipelineBefore: older.number });
    recent.unknown(attempt);
    assert.strictEqual(
      await findStartedRollback(circleci, request.slug, attempt),
      undefined,
      'the older one is not ours',
    );
    const page = (await circleci.listPipelinesPage(request.slug)).items;
    const push = page.find((p) => p.vcs?.tag !== undefined && p.trigger.type === 'webhook');
    assert.ok(push, 'the sandbox has tag pushes');
    assert.strictEqual(isRollbackPipelineOf(push, push.vcs?.tag ?? ''), false);
    const ours = page.find((p) => p.number === older.number);
    assert.ok(ours);
    assert.strictEqual(isRollbackPipelineOf(ours, request.tag), true);
    assert.strictEqual(isRollbackPipelineOf(ours, 'v0.0.1'), false, 'another tag');
    assert.strictEqual(isRollbackPipelineOf({ ...ours, trigger_parameters: { rollback: false } }, request.tag), false);
    const { trigger_parameters: _, ...noParameters } = ours;
    assert.strictEqual(
      isRollbackPipelineOf(noParameters, request.tag),
      true,
      'an API trigger when parameters are not listed',
    );
  });
});
