import type { CircleCiClient } from '../api/circleci/client';
import { projectSlug } from '../api/circleci/types';
import { ApiError } from '../api/errors';
import { CommitMessages } from './commits';
import type { GitHubClient } from '../api/github/client';
import { silentLogger, type Logger } from '../util/logger';
import { connectionAfterRefresh, ConnectionState, type Connection } from './connectionState';
import { SiteLoader } from './loader';
import { forget, type FleetMemory } from './memory';
import { loadNextRelease, noteReleaseTag } from './nextRelease';
import { persistedFleet, restoredFleet, type PersistedFleet } from './persistence';
import { resolveSites, siteList } from './sites';
import { failedSnapshot, sameSnapshot } from './snapshot';
import type { SiteSnapshot } from './types';

export type { Connection } from './connectionState';
export type { PersistedFleet } from './persistence';
export { parseSitesTxt } from './sites';

export interface FleetOptions {
  circleci: () => CircleCiClient;
  github: () => Promise<GitHubClient>;
  organization: () => string;
  log?: Logger;
  /** How far back a project's pipeline list is paged to find the latest release pipeline (20 per page). */
  maxPipelinePages?: number;
  now?: () => number;
}

export interface RefreshOptions {
  /** Only these sites (default: all). */
  sites?: readonly string[];
  /**
   * Also read the next-release facts from GitHub and ask about older releases still on hold (default: true for a
   * full refresh, the slow cycle).
   */
  github?: boolean;
  /**
   * The fast cycle of live sites: a known live workflow is read from its job list alone, without the pipeline list
   * (`live.ts`; default false: the pipeline list is read to find a new release pipeline).
   */
  fast?: boolean;
}

type Listener = (sites: string[]) => void;

/**
 * The state of every site's production release, loaded from CircleCI (stages: `loader.ts`, mapped by
 * `snapshot.ts`) and GitHub (next release: `nextRelease.ts`), kept cheap (see `SiteLoader`), saved and restored
 * (`persistence.ts`). The one object the shell, the poller and the tests talk to. Never imports `vscode`.
 */
export class Fleet {
  private siteNames: string[] = [];
  private readonly snapshots = new Map<string, SiteSnapshot>();
  private readonly memory: FleetMemory = new Map();
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly nextInFlight = new Map<string, Promise<void>>();
  private readonly listeners = new Set<Listener>();
  private readonly connectionState = new ConnectionState();
  private readonly loader: SiteLoader;
  private readonly log: Logger;
  private readonly now: () => number;

  constructor(private readonly options: FleetOptions) {
    this.log = options.log ?? silentLogger;
    this.now = options.now ?? Date.now;
    const commits = new CommitMessages(options.github, options.organization, this.log);
    this.loader = new SiteLoader(
      {
        circleci: options.circleci,
        log: this.log,
        now: this.now,
        commitMessage: (site, sha) => commits.message(site, sha),
        ...(options.maxPipelinePages !== undefined ? { maxPipelinePages: options.maxPipelinePages } : {}),
      },
      this.memory,
    );
  }

  // ---------------------------------------------------------------- reading

  get sites(): readonly string[] {
    return this.siteNames;
  }

  get connection(): Connection {
    return this.connectionState.current;
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
    return this.connectionState.onDidChange(listener);
  }

  // ---------------------------------------------------------------- sites

  /** Sets the sites shown (names that are not site names are left out), forgetting the others. */
  setSites(sites: readonly string[]): void {
    const clean = siteList(sites);
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
  resolveSites(configured: readonly string[]): Promise<string[]> {
    return resolveSites(configured, this.options.github, this.options.organization);
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
    await Promise.all(
      sites.map((s) => once(this.inFlight, s, () => this.loadSite(s, withGitHub, options.fast === true))),
    );
    this.updateConnection(sites);
    if (withGitHub && (await this.gitHubAvailable())) {
      await Promise.all(sites.map((s) => once(this.nextInFlight, s, () => this.loadNextReleaseOf(s))));
    }
  }

  /** Forgets what is known of a site's pipeline so the next refresh reads it again (after an action on it). */
  invalidate(site: string, what: 'pipeline' | 'github' | 'tags' | 'all' = 'all'): void {
    forget(this.memory.get(site), what);
  }

  setConnection(c: Connection): void {
    this.connectionState.set(c);
  }

  private async loadSite(site: string, older: boolean, fast: boolean): Promise<void> {
    const slug = projectSlug(this.options.organization(), site);
    let snapshot: SiteSnapshot;
    try {
      snapshot = await this.loader.load(site, slug, { older, fast });
    } catch (e) {
      snapshot = failedSnapshot(site, slug, e, this.snapshots.get(site));
      if (!(e instanceof ApiError)) this.log.error(`${site}: unexpected failure: ${snapshot.error?.message ?? ''}`);
      else if (snapshot.state === 'error') this.log.warn(`${site}: ${e.message}`);
    }
    const mem = this.memory.get(site);
    noteReleaseTag(mem); // a new release pipeline's tag: known without asking GitHub
    const next = mem?.next;
    if (next) snapshot.next = next;
    this.publish(site, snapshot);
  }

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
  private async loadNextReleaseOf(site: string): Promise<void> {
    try {
      const github = await this.options.github();
      const next = await loadNextRelease(github, this.options.organization(), site, this.memory, this.now);
      const current = this.snapshots.get(site);
      if (current) this.publish(site, { ...current, next });
    } catch (e) {
      this.log.warn(`${site}: next release unknown: ${e instanceof Error ? e.message : String(e)}`);
      if (e instanceof ApiError && e.kind === 'unauthorized') this.setConnection('github-unauthorized');
    }
  }

  private updateConnection(sites: readonly string[]): void {
    const snaps = sites.map((s) => this.snapshots.get(s)).filter((s): s is SiteSnapshot => s !== undefined);
    const c = connectionAfterRefresh(snaps, this.connectionState.current, sites.length === this.siteNames.length);
    if (c !== undefined) this.setConnection(c);
  }

  // ---------------------------------------------------------------- results

  private publish(site: string, snapshot: SiteSnapshot): void {
    const prev = this.snapshots.get(site);
    this.snapshots.set(site, snapshot);
    if (!prev || prev.stale || !sameSnapshot(prev, snapshot)) this.emit([site]);
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
    return persistedFleet(this.siteNames, this.snapshots.values(), this.memory, this.now());
  }

  /**
   * Restores the last known state (see `restoredFleet`): every restored snapshot is stale until refreshed. False,
   * and nothing changed, when the saved state is not one this extension wrote.
   */
  restore(saved: unknown): boolean {
    const restored = restoredFleet(saved);
    if (!restored) return false;
    this.siteNames = restored.sites;
    this.snapshots.clear();
    this.memory.clear();
    for (const [site, s] of restored.snapshots) this.snapshots.set(site, s);
    for (const [site, m] of restored.memory) this.memory.set(site, m);
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
