import * as assert from 'assert';
import { CircleCiClient } from '../../src/core/api/circleci/client';
import { GitHubClient } from '../../src/core/api/github/client';
import { findProductionTag } from '../../src/core/release/history';
import { planRelease, tagCommit } from '../../src/core/release/tagging';
import { startSandbox, type Sandbox } from '../../src/sandbox';

describe('release plan against the sandbox', function () {
  this.timeout(20000);
  let sb: Sandbox;
  let github: GitHubClient;
  before(async () => {
    sb = await startSandbox({ scenario: 'green' });
    github = new GitHubClient({ baseUrl: sb.githubApiUrl, token: sb.tokens.github });
  });
  after(() => sb.close());

  it('computes the next version from every tag page, lightweight and annotated, ignoring noise', async function () {
    this.timeout(90_000); // 53 sites with 450–590 tags each: the sandbox builds each site on its first request
    for (const site of sb.sites) {
      const plan = await planRelease(github, 'greenpeace', site);
      assert.ok(plan.latest, site);
      assert.ok(plan.next, site);
      const parts = plan.latest.split('.');
      const last = Number(parts.pop());
      assert.strictEqual(plan.next, `${parts.join('.')}.${last + 1}`, site);
      assert.ok(!plan.tags.filter((t) => t.startsWith('v')).some((t) => t === plan.next), `${site}: next is new`);
      assert.strictEqual(plan.head.sha, sb.mainHead(site).sha, site);
    }
    const tricky = (await Promise.all(sb.sites.map((s) => planRelease(github, 'greenpeace', s)))).filter((p) =>
      p.tags.includes('v1.99'),
    );
    assert.ok(tricky.length > 0, 'a site where string order differs from version order');
    for (const p of tricky) {
      assert.ok(p.tags.includes('v1.100'), p.site);
      assert.ok(Number((p.latest ?? '').split('.').pop()) >= 100, `${p.site}: ${p.latest ?? ''} beats v1.99`);
    }
    const many = (await Promise.all(sb.sites.map((s) => planRelease(github, 'greenpeace', s)))).filter(
      (p) => p.tags.length > 100,
    );
    assert.ok(many.length > 0, 'some sites have more than one page of tags');
  });

  it('says when main HEAD is already released (no commit since the latest tag)', async () => {
    const plans = await Promise.all(sb.sites.map((s) => planRelease(github, 'greenpeace', s)));
    const same = plans.filter((p) => p.headTags.length > 0);
    const ahead = plans.filter((p) => p.headTags.length === 0);
    assert.ok(same.length > 0 && ahead.length > 0);
    for (const p of same) assert.strictEqual(p.headTags[0], p.latest, p.site);
  });

  it('asks GitHub again with If-None-Match: unchanged answers come back 304 (free of rate limit) and are reused', async () => {
    const site = sb.sites[5] ?? '';
    const first = await planRelease(github, 'greenpeace', site);
    sb.clearRequests();
    const second = await planRelease(github, 'greenpeace', site);
    assert.deepStrictEqual(second, first);
    const statuses = sb.requests.map((r) => r.status);
    assert.ok(statuses.length >= 3);
    assert.ok(
      statuses.every((s) => s === 304),
      `every read was conditional: ${statuses.join(', ')}`,
    );
    sb.pushCommit(site, 'Update the footer');
    sb.clearRequests();
    const third = await planRelease(github, 'greenpeace', site);
    assert.notStrictEqual(third.head.sha, first.head.sha, 'a change is seen at once');
    assert.ok(sb.requests.some((r) => r.status === 200));
  });

  it('an oversized tag pushed to a repository never becomes the latest release, and cannot be created here', async () => {
    const site = sb.sites[7] ?? '';
    const before = await planRelease(github, 'greenpeace', site);
    assert.ok(before.latest && before.next);
    // Someone pushes v<30 digits> (the sandbox, like CI, starts a production pipeline for any v* tag).
    const huge = `v${'9'.repeat(30)}`;
    await github.createRef('greenpeace', `planet4-${site}`, `refs/tags/${huge}`, before.head.sha);
    const after = await planRelease(github, 'greenpeace', site);
    assert.ok(after.tags.includes(huge), 'GitHub lists it');
    assert.strictEqual(after.latest, before.latest);
    assert.strictEqual(after.next, before.next);
    assert.deepStrictEqual(after.headTags, before.headTags);
    const circleci = new CircleCiClient({ baseUrl: sb.circleciApiUrl, token: () => sb.tokens.circleci });
    const prod = await findProductionTag(circleci, 'greenpeace', site);
    assert.ok(!prod.history.some((h) => h.tag === huge), 'its pipeline is not a release pipeline');
    assert.ok(prod.newestPipelineNumber >= (prod.history[0]?.pipelineNumber ?? 0));

    sb.clearRequests();
    await assert.rejects(
      tagCommit(github, 'greenpeace', `planet4-${site}`, `v1.${'1'.repeat(10)}`, before.head.sha),
      /at most 9 digits per number/,
    );
    assert.deepStrictEqual(sb.requests, [], 'refused before any request');
  });
});
