// Rollbacks that can work (REALITY.md "Tags"): a rollback redeploys the images its tag's own production build pushed.
// The sandbox: releases without a build (a failed build, a [skip ci] tag, tags older than the pipelines kept), and a
// rollback to one of them fails in rollback-staging. The core: the release history finds the built tags, the reason
// for the others and the release in production however far back, and a second read costs few requests.
import * as assert from 'assert';
import { CircleCiClient } from '../../src/core/api/circleci/client';
import { GitHubClient } from '../../src/core/api/github/client';
import { findProductionTag, readReleaseHistory, ReleaseHistoryCache } from '../../src/core/release/history';
import { sortReleaseTags } from '../../src/core/release/version';
import { startSandbox, type Sandbox } from '../../src/sandbox';

const ORG = 'greenpeace';
const MIN = 60_000;
const slugOf = (site: string): string => `gh/${ORG}/planet4-${site}`;

describe('rollbacks: only built tags, production found however old', function () {
  this.timeout(60_000);
  let sb: Sandbox;
  let circleci: CircleCiClient;
  let github: GitHubClient;

  /** The site's release tags, newest first. */
  const releasesOf = async (site: string): Promise<string[]> =>
    sortReleaseTags((await github.listTags(ORG, `planet4-${site}`)).map((t) => t.name));

  /** The status of each job of the rollback pipeline `number` of `site`. */
  const rollbackJobs = async (site: string, number: number): Promise<Record<string, string>> => {
    const pipeline = await circleci.getPipelineByNumber(slugOf(site), number);
    const [workflow] = await circleci.listWorkflows(pipeline.id);
    assert.strictEqual(workflow?.name, 'rollback');
    return Object.fromEntries((await circleci.listJobs(workflow.id)).map((j) => [j.name, j.status]));
  };

  before(async () => {
    sb = await startSandbox({ scenario: 'green' });
    circleci = new CircleCiClient({ baseUrl: sb.circleciApiUrl, token: () => sb.tokens.circleci });
    github = new GitHubClient({ baseUrl: sb.githubApiUrl, token: sb.tokens.github });
  });
  after(() => sb.close());

  it('the sandbox: a rollback to a tag without a successful build fails in rollback-staging; to a built tag it waits for hold-production', async () => {
    const site = sb.sites[0] ?? '';
    const tags = await releasesOf(site);
    const pipelines = (await circleci.listPipelinesPage(slugOf(site))).items;
    // the 3rd newest release's build failed; the 5th newest was tagged on a [skip ci] commit: no pipeline at all
    const h = await readReleaseHistory(circleci, new ReleaseHistoryCache(), slugOf(site), { want: tags[4] ?? '' });
    assert.strictEqual(h.withoutBuild.get(tags[2] ?? '')?.build, 'failed');
    assert.ok(
      h.pipelines.every((p) => p.tag !== tags[4]),
      `${tags[4]} has no pipeline`,
    );
    assert.ok(pipelines.length > 0);
    const started: Record<string, number> = {};
    for (const tag of [tags[1], tags[2], tags[4], tags.at(-1)]) {
      const t = tag ?? '';
      started[t] = (await circleci.triggerPipeline(slugOf(site), { tag: t, parameters: { rollback: true } })).number;
    }
    sb.clock.advance(5 * MIN);
    assert.deepStrictEqual(await rollbackJobs(site, started[tags[1] ?? ''] ?? 0), {
      'rollback-staging': 'success',
      'hold-production': 'on_hold',
      'rollback-production': 'blocked',
      'hold-production-db': 'on_hold',
      'rollback-production-db': 'blocked',
    });
    for (const unbuilt of [tags[2], tags[4], tags.at(-1)]) {
      const jobs = await rollbackJobs(site, started[unbuilt ?? ''] ?? 0);
      assert.strictEqual(
        jobs['rollback-staging'],
        'failed',
        `the rollback to ${unbuilt} fails: its images do not exist`,
      );
      assert.strictEqual(jobs['hold-production'], 'not_run', 'production is not rolled back');
    }
  });

  it('the history: the built tags, the reason for the others, production; a second read costs one request', async () => {
    const site = sb.sites[1] ?? '';
    const slug = slugOf(site);
    const tags = await releasesOf(site);
    const cache = new ReleaseHistoryCache();
    sb.clearRequests();
    const cold = await readReleaseHistory(circleci, cache, slug);
    const coldRequests = sb.requests.length;
    assert.strictEqual(cold.production?.tag, tags[0]);
    assert.strictEqual(cold.production?.workflow, 'production');
    for (const built of [tags[0], tags[1], tags[3]]) assert.ok(cold.built.has(built ?? ''), `${built} was built`);
    assert.strictEqual(cold.built.get(tags[0] ?? '')?.revision?.length, 40, 'the commit it was built from');
    assert.strictEqual(cold.withoutBuild.get(tags[2] ?? '')?.build, 'failed');
    for (const unbuilt of [tags[2], tags[4], tags.at(-1)]) assert.ok(!cold.built.has(unbuilt ?? ''), `${unbuilt}`);
    assert.ok(!cold.withoutBuild.has(tags[4] ?? ''), 'a skipped tag has no pipeline: no build known');
    assert.ok(cold.complete, 'the sandbox keeps fewer pipelines than the cap');

    sb.clearRequests();
    const warm = await readReleaseHistory(circleci, cache, slug);
    assert.deepStrictEqual(
      sb.requests.map((r) => `${r.method} ${r.path}`),
      [`GET /project/${slug}/pipeline`],
      'one page: production and the built tags are known',
    );
    assert.deepStrictEqual([...warm.built.keys()].sort(), [...cold.built.keys()].sort());
    assert.strictEqual(warm.production?.tag, tags[0]);
    assert.strictEqual(warm.withoutBuild.get(tags[2] ?? '')?.build, 'failed');
    assert.strictEqual(warm.pipelinesRead, cold.pipelinesRead);
    assert.strictEqual(warm.complete, true);
    console.log(`      rollback history of ${site}: cold ${coldRequests} requests, warm ${sb.requests.length}`);
  });

  it('"in production now" is found behind 130 newer pipelines and 11 undeployed releases; beyond the cap it says how far it looked', async () => {
    const site = sb.sites[2] ?? '';
    const slug = slugOf(site);
    const [deployed] = await releasesOf(site);
    // months of bot trigger commits on main (a develop pipeline each)…
    for (let i = 0; i < 130; i++) sb.pushCommit(site, `:robot: Trigger build #${9000 + i}`);
    // …and 11 releases tagged since, none deployed yet
    const head = sb.mainHead(site).sha;
    for (let i = 1; i <= 11; i++) await github.createRef(ORG, `planet4-${site}`, `refs/tags/v99.0.${i}`, head);
    const h = await readReleaseHistory(circleci, new ReleaseHistoryCache(), slug);
    assert.strictEqual(h.production?.tag, deployed);
    assert.ok(h.pipelinesRead > 140);
    assert.strictEqual((await findProductionTag(circleci, ORG, site)).production, deployed);

    const capped = await readReleaseHistory(circleci, new ReleaseHistoryCache(), slug, { maxPages: 3 });
    assert.strictEqual(capped.production, undefined);
    assert.strictEqual(capped.pipelinesRead, 60);
    assert.strictEqual(capped.complete, false);
  });
});
