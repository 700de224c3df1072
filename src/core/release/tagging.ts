import type { CommitInfo, GitHubClient } from '../api/github/client';
import { carriesHold, HOLD_MARKER } from './hold';
import { skipMarkerIn, withoutSkipMarkers } from './skipMarkers';
import { newestVersionTag, nextReleaseTag, releaseTagProblem, sortVersionTags } from './version';

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
  /**
   * Release tags whose code main HEAD already is: tags on HEAD itself, and the latest tag when HEAD's tree is its
   * tree (only empty commits since, such as the bot's `:robot: Trigger build #N`). A new tag would release the same
   * code again.
   */
  headTags: string[];
  /** The skip marker HEAD's message carries (`[skip ci]`): CircleCI would run no pipeline for a tag on HEAD. */
  headSkip?: string;
}

export async function planRelease(github: GitHubClient, org: string, site: string): Promise<ReleasePlan> {
  const repo = `planet4-${site}`;
  // every v… tag in one request (names and targets); only the latest one is peeled to its commit
  const [tagList, head] = await Promise.all([github.matchingTags(org, repo), github.branchHead(org, repo, 'main')]);
  const tags = tagList.map((t) => t.name);
  const latest = newestVersionTag(tags);
  const latestRef = tagList.find((t) => t.name === latest);
  const latestCommit =
    latestRef === undefined
      ? undefined
      : latestRef.type === 'commit'
        ? latestRef.sha
        : await github.tagCommitSha(org, repo, latestRef.name);
  const onHead = tagList.filter((t) => t.type === 'commit' && t.sha === head.sha).map((t) => t.name);
  if (latest !== undefined && latestCommit === head.sha) onHead.push(latest);
  const headTags = sortVersionTags(onHead);
  const plan: ReleasePlan = { site, repo, tags, head, headHold: carriesHold(head.message), headTags };
  const skip = skipMarkerIn(head.message);
  if (skip !== undefined) plan.headSkip = skip;
  if (latest) plan.latest = latest;
  if (latest && latestCommit !== undefined && latestCommit !== head.sha) {
    // Only empty commits since the latest tag (the bot's trigger commits): the same tree, the same code.
    const tagged = await github.commit(org, repo, latestCommit);
    if (tagged.treeSha === head.treeSha) plan.headTags = sortVersionTags([...headTags, latest]);
  }
  const next = nextReleaseTag(tags);
  if (next) plan.next = next;
  return plan;
}

/**
 * The `[HOLD]` commit Planet 4's tooling makes: HEAD's tree, parent HEAD, `[HOLD] <subject>` — without any skip
 * marker HEAD's subject carries (`[skip ci] New CircleCI config` → `[HOLD] New CircleCI config`): a commit we create
 * never makes CircleCI skip the tag put on it.
 */
export function holdMessage(head: CommitInfo): string {
  const subject = withoutSkipMarkers(head.subject) || 'Hold the next release';
  return `${HOLD_MARKER} ${subject}\n\nHolds the production deploy of the tag made on this commit: CircleCI will wait for a person to approve hold-production.\nCreated with Planet 4 Pipelines (VS Code).`;
}

export function releaseHoldMessage(head: CommitInfo): string {
  const subject = withoutSkipMarkers(head.subject.replace(HOLD_MARKER, '')).replace(/\s+/g, ' ').trim();
  return `Release hold: ${subject}\n\nThe next release tag deploys to production automatically again.\nCreated with Planet 4 Pipelines (VS Code).`;
}

/** The empty commit put on top of a HEAD that carries a skip marker, so that the tag on it gets a pipeline. */
export function emptyCommitMessage(tag: string, head: CommitInfo): string {
  return `Release ${tag}\n\nAn empty commit on top of ${head.sha.slice(0, 7)}, whose message carries a skip marker: CircleCI runs no pipeline for a tag on such a commit.\nCreated with Planet 4 Pipelines (VS Code).`;
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
  const marker = skipMarkerIn(message);
  if (marker !== undefined) throw new Error(`A commit made here never carries a skip marker (${marker}).`);
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
