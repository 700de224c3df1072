import type { CircleCiClient } from '../api/circleci/client';
import { isWorkflowFinished, projectSlug, type Job, type Pipeline, type Workflow } from '../api/circleci/types';
import { pages } from '../api/pages';
import { workflowKind } from '../pipeline/stages';
import type { WorkflowKind } from '../fleet/types';
import { isVersionTag } from './version';

/**
 * A site's release history as a rollback needs it (REALITY.md "Tags"): a rollback redeploys the images of its tag
 * (`BUILD_TAG=${CIRCLE_TAG}`), and only that tag's own production `build` job pushes them. So a tag can be rolled
 * back to only when a `build` job of one of its production pipelines succeeded; tags on `[skip ci]` commits, tags
 * whose build failed and tags older than the pipelines read have no known build.
 *
 * `readReleaseHistory` walks the project's pipelines newest first (through the bounded pager), reads the release
 * workflows of tag pipelines and their jobs, and finds (a) the tags with a successful build — until enough are known,
 * or the tag asked for is — and (b) the release in production now: the newest release pipeline whose
 * `deploy-production` (or `rollback-production`) succeeded, however far back, up to a page cap. What never changes is
 * remembered in a `ReleaseHistoryCache`: a tag that was built, a pipeline that deployed, a finished workflow's jobs.
 */

/** Pages of 20 pipelines read at most (500 pipelines): the production search and a named tag's build. */
export const HISTORY_MAX_PAGES = 25;
/** Pages read at most to find `ENOUGH_BUILT` built tags for the pick (when the release in production is found). */
export const BUILDS_MAX_PAGES = 10;
/** Built tags offered in the pick before the walk stops. */
export const ENOUGH_BUILT = 15;

/** A tag whose production `build` job succeeded: its images exist, a rollback to it can work. */
export interface TagBuild {
  tag: string;
  pipelineNumber: number;
  /** when its pipeline was created */
  createdAt: string;
  /** the commit it was built from, when CircleCI says */
  revision?: string;
  subject?: string;
}

/** A tag whose newest production pipeline read has no successful build (yet). */
export interface TagWithoutBuild {
  tag: string;
  pipelineNumber: number;
  build: 'failed' | 'unfinished';
}

/** The release running in production: the tag of the newest release pipeline that deployed it. */
export interface InProduction {
  tag: string;
  pipelineNumber: number;
  workflow: WorkflowKind;
}

/** A release pipeline of a site: which tag, and when. */
export interface ReleaseHistoryEntry {
  tag: string;
  pipelineNumber: number;
  createdAt: string;
}

export interface ReleaseHistory {
  /** The newest pipeline number of the project (0 when it has none). */
  newestPipelineNumber: number;
  /** Tags known to have a successful production build (from this walk and the cache). */
  built: ReadonlyMap<string, TagBuild>;
  /** Tags seen with production pipelines but no successful build. */
  withoutBuild: ReadonlyMap<string, TagWithoutBuild>;
  production?: InProduction;
  /** Pipelines read in this walk. */
  pipelinesRead: number;
  /** The whole pipeline list was read. */
  complete: boolean;
  /** Every release pipeline read, newest first. */
  pipelines: ReleaseHistoryEntry[];
}

/** What a workflow's jobs say about builds and deploys. */
interface WorkflowFacts {
  kind: WorkflowKind;
  /** the `build` job's status (production workflows) */
  build?: string;
  /** `deploy-production` (production) or `rollback-production` (rollback) succeeded */
  deployed: boolean;
}

/**
 * A walk through a project's pipelines, for the next one: the pipelines below `newest` were read then, and a tag of
 * theirs not in the built tags had no successful build then (the next walk looks again only for the tag it is asked
 * about).
 */
interface Walk {
  newest: number;
  pipelinesRead: number;
  complete: boolean;
  withoutBuild: ReadonlyMap<string, TagWithoutBuild>;
}

/** What never changes, remembered between rollbacks (in memory). */
export class ReleaseHistoryCache {
  /** per CircleCI API and project: the tags known built. Images, once pushed, stay. */
  private readonly builtTags = new Map<string, Map<string, TagBuild>>();
  /** per finished workflow id: what its jobs said. */
  private readonly workflows = new Map<string, WorkflowFacts>();
  /** per pipeline id: one of its workflows deployed (production or rollback). */
  private readonly deployed = new Map<string, WorkflowKind>();
  /** per CircleCI API and project: how far the last walk went. */
  private readonly walks = new Map<string, Walk>();

  walkOf(api: string, slug: string): Walk | undefined {
    return this.walks.get(`${api} ${slug}`);
  }

  rememberWalk(api: string, slug: string, walk: Walk): void {
    this.walks.set(`${api} ${slug}`, walk);
  }

  builtOf(api: string, slug: string): Map<string, TagBuild> {
    const key = `${api} ${slug}`;
    let built = this.builtTags.get(key);
    if (!built) this.builtTags.set(key, (built = new Map<string, TagBuild>()));
    return built;
  }

  workflow(id: string): WorkflowFacts | undefined {
    return this.workflows.get(id);
  }

  rememberWorkflow(id: string, facts: WorkflowFacts): void {
    this.workflows.set(id, facts);
  }

  deployedBy(pipelineId: string): WorkflowKind | undefined {
    return this.deployed.get(pipelineId);
  }

  rememberDeployed(pipelineId: string, kind: WorkflowKind): void {
    this.deployed.set(pipelineId, kind);
  }
}

export interface HistoryOptions {
  /** A tag whose build must be looked for, as far back as `maxPages` allows. */
  want?: string;
  /** Built tags that are enough for a pick (default `ENOUGH_BUILT`). */
  enoughBuilt?: number;
  /** Pages read at most (default `HISTORY_MAX_PAGES`). */
  maxPages?: number;
  /** Pages read at most to find enough built tags (default `BUILDS_MAX_PAGES`). */
  buildPages?: number;
}

const FAILED_JOB = new Set(['failed', 'infrastructure_fail', 'timedout', 'terminated-unknown', 'canceled']);

function factsOf(kind: WorkflowKind, jobs: readonly Job[]): WorkflowFacts {
  const deploy = kind === 'production' ? 'deploy-production' : 'rollback-production';
  const build = kind === 'production' ? jobs.find((j) => j.name === 'build')?.status : undefined;
  return {
    kind,
    ...(build !== undefined ? { build } : {}),
    deployed: jobs.some((j) => j.name === deploy && j.status === 'success'),
  };
}

/** The release workflows of a pipeline and what their jobs say; a finished workflow's jobs are read once. */
async function pipelineFacts(
  circleci: CircleCiClient,
  cache: ReleaseHistoryCache,
  pipeline: Pipeline,
): Promise<{ workflow: Workflow; facts: WorkflowFacts }[]> {
  const out: { workflow: Workflow; facts: WorkflowFacts }[] = [];
  for (const workflow of await circleci.listWorkflows(pipeline.id)) {
    const kind = workflowKind(workflow.name);
    if (kind === undefined) continue;
    let facts = cache.workflow(workflow.id);
    if (!facts) {
      facts = factsOf(kind, await circleci.listJobs(workflow.id));
      if (isWorkflowFinished(workflow.status)) cache.rememberWorkflow(workflow.id, facts);
    }
    out.push({ workflow, facts });
  }
  return out;
}

/** See the top of this file. */
export async function readReleaseHistory(
  circleci: CircleCiClient,
  cache: ReleaseHistoryCache,
  slug: string,
  options: HistoryOptions = {},
): Promise<ReleaseHistory> {
  const enough = options.enoughBuilt ?? ENOUGH_BUILT;
  const maxPages = options.maxPages ?? HISTORY_MAX_PAGES;
  const buildPages = Math.min(maxPages, options.buildPages ?? BUILDS_MAX_PAGES);
  const known = cache.builtOf(circleci.baseUrl, slug);
  const previous = cache.walkOf(circleci.baseUrl, slug);
  /** the walk reached the pipelines the previous one read: what is below is known */
  let reachedKnown = false;
  let readAbovePrevious = 0;
  const built = new Map(known);
  const withoutBuild = new Map<string, TagWithoutBuild>();
  const releasePipelines: ReleaseHistoryEntry[] = [];
  let production: InProduction | undefined;
  let newestPipelineNumber = 0;
  let pipelinesRead = 0;
  let pagesRead = 0;
  let complete = false;
  const satisfied = (): boolean =>
    production !== undefined &&
    (reachedKnown || built.size >= enough || pagesRead >= buildPages) &&
    (options.want === undefined || built.has(options.want));
  for await (const list of pages(
    (token) => circleci.listPipelinesPage(slug, token),
    (list) => {
      const next = list.next_page_token || undefined; // null on the last page, whatever the spec says
      if (next === undefined) complete = true;
      return next;
    },
    { maxPages, what: `the pipelines of ${slug} (the release history)` },
  )) {
    pagesRead++;
    for (const p of list.items) {
      pipelinesRead++;
      newestPipelineNumber = Math.max(newestPipelineNumber, p.number);
      if (previous !== undefined && p.number <= previous.newest) reachedKnown = true;
      else readAbovePrevious++;
      const tag = p.vcs?.tag;
      // a suffixed tag (`v1.2.3-x`) is built and deployed like a release (CircleCI's `/^v.*/`)
      if (!isVersionTag(tag) || p.state === 'errored') continue;
      releasePipelines.push({ tag, pipelineNumber: p.number, createdAt: p.created_at });
      const isRollback = p.trigger_parameters?.rollback === true;
      const needProduction = production === undefined;
      const needBuild =
        !isRollback && !built.has(tag) && (tag === options.want || (built.size < enough && pagesRead <= buildPages));
      if (!needBuild && !needProduction) continue;
      const deployedBy = cache.deployedBy(p.id);
      if (!needBuild && deployedBy !== undefined) {
        production = { tag, pipelineNumber: p.number, workflow: deployedBy };
        continue;
      }
      const facts = await pipelineFacts(circleci, cache, p);
      const builds = facts.filter((f) => f.facts.kind === 'production').map((f) => f.facts.build);
      if (builds.includes('success')) {
        const build: TagBuild = {
          tag,
          pipelineNumber: p.number,
          createdAt: p.created_at,
          ...(p.vcs?.revision ? { revision: p.vcs.revision } : {}),
          ...(p.vcs?.commit?.subject !== undefined ? { subject: p.vcs.commit.subject } : {}),
        };
        built.set(tag, build);
        known.set(tag, build);
        withoutBuild.delete(tag);
      } else if (builds.length > 0 && !withoutBuild.has(tag)) {
        const failed = builds.every((b) => b !== undefined && FAILED_JOB.has(b));
        withoutBuild.set(tag, { tag, pipelineNumber: p.number, build: failed ? 'failed' : 'unfinished' });
      }
      const deployed = facts.find((f) => f.facts.deployed);
      if (deployed) {
        cache.rememberDeployed(p.id, deployed.facts.kind);
        if (needProduction) production = { tag, pipelineNumber: p.number, workflow: deployed.facts.kind };
      }
    }
    if (satisfied()) break;
  }
  if (reachedKnown && previous !== undefined) {
    for (const [tag, w] of previous.withoutBuild) if (!withoutBuild.has(tag)) withoutBuild.set(tag, w);
    pipelinesRead = Math.max(pipelinesRead, readAbovePrevious + previous.pipelinesRead);
    complete ||= previous.complete;
  }
  for (const tag of built.keys()) withoutBuild.delete(tag);
  cache.rememberWalk(circleci.baseUrl, slug, { newest: newestPipelineNumber, pipelinesRead, complete, withoutBuild });
  return {
    newestPipelineNumber,
    built,
    withoutBuild,
    ...(production ? { production } : {}),
    pipelinesRead,
    complete,
    pipelines: releasePipelines,
  };
}

/**
 * The tag in production now (see `readReleaseHistory`), every release pipeline read, and the newest pipeline number
 * read (0 when the project has none).
 */
export async function findProductionTag(
  circleci: CircleCiClient,
  org: string,
  site: string,
  maxPages = HISTORY_MAX_PAGES,
): Promise<{ production?: string; history: ReleaseHistoryEntry[]; newestPipelineNumber: number }> {
  const h = await readReleaseHistory(circleci, new ReleaseHistoryCache(), projectSlug(org, site), {
    maxPages,
    enoughBuilt: 0,
  });
  return {
    ...(h.production ? { production: h.production.tag } : {}),
    history: h.pipelines,
    newestPipelineNumber: h.newestPipelineNumber,
  };
}
