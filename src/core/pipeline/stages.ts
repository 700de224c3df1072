import type { Workflow } from '../api/circleci/types';
import { explainHold, type HoldReason } from '../release/hold';
import { releaseRejection, type Rejection } from '../release/rejection';
import type { SiteState, StageInfo, WorkflowKind } from '../fleet/types';

/** The production workflow's jobs in dependency order (PIPELINE.md). */
export const PRODUCTION_STAGES = [
  'visualtests-reference',
  'build',
  'deploy-staging',
  'visualtests-compare',
  'rollback-staging',
  'finish-staging',
  'hold-production',
  'deploy-production',
] as const;

/** The rollback workflow's jobs in dependency order. */
export const ROLLBACK_STAGES = [
  'rollback-staging',
  'hold-production',
  'hold-production-db',
  'rollback-production',
  'rollback-production-db',
] as const;

export function workflowKind(name: string): WorkflowKind | undefined {
  return name === 'production' ? 'production' : name === 'rollback' ? 'rollback' : undefined;
}

/**
 * The release workflow of a tag pipeline: `production` or `rollback`; when a workflow was rerun, the newest one.
 */
export function releaseWorkflow(workflows: readonly Workflow[]): Workflow | undefined {
  return workflows
    .filter((w) => workflowKind(w.name) !== undefined)
    .sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at))[0];
}

/**
 * Orders a workflow's stages: the known jobs in their documented order, then any other job after the ones it
 * depends on (a stable topological order), so a renamed or extra job still shows in a sensible place.
 */
export function orderStages(kind: WorkflowKind, stages: readonly StageInfo[]): StageInfo[] {
  const known: readonly string[] = kind === 'production' ? PRODUCTION_STAGES : ROLLBACK_STAGES;
  const rank = (s: StageInfo): number => {
    const i = known.indexOf(s.name);
    return i === -1 ? Number.MAX_SAFE_INTEGER : i;
  };
  const byId = new Map(stages.map((s) => [s.id, s]));
  const sorted = [...stages].sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
  const out: StageInfo[] = [];
  const placed = new Set<string>();
  const visiting = new Set<string>();
  const place = (s: StageInfo): void => {
    if (placed.has(s.id) || visiting.has(s.id)) return;
    visiting.add(s.id);
    for (const dep of s.dependencies) {
      const d = byId.get(dep);
      if (d && rank(d) >= rank(s)) place(d); // known order already respects dependencies
    }
    visiting.delete(s.id);
    placed.add(s.id);
    out.push(s);
  };
  sorted.forEach(place);
  return out;
}

const RUNNING_JOB = new Set(['running', 'queued', 'not_running', 'blocked']);
const FAILED_JOB = new Set(['failed', 'infrastructure_fail', 'timedout', 'terminated-unknown']);

export interface DerivedState {
  state: SiteState;
  hold?: HoldReason;
  /** A person approved rollback-staging while hold-production still waits. */
  rejection?: Rejection;
}

/**
 * The site's state from its release workflow and its jobs. A waiting approval is what needs a person, so it wins
 * over "running" as soon as the decisive approval is on hold.
 */
export function deriveState(
  workflow: { name: string; status: string },
  stages: readonly StageInfo[],
  taggedCommitMessage: string | undefined,
): DerivedState {
  const kind = workflowKind(workflow.name) ?? 'production';
  const job = (name: string): StageInfo | undefined => stages.find((s) => s.name === name);
  const holdProduction = job('hold-production');

  if (kind === 'production') {
    const deploy = job('deploy-production');
    if (deploy?.status === 'success') return { state: 'deployed' };
    if (deploy && FAILED_JOB.has(deploy.status)) return { state: 'failed' };
    // stopped (Stop this release): whatever its approvals still say, nothing of it runs any more
    if (workflow.status === 'canceled') return { state: 'canceled' };
    if (holdProduction?.status === 'on_hold') {
      const compare = job('visualtests-compare');
      const reason = explainHold(compare?.status, taggedCommitMessage);
      const rejection = releaseRejection(stages);
      // staging rolled back: hold-production waits in CircleCI for ever, but nobody is waiting for it
      if (rejection === 'rejected') return { state: 'rejected', rejection };
      if (rejection === 'rejecting') return { state: 'running', rejection };
      // may-still-deploy: the comparison runs; if it passes, the pipeline approves hold-production itself
      if (rejection) return { state: 'running', hold: reason, rejection };
      return reason === 'comparing' ? { state: 'running', hold: reason } : { state: 'waiting', hold: reason };
    }
  } else {
    const rollbackProduction = job('rollback-production');
    if (rollbackProduction?.status === 'success') return { state: 'rolled-back' };
    if (rollbackProduction && FAILED_JOB.has(rollbackProduction.status)) return { state: 'failed' };
    if (holdProduction?.status === 'on_hold') return { state: 'waiting' };
  }

  switch (workflow.status) {
    case 'success':
      return { state: kind === 'rollback' ? 'rolled-back' : 'deployed' };
    case 'failing':
      // a job failed but others still run (e.g. deploy-production after a person approved visual differences)
      return { state: stages.some((s) => s.status === 'running') ? 'running' : 'failed' };
    case 'failed':
    case 'error':
    case 'unauthorized':
      return { state: 'failed' };
    case 'canceled':
    case 'not_run':
      return { state: 'canceled' };
    case 'on_hold':
      return { state: 'waiting' };
    default:
      break;
  }
  if (stages.some((s) => FAILED_JOB.has(s.status))) return { state: 'failed' };
  if (stages.some((s) => RUNNING_JOB.has(s.status))) return { state: 'running' };
  return { state: 'running' };
}

export const STATE_WORDS: Record<SiteState, string> = {
  loading: 'loading…',
  deployed: 'deployed',
  waiting: 'waiting for approval',
  rejected: 'rejected',
  running: 'running',
  failed: 'failed',
  'rolled-back': 'rolled back',
  canceled: 'canceled',
  'no-project': 'CircleCI project not found',
  'no-release': 'no release pipeline',
  'no-workflows': 'pipeline has no workflows',
  'setting-up': 'setting up pipeline',
  'pipeline-error': 'pipeline errored',
  error: 'error',
};

/** Sites needing a person first, then running, then the rest. */
export function attentionRank(state: SiteState): number {
  switch (state) {
    case 'waiting':
    case 'failed':
    case 'pipeline-error':
      return 0;
    case 'error':
    case 'no-project':
      return 1;
    case 'running':
    case 'loading':
    case 'setting-up':
      return 2;
    default:
      return 3;
  }
}

export function needsAttention(state: SiteState): boolean {
  return state === 'waiting' || state === 'failed' || state === 'pipeline-error';
}

const STAGE_STATUS_WORDS: Record<string, string> = {
  success: 'succeeded',
  running: 'running',
  not_run: 'not run',
  failed: 'failed',
  retried: 'retried',
  queued: 'queued',
  not_running: 'queued',
  infrastructure_fail: 'infrastructure failure',
  timedout: 'timed out',
  on_hold: 'waiting for approval',
  terminated_unknown: 'terminated',
  'terminated-unknown': 'terminated',
  blocked: 'blocked',
  canceled: 'canceled',
  unauthorized: 'unauthorized (restricted context)',
};

/**
 * The jobs of a release that are `unauthorized` (a restricted context), or every job's name when only the workflow
 * says so; empty when nothing is.
 */
export function unauthorizedJobs(workflow: { status: string } | undefined, stages: readonly StageInfo[]): string[] {
  const jobs = stages.filter((s) => s.status === 'unauthorized').map((s) => s.name);
  return jobs.length === 0 && workflow?.status === 'unauthorized' ? ['workflow'] : jobs;
}

export function stageStatusWords(stage: Pick<StageInfo, 'status' | 'type'>): string {
  if (stage.type === 'approval' && stage.status === 'success') return 'approved';
  return STAGE_STATUS_WORDS[stage.status] ?? stage.status.replace(/_/g, ' ');
}
