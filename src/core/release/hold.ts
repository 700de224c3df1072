/**
 * `[HOLD]`: CI approves hold-production itself only when visualtests-compare found no error AND the full message
 * of the tagged commit does not contain the literal, case-sensitive `[HOLD]` (PIPELINE.md).
 */
export const HOLD_MARKER = '[HOLD]';

export function carriesHold(message: string | undefined | null): boolean {
  return typeof message === 'string' && message.includes(HOLD_MARKER);
}

/** Why hold-production is waiting for a person. */
export type HoldReason =
  | 'visual-differences' // visualtests-compare failed
  | 'held' // compare succeeded and the tagged commit carries [HOLD]
  | 'auto-approval-failed' // compare succeeded, no [HOLD]: the automatic approval call failed
  | 'comparing' // visualtests-compare still queued or running
  | 'compare-broken' // visualtests-compare ended without a verdict: infrastructure failure, timed out, terminated
  | 'compare-canceled' // visualtests-compare canceled, not run, or retried (no verdict in this workflow)
  | 'compare-unauthorized'; // visualtests-compare could not run: the approver is outside the restricted context

/** Reasons where visualtests-compare ended without a verdict: a person decides, and nothing will change by itself. */
export const NO_VERDICT_HOLDS: ReadonlySet<HoldReason> = new Set<HoldReason>([
  'compare-broken',
  'compare-canceled',
  'compare-unauthorized',
]);

export const HOLD_REASON_TEXT: Record<HoldReason, string> = {
  'visual-differences': 'visual differences',
  held: 'held by [HOLD] in the tagged commit',
  'auto-approval-failed': 'automatic approval failed',
  comparing: 'still comparing',
  'compare-broken': 'visual tests did not finish',
  'compare-canceled': 'visual tests canceled',
  'compare-unauthorized': 'visual tests unauthorized',
};

export const HOLD_REASON_DETAIL: Record<HoldReason, string> = {
  'visual-differences':
    'visualtests-compare failed: BackstopJS found differences over the threshold (or a capture failed). Inspect the visual report, then approve or roll staging back.',
  held: 'The tagged commit carries [HOLD], so the production deploy waits for a person.',
  'auto-approval-failed':
    'visualtests-compare succeeded and the tagged commit has no [HOLD], yet hold-production was not approved: the automatic approval call failed. A person decides.',
  comparing: 'visualtests-compare has not finished: the approval will be decided when it does.',
  'compare-broken':
    'The visual tests did not finish (infrastructure failure, timed out or terminated): there is no verdict. Rerun visualtests-compare in CircleCI, or decide yourself.',
  'compare-canceled':
    'visualtests-compare was canceled, not run or retried: this workflow has no verdict. Rerun visualtests-compare in CircleCI, or decide yourself.',
  'compare-unauthorized':
    'visualtests-compare is unauthorized: every job runs with `context: org-global`, and a restricted context makes the jobs of approvers outside its security group unauthorized. Ask someone in the group to rerun it, or decide yourself.',
};

/** Why a job, or a whole workflow, is `unauthorized` (PIPELINE.md: every job runs with `context: org-global`). */
export const UNAUTHORIZED_DETAIL =
  'Unauthorized: every job runs with `context: org-global`, and a restricted context makes the jobs of people outside its security group unauthorized (they do not run). Ask someone in the group to rerun the workflow in CircleCI.';

/**
 * Explains an on-hold hold-production of a production workflow from the status of visualtests-compare and the
 * tagged commit's full message.
 */
export function explainHold(compareStatus: string | undefined, taggedCommitMessage: string | undefined): HoldReason {
  switch (compareStatus) {
    case 'success':
      return carriesHold(taggedCommitMessage) ? 'held' : 'auto-approval-failed';
    case 'failed':
      return 'visual-differences';
    case 'infrastructure_fail':
    case 'timedout':
    case 'terminated-unknown':
    case 'terminated_unknown':
      return 'compare-broken';
    // a rerun makes a new workflow (the release workflow is then the newest); a retried job in the workflow read
    // here has no verdict of its own, so it reads like a canceled one
    case 'canceled':
    case 'not_run':
    case 'retried':
      return 'compare-canceled';
    case 'unauthorized':
      return 'compare-unauthorized';
    default:
      return 'comparing'; // queued, not_running, running, blocked, unknown
  }
}
