import type { CommitInfo, GitHubClient } from '../api/github/client';
import { carriesHold, HOLD_MARKER } from './hold';
import { latestReleaseTag, nextReleaseTag, releaseTagProblem, sortReleaseTags } from './version';

/**
 * What a release puts on `main` of a site's repository: the annotated release tag (`planet4.createReleaseTag`), and
 * the commits that hold the next release or release the hold (`planet4.holdRelease`, `planet4.releaseHold`).
 */

/** What a release of a site would be, read before asking anything. */
export interface ReleasePlan {
  site: string;
  repo: string;
  tags: string[];
  latest?: string;
  next?: string;
  head: CommitInfo;
  headHold: boolean;
  /** Release tags already on main HEAD: a new tag would release the same code again. */
  headTags: string[];
}

export async function planRelease(github: GitHubClient, org: string, site: string): Promise<ReleasePlan> {
  const repo = `planet4-${site}`;
  const [tagList, head] = await Promise.all([github.listTags(org, repo), github.branchHead(org, repo, 'main')]);
  const tags = tagList.map((t) => t.name);
  const headTags = sortReleaseTags(tagList.filter((t) => t.commitSha === head.sha).map((t) => t.name));
  const plan: ReleasePlan = { site, repo, tags, head, headHold: carriesHold(head.message), headTags };
  const latest = latestReleaseTag(tags);
  if (latest) plan.latest = latest;
  const next = nextReleaseTag(tags);
  if (next) plan.next = next;
  return plan;
}

/** The `[HOLD]` commit Planet 4's tooling makes: HEAD's tree, parent HEAD, `[HOLD] <subject>`. */
export function holdMessage(head: CommitInfo): string {
  return `${HOLD_MARKER} ${head.subject}\n\nHolds the next production deploy: CircleCI will wait for a person to approve hold-production.\nCreated with Planet 4 Pipelines (VS Code).`;
}

export function releaseHoldMessage(head: CommitInfo): string {
  const subject = head.subject.replace(HOLD_MARKER, '').replace(/\s+/g, ' ').trim();
  return `Release hold: ${subject}\n\nThe next release tag deploys to production automatically again.\nCreated with Planet 4 Pipelines (VS Code).`;
}

/**
 * Adds a commit on top of `main` (HEAD's tree, parent HEAD) and fast-forwards `main` to it WITHOUT force:
 * if `main` moved meanwhile GitHub refuses with 422 and nothing changed.
 */
export async function commitOnMain(
  github: GitHubClient,
  org: string,
  repo: string,
  head: CommitInfo,
  message: string,
): Promise<CommitInfo> {
  const commit = await github.createCommit(org, repo, message, head.treeSha, [head.sha]);
  await github.fastForwardRef(org, repo, 'heads/main', commit.sha);
  return commit;
}

/** An annotated tag like the bot's: tag object (message = tag name) on the commit, then `refs/tags/<tag>`. */
export async function tagCommit(
  github: GitHubClient,
  org: string,
  repo: string,
  tag: string,
  commitSha: string,
): Promise<string> {
  const problem = releaseTagProblem(tag);
  if (problem !== undefined) throw new Error(problem);
  const tagObject = await github.createTagObject(org, repo, tag, commitSha);
  await github.createRef(org, repo, `refs/tags/${tag}`, tagObject);
  return tagObject;
}
