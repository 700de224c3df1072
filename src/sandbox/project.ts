import {
  AUTO_APPROVAL,
  CI_BOT,
  WORKFLOWS,
  type Job,
  type JobDef,
  type Pipeline,
  type PipelineRequest,
  type Registry,
  type Workflow,
  type WorkflowName,
} from './pipelines';
import { isEndStatus, type StatePlan } from './states';
import { MINUTE, uuidFrom } from './util';

/** What makes a project other than a site's (planet4-base, `base.ts`): its workflows, and what its jobs do. */
export interface ProjectKind {
  readonly repoName: string;
  workflowsFor(p: Pipeline): WorkflowName[];
  jobs(name: WorkflowName): JobDef[];
  /** A build job started running at `at`. */
  started?(job: Job, at: number): void;
}

/** A CircleCI project and its simulated pipelines; events happen when `sync(now)` is called. */
export class Project {
  /** chronological */
  readonly pipelines: Pipeline[] = [];
  readonly jobsByNumber = new Map<number, Job>();
  /**
   * The tags whose images are in the registry: pushed only by a successful `build` job of the tag's own production
   * workflow (REALITY.md "Tags"). A rollback of any other tag fails in `rollback-staging`.
   */
  readonly images = new Set<string>();
  private readonly active = new Set<Workflow>();
  /** what a test asked of a release pipeline's workflows (`SandboxOptions.states`) */
  private readonly plans = new WeakMap<Pipeline, StatePlan>();
  private nextJob: number;
  private nextPipeline: number;
  private syncedTo = 0;

  constructor(
    readonly site: string,
    readonly registry: Registry,
    firstPipelineNumber: number,
    firstJobNumber: number,
    readonly kind?: ProjectKind,
  ) {
    this.nextPipeline = firstPipelineNumber;
    this.nextJob = firstJobNumber;
  }

  get slug(): string {
    return `gh/greenpeace/${this.repoName}`;
  }

  get repoName(): string {
    return this.kind?.repoName ?? `planet4-${this.site}`;
  }

  get id(): string {
    return uuidFrom(`project:${this.site}`);
  }

  /** Runs every job completion (and what follows from it) up to time t. */
  sync(t: number): void {
    if (t < this.syncedTo) {
      return;
    }
    // pipelines whose setup has ended get their workflows
    for (const p of this.pipelines) {
      if (p.setup && p.setup.until <= t) {
        const { until, failing } = p.setup;
        delete p.setup;
        p.state = 'created';
        for (const name of this.workflowsFor(p)) {
          this.startWorkflow(p, name, new Set(failing), until);
        }
      }
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
    const plan = req.plan;
    const errorMessage = req.errorMessage ?? plan?.errored;
    const pipeline: Pipeline = {
      id: uuidFrom(`pipeline:${this.site}:${number}`),
      number,
      project: this,
      createdAt: req.at,
      triggerType: req.triggerType,
      actor: req.actor,
      vcs,
      parameters: req.parameters,
      state: errorMessage === undefined ? 'created' : 'errored',
      errors:
        errorMessage === undefined
          ? []
          : [{ type: req.errorMessage === undefined ? 'config' : 'config-fetch', message: errorMessage }],
      workflows: [],
      hold: `${vcs.subject}\n${vcs.body}`.includes('[HOLD]'),
      ...(plan?.noCommit ? { noCommit: true } : {}),
    };
    this.pipelines.push(pipeline);
    this.registry.pipelines.set(pipeline.id, pipeline);
    if (plan) {
      this.plans.set(pipeline, plan);
    }
    if (errorMessage !== undefined) {
      return pipeline;
    }
    if (plan?.setup && plan.setup.minutes > 0) {
      pipeline.state = plan.setup.state;
      pipeline.setup = { until: req.at + plan.setup.minutes * MINUTE, failing: req.failing ?? [] };
      return pipeline;
    }
    for (const name of this.workflowsFor(pipeline)) {
      this.startWorkflow(pipeline, name, new Set(req.failing ?? []));
    }
    return pipeline;
  }

  private workflowsFor(p: Pipeline): WorkflowName[] {
    if (this.kind) {
      return this.kind.workflowsFor(p);
    }
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
    scenarioFailing: Set<string>,
    at: number = pipeline.createdAt,
    idSuffix = '',
  ): Workflow {
    const wfId = uuidFrom(`workflow:${pipeline.id}:${name}${idSuffix}`);
    const tag = pipeline.vcs.tag;
    // helm cannot pull images that were never pushed: the staging rollback fails (after its --wait retries)
    const unbuilt = name === 'rollback' && (tag === undefined || !this.images.has(tag));
    const failing = unbuilt ? new Set([...scenarioFailing, 'rollback-staging']) : scenarioFailing;
    // a rerun is not asked to fail again
    const plan = idSuffix === '' && name === 'production' ? this.plans.get(pipeline) : undefined;
    const wf: Workflow = {
      id: wfId,
      name,
      pipeline,
      jobs: [],
      createdAt: at,
      startedBy: pipeline.actor.id,
      autoApprovalFails: failing.has(AUTO_APPROVAL),
    };
    const defs = this.kind ? this.kind.jobs(name) : name === 'release' ? [] : WORKFLOWS[name];
    for (const def of defs) {
      const asked = def.type === 'build' ? plan?.jobs?.[def.name] : undefined;
      wf.jobs.push({
        ...(asked === 'queued' || asked === 'not_running' ? { stuck: asked } : {}),
        id: uuidFrom(`job:${wfId}:${def.name}`),
        name: def.name,
        type: def.type,
        requires: def.requires,
        minutes: def.minutes,
        status: 'blocked',
        outcome: isEndStatus(asked) ? asked : failing.has(def.name) ? 'failed' : 'success',
        workflow: wf,
      });
    }
    pipeline.workflows.push(wf);
    this.registry.workflows.set(wf.id, wf);
    if (plan?.workflow === 'error' || plan?.workflow === 'not_run') {
      // ended at once: nothing of it runs
      for (const job of wf.jobs) {
        job.status = 'not_run';
      }
      wf.forced = plan.workflow;
      wf.stoppedAt = at;
      return wf;
    }
    if (plan?.workflow === 'unauthorized') {
      for (const job of wf.jobs) {
        if (job.requires.length === 0) {
          job.outcome = 'unauthorized';
        }
      }
    }
    this.active.add(wf);
    this.propagate(wf, at);
    return wf;
  }

  private finish(job: Job, at: number): void {
    job.status = job.outcome;
    job.stoppedAt = at;
    const wf = job.workflow;
    if (job.status === 'success') {
      if (wf.name === 'production' && job.name === 'build' && wf.pipeline.vcs.tag !== undefined) {
        this.images.add(wf.pipeline.vcs.tag);
      }
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

  /**
   * `POST /workflow/{id}/cancel`: every job not finished (running, blocked, on hold) is canceled, and the workflow
   * with them; an approval job on hold can then never be approved. False when the workflow had already finished.
   */
  cancel(wf: Workflow, at: number, by: string): boolean {
    this.sync(at);
    if (!this.active.has(wf)) {
      return false;
    }
    for (const job of wf.jobs) {
      if (['running', 'blocked', 'on_hold', 'queued', 'not_running'].includes(job.status)) {
        job.status = 'canceled';
        job.canceledBy = by;
        if (job.startedAt !== undefined) {
          job.stoppedAt = at;
        }
      }
    }
    wf.canceled = { at, by };
    wf.stoppedAt = at;
    this.active.delete(wf);
    return true;
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
          } else if (job.outcome === 'unauthorized') {
            // a restricted context: the job does not run at all
            job.status = 'unauthorized';
            job.stoppedAt = at;
          } else if (job.stuck) {
            // waiting for a machine, for ever: no number yet
            job.status = job.stuck;
          } else {
            job.status = 'running';
            job.number = this.nextJob++;
            job.endAt = at + job.minutes * MINUTE;
            this.jobsByNumber.set(job.number, job);
            this.kind?.started?.(job, at);
          }
          changed = true;
        }
      }
    }
    const live = new Set(['running', 'on_hold', 'queued', 'not_running']);
    if (!wf.jobs.some((j) => live.has(j.status))) {
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
