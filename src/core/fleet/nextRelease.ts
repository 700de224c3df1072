import type { CommitInfo, GitHubClient } from '../api/github/client';
import { carriesHold } from '../release/hold';
import { isReleaseTag, latestReleaseTag, nextReleaseTag } from '../release/version';
import type { FleetMemory } from './memory';
import type { NextReleaseInfo } from './types';

/**
 * What a site's next release would be, from GitHub: its release tags (remembered in the fleet's memory), the
 * commits on main since the latest one and whether main's HEAD carries `[HOLD]`; main's HEAD alone when the site
 * has no release tag yet.
 */
export async function loadNextRelease(
  github: GitHubClient,
  organization: string,
  site: string,
  memory: FleetMemory,
  now: () => number,
): Promise<NextReleaseInfo> {
  const repo = `planet4-${site}`;
  const tags = (await github.listTags(organization, repo)).map((t) => t.name);
  const releaseTags = tags.filter(isReleaseTag);
  const mem = memory.get(site) ?? {};
  mem.tags = releaseTags;
  memory.set(site, mem);
  const latestTag = latestReleaseTag(releaseTags);
  let next: NextReleaseInfo;
  if (latestTag) {
    const cmp = await github.compare(organization, repo, latestTag, 'main');
    const head = cmp.commits.at(-1) ?? cmp.base;
    next = {
      latestTag,
      ahead: cmp.aheadBy,
      headSha: head.sha,
      headSubject: head.subject,
      headHold: carriesHold(head.message),
      updatedAt: now(),
    };
    // Every commit since the tag is in this answer: its trees and messages cost no other request.
    const complete = cmp.commits.length === cmp.aheadBy;
    if (complete && cmp.aheadBy > 0 && head.treeSha === cmp.base.treeSha) next.unchanged = true;
    const buried = complete && !next.headHold ? buriedHold(cmp.commits) : undefined;
    if (buried) next.buriedHold = buried;
    const bumped = nextReleaseTag(releaseTags);
    if (bumped) next.nextTag = bumped;
  } else {
    const head = await github.branchHead(organization, repo);
    next = {
      ahead: 0,
      headSha: head.sha,
      headSubject: head.subject,
      headHold: carriesHold(head.message),
      updatedAt: now(),
    };
  }
  mem.next = next;
  return next;
}

/** The newest `[HOLD]` commit of `commits` (oldest first) when it is not the last: what was pushed on top buries it. */
export function buriedHold(commits: readonly CommitInfo[]): NextReleaseInfo['buriedHold'] {
  for (let i = commits.length - 2; i >= 0; i--) {
    const c = commits[i];
    if (c && carriesHold(c.message)) {
      const top = commits[i + 1];
      return { sha: c.sha, subject: c.subject, buriedBy: top?.subject ?? '' };
    }
  }
  return undefined;
}
