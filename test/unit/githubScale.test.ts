// GitHub at real scale (issue 12, points 4, 5 and 8): HEAD from the branch ref, compares paged as GitHub pages them,
// every `v…` tag in one request, conditional reads on the next cycle, and suffixed tags.
import * as assert from 'assert';
import { GitHubClient } from '../../src/core/api/github/client';
import type { FleetMemory } from '../../src/core/fleet/memory';
import { loadNextRelease } from '../../src/core/fleet/nextRelease';
import { planRelease } from '../../src/core/release/tagging';
import { isReleaseTag } from '../../src/core/release/version';
import { startSandbox, type Sandbox } from '../../src/sandbox';
import { fleetFor } from './support';

const ORG = 'greenpeace';
const SITES = ['africa', 'brasil', 'chile', 'netherlands', 'handbook', 'international'];

describe('GitHub at real scale: HEAD, tags in one request, suffixed tags', function () {
  this.timeout(60_000);
  let sb: Sandbox;
  let github: GitHubClient;
  const raw = async (path: string): Promise<{ status: number; link: string | null; body: Record<string, unknown> }> => {
    const r = await fetch(`${sb.githubApiUrl}/repos/${ORG}/${path}`, {
      headers: { authorization: `token ${sb.tokens.github}` },
    });
    return { status: r.status, link: r.headers.get('link'), body: (await r.json()) as Record<string, unknown> };
  };
  const shas = (body: Record<string, unknown>): string[] => (body.commits as { sha: string }[]).map((c) => c.sha);
  const perSite = (site: string): string[] =>
    sb.requests
      .filter((r) => r.service === 'github' && r.path.startsWith(`/repos/${ORG}/planet4-${site}/`))
      .map((r) => `${r.status} ${r.path.slice(`/repos/${ORG}/planet4-${site}`.length)}`)
      .sort();

  before(async () => {
    sb = await startSandbox({ scenario: 'green', sites: SITES });
    github = new GitHubClient({ baseUrl: sb.githubApiUrl, token: sb.tokens.github });
  });
  after(() => sb.close());

  it('the sandbox pages a compare as GitHub does: the newest 250 without paging, chronological pages with it', async () => {
    const tag = sb.botReleaseTag('africa');
    const pushed: string[] = [];
    for (let i = 0; i < 260; i++) pushed.push(sb.pushCommit('africa', `Change ${i}`));
    const all = await raw(`planet4-africa/compare/${tag}...main`);
    assert.strictEqual(all.body.ahead_by, 260);
    assert.strictEqual(shas(all.body).length, 250, 'at most 250');
    assert.deepStrictEqual(shas(all.body), pushed.slice(-250), 'the most recent 250, the last being HEAD');
    assert.strictEqual(all.link, null);
    const first = await raw(`planet4-africa/compare/${tag}...main?per_page=100&page=1`);
    assert.deepStrictEqual(shas(first.body), pushed.slice(0, 100), 'page 1: the OLDEST 100');
    assert.ok(Array.isArray(first.body.files), 'files on page 1');
    assert.match(first.link ?? '', /rel="next"/);
    const third = await raw(`planet4-africa/compare/${tag}...main?per_page=100&page=3`);
    assert.deepStrictEqual(shas(third.body), pushed.slice(200), 'page 3: the newest 60');
    assert.strictEqual(third.body.files, undefined, 'files on page 1 only');
  });

  it('main > 100 and > 250 commits ahead: HEAD from the ref, the count, a buried [HOLD] and "no change" stay right', async () => {
    const memory: FleetMemory = new Map();
    const tag = sb.botReleaseTag('brasil');
    for (let i = 0; i < 150; i++) sb.pushCommit('brasil', `Change ${i}`);
    const hold = sb.pushCommit('brasil', ':robot: [HOLD] Trigger build #5051');
    for (let i = 0; i < 29; i++) sb.botTriggerBuild('brasil');
    const over100 = await loadNextRelease(github, ORG, 'brasil', memory, () => 0);
    assert.strictEqual(over100.latestTag, tag);
    assert.strictEqual(over100.ahead, 180);
    assert.strictEqual(over100.headSha, sb.mainHead('brasil').sha, 'HEAD is main, not the last of a compare page');
    assert.match(over100.headSubject, /^:robot: Trigger build #/);
    assert.strictEqual(over100.headHold, false);
    assert.strictEqual(over100.buriedHold?.sha, hold, 'the [HOLD] buried under 29 bot commits');
    for (let i = 0; i < 100; i++) sb.botTriggerBuild('brasil');
    sb.clearRequests();
    const over250 = await loadNextRelease(github, ORG, 'brasil', memory, () => 0);
    assert.strictEqual(over250.ahead, 280);
    assert.strictEqual(over250.headSha, sb.mainHead('brasil').sha);
    assert.strictEqual(over250.buriedHold?.sha, hold, 'still among the newest 250');
    assert.strictEqual(over250.unchanged, undefined, '150 changes since the tag');
    const compares = sb.requests.filter((r) => r.path.includes('/compare/'));
    assert.strictEqual(compares.length, 1);
    assert.deepStrictEqual(compares[0]?.query, {}, 'no paging parameters: the newest 250, not the oldest page');

    const empty = sb.botReleaseTag('chile');
    for (let i = 0; i < 260; i++) sb.botTriggerBuild('chile');
    sb.clearRequests();
    const same = await loadNextRelease(github, ORG, 'chile', memory, () => 0);
    assert.deepStrictEqual(
      perSite('chile'),
      [`200 /compare/${empty}...main`, '200 /git/matching-refs/tags/v', '200 /git/ref/heads/main'],
      'cold, > 250 ahead: the compare lists the newest 250 only, so HEAD is the branch ref (no paged compare)',
    );
    assert.deepStrictEqual(sb.requests.find((r) => r.path.includes('/compare/'))?.query, {});
    assert.strictEqual(same.latestTag, empty);
    assert.strictEqual(same.ahead, 260);
    assert.strictEqual(same.unchanged, true, '260 empty commits: the same tree, nothing new to release');
    assert.strictEqual(same.headSha, sb.mainHead('chile').sha);
  });

  it('every v… tag in one request (450–590, lightweight ones included, noise left out); ≤ 2 requests cold, the ref alone after', async () => {
    const memory: FleetMemory = new Map();
    const sites = ['netherlands', 'handbook', 'international'];
    sb.clearRequests();
    for (const site of sites) await loadNextRelease(github, ORG, site, memory, () => 0);
    for (const site of sites) {
      const tags = memory.get(site)?.tags ?? [];
      assert.ok(tags.length >= 450 && tags.length <= 590, `${site}: ${tags.length} release tags`);
      assert.ok(tags.every(isReleaseTag), `${site}: only release tags`);
      const requests = perSite(site);
      assert.strictEqual(
        requests.filter((r) => r.includes('/git/matching-refs/tags/v')).length,
        1,
        `${site}: one list`,
      );
      assert.ok(!requests.some((r) => / \/tags/.test(r)), `${site}: /tags is not paged`);
      assert.ok(requests.length <= 2, `${site} cold: ${requests.join(', ')}`);
    }
    const listed = await github.matchingTags(ORG, 'planet4-netherlands');
    const lightweight = listed.filter((t) => t.type === 'commit').length;
    assert.ok(lightweight > 0 && lightweight < listed.length / 4, `${lightweight} lightweight of ${listed.length}`);
    const everyTag = await github.listTags(ORG, 'planet4-netherlands');
    assert.deepStrictEqual(
      listed.map((t) => t.name).sort(),
      everyTag
        .map((t) => t.name)
        .filter((n) => n.startsWith('v'))
        .sort(),
      'the same v… tags as /tags (6 pages of 100)',
    );

    // the next slow cycles: nothing changed: the branch ref alone (its first read, then 304), no tags, no compare
    sb.clearRequests();
    for (const site of sites) await loadNextRelease(github, ORG, site, memory, () => 1);
    for (const site of sites) assert.deepStrictEqual(perSite(site), ['200 /git/ref/heads/main'], site);
    sb.clearRequests();
    for (const site of sites) await loadNextRelease(github, ORG, site, memory, () => 2);
    for (const site of sites) assert.deepStrictEqual(perSite(site), ['304 /git/ref/heads/main'], site);
    // a tag no pipeline shows (here no CircleCI at all) while HEAD stays: not seen yet (what may be stale) ...
    const tag = sb.botReleaseTag('handbook');
    const before = memory.get('handbook')?.next?.latestTag;
    sb.clearRequests();
    assert.strictEqual((await loadNextRelease(github, ORG, 'handbook', memory, () => 3)).latestTag, before);
    assert.deepStrictEqual(perSite('handbook'), ['304 /git/ref/heads/main']);
    // ... until HEAD moves: the tags are read again (200) with the compare the move needs anyway
    sb.pushCommit('handbook', 'Update the menu');
    sb.clearRequests();
    const next = await loadNextRelease(github, ORG, 'handbook', memory, () => 4);
    assert.strictEqual(next.latestTag, tag);
    assert.strictEqual(next.ahead, 1);
    assert.deepStrictEqual(perSite('handbook'), [
      `200 /compare/${tag}...${sb.mainHead('handbook').sha}`,
      '200 /git/matching-refs/tags/v',
      '200 /git/ref/heads/main',
    ]);
  });

  it('a suffixed newest tag (v1.2.3-x) is the latest, said so, and the next release numbers from it', async () => {
    const memory: FleetMemory = new Map();
    const release = sb.botReleaseTag('international');
    const suffixed = `${release}-hotfix`;
    const head = sb.mainHead('international').sha;
    const object = await github.createTagObject(ORG, 'planet4-international', suffixed, head);
    await github.createRef(ORG, 'planet4-international', `refs/tags/${suffixed}`, object);
    sb.pushCommit('international', 'Update the footer');
    const next = await loadNextRelease(github, ORG, 'international', memory, () => 0);
    assert.strictEqual(next.latestTag, suffixed, 'the bot sorts it above the release');
    assert.strictEqual(next.latestSuffixed, true);
    assert.strictEqual(next.latestRelease, release);
    assert.strictEqual(next.ahead, 1, 'since the suffixed tag');
    const parts = release.split('.');
    const bumped = [...parts.slice(0, -1), String(Number(parts.at(-1)) + 1)].join('.');
    assert.strictEqual(next.nextTag, bumped, 'above both the release and the suffixed tag');
    assert.ok(memory.get('international')?.tags?.includes(suffixed), 'offered to a rollback');
    const plan = await planRelease(github, ORG, 'international');
    assert.strictEqual(plan.latest, suffixed);
    assert.strictEqual(plan.next, bumped);
  });
});

describe('GitHub requests per site: ≤ 2 on the cold load, ≤ 1 a slow cycle (issue 12)', function () {
  this.timeout(60_000);
  let sb: Sandbox;
  before(async () => {
    sb = await startSandbox({ scenario: 'green', tagsPerSite: 550 });
  });
  after(() => sb.close());
  /** GitHub requests per site of the last cycle, as `status path` (the repository's prefix left out). */
  const github = (site: string): string[] =>
    sb.requests
      .filter((r) => r.service === 'github' && r.path.startsWith(`/repos/${ORG}/planet4-${site}/`))
      .map((r) => `${r.status} ${r.path.slice(`/repos/${ORG}/planet4-${site}`.length)}`)
      .sort();

  it('cold: tags + compare with main; slow cycles: the branch ref; a wave tag on HEAD seen in CircleCI costs nothing', async () => {
    const sites = sb.sites.slice(0, 6);
    const [tagged, pushed, quiet] = sites;
    assert.ok(tagged && pushed && quiet);
    const fleet = fleetFor(sb);
    fleet.setSites(sites);
    sb.clearRequests();
    await fleet.refresh(); // the first load
    for (const site of sites) {
      const latest = fleet.get(site)?.next?.latestTag ?? '';
      assert.ok(isReleaseTag(latest), `${site}: the latest tag known`);
      assert.strictEqual(fleet.get(site)?.next?.headSha, sb.mainHead(site).sha, `${site}: HEAD from the compare`);
      assert.deepStrictEqual(github(site), [`200 /compare/${latest}...main`, '200 /git/matching-refs/tags/v'], site);
    }
    sb.clearRequests();
    await fleet.refresh(); // a slow cycle, nothing changed
    for (const site of sites) assert.deepStrictEqual(github(site), ['200 /git/ref/heads/main'], site);

    // the wave: the bot tags HEAD; CircleCI's new release pipeline says tag and revision, GitHub is not asked more
    const tag = sb.botReleaseTag(tagged);
    const aheadBefore = fleet.get(pushed)?.next?.ahead ?? NaN;
    sb.pushCommit(pushed, 'Update the footer');
    sb.clearRequests();
    await fleet.refresh();
    const next = fleet.get(tagged)?.next;
    assert.strictEqual(fleet.get(tagged)?.pipeline?.tag, tag);
    assert.strictEqual(next?.latestTag, tag, 'the new tag, known from CircleCI');
    assert.strictEqual(next.ahead, 0, 'on HEAD: nothing ahead, no compare');
    assert.deepStrictEqual(github(tagged), ['304 /git/ref/heads/main']);
    assert.ok(fleet.knownTags(tagged)?.includes(tag), 'offered to a rollback');
    // HEAD moved: the compare it needs, and the tags with it
    assert.strictEqual(fleet.get(pushed)?.next?.ahead, aheadBefore + 1);
    assert.strictEqual(fleet.get(pushed)?.next?.headSha, sb.mainHead(pushed).sha);
    assert.strictEqual(github(pushed).length, 3, github(pushed).join(', '));
    assert.deepStrictEqual(github(quiet), ['304 /git/ref/heads/main']);
    const total = sb.requests.filter((r) => r.service === 'github').length;
    assert.ok(total <= sites.length + 2, `${total} GitHub requests for ${sites.length} sites`);

    // the Refresh command lists the tags again (and the compare with main), then the slow cycles are 1 again
    for (const site of sites) fleet.invalidate(site, 'tags');
    sb.clearRequests();
    await fleet.refresh();
    for (const site of sites) assert.strictEqual(github(site).length, 2, `${site}: ${github(site).join(', ')}`);
    sb.clearRequests();
    await fleet.refresh();
    for (const site of sites) assert.deepStrictEqual(github(site), ['304 /git/ref/heads/main'], site);
  });
});
