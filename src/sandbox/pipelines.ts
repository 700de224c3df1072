import { MINUTE, uuidFrom } from './util';

/** A pseudo job name for `failing`: visualtests-compare succeeds but its call approving hold-production fails. */
export const AUTO_APPROVAL = 'auto-approval';

export type JobStatus = 'blocked' | 'running' | 'success' | 'failed' | 'on_hold' | 'not_run';
export type WorkflowStatus = 'success' | 'running' | 'failed' | 'failing' | 'on_hold';
export type WorkflowName = 'production' | 'rollback' | 'develop' | 'backup';
export type TriggerType = 'webhook' | 'api' | 'scheduled_pipeline';

interface JobDef {
  name: string;
  type: 'build' | 'approval';
  requires: string[];
  minutes: number;
}

const build = (name: string, minutes: number, requires: string[] = []): JobDef => ({
  name,
  type: 'build',
  requires,
  minutes,
});
const approval = (name: string, requires: string[]): JobDef => ({ name, type: 'approval', requires, minutes: 0 });

/** Workflows exactly as PIPELINE.md describes them. */
export const WORKFLOWS: Record<WorkflowName, JobDef[]> = {
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
  outcome: 'success' | 'failed';
  startedAt?: number;
  stoppedAt?: number;
  endAt?: number;
  number?: number;
  approvedBy?: string;
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
  state: 'created' | 'errored';
  errors: { type: 'config-fetch'; message: string }[];
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
}

export interface Registry {
  pipelines: Map<string, Pipeline>;
  workflows: Map<string, Workflow>;
}

/** The automatic approver (CircleCI API calls made by the jobs themselves). */
export const CI_BOT: Actor = { id: uuidFrom('planet4-circleci-bot'), login: 'planet4-bot' };

export function workflowStatus(wf: Workflow): WorkflowStatus {
  const failed = wf.jobs.some((j) => j.status === 'failed');
  if (wf.jobs.some((j) => j.status === 'running')) {
    return failed ? 'failing' : 'running';
  }
  if (wf.jobs.some((j) => j.status === 'on_hold')) {
    return failed ? 'failing' : 'on_hold';
  }
  return failed ? 'failed' : 'success';
}

/** A CircleCI project and its simulated pipelines; events happen when `sync(now)` is called. */
export class Project {
  /** chronological */
  readonly pipelines: Pipeline[] = [];
  readonly jobsByNumber = new Map<number, Job>();
  private readonly active = new Set<Workflow>();
  private nextJob: number;
  private nextPipeline: number;
  private syncedTo = 0;

  constructor(
    readonly site: string,
    readonly registry: Registry,
    firstPipelineNumber: number,
    firstJobNumber: number,
  ) {
    this.nextPipeline = firstPipelineNumber;
    this.nextJob = firstJobNumber;
  }

  get slug(): string {
    return `gh/greenpeace/planet4-${this.site}`;
  }

  get id(): string {
    return uuidFrom(`project:${this.site}`);
  }

  /** Runs every job completion (and what follows from it) up to time t. */
  sync(t: number): void {
    if (t < this.syncedTo) {
      return;
    }
    for (;;) {
      let next: Job | undefined;
      for (const wf of this.active) {
        for (const job of wf.jobs) {
          if (job.status === 'running' && job.endAt !== undefined && job.endAt <= t) {
            if (!next || (next.endAt ?? 0) > job.endAt) {
              next = job;
            }
          }
        }
      }
      if (!next) {
        break;
      }
      this.finish(next, next.endAt ?? t);
    }
    this.syncedTo = t;
  }

  createPipeline(req: PipelineRequest): Pipeline {
    this.sync(req.at);
    const number = this.nextPipeline++;
    const vcs = req.vcs ?? { revision: '', subject: '', body: '' };
    const pipeline: Pipeline = {
      id: uuidFrom(`pipeline:${this.site}:${number}`),
      number,
      project: this,
      createdAt: req.at,
      triggerType: req.triggerType,
      actor: req.actor,
      vcs,
      parameters: req.parameters,
      state: req.errorMessage === undefined ? 'created' : 'errored',
      errors: req.errorMessage === undefined ? [] : [{ type: 'config-fetch', message: req.errorMessage }],
      workflows: [],
      hold: `${vcs.subject}\n${vcs.body}`.includes('[HOLD]'),
    };
    this.pipelines.push(pipeline);
    this.registry.pipelines.set(pipeline.id, pipeline);
    if (req.errorMessage === undefined) {
      for (const name of this.workflowsFor(pipeline)) {
        this.startWorkflow(pipeline, name, new Set(req.failing ?? []));
      }
    }
    return pipeline;
  }

  private workflowsFor(p: Pipeline): WorkflowName[] {
    if (p.triggerType === 'scheduled_pipeline') {
      return ['backup'];
    }
    if (p.vcs.tag !== undefined) {
      if (!/^v.*/.test(p.vcs.tag)) {
        return [];
      }
      return p.parameters.rollback === true ? ['rollback'] : ['production'];
    }
    if (p.vcs.branch === 'main' && p.parameters.run_develop !== false) {
      return ['develop'];
    }
    return [];
  }

  /**
   * `POST /workflow/{id}/rerun`: a new workflow of the same name in the same pipeline, started now (the scenario's
   * failures are not repeated: a rerun is what people do after fixing the cause). Returns the new workflow.
   */
  rerun(wf: Workflow, at: number): Workflow {
    const n = wf.pipeline.workflows.filter((w) => w.name === wf.name).length;
    return this.startWorkflow(wf.pipeline, wf.name, new Set(), at, `:rerun${n}`);
  }

  private startWorkflow(
    pipeline: Pipeline,
    name: WorkflowName,
    failing: Set<string>,
    at: number = pipeline.createdAt,
    idSuffix = '',
  ): Workflow {
    const wfId = uuidFrom(`workflow:${pipeline.id}:${name}${idSuffix}`);
    const wf: Workflow = {
      id: wfId,
      name,
      pipeline,
      jobs: [],
      createdAt: at,
      startedBy: pipeline.actor.id,
      autoApprovalFails: failing.has(AUTO_APPROVAL),
    };
    for (const def of WORKFLOWS[name]) {
      wf.jobs.push({
        id: uuidFrom(`job:${wfId}:${def.name}`),
        name: def.name,
        type: def.type,
        requires: def.requires,
        minutes: def.minutes,
        status: 'blocked',
        outcome: failing.has(def.name) ? 'failed' : 'success',
        workflow: wf,
      });
    }
    pipeline.workflows.push(wf);
    this.registry.workflows.set(wf.id, wf);
    this.active.add(wf);
    this.propagate(wf, at);
    return wf;
  }

  private finish(job: Job, at: number): void {
    job.status = job.outcome;
    job.stoppedAt = at;
    const wf = job.workflow;
    if (job.status === 'success') {
      if (
        wf.name === 'production' &&
        job.name === 'visualtests-compare' &&
        !wf.pipeline.hold &&
        !wf.autoApprovalFails
      ) {
        this.approveJob(wf, 'hold-production', at, CI_BOT.id, false);
      }
      if (wf.name === 'production' && job.name === 'deploy-production') {
        this.approveJob(wf, 'rollback-staging', at, CI_BOT.id, false);
      }
    }
    this.propagate(wf, at);
  }

  private approveJob(wf: Workflow, name: string, at: number, by: string, propagate: boolean): void {
    const job = wf.jobs.find((j) => j.name === name);
    if (job?.status === 'on_hold') {
      job.status = 'success';
      job.stoppedAt = at;
      job.approvedBy = by;
      if (propagate) {
        this.propagate(wf, at);
      }
    }
  }

  /** Approval through the API. */
  approve(job: Job, at: number, by: string): void {
    this.sync(at);
    if (job.status !== 'on_hold') {
      return;
    }
    this.approveJob(job.workflow, job.name, at, by, true);
  }

  private propagate(wf: Workflow, at: number): void {
    let changed = true;
    while (changed) {
      changed = false;
      for (const job of wf.jobs) {
        if (job.status !== 'blocked') {
          continue;
        }
        const deps = job.requires.map((name) => wf.jobs.find((j) => j.name === name));
        if (deps.every((d) => d?.status === 'success')) {
          job.startedAt = at;
          if (job.type === 'approval') {
            job.status = 'on_hold';
          } else {
            job.status = 'running';
            job.number = this.nextJob++;
            job.endAt = at + job.minutes * MINUTE;
            this.jobsByNumber.set(job.number, job);
          }
          changed = true;
        }
      }
    }
    if (!wf.jobs.some((j) => j.status === 'running' || j.status === 'on_hold')) {
      for (const job of wf.jobs) {
        if (job.status === 'blocked') {
          job.status = 'not_run';
        }
      }
      wf.stoppedAt = Math.max(at, ...wf.jobs.map((j) => j.stoppedAt ?? 0));
      this.active.delete(wf);
    }
  }
}
