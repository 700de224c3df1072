// What the real automation does to every site's main (REALITY.md) in the sandbox, and the core's answers to it.
import * as assert from 'assert';
import { GitHubClient, type CommitInfo } from '../../src/core/api/github/client';
import type { FleetMemory } from '../../src/core/fleet/memory';
import { buriedHold, loadNextRelease } from '../../src/core/fleet/nextRelease';
import { skipMarkerIn } from '../../src/core/release/skipMarkers';
import { emptyCommitMessage, holdMessage, planRelease, releaseHoldMessage } from '../../src/core/release/tagging';
import { startSandbox, type Sandbox } from '../../src/sandbox';

const ORG = 'greenpeace';

function commit(subject: string, sha = 'a'.repeat(40)): CommitInfo {
  return { sha, message: subject, subject, treeSha: 't', parents: [] };
}

describe('holds: the commits we write', () => {
  it('never carry a skip marker, even when HEAD does', () => {
    for (const subject of [
      '[skip ci] New CircleCI config',
      '[ci skip] Update',
      '[no ci] x',
      '[skip actions] x',
      '[actions skip] x',
      '[SKIP CI]',
    ]) {
      const head = commit(subject);
      for (const m of [holdMessage(head), releaseHoldMessage(head), emptyCommitMessage('v1.2.3', head)])
        assert.strictEqual(skipMarkerIn(m), undefined, m);
    }
    assert.ok(holdMessage(commit('[skip ci] New CircleCI config')).startsWith('[HOLD] New CircleCI config\n\n'));
    assert.ok(holdMessage(commit('[skip ci]')).startsWith('[HOLD] Hold the next release\n\n'));
  });

  it('a [HOLD] commit that is not HEAD is buried by the commit pushed on it', () => {
    assert.strictEqual(buriedHold([commit('a'), commit('[HOLD] a')]), undefined, 'HEAD itself is not buried');
    assert.deepStrictEqual(buriedHold([commit('[HOLD] a', 'h'), commit(':robot: Trigger build #1', 'b')]), {
      sha: 'h',
      subject: '[HOLD] a',
      buriedBy: ':robot: Trigger build #1',
    });
    assert.strictEqual(buriedHold([commit('a'), commit('b')]), undefined);
  });
});

describe('holds: the sandbox is the real world', function () {
  this.timeout(20000);
  let sb: Sandbox;
  let github: GitHubClient;
  before(async () => {
    sb = await startSandbox({ scenario: 'green', sites: ['africa', 'brasil', 'chile', 'denmark', 'estonia'] });
    github = new GitHubClient({ baseUrl: sb.githubApiUrl, token: sb.tokens.github });
  });
  after(() => sb.close());

  const pipelines = async (site: string): Promise<{ vcs?: { tag?: string; branch?: string; revision?: string } }[]> => {
    const res = await fetch(`${sb.circleciApiUrl}/project/gh/${ORG}/planet4-${site}/pipeline`, {
      headers: { 'Circle-Token': sb.tokens.circleci },
    });
    return ((await res.json()) as { items: { vcs?: { tag?: string } }[] }).items;
  };

  it("the bot's weekday trigger commit: empty (HEAD's tree), on main, by the bot, a develop pipeline", async () => {
    const before = await github.branchHead(ORG, 'planet4-africa');
    const sha = sb.botTriggerBuild('africa');
    const head = await github.branchHead(ORG, 'planet4-africa');
    assert.strictEqual(head.sha, sha);
    assert.match(head.message, /^:robot: Trigger build #\d+$/);
    assert.strictEqual(head.treeSha, before.treeSha, 'an empty commit');
    assert.deepStrictEqual(head.parents, [before.sha]);
    assert.strictEqual(head.authorName, 'Planet 4 Bot');
    assert.strictEqual((await pipelines('africa'))[0]?.vcs?.revision, sha);
  });

  it("the generator's [skip ci] commit gets no pipeline, and neither does a tag on it; the bot's tag does", async () => {
    const newest = (await pipelines('brasil'))[0];
    const sha = sb.generatorConfigCommit('brasil');
    assert.strictEqual(sb.mainHead('brasil').message, '[skip ci] New CircleCI config');
    assert.deepStrictEqual((await pipelines('brasil'))[0], newest, 'no pipeline for the push');
    const tag = sb.botReleaseTag('brasil');
    const plan = await planRelease(github, ORG, 'brasil');
    assert.strictEqual(plan.latest, tag);
    assert.strictEqual(plan.headSkip, '[skip ci]');
    assert.deepStrictEqual((await pipelines('brasil'))[0], newest, `no pipeline for ${tag} on ${sha.slice(0, 7)}`);
    sb.botTriggerBuild('brasil');
    const next = sb.botReleaseTag('brasil');
    assert.strictEqual((await pipelines('brasil'))[0]?.vcs?.tag, next, 'a tag on the bot commit is built');
  });

  it("empty bot commits since the latest tag: the same tree ('no change') at no extra request; a change is a change", async () => {
    const memory: FleetMemory = new Map();
    const tag = sb.botReleaseTag('chile');
    sb.botTriggerBuild('chile');
    sb.botTriggerBuild('chile');
    sb.clearRequests();
    const next = await loadNextRelease(github, ORG, 'chile', memory, () => 0);
    assert.strictEqual(next.latestTag, tag);
    assert.strictEqual(next.ahead, 2);
    assert.strictEqual(next.unchanged, true);
    const head = sb.mainHead('chile').sha;
    assert.strictEqual(next.headSha, head, 'HEAD is the newest commit of the complete compare');
    assert.deepStrictEqual(
      sb.requests.map((r) => r.path.replace(/\/repos\/greenpeace\/planet4-chile/, '')).sort(),
      [`/compare/${tag}...main`, '/git/matching-refs/tags/v'],
      'the tags in one list and one unpaged compare with main, which lists every commit (HEAD read from it)',
    );
    const plan = await planRelease(github, ORG, 'chile');
    assert.deepStrictEqual(plan.headTags, [tag], 'already released: the same tree');
    sb.pushCommit('chile', 'Update the footer');
    const changed = await loadNextRelease(github, ORG, 'chile', memory, () => 0);
    assert.strictEqual(changed.unchanged, undefined);
    assert.deepStrictEqual((await planRelease(github, ORG, 'chile')).headTags, []);
  });
});
