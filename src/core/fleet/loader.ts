import { UserLogins } from '../api/circleci/users';
import type { CircleCiClient } from '../api/circleci/client';
import { isWorkflowFinished, type Pipeline } from '../api/circleci/types';
import { pages } from '../api/pages';
import { rejectedById } from '../release/rejection';
import type { Logger } from '../util/logger';
import { jobsPhase, readLiveWorkflow } from './live';
import { lacksCommit, withCommit } from './commits';
import type { FleetMemory, SiteMemory } from './memory';
import { checkOlder, noteOlder, olderOnHold } from './older';
import {
  isReleasePipeline,
  releaseWorkflowInfo,
  settingUp,
  siteSnapshot,
  toPipelineInfo,
  toStages,
  type ReleaseFacts,
} from './snapshot';
import type { PipelineSearch, SiteSnapshot } from './types';

export interface SiteLoaderOptions {
  circleci: () => CircleCiClient;
  log: Logger;
  /** How far back a project's pipeline list is paged to find the latest release pipeline (20 per page). */
  maxPipelinePages?: number;
  now: () => number;
  /** The full message of a site's commit, when CircleCI does not give it (`commits.ts`); undefined when unknown. */
  commitMessage?: (site: string, sha: string) => Promise<string | undefined>;
}

/** Finished workflow statuses after which a person may rerun the workflow (a new workflow in the same pipeline). */
const RERUNNABLE: ReadonlySet<string> = new Set(['failed', 'error', 'canceled', 'unauthorized']);

/**
 * Loads a site's latest release from CircleCI, cheaply: the latest release pipeline is remembered (in the fleet's
 * memory), a finished workflow and its jobs are never fetched again, and the pipeline list is paged back only until
 * it meets what is already known. What CircleCI answers becomes a snapshot in `snapshot.ts`.
 */
export class SiteLoader {
  constructor(
    private readonly options: SiteLoaderOptions,
    private readonly memory: FleetMemory,
  ) {
    this.logins = new UserLogins(options.log);
  }

  /** Who rolled staging back: logins asked once per user. */
  private readonly logins: UserLogins;

  /** Sites loaded at least once by this loader: older releases are asked about from their second load on. */
  private readonly loadedOnce = new Set<string>();

  /**
   * The site's snapshot; throws what the client throws (the caller makes it a failed snapshot). With `older` (the
   * slow cycle), the older release pipelines that may still wait on hold are asked about too (`older.ts`), but not on
   * the site's first load. With
   * `fast` (the fast cycle of a live site), a known live workflow is read from its job list alone (`live.ts`).
   */
  async load(site: string, slug: string, options: { older?: boolean; fast?: boolean } = {}): Promise<SiteSnapshot> {
    const circleci = this.options.circleci();
    const replaced = this.memory.get(site)?.pipeline;
    const seen: Pipeline[] = [];
    const snapshot = await this.loadLatest(circleci, site, slug, seen, options.fast === true);
    const mem = this.memory.get(site);
    if (mem) {
      noteOlder(mem, seen, snapshot.pipeline, replaced?.id === snapshot.pipeline?.id ? undefined : replaced);
      // never on the site's first load in this window (the cold load stays cheap): from the next slow cycle on
      if (options.older && this.loadedOnce.has(site)) {
        // an older release is a warning beside the latest: when it cannot be read, the latest still shows
        await checkOlder(circleci, mem, this.options.now()).catch((e: unknown) => {
          this.options.log.warn(
            `${site}: older releases on hold unknown: ${e instanceof Error ? e.message : String(e)}`,
          );
        });
      }
      const older = olderOnHold(mem);
      if (older.length > 0) snapshot.olderOnHold = older;
    }
    this.loadedOnce.add(site);
    const rejecter = snapshot.rejection ? rejectedById(snapshot.stages) : undefined;
    const login = rejecter ? await this.logins.login(circleci, rejecter) : undefined;
    if (login) snapshot.rejectedBy = login;
    return snapshot;
  }

  private async loadLatest(
    circleci: CircleCiClient,
    site: string,
    slug: string,
    seen: Pipeline[],
    fast: boolean,
  ): Promise<SiteSnapshot> {
    const mem = this.memory.get(site) ?? {};
    const updatedAt = this.options.now();
    const snapshot = (release: ReleaseFacts): SiteSnapshot => siteSnapshot(site, slug, updatedAt, release);

    // 0. The fast cycle of a known live workflow: its job list only (`live.ts`).
    const live = fast && mem.pipeline ? await readLiveWorkflow(circleci, mem) : undefined;
    if (live && mem.pipeline) return snapshot({ pipeline: mem.pipeline, ...live });

    // 1. The latest release pipeline: page back until one is found, or until what we remember is reached (also when
    //    none was found: only the pipelines newer than those already read are read, see `searched`).
    const known =
      mem.pipeline || mem.searched ? Math.max(mem.pipeline?.number ?? 0, mem.seenUpTo ?? 0) || undefined : undefined;
    const { pipeline: found, newest, read, all } = await this.findReleasePipeline(circleci, slug, known, seen);
    let pipeline = found ? toPipelineInfo(found) : mem.pipeline;
    if (pipeline && lacksCommit(pipeline) && this.options.commitMessage) {
      const message = await this.options.commitMessage(site, pipeline.revision);
      if (message !== undefined) pipeline = withCommit(pipeline, message);
    }
    const seenUpTo = Math.max(newest ?? 0, known ?? 0) || undefined;
    // what is known of the site beyond its latest release: its tags, its next release, its older releases (a new
    // release pipeline's tag joins the tags after this load: `noteReleaseTag`)
    const kept: SiteMemory = {
      ...(mem.tags ? { tags: mem.tags } : {}),
      ...(mem.tagsStale ? { tagsStale: mem.tagsStale } : {}),
      ...(mem.next ? { next: mem.next } : {}),
      ...(mem.older ? { older: mem.older } : {}),
      ...(mem.olderSettled ? { olderSettled: mem.olderSettled } : {}),
    };
    if (!pipeline) {
      const searched: PipelineSearch = {
        pipelines: (mem.searched?.pipelines ?? 0) + read,
        all: known !== undefined && mem.searched ? mem.searched.all : all,
      };
      this.memory.set(site, { ...kept, ...(seenUpTo !== undefined ? { seenUpTo } : {}), searched });
      return { ...snapshot({}), searched };
    }
    const samePipeline = mem.pipeline?.id === pipeline.id;
    const memory: SiteMemory = samePipeline ? mem : { ...kept, pipeline };
    if (seenUpTo !== undefined) memory.seenUpTo = seenUpTo;
    this.memory.set(site, memory);

    // 2. A finished workflow and its jobs never change: no request. But a workflow that failed or was canceled can be
    //    rerun, which adds a new workflow to the same pipeline: for those the pipeline's workflows are listed again
    //    (one request; the finished workflow's jobs are still not read again).
    // a pipeline that errored, or still had no workflows after the setup grace, gets none: no request
    if (samePipeline && memory.finished && !memory.workflow) return snapshot({ pipeline });
    const finished = samePipeline && memory.finished && memory.workflow && memory.stages ? memory : undefined;
    if (finished?.workflow && finished.stages && !RERUNNABLE.has(finished.workflow.status)) {
      return snapshot({ pipeline, workflow: finished.workflow, stages: finished.stages });
    }

    // 3. The release workflow of the pipeline.
    const workflows = await circleci.listWorkflows(pipeline.id);
    const workflow = releaseWorkflowInfo(workflows);
    if (!workflow) {
      // still setting up: the remembered pipeline's state is as first read; read it again to learn if it errored
      if (samePipeline && !found && workflows.length === 0 && pipeline.state !== 'errored') {
        pipeline = toPipelineInfo(await circleci.getPipelineByNumber(slug, pipeline.number));
        memory.pipeline = pipeline;
      }
      memory.workflow = undefined;
      memory.stages = undefined;
      const now = this.options.now();
      memory.setupSince ??= now;
      const setup = workflows.length === 0 && settingUp(pipeline, now, memory.setupSince);
      memory.finished = workflows.length === 0 && !setup;
      return snapshot({ pipeline, settingUp: setup });
    }
    if (finished?.workflow && finished.stages && finished.workflow.id === workflow.id) {
      return snapshot({ pipeline, workflow: finished.workflow, stages: finished.stages });
    }
    const jobs = await circleci.listJobs(workflow.id);
    const stages = toStages(workflow.kind, jobs);
    memory.jobsPhase = jobsPhase(jobs);
    memory.workflow = workflow;
    memory.stages = stages;
    memory.finished = isWorkflowFinished(workflow.status);
    return snapshot({ pipeline, workflow, stages });
  }

  /**
   * The newest release pipeline newer than `knownNumber` (the remembered release pipeline, or the newest pipeline
   * already examined), paging back within a bound; `newest` is the newest pipeline number on the list, `read` how many
   * pipelines newer than `knownNumber` were examined, `all` whether the list ended (rather than the bound).
   */
  private async findReleasePipeline(
    circleci: CircleCiClient,
    slug: string,
    knownNumber: number | undefined,
    seen: Pipeline[],
  ): Promise<{ pipeline?: Pipeline; newest?: number; read: number; all: boolean }> {
    const maxPages = this.options.maxPipelinePages ?? 10;
    let newest: number | undefined;
    let read = 0;
    let all = false;
    for await (const list of pages(
      (token) => circleci.listPipelinesPage(slug, token),
      (list) => list.next_page_token || undefined, // null on the last page, whatever the spec says
      { maxPages, what: `the pipelines of ${slug} (looking for its latest release)`, log: this.options.log },
    )) {
      seen.push(...list.items); // the older release pipelines on these pages are candidates for `older.ts`
      for (const p of list.items) {
        newest ??= p.number;
        // nothing newer than what we know
        if (knownNumber !== undefined && p.number <= knownNumber) return { newest, read, all: true };
        read++;
        if (isReleasePipeline(p)) return { pipeline: p, newest, read, all: false };
      }
      all = !list.next_page_token;
    }
    return { newest, read, all };
  }
}
