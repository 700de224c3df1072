import type { GitHubClient } from '../api/github/client';
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
