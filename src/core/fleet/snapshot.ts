import type { Job, Pipeline, Workflow } from '../api/circleci/types';
import { ApiError } from '../api/errors';
import { deriveState, orderStages, releaseWorkflow, workflowKind } from '../pipeline/stages';
import { isVersionTag } from '../release/version';
import type { PipelineInfo, SiteSnapshot, StageInfo, WorkflowInfo, WorkflowKind } from './types';

/*
 * From CircleCI's answers (a pipeline, its workflows, a workflow's jobs) to a site's snapshot: the one place where
 * CircleCI's shapes become ours. Pure (no request, no clock, no log): the loader asks, this module maps, the stage
 * rules (`pipeline/stages.ts`) order the stages and derive the state.
 */

/**
 * How long a release pipeline without workflows may still be setting them up (CircleCI's `setup-pending`, `setup`,
 * `pending`): it is watched meanwhile, and after it shows as having no workflows.
 */
export const SETUP_GRACE_MS = 10 * 60_000;

const SETUP_STATES: ReadonlySet<string> = new Set(['setup-pending', 'setup', 'pending']);

/**
 * Whether a release pipeline without workflows may still be setting up at `now`: it has not errored, this window
 * has seen it without workflows for less than the grace (`since`: counted on this window's clock, so a skewed
 * clock cannot end the grace at once), and CircleCI says it is setting up or it is younger than the grace.
 */
export function settingUp(p: PipelineInfo, now: number, since: number): boolean {
  if (p.state === 'errored' || now - since >= SETUP_GRACE_MS) return false;
  return (p.state !== undefined && SETUP_STATES.has(p.state)) || now - Date.parse(p.createdAt) < SETUP_GRACE_MS;
}

/** A pipeline built for a release tag (`v1.2.3`), or a suffixed one (`v1.2.3-x`), which CircleCI deploys alike. */
export function isReleasePipeline(p: Pipeline): boolean {
  return isVersionTag(p.vcs?.tag);
}

export function toPipelineInfo(p: Pipeline): PipelineInfo {
  const info: PipelineInfo = {
    id: p.id,
    number: p.number,
    tag: p.vcs?.tag ?? '',
    createdAt: p.created_at,
    revision: p.vcs?.revision ?? '',
  };
  const commit = (p.vcs as { commit?: { subject?: string | null; body?: string | null } } | undefined)?.commit;
  if (commit?.subject) info.commitSubject = commit.subject;
  if (commit?.body) info.commitBody = commit.body;
  const actor = (p.trigger as { actor?: { login?: string } } | undefined)?.actor?.login;
  if (actor) info.triggeredBy = actor;
  if (typeof p.state === 'string') info.state = p.state;
  // required by the spec, but a pipeline answer without it still reads
  const errors = ((p.errors as typeof p.errors | undefined) ?? [])
    .map((e) => e.message)
    .filter((m) => typeof m === 'string' && m !== '');
  if (errors.length > 0) info.errors = errors;
  return info;
}

/** The release workflow (`production` or `rollback`; the newest when rerun) of a pipeline's workflows. */
export function releaseWorkflowInfo(workflows: readonly Workflow[]): WorkflowInfo | undefined {
  const w = releaseWorkflow(workflows);
  return w ? toWorkflowInfo(w) : undefined;
}

export function toWorkflowInfo(w: Workflow): WorkflowInfo {
  const info: WorkflowInfo = {
    id: w.id,
    name: w.name,
    kind: workflowKind(w.name) ?? 'production',
    status: w.status,
    createdAt: w.created_at,
  };
  if (w.stopped_at) info.stoppedAt = w.stopped_at;
  return info;
}

export function toStage(job: Job): StageInfo {
  const stage: StageInfo = {
    name: job.name,
    id: job.id,
    type: job.type === 'approval' ? 'approval' : 'build',
    status: job.status,
    dependencies: [...job.dependencies],
  };
  if (typeof job.job_number === 'number') stage.jobNumber = job.job_number;
  if (job.approval_request_id) stage.approvalRequestId = job.approval_request_id;
  if (job.type === 'approval' && job.approved_by) stage.approvedBy = job.approved_by;
  if (job.started_at) stage.startedAt = job.started_at;
  if (job.stopped_at) stage.stoppedAt = job.stopped_at;
  return stage;
}

/** A workflow's jobs as stages, in the documented order of its kind. */
export function toStages(kind: WorkflowKind, jobs: readonly Job[]): StageInfo[] {
  return orderStages(kind, jobs.map(toStage));
}

/** What is known of a site's latest release: its pipeline, that pipeline's release workflow and its stages. */
export interface ReleaseFacts {
  pipeline?: PipelineInfo;
  workflow?: WorkflowInfo;
  stages?: StageInfo[];
  /** Without a release workflow: CircleCI may still be setting the pipeline up (`settingUp`). */
  settingUp?: boolean;
}

/**
 * The snapshot of a site loaded at `updatedAt`: `no-release` without a release pipeline; without a release workflow
 * `pipeline-error` when it errored, `setting-up` within the setup grace (`settingUp`), else `no-workflows`; else the state the
 * stages say (and, on hold, why).
 */
export function siteSnapshot(site: string, slug: string, updatedAt: number, release: ReleaseFacts): SiteSnapshot {
  const base: SiteSnapshot = { site, slug, state: 'loading', stages: [], updatedAt };
  const { pipeline, workflow, stages } = release;
  if (!pipeline) return { ...base, state: 'no-release' };
  if (!workflow || !stages) {
    if (pipeline.state === 'errored') return { ...base, pipeline, state: 'pipeline-error' };
    return { ...base, pipeline, state: release.settingUp ? 'setting-up' : 'no-workflows' };
  }
  const message = [pipeline.commitSubject, pipeline.commitBody].filter(Boolean).join('\n\n');
  const derived = deriveState(workflow, stages, message);
  return {
    ...base,
    pipeline,
    workflow,
    stages,
    state: derived.state,
    ...(derived.hold ? { hold: derived.hold } : {}),
    ...(derived.rejection ? { rejection: derived.rejection } : {}),
  };
}

/**
 * The snapshot of a site whose load failed: `no-project` when CircleCI does not know the project, else `error`,
 * keeping the pipeline, workflow and stages of the `previous` snapshot (unless that was an error too).
 */
export function failedSnapshot(site: string, slug: string, e: unknown, previous?: SiteSnapshot): SiteSnapshot {
  if (e instanceof ApiError) {
    const error = { kind: e.kind, message: e.message, service: e.serviceName };
    if (e.service === 'circleci' && e.kind === 'notFound')
      return { site, slug, state: 'no-project', stages: [], error };
    return {
      ...(previous && previous.state !== 'error' ? { pipeline: previous.pipeline, workflow: previous.workflow } : {}),
      site,
      slug,
      state: 'error',
      stages: previous?.stages ?? [],
      error,
    };
  }
  const message = e instanceof Error ? e.message : String(e);
  return { site, slug, state: 'error', stages: [], error: { kind: 'unknown', message } };
}

/** The same snapshot, but for when it was loaded and whether it is stale. */
export function sameSnapshot(a: SiteSnapshot, b: SiteSnapshot): boolean {
  const strip = (s: SiteSnapshot): string => JSON.stringify({ ...s, updatedAt: 0, stale: false });
  return strip(a) === strip(b);
}
