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
import type { FleetMemory } from './memory';
import type { NextReleaseInfo } from './types';

/**
 * What a site's next release would be, from GitHub, in as few requests as GitHub allows, each conditional (a 304
 * costs no rate limit):
 * - main's HEAD from the branch ref (`git/ref/heads/main`), never from a compare page;
 * - every `v…` tag in one request (`git/matching-refs/tags/v`), remembered in the fleet's memory;
 * - the compare from the newest tag to that HEAD sha, only when HEAD or the newest tag changed since the last read:
 *   the commits since the tag, their messages (`[HOLD]`, buried or not) and trees (nothing changed).
 * HEAD's commit alone when the site has no `v` tag yet.
 */
export async function loadNextRelease(
  github: GitHubClient,
  organization: string,
  site: string,
  memory: FleetMemory,
  now: () => number,
): Promise<NextReleaseInfo> {
  const repo = `planet4-${site}`;
  const [ref, tagRefs] = await Promise.all([
    github.refSha(organization, repo, 'heads/main'),
    github.matchingTags(organization, repo, 'v'),
  ]);
  if (!ref) throw new ApiError('github', 'notFound', `${organization}/${repo} has no branch main.`, 404);
  const headSha = ref.sha;
  const tags = tagRefs.map((t) => t.name);
  const mem = memory.get(site) ?? {};
  mem.tags = tags.filter(isVersionTag);
  memory.set(site, mem);
  const latestTag = newestVersionTag(tags);
  const previous = mem.next;
  let next: NextReleaseInfo;
  if (previous && previous.headSha === headSha && previous.latestTag === latestTag) {
    // Neither HEAD nor the newest tag moved: the compare would say the same again.
    next = { ...previous, updatedAt: now() };
  } else if (latestTag) {
    const cmp = await github.compare(organization, repo, latestTag, headSha);
    const head = headOf(cmp, headSha) ?? (await github.commit(organization, repo, headSha));
    next = {
      latestTag,
      ahead: cmp.aheadBy,
      headSha,
      headSubject: head.subject,
      headHold: carriesHold(head.message),
      updatedAt: now(),
    };
    // HEAD's tree is the tag's: the commits since are empty ones (whatever their number).
    if (cmp.aheadBy > 0 && head.treeSha === cmp.base.treeSha) next.unchanged = true;
    // The commits are the most recent ones (all of them, or the newest 250): the newest [HOLD] among them is the one.
    const buried = next.headHold ? undefined : buriedHold(cmp.commits, headSha);
    if (buried) next.buriedHold = buried;
    if (isSuffixedTag(latestTag)) {
      next.latestSuffixed = true;
      const release = latestReleaseTag(tags.filter(isReleaseTag));
      if (release) next.latestRelease = release;
    }
    const bumped = nextReleaseTag(tags);
    if (bumped) next.nextTag = bumped;
  } else {
    const head = await github.commit(organization, repo, headSha);
    next = {
      ahead: 0,
      headSha,
      headSubject: head.subject,
      headHold: carriesHold(head.message),
      updatedAt: now(),
    };
  }
  mem.next = next;
  return next;
}

/** HEAD's commit when the compare answer has it (among its commits, or as its base when HEAD is the tag's commit). */
function headOf(cmp: CompareInfo, headSha: string): CommitInfo | undefined {
  if (cmp.base.sha === headSha) return cmp.base;
  return cmp.commits.find((c) => c.sha === headSha);
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
