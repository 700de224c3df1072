import type { StageInfo } from '../fleet/types';

/**
 * Releases a person stopped (REALITY.md "Releases that a person stopped"). Approving `rollback-staging` in a
 * `production` workflow runs `finish-staging`, which rolls staging back unless `hold-production` already succeeded;
 * `hold-production` then stays `on_hold` for ever: the release was rejected, and approving it later would deploy a
 * release whose staging was rolled back. If `rollback-staging` is approved while `visualtests-compare` still runs and
 * the comparison then passes, the pipeline approves `hold-production` itself and production deploys anyway: only
 * cancelling the workflow stops it.
 */
export type Rejection =
  /** Staging was rolled back (`finish-staging` finished); hold-production waits for ever: not waiting for anyone. */
  | 'rejected'
  /** `finish-staging` is rolling staging back. */
  | 'rejecting'
  /** Staging rollback approved while the visual comparison still runs: if it passes, production deploys anyway. */
  | 'may-still-deploy';

const UNFINISHED = new Set(['running', 'queued', 'not_running', 'blocked']);

/** Whether a job has not finished yet (queued, blocked behind another, or running). */
export function unfinished(stage: Pick<StageInfo, 'status'> | undefined): boolean {
  return stage !== undefined && UNFINISHED.has(stage.status);
}

/**
 * Whether a person stopped this production release with "Roll staging back", from its jobs; undefined when they
 * did not (or when `hold-production` is no longer waiting: then the release went on, or ended, whatever was approved).
 */
export function releaseRejection(stages: readonly StageInfo[]): Rejection | undefined {
  const job = (name: string): StageInfo | undefined => stages.find((s) => s.name === name);
  const rollbackStaging = job('rollback-staging');
  const holdProduction = job('hold-production');
  if (rollbackStaging?.type !== 'approval' || rollbackStaging.status !== 'success') return undefined;
  if (holdProduction?.status !== 'on_hold') return undefined;
  if (unfinished(job('visualtests-compare'))) return 'may-still-deploy';
  const finish = job('finish-staging');
  if (finish === undefined || unfinished(finish)) return 'rejecting';
  return 'rejected';
}

export const REJECTION_TEXT: Record<Rejection, string> = {
  rejected: 'rejected: staging rolled back, not waiting',
  rejecting: 'rejected: rolling staging back',
  'may-still-deploy': 'staging rollback approved, but production deploys if the visual tests pass',
};

export const REJECTION_DETAIL: Record<Rejection, string> = {
  rejected:
    'A person approved rollback-staging and finish-staging rolled staging back. hold-production stays on hold in CircleCI for ever; approving it would deploy to production a release whose staging was rolled back. Make a new release instead.',
  rejecting:
    'A person approved rollback-staging: finish-staging is rolling staging back. hold-production stays on hold in CircleCI, but the release is not waiting for anyone.',
  'may-still-deploy':
    'rollback-staging was approved while visualtests-compare still runs. If the comparison passes, the pipeline approves hold-production itself and production deploys anyway. Only stopping the release (cancelling the workflow) prevents it.',
};

/** The site row's words: `rejected: staging rolled back by asousa-gp, not waiting`. */
export function rejectionWords(rejection: Rejection, by: string | undefined): string {
  if (rejection === 'rejected') return `rejected: staging rolled back${by ? ` by ${by}` : ''}, not waiting`;
  if (rejection === 'rejecting') return `rejected${by ? ` by ${by}` : ''}: rolling staging back`;
  return REJECTION_TEXT[rejection];
}

/** Who approved `rollback-staging` (a CircleCI user id), when a person stopped the release. */
export function rejectedById(stages: readonly StageInfo[]): string | undefined {
  return releaseRejection(stages) ? stages.find((s) => s.name === 'rollback-staging')?.approvedBy : undefined;
}
