/** The sandbox's CircleCI model: the workflows of docs/PIPELINE.md and the pipelines, workflows and jobs they make. */
import type { Project } from './project';
import { FAILED_JOB, type EndStatus, type PipelineSetupState, type StatePlan, type StuckStatus } from './states';
import { uuidFrom } from './util';

/** A pseudo job name for `failing`: visualtests-compare succeeds but its call approving hold-production fails. */
export const AUTO_APPROVAL = 'auto-approval';

/** Every job status of CircleCI's v2 description. */
export type JobStatus =
  | 'success'
  | 'running'
  | 'not_run'
  | 'failed'
  | 'retried'
  | 'queued'
  | 'not_running'
  | 'infrastructure_fail'
  | 'timedout'
  | 'on_hold'
  | 'terminated-unknown'
  | 'blocked'
  | 'canceled'
  | 'unauthorized';
/** Every workflow status of CircleCI's v2 description. */
export type WorkflowStatus =
  'success' | 'running' | 'not_run' | 'failed' | 'error' | 'failing' | 'on_hold' | 'canceled' | 'unauthorized';
/** `release` is planet4-base's platform release (`base.ts`); base's `develop` has its own jobs there too. */
export type WorkflowName = 'production' | 'rollback' | 'develop' | 'backup' | 'release';
export type SiteWorkflowName = Exclude<WorkflowName, 'release'>;
export type TriggerType = 'webhook' | 'api' | 'scheduled_pipeline';

export interface JobDef {
  name: string;
  type: 'build' | 'approval';
  requires: string[];
  minutes: number;
}

export const build = (name: string, minutes: number, requires: string[] = []): JobDef => ({
  name,
  type: 'build',
  requires,
  minutes,
});
export const approval = (name: string, requires: string[]): JobDef => ({
  name,
  type: 'approval',
  requires,
  minutes: 0,
});

/** Workflows exactly as PIPELINE.md describes them. */
export const WORKFLOWS: Record<SiteWorkflowName, JobDef[]> = {
  production: [
    build('visualtests-reference', 5),
    build('build', 4),
    build('deploy-staging', 3, ['visualtests-reference', 'build']),
    build('visualtests-compare', 5, ['deploy-staging']),
    approval('rollback-staging', ['deploy-staging']),
    approval('hold-production', ['deploy-staging']),
    build('finish-staging', 1, ['rollback-staging']),
    build('deploy-production', 3, ['hold-production']),
  ],
  rollback: [
    build('rollback-staging', 3),
    approval('hold-production', ['rollback-staging']),
    build('rollback-production', 3, ['hold-production']),
    approval('hold-production-db', ['rollback-staging']),
    build('rollback-production-db', 4, ['hold-production-db']),
  ],
  develop: [build('build-develop', 4), build('deploy-develop', 3, ['build-develop'])],
  backup: [build('backup', 2)],
};

export const ARTIFACT_JOBS = new Set(['visualtests-reference', 'visualtests-compare']);

export interface Actor {
  id: string;
  login: string;
}

export interface Job {
  id: string;
  name: string;
  type: 'build' | 'approval';
  requires: string[];
  status: JobStatus;
  minutes: number;
  outcome: EndStatus;
  /** the job, once started, waits for a machine for ever (`SandboxOptions.states`) */
  stuck?: StuckStatus;
  startedAt?: number;
  stoppedAt?: number;
  endAt?: number;
  number?: number;
  approvedBy?: string;
  canceledBy?: string;
  workflow: Workflow;
}

export interface Workflow {
  id: string;
  name: WorkflowName;
  pipeline: Pipeline;
  jobs: Job[];
  createdAt: number;
  stoppedAt?: number;
  startedBy: string;
  /** the scenario makes visualtests-compare's approval call fail */
  autoApprovalFails?: boolean;
  /** `POST /workflow/{id}/cancel`: when, and by whom */
  canceled?: { at: number; by: string };
  /** the workflow ended at once with this status (`SandboxOptions.states`) */
  forced?: WorkflowStatus;
}

export interface Vcs {
  branch?: string;
  tag?: string;
  revision: string;
  subject: string;
  body: string;
}

export interface Pipeline {
  id: string;
  number: number;
  project: Project;
  createdAt: number;
  triggerType: TriggerType;
  actor: Actor;
  vcs: Vcs;
  parameters: Record<string, string | number | boolean>;
  state: 'created' | 'errored' | PipelineSetupState;
  errors: { type: 'config-fetch' | 'config'; message: string }[];
  /** still setting up: its workflows start at `until` (`SandboxOptions.states`) */
  setup?: { until: number; failing: string[] };
  /** triggered through the API without `vcs.commit` */
  noCommit?: boolean;
  workflows: Workflow[];
  /** the commit message contains the case-sensitive `[HOLD]` */
  hold: boolean;
}

export interface PipelineRequest {
  at: number;
  triggerType: TriggerType;
  actor: Actor;
  vcs: Vcs | undefined;
  parameters: Record<string, string | number | boolean>;
  /** jobs that will fail (scenario), by name */
  failing?: string[];
  errorMessage?: string;
  /** what a test asked of this site's release pipelines (`SandboxOptions.states`) */
  plan?: StatePlan;
}

export interface Registry {
  pipelines: Map<string, Pipeline>;
  workflows: Map<string, Workflow>;
}

/** The automatic approver (CircleCI API calls made by the jobs themselves). */
export const CI_BOT: Actor = { id: uuidFrom('planet4-circleci-bot'), login: 'planet4-bot' };

export function workflowStatus(wf: Workflow): WorkflowStatus {
  if (wf.forced) {
    return wf.forced;
  }
  if (wf.canceled) {
    return 'canceled';
  }
  const failed = wf.jobs.some((j) => FAILED_JOB.has(j.status));
  if (wf.jobs.some((j) => j.status === 'running' || j.status === 'queued' || j.status === 'not_running')) {
    return failed ? 'failing' : 'running';
  }
  if (wf.jobs.some((j) => j.status === 'on_hold')) {
    return failed ? 'failing' : 'on_hold';
  }
  if (failed) {
    return 'failed';
  }
  // not confirmed live: a restricted context's unauthorized job (or a canceled one) ends the workflow so
  if (wf.jobs.some((j) => j.status === 'unauthorized')) {
    return 'unauthorized';
  }
  return wf.jobs.some((j) => j.status === 'canceled') ? 'canceled' : 'success';
}
