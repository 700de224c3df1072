import { ApiError } from '../api/errors';
import type { CommitInfo, CompareInfo, GitHubClient } from '../api/github/client';
import { carriesHold } from '../release/hold';
import {
  isReleaseTag,
  isSuffixedTag,
  isVersionTag,
  latestReleaseTag,
  newestVersionTag,
  nextReleaseTag,
} from '../release/version';
import type { FleetMemory, SiteMemory } from './memory';
import type { NextReleaseInfo } from './types';

/*
 * What a site's next release would be, from GitHub, in as few requests as GitHub allows (issue 12), each conditional
 * (a 304 costs no rate limit):
 *
 * - Cold (nothing known in this window: first load, memory restored from the last session, the Refresh command, our
 *   own action on the site — each forgets `next`), 2 requests: every `v…` tag (`git/matching-refs/tags/v`) and the
 *   compare `{newest tag}...main` (branch NAME, unpaged). HEAD is taken from that answer only when it lists every
 *   commit (`headOfCompare`); otherwise (more than 250 ahead, or main behind the tag) HEAD is read from the branch
 *   ref — never from a compare page (pages come oldest first).
 * - Slow cycle, 1 request: `git/ref/heads/main` (304 while HEAD stays). The tags are NOT read again unless HEAD moved
 *   (then tags + compare from the newest tag to that sha), or CircleCI shows a release pipeline whose tag is not
 *   known and cannot be added from what CircleCI says (`noteReleaseTag`).
 * - A new release pipeline in CircleCI (the bot's wave tag on HEAD, or our own) adds its tag to the known tags without
 *   asking GitHub; when its revision is the known HEAD, nothing is ahead of it and no compare is needed.
 *
 * What can be stale between two tag reads (until HEAD moves, the Refresh command, or an action on the site):
 * - a tag made by hand that CircleCI never builds (e.g. on a `[skip ci]` HEAD) or whose pipeline is not the site's
 *   latest release: `latestTag`/`ahead`/`nextTag` name the tag before it. Nothing unsafe follows: tagging reads the
 *   tags afresh (`planRelease`) and `createReleaseTag` checks a tag does not exist before creating it;
 * - a tag deleted or moved by hand: still offered (e.g. to a rollback) until the next tag read; CircleCI refuses a
 *   pipeline for a tag that does not exist;
 * - HEAD itself is never stale beyond one slow cycle: the branch ref is read on every one.
 */

/**
 * The site's next release (see above). Throws what the client throws; the site's memory keeps what is known, so a
 * failed read costs nothing more than itself next time.
 */
export async function loadNextRelease(
  github: GitHubClient,
  organization: string,
  site: string,
  memory: FleetMemory,
  now: () => number,
): Promise<NextReleaseInfo> {
  const repo = `planet4-${site}`;
  const mem = memory.get(site) ?? {};
  memory.set(site, mem);
  const previous = mem.next;
  const knownTags = mem.tags;
  let next: NextReleaseInfo;
  if (!previous || !knownTags || mem.tagsStale) {
    next = await coldRead(github, organization, repo, mem, now);
  } else {
    const ref = await github.refSha(organization, repo, 'heads/main');
    if (!ref) throw new ApiError('github', 'notFound', `${organization}/${repo} has no branch main.`, 404);
    if (ref.sha !== previous.headSha) {
      // HEAD moved: a compare is needed anyway, and the tags are read again with it
      const tags = await readTags(github, organization, repo, mem);
      const latestTag = newestVersionTag(tags);
      next = latestTag
        ? await compared(github, organization, repo, tags, latestTag, ref.sha, now)
        : await headOnly(github, organization, repo, ref.sha, now);
    } else {
      const latestTag = newestVersionTag(knownTags);
      if (latestTag === previous.latestTag) {
        next = { ...previous, ...tagFacts(knownTags, latestTag), updatedAt: now() };
      } else if (latestTag) {
        // a newer tag known from CircleCI (`noteReleaseTag`) on another commit than HEAD: how far HEAD is ahead of it
        next = await compared(github, organization, repo, knownTags, latestTag, ref.sha, now);
      } else {
        next = { ...previous, updatedAt: now() };
      }
    }
  }
  mem.next = next;
  return next;
}

/**
 * A new release pipeline seen in CircleCI (`mem.pipeline`): its tag joins the known tags, with no GitHub request.
 * When its revision is the known HEAD, the next release is known at once (nothing ahead of the new tag). A version
 * tag that cannot be placed (no revision) makes the next GitHub read a full one (`tagsStale`). Nothing is done while
 * the tags are unknown in this window: the next GitHub read is a cold one anyway.
 */
export function noteReleaseTag(mem: SiteMemory | undefined): void {
  const pipeline = mem?.pipeline;
  const tags = mem?.tags;
  if (!mem || !pipeline || !tags || !isVersionTag(pipeline.tag) || tags.includes(pipeline.tag)) return;
  if (!pipeline.revision) {
    mem.tagsStale = true;
    return;
  }
  const known = [...tags, pipeline.tag];
  mem.tags = known;
  const next = mem.next;
  if (next && pipeline.revision === next.headSha && newestVersionTag(known) === pipeline.tag) {
    const { unchanged: _u, buriedHold: _b, latestSuffixed: _s, latestRelease: _r, nextTag: _n, ...rest } = next;
    mem.next = { ...rest, latestTag: pipeline.tag, ahead: 0, ...tagFacts(known, pipeline.tag) };
  }
}

/** Every `v…` tag in one request, remembered as the site's known tags (no longer stale). */
async function readTags(github: GitHubClient, organization: string, repo: string, mem: SiteMemory): Promise<string[]> {
  const tags = (await github.matchingTags(organization, repo, 'v')).map((t) => t.name);
  mem.tags = tags.filter(isVersionTag);
  delete mem.tagsStale;
  return tags;
}

/** The cold read: the tags and the compare `{newest tag}...main` (HEAD from it when it lists every commit). */
async function coldRead(
  github: GitHubClient,
  organization: string,
  repo: string,
  mem: SiteMemory,
  now: () => number,
): Promise<NextReleaseInfo> {
  const tags = await readTags(github, organization, repo, mem);
  const latestTag = newestVersionTag(tags);
  if (!latestTag) {
    const ref = await github.refSha(organization, repo, 'heads/main');
    if (!ref) throw new ApiError('github', 'notFound', `${organization}/${repo} has no branch main.`, 404);
    return headOnly(github, organization, repo, ref.sha, now);
  }
  const cmp = await github.compare(organization, repo, latestTag, 'main');
  const head = headOfCompare(cmp);
  if (head) return fromCompare(cmp, head, tags, latestTag, now);
  // not every commit listed (more than 250 ahead) or main behind the tag: HEAD is the branch ref's
  const ref = await github.refSha(organization, repo, 'heads/main');
  if (!ref) throw new ApiError('github', 'notFound', `${organization}/${repo} has no branch main.`, 404);
  const tip = tipsOf(cmp.commits);
  if (tip.length === 1 && tip[0]?.sha === ref.sha) return fromCompare(cmp, tip[0], tags, latestTag, now);
  return compared(github, organization, repo, tags, latestTag, ref.sha, now);
}

/**
 * HEAD from a compare answer `{tag}...main`, only when it lists every commit (no paging, at most 250): the base
 * commit when identical, else the one listed commit no other listed commit has as parent. Undefined otherwise.
 */
export function headOfCompare(cmp: CompareInfo): CommitInfo | undefined {
  if (cmp.status === 'identical') return cmp.base;
  if (cmp.aheadBy === 0 || cmp.commits.length === 0 || cmp.totalCommits > cmp.commits.length) return undefined;
  const tips = tipsOf(cmp.commits);
  return tips.length === 1 ? tips[0] : undefined;
}

/** The listed commits that no other listed commit has as parent. */
function tipsOf(commits: readonly CommitInfo[]): CommitInfo[] {
  const parents = new Set(commits.flatMap((c) => c.parents));
  return commits.filter((c) => !parents.has(c.sha));
}

/** The compare from the newest tag to HEAD's sha (read from the branch ref), HEAD's commit from it when listed. */
async function compared(
  github: GitHubClient,
  organization: string,
  repo: string,
  tags: readonly string[],
  latestTag: string,
  headSha: string,
  now: () => number,
): Promise<NextReleaseInfo> {
  const cmp = await github.compare(organization, repo, latestTag, headSha);
  const listed = cmp.base.sha === headSha ? cmp.base : cmp.commits.find((c) => c.sha === headSha);
  const head = listed ?? (await github.commit(organization, repo, headSha));
  return fromCompare(cmp, head, tags, latestTag, now);
}

/** The next release from a compare and HEAD's commit. */
function fromCompare(
  cmp: CompareInfo,
  head: CommitInfo,
  tags: readonly string[],
  latestTag: string,
  now: () => number,
): NextReleaseInfo {
  const next: NextReleaseInfo = {
    latestTag,
    ahead: cmp.aheadBy,
    headSha: head.sha,
    headSubject: head.subject,
    headHold: carriesHold(head.message),
    updatedAt: now(),
  };
  // HEAD's tree is the tag's: the commits since are empty ones (whatever their number).
  if (cmp.aheadBy > 0 && head.treeSha === cmp.base.treeSha) next.unchanged = true;
  // The commits are the most recent ones (all of them, or the newest 250): the newest [HOLD] among them is the one.
  const buried = next.headHold ? undefined : buriedHold(cmp.commits, head.sha);
  if (buried) next.buriedHold = buried;
  return { ...next, ...tagFacts(tags, latestTag) };
}

/** What the tags say beside the newest one: whether it is suffixed (and the newest release then), the next tag. */
function tagFacts(
  tags: readonly string[],
  latestTag: string | undefined,
): Pick<NextReleaseInfo, 'latestSuffixed' | 'latestRelease' | 'nextTag'> {
  const facts: Pick<NextReleaseInfo, 'latestSuffixed' | 'latestRelease' | 'nextTag'> = {};
  if (isSuffixedTag(latestTag)) {
    facts.latestSuffixed = true;
    const release = latestReleaseTag(tags.filter(isReleaseTag));
    if (release) facts.latestRelease = release;
  }
  const bumped = nextReleaseTag(tags);
  if (bumped) facts.nextTag = bumped;
  return facts;
}

/** HEAD's commit alone: the site has no `v` tag yet. */
async function headOnly(
  github: GitHubClient,
  organization: string,
  repo: string,
  headSha: string,
  now: () => number,
): Promise<NextReleaseInfo> {
  const head = await github.commit(organization, repo, headSha);
  return { ahead: 0, headSha, headSubject: head.subject, headHold: carriesHold(head.message), updatedAt: now() };
}

/**
 * The newest `[HOLD]` commit of `commits` (oldest first) that is not HEAD: what was pushed on top buries it. Its
 * `buriedBy` is the commit right after it.
 */
export function buriedHold(commits: readonly CommitInfo[], headSha?: string): NextReleaseInfo['buriedHold'] {
  for (let i = commits.length - 1; i >= 0; i--) {
    const c = commits[i];
    if (!c || c.sha === headSha || (headSha === undefined && i === commits.length - 1)) continue;
    if (carriesHold(c.message)) {
      const top = commits[i + 1];
      return { sha: c.sha, subject: c.subject, buriedBy: top?.subject ?? '' };
    }
  }
  return undefined;
}
