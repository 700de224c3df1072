/**
 * States a test can ask of a site's next release pipelines (`SandboxOptions.states`), so that the sandbox produces
 * every job, workflow and pipeline status of CircleCI's v2 description, not only the happy ones.
 */
import type { JobStatus, WorkflowStatus } from './pipelines';

/** Job statuses a job ends with. */
export type EndStatus = Extract<
  JobStatus,
  | 'success'
  | 'failed'
  | 'infrastructure_fail'
  | 'timedout'
  | 'terminated-unknown'
  | 'canceled'
  | 'retried'
  | 'unauthorized'
>;

/** Job statuses a started job can stay in (waiting for a machine): it never ends. */
export type StuckStatus = Extract<JobStatus, 'queued' | 'not_running'>;

export type PipelineSetupState = 'setup-pending' | 'setup' | 'pending';

export interface StatePlan {
  /**
   * Jobs of the release workflow (by name): a build job ends with this status instead of succeeding
   * (`unauthorized` at once, without running: a restricted context), or stays `queued` / `not_running` for ever.
   */
  jobs?: Record<string, EndStatus | StuckStatus>;
  /** The workflow ends at once with this status, its jobs not run (`unauthorized`: its first jobs unauthorized). */
  workflow?: Extract<WorkflowStatus, 'error' | 'not_run' | 'unauthorized'>;
  /** The pipeline stays in this state for `minutes` before its workflows appear. */
  setup?: { state: PipelineSetupState; minutes: number };
  /** The pipeline errors (no workflow) with this message, e.g. a broken generated config. */
  errored?: string;
  /** Triggered through the API without `vcs.commit` (only the revision is known). */
  noCommit?: boolean;
}

const END: ReadonlySet<string> = new Set<EndStatus>([
  'success',
  'failed',
  'infrastructure_fail',
  'timedout',
  'terminated-unknown',
  'canceled',
  'retried',
  'unauthorized',
]);

export function isEndStatus(s: string | undefined): s is EndStatus {
  return s !== undefined && END.has(s);
}

/** Job statuses that count as a failure in the workflow's status. */
export const FAILED_JOB: ReadonlySet<string> = new Set([
  'failed',
  'infrastructure_fail',
  'timedout',
  'terminated-unknown',
]);
