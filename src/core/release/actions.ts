import type { CircleCiClient } from '../api/circleci/client';
import { projectSlug } from '../api/circleci/types';
import { ApiError } from '../api/errors';
import { pages } from '../api/pages';
import type { CommitInfo, GitHubClient } from '../api/github/client';
import { releaseWorkflow } from '../pipeline/stages';
import { carriesHold, HOLD_MARKER } from './hold';
import { isReleaseTag, latestReleaseTag, nextReleaseTag, releaseTagProblem, sortReleaseTags } from './version';

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

/** Rewrites a GitHub failure of a release action in a release manager's words. */
export function explainGitHubFailure(e: unknown, org: string, repo: string, action: string, tag?: string): Error {
  if (!(e instanceof ApiError)) return e instanceof Error ? e : new Error(String(e));
  const where = `${org}/${repo}`;
  switch (e.kind) {
    case 'conflict':
      if (/already exists/i.test(e.serviceMessage ?? '')) {
        return new Error(
          `${tag ?? 'The tag'} already exists in ${where}: no tag was created. Refresh and pick the next version.`,
        );
      }
      if (/fast forward/i.test(e.serviceMessage ?? '')) {
        return new Error(
          `main of ${where} moved while ${action} (someone pushed): it is not a fast forward, so nothing changed. Refresh and try again.`,
        );
      }
      return new Error(`GitHub refused to ${action} in ${where}: ${e.serviceMessage ?? e.message}`);
    case 'forbidden':
      return new Error(
        `No permission to ${action} in ${where}: your GitHub token cannot write to it (GitHub: "${e.serviceMessage ?? 'forbidden'}").`,
      );
    case 'notFound':
      return new Error(`${where} was not found, or your GitHub account has no access to it: cannot ${action}.`);
    case 'unauthorized':
      return new Error(`GitHub rejected the token while trying to ${action} in ${where}: sign in again.`);
    default:
      return new Error(e.message);
  }
}

export function explainCircleciFailure(e: unknown, slug: string, action: string): Error {
  if (!(e instanceof ApiError)) return e instanceof Error ? e : new Error(String(e));
  switch (e.kind) {
    case 'notFound':
      return new Error(
        `CircleCI: project ${slug} not found, or your CircleCI token has no access to it (${e.serviceMessage ?? '404'}): cannot ${action}.`,
      );
    case 'unauthorized':
      return new Error(`CircleCI rejected the token while trying to ${action}: set the CircleCI token again.`);
    case 'invalid':
    case 'conflict':
      return new Error(`CircleCI refused to ${action} for ${slug}: ${e.serviceMessage ?? e.message}`);
    default:
      return new Error(e.message);
  }
}

/** What approving an approval job does, in words for the confirmation. */
export function approvalMeaning(workflow: string, job: string, tag: string): { action: string; warning?: string } {
  if (workflow === 'rollback') {
    if (job === 'hold-production') return { action: `roll production back to ${tag}` };
    if (job === 'hold-production-db') {
      return {
        action: 'restore the production database from its latest backup',
        warning: 'This overwrites the production database with the newest dump: content created since then is lost.',
      };
    }
  }
  if (job === 'hold-production') return { action: `deploy ${tag} to production` };
  if (job === 'rollback-staging') return { action: 'roll staging back to the previous release' };
  if (job === 'hold-production-db') {
    return {
      action: 'restore the production database from its latest backup',
      warning: 'This overwrites the production database.',
    };
  }
  return { action: `approve ${job}` };
}

export interface ReleaseHistoryEntry {
  tag: string;
  pipelineNumber: number;
  createdAt: string;
}

/**
 * Pages back through a project's pipelines (bounded) and finds the tag in production now: the tag of the latest
 * release pipeline whose deploy-production (or rollback-production) succeeded. Also returns when each tag was built,
 * and the newest pipeline number read (0 when the project has none).
 */
export async function findProductionTag(
  circleci: CircleCiClient,
  org: string,
  site: string,
  maxPages = 5,
): Promise<{ production?: string; history: ReleaseHistoryEntry[]; newestPipelineNumber: number }> {
  const slug = projectSlug(org, site);
  const history: ReleaseHistoryEntry[] = [];
  let newestPipelineNumber = 0;
  let production: string | undefined;
  let checked = 0;
  for await (const list of pages(
    (token) => circleci.listPipelinesPage(slug, token),
    (list) => list.next_page_token || undefined, // null on the last page, whatever the spec says
    { maxPages, what: `the pipelines of ${slug} (looking for the release in production)` },
  )) {
    for (const p of list.items) {
      newestPipelineNumber = Math.max(newestPipelineNumber, p.number);
      const tag = p.vcs?.tag;
      if (!isReleaseTag(tag)) continue;
      history.push({ tag, pipelineNumber: p.number, createdAt: p.created_at });
      if (production !== undefined || checked >= 10) continue;
      checked++;
      const wf = releaseWorkflow(await circleci.listWorkflows(p.id));
      if (!wf) continue;
      const jobs = await circleci.listJobs(wf.id);
      const deployed = jobs.some(
        (j) => (j.name === 'deploy-production' || j.name === 'rollback-production') && j.status === 'success',
      );
      if (deployed) production = tag;
    }
    if (production !== undefined) break;
  }
  return { ...(production ? { production } : {}), history, newestPipelineNumber };
}

export { sortReleaseTags };
