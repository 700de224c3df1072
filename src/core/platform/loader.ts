import { UserLogins } from '../api/circleci/users';
import type { CircleCiClient } from '../api/circleci/client';
import { isWorkflowFinished, projectSlug, type Job, type Pipeline } from '../api/circleci/types';
import { pages } from '../api/pages';
import { toStage } from '../fleet/snapshot';
import { isReleaseTag } from '../release/version';
import type { Logger } from '../util/logger';
import { platformState } from './wave';
import {
  PLATFORM_DEVELOP_STAGES,
  PLATFORM_RELEASE_STAGES,
  PLATFORM_SITE,
  type PlatformSnapshot,
  type PlatformStage,
  type PlatformWorkflow,
} from './types';

export interface PlatformLoaderOptions {
  circleci: () => CircleCiClient;
  organization: () => string;
  log: Logger;
  now: () => number;
  /** How far back base's pipeline list is paged on the first read (20 per page). */
  maxPipelinePages?: number;
}

/** planet4-base's project slug. */
export const baseSlug = (organization: string): string => projectSlug(organization, PLATFORM_SITE);

/**
 * Reads planet4-base's latest platform release (the newest tag pipeline, its `release` workflow and jobs) and its
 * latest `develop` workflow (shown only while `hold-dev-sites` waits), cheaply:
 * - every cycle: the first page of base's pipelines (1 request; paged back further only on the first read);
 * - the release workflow's jobs while it has not finished (1 request); a finished workflow is never read again;
 * - a pipeline's workflows once, when it is new; approvers' logins once per user (`GET /user/{id}`);
 * - the develop workflow's jobs when its pipeline is new, and on full (slow) cycles while it has not finished.
 * So a live cycle costs 2 requests, an idle one 1 (2 on a slow cycle while a develop run waits on hold-dev-sites).
 */
export class PlatformLoader {
  private release: PlatformWorkflow | undefined;
  private develop: PlatformWorkflow | undefined;
  /** The newest pipeline number already examined: nothing at or below it is new. */
  private seenUpTo: number | undefined;
  /** Approvers' logins, asked once per user. */
  private readonly logins: UserLogins;
  /** Read the remembered workflows' jobs again on the next load (after an approval sent from here). */
  private stale = false;
  /** The endpoint and organization what is remembered came from. */
  private source: string | undefined;

  constructor(private readonly options: PlatformLoaderOptions) {
    this.logins = new UserLogins(options.log);
  }

  /** Forgets that the remembered workflows were finished or read: the next load reads their jobs again. */
  invalidate(): void {
    this.stale = true;
  }

  async load(options: { full?: boolean } = {}): Promise<PlatformSnapshot> {
    const circleci = this.options.circleci();
    const slug = baseSlug(this.options.organization());
    if (this.source !== `${circleci.baseUrl} ${slug}`) {
      // another CircleCI or organization: nothing remembered holds
      this.source = `${circleci.baseUrl} ${slug}`;
      this.release = this.develop = this.seenUpTo = undefined;
    }
    const { release, develop } = await this.newPipelines(circleci, slug);
    const stale = this.stale;
    this.stale = false;
    if (release) {
      this.release = await this.workflowOf(circleci, release, 'release');
      // its workflow is still being set up: the pipeline is looked at again on the next cycle
      if (this.release && !this.release.id) this.seenUpTo = release.number - 1;
    } else if (this.release && (stale || !isWorkflowFinished(this.release.status))) {
      this.release = await this.withJobs(circleci, this.release);
    }
    if (develop) this.develop = await this.workflowOf(circleci, develop, 'develop');
    else if (this.develop && (stale || options.full) && !isWorkflowFinished(this.develop.status)) {
      this.develop = await this.withJobs(circleci, this.develop);
    }
    const { state, waitingFor } = platformState(this.release);
    const snapshot: PlatformSnapshot = { state, updatedAt: this.options.now() };
    if (this.release) snapshot.release = this.release;
    if (waitingFor) snapshot.waitingFor = waitingFor;
    const devWaiting = this.develop?.stages.find((s) => s.name === 'hold-dev-sites')?.status === 'on_hold';
    if (this.develop && devWaiting) snapshot.developWaiting = this.develop;
    return snapshot;
  }

  /** The newest release and develop pipelines newer than what was already examined. */
  private async newPipelines(
    circleci: CircleCiClient,
    slug: string,
  ): Promise<{ release?: Pipeline; develop?: Pipeline }> {
    const known = this.seenUpTo;
    const maxPages = known === undefined ? (this.options.maxPipelinePages ?? 3) : 1;
    const found: { release?: Pipeline; develop?: Pipeline } = {};
    let newest: number | undefined;
    for await (const list of pages(
      (token) => circleci.listPipelinesPage(slug, token),
      (list) => list.next_page_token || undefined,
      { maxPages, what: `the pipelines of ${slug} (looking for the platform release)`, log: this.options.log },
    )) {
      for (const p of list.items) {
        newest ??= p.number;
        if (known !== undefined && p.number <= known) break;
        if (!found.release && isReleaseTag(p.vcs?.tag)) found.release = p;
        if (!found.develop && !p.vcs?.tag && p.vcs?.branch === 'main' && p.trigger.type !== 'scheduled_pipeline') {
          found.develop = p;
        }
      }
      if ((found.release && found.develop) || (known !== undefined && (newest ?? 0) <= known)) break;
    }
    if (newest !== undefined) this.seenUpTo = Math.max(newest, known ?? 0);
    return found;
  }

  /** A new pipeline's workflow of that name (its workflows listed once) with its jobs. */
  private async workflowOf(
    circleci: CircleCiClient,
    p: Pipeline,
    name: 'release' | 'develop',
  ): Promise<PlatformWorkflow | undefined> {
    const workflows = await circleci.listWorkflows(p.id);
    const w = workflows.filter((x) => x.name === name).sort((a, b) => b.created_at.localeCompare(a.created_at))[0];
    const info: PlatformWorkflow = {
      id: w?.id ?? '',
      name,
      status: w?.status ?? 'running',
      createdAt: w?.created_at ?? p.created_at,
      pipelineId: p.id,
      pipelineNumber: p.number,
      stages: [],
    };
    if (name === 'release' && p.vcs?.tag) info.tag = p.vcs.tag;
    if (p.vcs?.revision) info.revision = p.vcs.revision;
    if (w?.stopped_at) info.stoppedAt = w.stopped_at;
    // a pipeline still setting up its workflows: read again on the next cycle
    if (!w) return info.status === 'running' && name === 'release' ? info : undefined;
    return this.withJobs(circleci, info);
  }

  /** The workflow with its jobs read again, its status derived from them (no second request for the workflow). */
  private async withJobs(circleci: CircleCiClient, w: PlatformWorkflow): Promise<PlatformWorkflow> {
    if (!w.id) return w;
    const jobs = await circleci.listJobs(w.id);
    const order: readonly string[] = w.name === 'release' ? PLATFORM_RELEASE_STAGES : PLATFORM_DEVELOP_STAGES;
    const rank = (j: Job): number => (order.includes(j.name) ? order.indexOf(j.name) : order.length);
    const stages: PlatformStage[] = [];
    for (const job of [...jobs].sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name))) {
      const stage: PlatformStage = toStage(job);
      const login = stage.approvedBy ? await this.logins.login(circleci, stage.approvedBy) : undefined;
      if (login) stage.approvedByLogin = login;
      stages.push(stage);
    }
    const status = statusOfJobs(stages, w.status);
    const out: PlatformWorkflow = { ...w, status, stages };
    const stopped = isWorkflowFinished(status)
      ? stages.reduce<string | undefined>(
          (m, s) => (s.stoppedAt && (!m || s.stoppedAt > m) ? s.stoppedAt : m),
          undefined,
        )
      : undefined;
    if (stopped) out.stoppedAt = stopped;
    else delete out.stoppedAt;
    return out;
  }
}

/** A workflow's status from its jobs (as CircleCI derives it), so that a cycle reads the jobs alone. */
export function statusOfJobs(stages: readonly PlatformStage[], previous: string): string {
  if (stages.length === 0) return previous;
  const has = (...st: string[]): boolean => stages.some((s) => st.includes(s.status));
  const failed = has('failed', 'infrastructure_fail', 'timedout', 'terminated-unknown');
  if (has('canceled')) return 'canceled';
  if (has('running', 'queued', 'not_running')) return failed ? 'failing' : 'running';
  if (has('on_hold')) return failed ? 'failing' : 'on_hold';
  if (failed) return 'failed';
  if (has('blocked')) return previous;
  return 'success';
}
