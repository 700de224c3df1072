import { ApiError } from '../api/errors';
import type { CommitInfo, GitHubClient } from '../api/github/client';
import {
  explainGitHubFailure,
  explainGitHubMutationFailure,
  explainUnknownOutcome,
  mayHaveHappened,
  PartlyDoneError,
  unanswered,
} from './failures';
import { commitOnMain, emptyCommitMessage, holdMessage, tagCommit, type ReleasePlan } from './tagging';

/**
 * A release tag, sent step by step (each mutation once):
 * - `tag`: the annotated tag on main HEAD;
 * - `hold`: a `[HOLD]` commit on top of main, then the tag on it (tag-with-hold: the hold is on the tagged commit
 *   itself, so no later push on main can bury it);
 * - `emptyCommit`: an empty commit on top of a HEAD that carries a skip marker, then the tag on it.
 * Before a commit is added, the tag is checked not to exist, so no commit is left behind for a tag that cannot be
 * made; when the tag step fails after the commit landed, the error says exactly what is left.
 */
export type TagStep = 'tag' | 'hold' | 'emptyCommit';

export interface TaggedRelease {
  /** The commit the tag points to. */
  sha: string;
  held: boolean;
}

export async function sendReleaseTag(
  github: GitHubClient,
  org: string,
  plan: ReleasePlan,
  tag: string,
  step: TagStep,
  log: (line: string) => void,
): Promise<TaggedRelease> {
  const where = `${org}/${plan.repo}`;
  const explainTag = (e: unknown): Error =>
    explainGitHubMutationFailure(e, unanswered.tag(org, plan.repo, tag), org, plan.repo, `create the tag ${tag}`, tag);
  if (step === 'tag') {
    await tagCommit(github, org, plan.repo, tag, plan.head.sha).catch((e: unknown) => {
      throw explainTag(e);
    });
    return { sha: plan.head.sha, held: plan.headHold };
  }
  const what = step === 'hold' ? '[HOLD] commit' : 'empty commit';
  const existing = await github.refSha(org, plan.repo, `tags/${tag}`).catch((e: unknown) => {
    throw explainGitHubFailure(e, org, plan.repo, `check that ${tag} does not exist yet`);
  });
  if (existing) {
    throw new Error(
      `${tag} already exists in ${where}: it was made after this release was read (e.g. by the bot). Nothing was changed: no ${what} on main, no tag — and that ${tag} was not held by this action. Refresh and pick the next version.`,
    );
  }
  const message = step === 'hold' ? holdMessage(plan.head) : emptyCommitMessage(tag, plan.head);
  const commit = await commitOnMain(github, org, plan.repo, plan.head, message).catch((e: unknown) => {
    const u = unanswered.holdCommit(org, plan.repo, 'hold');
    const mutation = step === 'hold' ? u : { ...u, doing: `adding an empty commit on main of ${where}` };
    throw explainGitHubMutationFailure(
      e,
      { ...mutation, check: `${tag} was not created. ${mutation.check}` },
      org,
      plan.repo,
      step === 'hold' ? 'hold the release' : 'add an empty commit',
    );
  });
  log(`${where}: ${what} ${commit.sha.slice(0, 7)} on main (fast-forward, no force) → ok`);
  try {
    await tagCommit(github, org, plan.repo, tag, commit.sha);
  } catch (e) {
    throw await whatIsLeft(github, org, plan, tag, step, commit, e);
  }
  return { sha: commit.sha, held: step === 'hold' || plan.headHold };
}

/** The tag step failed after the commit landed: what main carries now, that the tag was not made, and whose tag is. */
async function whatIsLeft(
  github: GitHubClient,
  org: string,
  plan: ReleasePlan,
  tag: string,
  step: TagStep,
  commit: CommitInfo,
  e: unknown,
): Promise<Error> {
  const where = `${org}/${plan.repo}`;
  const sha = commit.sha.slice(0, 7);
  const onMain =
    step === 'hold'
      ? `main of ${where} now carries [HOLD] (commit ${sha}): the next release tag made on main will wait for a person to approve hold-production`
      : `main of ${where} now has the empty commit ${sha}`;
  if (mayHaveHappened(e)) {
    return explainUnknownOutcome(e, {
      ...unanswered.tag(org, plan.repo, tag),
      check: `Partly done: ${onMain}. Refresh the site (or look at the tags on GitHub) before trying again.`,
    });
  }
  const refused = explainGitHubFailure(e, org, plan.repo, `create the tag ${tag}`, tag);
  let other = '';
  if (e instanceof ApiError && e.kind === 'conflict' && /already exists/i.test(e.serviceMessage ?? '')) {
    const at = await github.tagCommitSha(org, plan.repo, tag).catch(() => undefined);
    if (at === undefined) {
      other = ` The ${tag} that exists now was not made here: unless it is on ${sha}, it was not held.`;
    } else if (at === commit.sha) {
      other = ` The ${tag} that exists now (made meanwhile, e.g. by the bot) is on ${sha}${step === 'hold' ? ': it carries [HOLD] and will wait for a person' : ''}.`;
    } else {
      other = ` The ${tag} that exists now (made meanwhile, e.g. by the bot) is on ${at.slice(0, 7)}, not on ${sha}${step === 'hold' ? ": the bot's tag was not held — it deploys to production automatically unless the visual tests fail" : ''}.`;
    }
  }
  return new PartlyDoneError(`Partly done: ${onMain}. The tag ${tag} was not created — ${refused.message}${other}`);
}
