import { ApiError } from '../api/errors';

/**
 * A release action that failed, in a release manager's words: why GitHub or CircleCI refused it
 * (`explainGitHubFailure`, `explainCircleciFailure`), or — for a mutation that got no answer — that it may have
 * happened and how to check (`OutcomeUnknownError`, `unanswered`).
 */

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

/** Rewrites a CircleCI failure of a release action in a release manager's words. */
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

/**
 * A mutation whose request may have reached the service although no answer came back (a timeout or a reset after
 * the request was sent, a 5xx): the clients mark it `outcomeUnknown`. It may have happened, so it must be looked at,
 * never blindly sent again.
 */
export function mayHaveHappened(e: unknown): e is ApiError {
  return e instanceof ApiError && e.outcomeUnknown;
}

/** What an unanswered mutation was doing, in a release manager's words. */
export interface UnansweredMutation {
  /** `creating v1.2.3 in greenpeace/planet4-africa` */
  doing: string;
  /** `it may have been created` */
  mayHave: string;
  /** `Refresh the site (or look at the tags on GitHub) before trying again.` */
  check: string;
}

/** The explained failure of a mutation that may have happened (so the log can say "outcome unknown"). */
export class OutcomeUnknownError extends Error {
  override readonly name = 'OutcomeUnknownError';
}

/**
 * A release action of several mutations that stopped half way: what landed stays (e.g. a `[HOLD]` commit on main)
 * and the message says exactly what is left.
 */
export class PartlyDoneError extends Error {
  override readonly name = 'PartlyDoneError';
}

/** Why no answer came, e.g. `GitHub did not answer in time`. */
function whatWentWrong(e: ApiError): string {
  switch (e.kind) {
    case 'timeout':
      return `${e.serviceName} did not answer in time`;
    case 'server':
      return `${e.serviceName} had a server error${e.status !== undefined ? ` (${e.status})` : ''}`;
    case 'network':
      return `The connection to ${e.serviceName} broke`;
    default:
      return `${e.serviceName} gave no clear answer`;
  }
}

/**
 * The message for a mutation that may have happened: `GitHub did not answer in time while creating v1.2.3 in
 * greenpeace/planet4-africa: it may have been created. Refresh the site (or look at the tags on GitHub) before trying
 * again.`
 */
export function explainUnknownOutcome(e: ApiError, mutation: UnansweredMutation): OutcomeUnknownError {
  return new OutcomeUnknownError(`${whatWentWrong(e)} while ${mutation.doing}: ${mutation.mayHave}. ${mutation.check}`);
}

/** The unanswered mutations of a release, one per action. */
export const unanswered = {
  tag: (org: string, repo: string, tag: string): UnansweredMutation => ({
    doing: `creating ${tag} in ${org}/${repo}`,
    mayHave: 'it may have been created',
    check: 'Refresh the site (or look at the tags on GitHub) before trying again.',
  }),
  holdCommit: (org: string, repo: string, mode: 'hold' | 'release'): UnansweredMutation => ({
    doing: `adding the commit that ${mode === 'hold' ? 'holds the next release ([HOLD])' : 'releases the hold'} on main of ${org}/${repo}`,
    mayHave: 'main may have moved to it',
    check: 'Refresh the site (or look at the commits of main on GitHub) before trying again.',
  }),
  approval: (site: string, job: string, workflowId: string): UnansweredMutation => ({
    doing: `approving ${job} of ${site} (workflow ${workflowId})`,
    mayHave: 'it may have been approved',
    check: 'Refresh the site (or open the workflow on CircleCI) before trying again.',
  }),
  cancel: (site: string, tag: string, workflowId: string): UnansweredMutation => ({
    doing: `stopping the release ${tag} of ${site} (cancelling workflow ${workflowId})`,
    mayHave: 'it may have been canceled',
    check: 'Refresh the site (or open the workflow on CircleCI) before trying again.',
  }),
  rollback: (slug: string, tag: string): UnansweredMutation => ({
    doing: `starting the rollback of ${slug} to ${tag}`,
    mayHave: 'the rollback pipeline may have started',
    check:
      'Refresh the site (or look at the pipelines on CircleCI) before trying again: a second rollback to the same tag first looks for it and does not start another.',
  }),
};

/** A failed GitHub mutation in words: "may have happened" when no answer came, else why GitHub refused it. */
export function explainGitHubMutationFailure(
  e: unknown,
  mutation: UnansweredMutation,
  org: string,
  repo: string,
  action: string,
  tag?: string,
): Error {
  return mayHaveHappened(e) ? explainUnknownOutcome(e, mutation) : explainGitHubFailure(e, org, repo, action, tag);
}

/** A failed CircleCI mutation in words: "may have happened" when no answer came, else why CircleCI refused it. */
export function explainCircleciMutationFailure(
  e: unknown,
  mutation: UnansweredMutation,
  slug: string,
  action: string,
): Error {
  return mayHaveHappened(e) ? explainUnknownOutcome(e, mutation) : explainCircleciFailure(e, slug, action);
}
