import type { CircleCiClient } from '../api/circleci/client';
import { isWorkflowFinished, projectSlug, type Pipeline, type Workflow } from '../api/circleci/types';
import { ApiError } from '../api/errors';
import { pages } from '../api/pages';
import type { GitHubClient } from '../api/github/client';
import { deriveState, orderStages, releaseWorkflow, toStage, workflowKind } from '../pipeline/stages';
import { carriesHold } from '../release/hold';
import { isReleaseTag, latestReleaseTag, nextReleaseTag } from '../release/version';
import { silentLogger, type Logger } from '../util/logger';
import { isSiteName, normalizeSiteName } from '../util/names';
import {
  isSiteState,
  type NextReleaseInfo,
  type PipelineInfo,
  type SiteSnapshot,
  type StageInfo,
  type WorkflowInfo,
} from './types';

export type Connection = 'unknown' | 'ok' | 'unreachable' | 'circleci-unauthorized' | 'github-unauthorized';

export interface FleetOptions {
  circleci: () => CircleCiClient;
  github: () => Promise<GitHubClient>;
  organization: () => string;
  log?: Logger;
  /** How far back a project's pipeline list is paged to find the latest release pipeline (20 per page). */
  maxPipelinePages?: number;
  now?: () => number;
}

/** What is remembered about a site between refreshes (and persisted across reloads). */
interface SiteMemory {
  pipeline?: PipelineInfo;
  /** The newest pipeline number already examined: older pipelines need no second look. */
  seenUpTo?: number;
  workflow?: WorkflowInfo;
  stages?: StageInfo[];
  /** The workflow had finished when its jobs were read: nothing of it changes any more. */
  finished?: boolean;
  /** Release tags known from GitHub. */
  tags?: string[];
  next?: NextReleaseInfo;
}

/**
 * The last known state, as kept in VS Code's globalState. Compact on purpose (it is read before `activate()` at
 * every reload): the snapshots, plus per site what cannot be derived from them; release tags are not kept.
 */
export interface PersistedFleet {
  version: 2;
  savedAt: number;
  sites: string[];
  snapshots: SiteSnapshot[];
  /** site → [newest pipeline number examined, whether the release workflow had finished] */
  seen: Record<string, [number | null, boolean]>;
}

export interface RefreshOptions {
  /** Only these sites (default: all). */
  sites?: readonly string[];
  /** Also read the next-release facts from GitHub (default: true for a full refresh). */
  github?: boolean;
}

type Listener = (sites: string[]) => void;

const SETUP_GRACE_MS = 10 * 60_000;

/** Finished workflow statuses after which a person may rerun the workflow (a new workflow in the same pipeline). */
const RERUNNABLE: ReadonlySet<string> = new Set(['failed', 'error', 'canceled', 'unauthorized']);

/**
 * The state of every site's production release, loaded from CircleCI (stages) and GitHub (next release), kept
 * cheap: the latest release pipeline is remembered, finished workflows and their jobs are never fetched again,
 * and a refresh pages back only until it meets what it already knows. Never imports `vscode`.
 */
export class Fleet {
  private siteNames: string[] = [];
  private readonly snapshots = new Map<string, SiteSnapshot>();
  private readonly memory = new Map<string, SiteMemory>();
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly listeners = new Set<Listener>();
  private readonly log: Logger;
  private readonly now: () => number;
  private connectionState: Connection = 'unknown';
  private readonly connectionListeners = new Set<(c: Connection) => void>();

  constructor(private readonly options: FleetOptions) {
    this.log = options.log ?? silentLogger;
    this.now = options.now ?? Date.now;
  }

  // ---------------------------------------------------------------- reading

  get sites(): readonly string[] {
    return this.siteNames;
  }

  get connection(): Connection {
    return this.connectionState;
  }

  get(site: string): SiteSnapshot | undefined {
    return this.snapshots.get(site);
  }

  all(): SiteSnapshot[] {
    return this.siteNames.map((s) => this.snapshots.get(s) ?? this.placeholder(s));
  }

  /** Release tags known for a site (newest-first order is the caller's business). */
  knownTags(site: string): readonly string[] | undefined {
    return this.memory.get(site)?.tags;
  }

  onDidChange(listener: Listener): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  onDidChangeConnection(listener: (c: Connection) => void): { dispose(): void } {
    this.connectionListeners.add(listener);
    return { dispose: () => this.connectionListeners.delete(listener) };
  }

  // ---------------------------------------------------------------- sites

  /** Sets the sites shown (names that are not site names are left out), forgetting the others. */
  setSites(sites: readonly string[]): void {
    const clean = [...new Set(sites.map(normalizeSiteName).filter((s): s is string => s !== undefined))];
    this.siteNames = clean;
    for (const s of [...this.snapshots.keys()]) {
      if (!clean.includes(s)) {
        this.snapshots.delete(s);
        this.memory.delete(s);
      }
    }
    this.emit([]);
  }

  /** The configured sites, else `sites.txt` of `<organization>/planet4-base` (branch main). */
  async resolveSites(configured: readonly string[]): Promise<string[]> {
    if (configured.length > 0) return [...configured];
    const github = await this.options.github();
    const text = await github.fileText(this.options.organization(), 'planet4-base', 'sites.txt', 'main');
    return parseSitesTxt(text);
  }

  // ---------------------------------------------------------------- refreshing

  /**
   * Refreshes the fleet's sites (all, or those of `options.sites` that are the fleet's), each on its own: one site's
   * failure or slowness never holds another.
   */
  async refresh(options: RefreshOptions = {}): Promise<void> {
    // only the fleet's own sites: a name from anywhere else is never loaded nor given a snapshot
    const sites = options.sites ? options.sites.filter((s) => this.siteNames.includes(s)) : this.siteNames;
    const withGitHub = options.github ?? options.sites === undefined;
    // Stages first, for every site: what needs a person shows before the slower next-release facts.
    await Promise.all(sites.map((s) => this.refreshSite(s)));
    this.updateConnection(sites);
    if (withGitHub && (await this.gitHubAvailable())) await Promise.all(sites.map((s) => this.refreshNextRelease(s)));
  }

  private refreshSite(site: string): Promise<void> {
    return once(this.inFlight, site, () => this.loadSite(site));
  }

  private async loadSite(site: string): Promise<void> {
    const slug = projectSlug(this.options.organization(), site);
    let snapshot: SiteSnapshot;
    try {
      snapshot = await this.loadStages(site, slug);
    } catch (e) {
      snapshot = this.errorSnapshot(site, slug, e);
    }
    const next = this.memory.get(site)?.next;
    if (next) snapshot.next = next;
    this.publish(site, snapshot);
  }

  private readonly nextInFlight = new Map<string, Promise<void>>();

  /** Without GitHub credentials the next-release pass is skipped once, not failed 53 times. */
  private async gitHubAvailable(): Promise<boolean> {
    try {
      await this.options.github();
      return true;
    } catch (e) {
      this.log.info(`Next releases not read: ${e instanceof Error ? e.message : String(e)}`);
      return false;
    }
  }

  /** What the next release would be (GitHub): tags, commits on main since the latest, [HOLD] on HEAD. */
  private refreshNextRelease(site: string): Promise<void> {
    return once(this.nextInFlight, site, () => this.loadNextReleaseOf(site));
  }

  private async loadNextReleaseOf(site: string): Promise<void> {
    try {
      const next = await this.loadNextRelease(site);
      const current = this.snapshots.get(site);
      if (next && current) this.publish(site, { ...current, next });
    } catch (e) {
      this.log.warn(`${site}: next release unknown: ${e instanceof Error ? e.message : String(e)}`);
      if (e instanceof ApiError && e.kind === 'unauthorized') this.setConnection('github-unauthorized');
    }
  }

  private async loadStages(site: string, slug: string): Promise<SiteSnapshot> {
    const circleci = this.options.circleci();
    const mem = this.memory.get(site) ?? {};
    const base: SiteSnapshot = { site, slug, state: 'loading', stages: [], updatedAt: this.now() };

    // 1. The latest release pipeline: page back until one is found, or until what we remember is reached.
    const known = mem.pipeline ? Math.max(mem.pipeline.number, mem.seenUpTo ?? 0) : undefined;
    const { pipeline, newest } = await this.findReleasePipeline(circleci, slug, known);
    const info = pipeline ? toPipelineInfo(pipeline) : mem.pipeline;
    const seenUpTo = Math.max(newest ?? 0, known ?? 0) || undefined;
    if (!info) {
      this.memory.set(site, { ...(mem.tags ? { tags: mem.tags } : {}) });
      return { ...base, state: 'no-release' };
    }
    const samePipeline = mem.pipeline?.id === info.id;
    const memory: SiteMemory = samePipeline ? mem : { ...(mem.tags ? { tags: mem.tags } : {}), pipeline: info };
    if (seenUpTo !== undefined) memory.seenUpTo = seenUpTo;
    this.memory.set(site, memory);

    // 2. A finished workflow and its jobs never change: no request. But a workflow that failed or was canceled can be
    //    rerun, which adds a new workflow to the same pipeline: for those the pipeline's workflows are listed again
    //    (one request; the finished workflow's jobs are still not read again).
    const finished = samePipeline && memory.finished && memory.workflow && memory.stages ? memory : undefined;
    if (finished?.workflow && finished.stages && !RERUNNABLE.has(finished.workflow.status)) {
      return this.stagesSnapshot(base, info, finished.workflow, finished.stages);
    }

    // 3. The release workflow of the pipeline.
    const workflows = await circleci.listWorkflows(info.id);
    const workflow = releaseWorkflow(workflows);
    if (!workflow) {
      memory.workflow = undefined;
      memory.stages = undefined;
      memory.finished = workflows.length === 0 && this.now() - Date.parse(info.createdAt) > SETUP_GRACE_MS;
      return { ...base, pipeline: info, state: 'no-workflows' };
    }
    if (finished?.workflow && finished.stages && finished.workflow.id === workflow.id) {
      return this.stagesSnapshot(base, info, finished.workflow, finished.stages);
    }
    const wfInfo = toWorkflowInfo(workflow);
    const jobs = await circleci.listJobs(workflow.id);
    const stages = orderStages(wfInfo.kind, jobs.map(toStage));
    memory.workflow = wfInfo;
    memory.stages = stages;
    memory.finished = isWorkflowFinished(workflow.status);
    return this.stagesSnapshot(base, info, wfInfo, stages);
  }

  private stagesSnapshot(
    base: SiteSnapshot,
    pipeline: PipelineInfo,
    workflow: WorkflowInfo,
    stages: StageInfo[],
  ): SiteSnapshot {
    const message = [pipeline.commitSubject, pipeline.commitBody].filter(Boolean).join('\n\n');
    const derived = deriveState(workflow, stages, message);
    return {
      ...base,
      pipeline,
      workflow,
      stages,
      state: derived.state,
      ...(derived.hold ? { hold: derived.hold } : {}),
    };
  }

  /**
   * The newest release pipeline newer than `knownNumber` (the remembered release pipeline, or the newest pipeline
   * already examined), paging back within a bound; `newest` is the newest pipeline number on the list.
   */
  private async findReleasePipeline(
    circleci: CircleCiClient,
    slug: string,
    knownNumber: number | undefined,
  ): Promise<{ pipeline?: Pipeline; newest?: number }> {
    const maxPages = this.options.maxPipelinePages ?? 10;
    let newest: number | undefined;
    for await (const list of pages(
      (token) => circleci.listPipelinesPage(slug, token),
      (list) => list.next_page_token || undefined, // null on the last page, whatever the spec says
      { maxPages, what: `the pipelines of ${slug} (looking for its latest release)`, log: this.log },
    )) {
      for (const p of list.items) {
        newest ??= p.number;
        if (knownNumber !== undefined && p.number <= knownNumber) return { newest }; // nothing newer than what we know
        if (isReleaseTag(p.vcs?.tag)) return { pipeline: p, newest };
      }
    }
    return { newest };
  }

  private async loadNextRelease(site: string): Promise<NextReleaseInfo | undefined> {
    const github = await this.options.github();
    const org = this.options.organization();
    const repo = `planet4-${site}`;
    const tags = (await github.listTags(org, repo)).map((t) => t.name);
    const releaseTags = tags.filter(isReleaseTag);
    const mem = this.memory.get(site) ?? {};
    mem.tags = releaseTags;
    this.memory.set(site, mem);
    const latestTag = latestReleaseTag(releaseTags);
    let next: NextReleaseInfo;
    if (latestTag) {
      const cmp = await github.compare(org, repo, latestTag, 'main');
      const head = cmp.commits.at(-1) ?? cmp.base;
      next = {
        latestTag,
        ahead: cmp.aheadBy,
        headSha: head.sha,
        headSubject: head.subject,
        headHold: carriesHold(head.message),
        updatedAt: this.now(),
      };
      const bumped = nextReleaseTag(releaseTags);
      if (bumped) next.nextTag = bumped;
    } else {
      const head = await github.branchHead(org, repo);
      next = {
        ahead: 0,
        headSha: head.sha,
        headSubject: head.subject,
        headHold: carriesHold(head.message),
        updatedAt: this.now(),
      };
    }
    mem.next = next;
    return next;
  }

  /** Forgets what is known of a site's pipeline so the next refresh reads it again (after an action on it). */
  invalidate(site: string, what: 'pipeline' | 'github' | 'all' = 'all'): void {
    const mem = this.memory.get(site);
    if (!mem) return;
    if (what === 'pipeline' || what === 'all') mem.finished = false;
    if (what === 'github' || what === 'all') delete mem.next;
  }

  // ---------------------------------------------------------------- results

  private errorSnapshot(site: string, slug: string, e: unknown): SiteSnapshot {
    const prev = this.snapshots.get(site);
    if (e instanceof ApiError) {
      if (e.service === 'circleci' && e.kind === 'notFound') {
        return {
          site,
          slug,
          state: 'no-project',
          stages: [],
          error: { kind: e.kind, message: e.message, service: e.serviceName },
        };
      }
      this.log.warn(`${site}: ${e.message}`);
      return {
        ...(prev && prev.state !== 'error' ? { pipeline: prev.pipeline, workflow: prev.workflow } : {}),
        site,
        slug,
        state: 'error',
        stages: prev?.stages ?? [],
        error: { kind: e.kind, message: e.message, service: e.serviceName },
      };
    }
    const message = e instanceof Error ? e.message : String(e);
    this.log.error(`${site}: unexpected failure: ${message}`);
    return { site, slug, state: 'error', stages: [], error: { kind: 'unknown', message } };
  }

  private publish(site: string, snapshot: SiteSnapshot): void {
    const prev = this.snapshots.get(site);
    this.snapshots.set(site, snapshot);
    if (!prev || prev.stale || !sameSnapshot(prev, snapshot)) this.emit([site]);
  }

  private updateConnection(sites: readonly string[]): void {
    const snaps = sites.map((s) => this.snapshots.get(s)).filter((s): s is SiteSnapshot => s !== undefined);
    if (snaps.length === 0) return;
    if (snaps.some((s) => s.error?.kind === 'unauthorized' && s.error.service === 'CircleCI')) {
      this.setConnection('circleci-unauthorized');
    } else if (snaps.every((s) => s.error?.kind === 'network' || s.error?.kind === 'timeout')) {
      this.setConnection('unreachable');
    } else if (this.connectionState !== 'github-unauthorized' || sites.length === this.siteNames.length) {
      this.setConnection('ok');
    }
  }

  setConnection(c: Connection): void {
    if (c === this.connectionState) return;
    this.connectionState = c;
    for (const l of this.connectionListeners) l(c);
  }

  private emit(sites: string[]): void {
    for (const l of this.listeners) {
      try {
        l(sites);
      } catch (e) {
        this.log.error(`listener failed: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }

  private placeholder(site: string): SiteSnapshot {
    return { site, slug: projectSlug(this.options.organization(), site), state: 'loading', stages: [] };
  }

  // ---------------------------------------------------------------- persistence

  persist(): PersistedFleet {
    const seen: PersistedFleet['seen'] = {};
    for (const [site, mem] of this.memory) seen[site] = [mem.seenUpTo ?? null, mem.finished === true];
    // Stages are stored already ordered: their dependency ids (a third of the state) are not needed again.
    const snapshots = [...this.snapshots.values()].map((s) => ({
      ...s,
      stages: s.stages.map((st) => ({ ...st, dependencies: [] })),
    }));
    return { version: 2, savedAt: this.now(), sites: this.siteNames, snapshots, seen };
  }

  /**
   * Restores the last known state; every restored snapshot is marked stale until refreshed. What a refresh needs to
   * stay cheap (the release pipeline, a finished workflow's stages) is rebuilt from the snapshots.
   */
  restore(saved: unknown): boolean {
    if (!isPersistedFleet(saved)) return false;
    this.siteNames = [...new Set(saved.sites)];
    this.snapshots.clear();
    this.memory.clear();
    for (const s of saved.snapshots) {
      if (!this.siteNames.includes(s.site)) continue;
      this.snapshots.set(s.site, { ...s, stale: true });
      const [seenUpTo, finished] = seenOf(saved.seen[s.site]);
      const mem: SiteMemory = {};
      if (s.pipeline && s.state !== 'error') {
        mem.pipeline = s.pipeline;
        if (s.workflow) {
          mem.workflow = s.workflow;
          mem.stages = s.stages;
          mem.finished = finished;
        }
      }
      if (seenUpTo !== null) mem.seenUpTo = seenUpTo;
      if (s.next) mem.next = s.next;
      this.memory.set(s.site, mem);
    }
    this.emit([]);
    return true;
  }
}

/** Runs `task` for `key` unless a run for it is in flight, in which case that run's promise is shared. */
function once(inFlight: Map<string, Promise<void>>, key: string, task: () => Promise<void>): Promise<void> {
  const running = inFlight.get(key);
  if (running) return running;
  const p = task().finally(() => inFlight.delete(key));
  inFlight.set(key, p);
  return p;
}

/** The site names of `sites.txt` (one a line, `#` comments); lines that are not site names are left out. */
export function parseSitesTxt(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.replace(/#.*/, '').trim())
    .filter((l) => l !== '')
    .map(normalizeSiteName)
    .filter((s): s is string => s !== undefined);
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null;
const isString = (x: unknown): x is string => typeof x === 'string';

/** A saved snapshot with the shape the tree relies on (only this extension writes them, but versions change). */
function isSnapshot(x: unknown): x is SiteSnapshot {
  if (!isObject(x) || !isSiteName(x.site) || !isString(x.slug) || !isSiteState(x.state)) return false;
  if (!Array.isArray(x.stages) || !x.stages.every((st) => isObject(st) && isString(st.name) && isString(st.status)))
    return false;
  const p = x.pipeline;
  if (p !== undefined && !(isObject(p) && isString(p.id) && typeof p.number === 'number' && isString(p.tag)))
    return false;
  const w = x.workflow;
  if (w !== undefined && !(isObject(w) && isString(w.id) && isString(w.name) && isString(w.status))) return false;
  return x.next === undefined || (isObject(x.next) && isString(x.next.headSha));
}

function isPersistedFleet(x: unknown): x is PersistedFleet {
  return (
    isObject(x) &&
    x.version === 2 &&
    Array.isArray(x.sites) &&
    x.sites.every(isSiteName) &&
    Array.isArray(x.snapshots) &&
    x.snapshots.every(isSnapshot) &&
    isObject(x.seen)
  );
}

/** A saved `seen` entry, or nothing known. */
function seenOf(x: unknown): [number | null, boolean] {
  if (!Array.isArray(x)) return [null, false];
  const [n, finished] = x as unknown[];
  return [typeof n === 'number' && Number.isSafeInteger(n) ? n : null, finished === true];
}

function toPipelineInfo(p: Pipeline): PipelineInfo {
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
  return info;
}

function toWorkflowInfo(w: Workflow): WorkflowInfo {
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

function sameSnapshot(a: SiteSnapshot, b: SiteSnapshot): boolean {
  const strip = (s: SiteSnapshot): string => JSON.stringify({ ...s, updatedAt: 0, stale: false });
  return strip(a) === strip(b);
}
