import type { PlatformReleaseStart } from './base';
import { botReleaseTag, botTriggerBuild, generatorConfigCommit } from './bot';
import { DEFAULT_START, SimClock } from './clock';
import { findDataDir, listBackstopFiles, normalizeDataDir, parseSites, readSitesText } from './data';
import { Faults, type FaultRule } from './faults';
import { rolesFor, SCENARIOS, type ScenarioName, type ScenarioRoles, type TagsPerSite } from './scenarios';
import { SandboxServer, type RequestLogEntry } from './server';
import type { EndStatus, PipelineSetupState, StatePlan, StuckStatus } from './states';
import { MINUTE } from './util';
import { TOKENS } from './people';
import { World } from './world';

export type { ScenarioName, ScenarioRoles, FaultRule, RequestLogEntry, PlatformReleaseStart, TagsPerSite };
export type { StatePlan, EndStatus, StuckStatus, PipelineSetupState };
export { SCENARIOS };

export interface SandboxOptions {
  /** default 0 = free port; always listens on 127.0.0.1 only */
  port?: number;
  /** default 'mixed' */
  scenario?: ScenarioName;
  /** default 'manual' (time moves only by clock.advance); 'realtime' = simulated time runs at `speed` x real time */
  clock?: 'manual' | 'realtime';
  /** default 30 (realtime only) */
  speed?: number;
  /** latency added to every request (default 0) */
  latencyMs?: number;
  /** default: the 53 sites of resources/sandbox/sites.txt */
  sites?: string[];
  /** default 'realistic'; 'none' = every site's latest release pipeline is on page 1 */
  pipelineNoise?: 'realistic' | 'none';
  /** default: found by walking up from __dirname until `resources/sandbox/sites.txt` exists */
  dataDir?: string;
  /** GitHub's secondary rate limit: content-creating requests (new commits, tags, refs; moved refs) allowed in a
   * rolling minute, real time; more answer 403 with `retry-after`. Default 80. */
  contentPerMinute?: number;
  /**
   * Where planet4-base's platform release stands at start: 'finished' (default: the previous release is done) or
   * 'waiting' (release v26.17.0 waits on hold-release, a develop run on hold-dev-sites): approving hold-release starts
   * the wave, the bot tagging every site 30 s apart on the sandbox clock.
   */
  platformRelease?: PlatformReleaseStart;
  /**
   * What a test asks of a site's next release pipelines (a tag pushed, e.g. `botReleaseTag`, or triggered through the
   * API), by site: how jobs end, the workflow's status, a pipeline still setting up or errored, no `vcs.commit`.
   * The pipelines already in the history are as the scenario makes them.
   */
  states?: Record<string, StatePlan>;
  /**
   * Release (`v…`) tags per site: default 'real' = 450–590, seeded per site, as on the real fleet; a number = exactly
   * that many on every site (e.g. 550); 'small' = the former 12–135. Noise tags (`sync.*`, `lang.*`, `release.*`)
   * come on top on half of the sites; about one release tag in eight is lightweight.
   */
  tagsPerSite?: TagsPerSite;
}

export interface Sandbox {
  readonly url: string;
  readonly githubApiUrl: string;
  readonly circleciApiUrl: string;
  readonly tokens: { github: string; circleci: string; circleciNoAccess: string; githubReadOnly: string };
  readonly scenario: ScenarioName;
  readonly roles: ScenarioRoles;
  readonly sites: readonly string[];
  readonly clock: { now(): number; advance(ms: number): void };
  readonly requests: readonly RequestLogEntry[];
  clearRequests(): void;
  inject(rule: FaultRule): () => void;
  clearFaults(): void;
  /** test helpers acting like a developer (not through HTTP, not logged): */
  pushCommit(site: string, message: string): string;
  /** a developer's annotated tag on main's HEAD (e.g. a suffixed `v1.2.3-x`); returns the tagged commit's sha */
  pushTag(site: string, tag: string): string;
  mainHead(site: string): { sha: string; message: string };
  /** helpers acting like the real Planet 4 automation (REALITY.md; not through HTTP, not logged): */
  /** the weekday cron: an empty `:robot: Trigger build #N` commit on main; returns its sha */
  botTriggerBuild(site: string): string;
  /** the NRO generator: `[skip ci] New CircleCI config` on main (CircleCI runs nothing for it); returns its sha */
  generatorConfigCommit(site: string): string;
  /** the platform release: the bot's next version as an annotated tag on main HEAD; returns the tag (`failing`: jobs
   * of its production workflow that will fail, e.g. `deploy-production`) */
  botReleaseTag(site: string, failing?: readonly string[]): string;
  close(): Promise<void>;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const scenario = options.scenario ?? 'mixed';
  if (!SCENARIOS.includes(scenario)) {
    throw new Error(`sandbox: unknown scenario ${scenario}`);
  }
  const dataDir = options.dataDir !== undefined ? normalizeDataDir(options.dataDir) : findDataDir();
  const fileText = readSitesText(dataDir);
  const sites = options.sites ? [...new Set(options.sites)] : parseSites(fileText);
  const sitesText = options.sites ? `${sites.join('\n')}\n` : fileText;
  const mode = options.clock ?? 'manual';
  const start = mode === 'manual' ? DEFAULT_START : Math.floor(Date.now() / MINUTE) * MINUTE;
  const clock = new SimClock(mode, options.speed ?? 30, start);
  const roles = rolesFor(scenario, sites);
  const world = new World({
    sites,
    sitesText,
    scenario,
    roles,
    start,
    now: () => clock.now(),
    noise: options.pipelineNoise ?? 'realistic',
    ...(options.contentPerMinute !== undefined ? { contentPerMinute: options.contentPerMinute } : {}),
    ...(options.platformRelease !== undefined ? { platformRelease: options.platformRelease } : {}),
    ...(options.states ? { states: options.states } : {}),
    ...(options.tagsPerSite !== undefined ? { tagsPerSite: options.tagsPerSite } : {}),
  });
  const faults = new Faults();
  const log: RequestLogEntry[] = [];
  let backstopFiles: string[] | undefined;
  const server = new SandboxServer({
    world,
    faults,
    log,
    latencyMs: options.latencyMs ?? 0,
    dataDir,
    backstopFiles: () => (backstopFiles ??= listBackstopFiles(dataDir)),
  });
  const url = await server.listen(options.port ?? 0);
  let closing: Promise<void> | undefined;
  return {
    url,
    githubApiUrl: `${url}/github`,
    circleciApiUrl: `${url}/circleci/api/v2`,
    tokens: { ...TOKENS },
    scenario,
    roles,
    sites,
    clock: {
      now: () => clock.now(),
      advance: (ms: number) => {
        clock.advance(ms);
      },
    },
    get requests(): readonly RequestLogEntry[] {
      return log;
    },
    clearRequests: () => {
      log.length = 0;
    },
    inject: (rule: FaultRule) => faults.add(rule),
    clearFaults: () => {
      faults.clear();
    },
    pushCommit: (site: string, message: string) => world.pushCommit(site, message),
    pushTag: (site: string, tag: string) => world.pushTag(site, tag),
    botTriggerBuild: (site: string) => botTriggerBuild(world, site),
    generatorConfigCommit: (site: string) => generatorConfigCommit(world, site),
    botReleaseTag: (site: string, failing?: readonly string[]) => botReleaseTag(world, site, failing),
    mainHead: (site: string) => {
      world.runDue();
      const head = world.siteRepo(site).headOf('main');
      if (!head) {
        throw new Error(`sandbox: ${site} has no main branch`);
      }
      return { sha: head.sha, message: head.message };
    },
    close: () => (closing ??= server.close()),
  };
}
