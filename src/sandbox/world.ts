import { buildBaseHistory, createBaseProject, type PlatformReleaseStart } from './base';
import { circleciSkips } from './bot';
import { ContentLimit } from './contentLimit';
import { buildBase, buildSite, vcsOf } from './history';
import { BOT, DEVELOPER, actorOf, person, type Identity } from './people';
import type { Pipeline, Registry, Vcs } from './pipelines';
import type { Project } from './project';
import type { GitCommit, GitPerson, Repo } from './repo';
import {
  planSite,
  siteOrder,
  type ScenarioName,
  type ScenarioRoles,
  type SitePlan,
  type TagsPerSite,
} from './scenarios';
import type { StatePlan } from './states';
import { sha1 } from './util';

export interface WorldOptions {
  sites: readonly string[];
  sitesText: string;
  scenario: ScenarioName;
  roles: ScenarioRoles;
  start: number;
  now: () => number;
  noise: 'realistic' | 'none';
  /** GitHub's secondary limit: content-creating requests allowed in a rolling minute (default 80). */
  contentPerMinute?: number;
  /** Where planet4-base's platform release stands at start (default 'finished'). */
  platformRelease?: PlatformReleaseStart;
  /** What a test asks of a site's next release pipelines (tags pushed or triggered in the sandbox), by site. */
  states?: Readonly<Record<string, StatePlan>>;
  /** Release tags per site (default 'real': 450–590, seeded per site; a number: exactly that many). */
  tagsPerSite?: TagsPerSite;
}

export type RefResult = { ok: true; ref: string; sha: string } | { ok: false; status: number; message: string };

/** All simulated state; each site is built lazily on first use. */
export class World {
  readonly registry: Registry = { pipelines: new Map(), workflows: new Map() };
  private readonly repos = new Map<string, Repo>();
  private readonly projects = new Map<string, Project>();
  private readonly order: Map<string, number>;
  private readonly siteSet: Set<string>;
  private readonly plans = new Map<string, SitePlan>();
  /** GitHub's secondary rate limit on content creation. */
  readonly contentLimit: ContentLimit;
  readonly options: WorldOptions;
  private base: Project | undefined;
  /** What happens later on the sandbox clock (the bot's 30 s steps), in time order. */
  private readonly events: { at: number; seq: number; run: () => void }[] = [];
  private eventSeq = 0;
  /** While a scheduled event runs: its time, which is `now` for everything it does. */
  private eventAt: number | undefined;

  constructor(options: WorldOptions) {
    this.options = { ...options, now: () => this.eventAt ?? options.now() };
    this.siteSet = new Set(options.sites);
    this.contentLimit = new ContentLimit(options.contentPerMinute ?? 80);
    this.order = new Map(siteOrder(options.sites).map((s, i) => [s, i]));
  }

  isSite(site: string): boolean {
    return this.siteSet.has(site);
  }

  plan(site: string): SitePlan {
    let plan = this.plans.get(site);
    if (!plan) {
      plan = planSite(site, this.order.get(site) ?? 0, this.options.roles, this.options.tagsPerSite);
      this.plans.set(site, plan);
    }
    return plan;
  }

  /** Schedules `run` at `at` on the sandbox clock; it runs, with `now` = `at`, when the world is next used after it. */
  schedule(at: number, run: () => void): void {
    this.events.push({ at, seq: this.eventSeq++, run });
    this.events.sort((a, b) => a.at - b.at || a.seq - b.seq);
  }

  /** Runs every scheduled event due by now, in time order (each sees its own time as now). */
  runDue(): void {
    if (this.eventAt !== undefined) return;
    const now = this.options.now();
    for (let e = this.events[0]; e !== undefined && e.at <= now; e = this.events[0]) {
      this.events.shift();
      this.eventAt = e.at;
      try {
        e.run();
      } finally {
        this.eventAt = undefined;
      }
    }
  }

  /** planet4-base's CircleCI project (`gh/greenpeace/planet4-base`), synced to now. */
  baseProject(): Project {
    this.runDue();
    if (!this.base) {
      const repo = this.repo('planet4-base');
      this.base = createBaseProject(this, this.options.sites, this.options.start);
      if (repo) {
        buildBaseHistory(
          this.base,
          repo,
          this.options.start,
          this.options.sites.length,
          this.options.platformRelease ?? 'finished',
        );
      }
    }
    this.base.sync(this.options.now());
    return this.base;
  }

  /** planet4-base or planet4-<site>; undefined for anything else. */
  repo(name: string): Repo | undefined {
    this.runDue();
    const existing = this.repos.get(name);
    if (existing) {
      return existing;
    }
    if (name === 'planet4-base') {
      const repo = buildBase(this.options.start, this.options.sitesText);
      this.repos.set(name, repo);
      return repo;
    }
    const site = name.startsWith('planet4-') ? name.slice('planet4-'.length) : undefined;
    if (site === undefined || !this.isSite(site)) {
      return undefined;
    }
    this.buildSite(site);
    return this.repos.get(name);
  }

  /** The CircleCI project of a site, synced to now; undefined when it does not exist. */
  project(site: string): Project | undefined {
    if (!this.isSite(site)) {
      return undefined;
    }
    this.runDue();
    if (!this.repos.has(`planet4-${site}`)) {
      this.buildSite(site);
    }
    const project = this.projects.get(site);
    project?.sync(this.options.now());
    return project;
  }

  siteRepo(site: string): Repo {
    const repo = this.repo(`planet4-${site}`);
    if (!repo) {
      throw new Error(`sandbox: unknown site ${site}`);
    }
    return repo;
  }

  private buildSite(site: string): void {
    const { repo, project } = buildSite(site, this.plan(site), this.registry, this.options.start, this.options.noise);
    this.repos.set(repo.name, repo);
    if (project) {
      this.projects.set(site, project);
    }
  }

  // ---- mutations (GitHub side, with their CircleCI effects) ----

  createCommit(repo: Repo, message: string, tree: string, parents: string[], author?: GitPerson): GitCommit {
    const now = this.options.now();
    const who = author ?? person(DEVELOPER, now);
    const sha = repo.newSha(`${message}\n${tree}\n${parents.join(',')}\n${now}`);
    return repo.addCommit({ sha, message, tree, parents, author: who, committer: { ...who, date: now } });
  }

  createTagObject(repo: Repo, tag: string, message: string, object: string, tagger: Identity = DEVELOPER): string {
    const sha = repo.newSha(`tag:${tag}:${object}`);
    repo.addTagObject({ sha, tag, message, object, tagger: person(tagger, this.options.now()) });
    return sha;
  }

  /**
   * A ref was created or moved: pushes trigger CircleCI (tags v* → production, main → develop). `failing`: jobs of a
   * tag's production workflow that will fail, besides the scenario's.
   */
  refChanged(repo: Repo, ref: string, target: string, who: Identity = DEVELOPER, failing?: readonly string[]): void {
    const site = repo.name.startsWith('planet4-') ? repo.name.slice('planet4-'.length) : undefined;
    if (repo.name === 'planet4-base') {
      this.baseRefChanged(repo, ref, target, who);
      return;
    }
    if (site === undefined || !this.isSite(site)) {
      return;
    }
    const project = this.project(site);
    const sha = repo.peel(target);
    const c = sha === undefined ? undefined : repo.commit(sha);
    if (!project || !c) {
      return;
    }
    // CircleCI skips a push whose commit message has, in its first 250 characters, [skip ci] or [ci skip]
    if (circleciSkips(c.message)) {
      return;
    }
    const now = this.options.now();
    if (ref.startsWith('refs/tags/')) {
      const tag = ref.slice('refs/tags/'.length);
      if (!tag.startsWith('v')) {
        return;
      }
      const plan = this.options.states?.[site];
      project.createPipeline({
        at: now,
        // without vcs.commit: as when the release is triggered through the API (REALITY.md)
        triggerType: plan?.noCommit ? 'api' : 'webhook',
        actor: actorOf(who),
        vcs: { ...vcsOf(c), tag },
        parameters: {},
        failing: [
          ...(this.plan(site).visualDiffs ? ['visualtests-compare'] : []),
          // the wave's failed deploy: the bot's tag of a site whose production deploy is broken
          ...(who.login === BOT.login && this.plan(site).failedDeploy ? ['deploy-production'] : []),
          ...(failing ?? []),
        ],
        ...(plan ? { plan } : {}),
      });
    } else if (ref === 'refs/heads/main') {
      project.createPipeline({
        at: now,
        triggerType: 'webhook',
        actor: actorOf(who),
        vcs: { ...vcsOf(c), branch: 'main' },
        parameters: {},
      });
    }
  }

  /** A push on planet4-base: a `v…` tag makes a platform release, main a develop run. */
  private baseRefChanged(repo: Repo, ref: string, target: string, who: Identity): void {
    const sha = repo.peel(target);
    const c = sha === undefined ? undefined : repo.commit(sha);
    if (!c || circleciSkips(c.message)) {
      return;
    }
    const tag = ref.startsWith('refs/tags/') ? ref.slice('refs/tags/'.length) : undefined;
    if (tag !== undefined ? !tag.startsWith('v') : ref !== 'refs/heads/main') {
      return;
    }
    this.baseProject().createPipeline({
      at: this.options.now(),
      triggerType: 'webhook',
      actor: actorOf(who),
      vcs: { ...vcsOf(c), ...(tag !== undefined ? { tag } : { branch: 'main' }) },
      parameters: {},
    });
  }

  /** POST /project/{slug}/pipeline */
  trigger(
    project: Project,
    body: { branch?: string; tag?: string; parameters: Record<string, string | number | boolean> },
  ): Pipeline {
    const repo = project.kind ? this.repo(project.kind.repoName) : this.siteRepo(project.site);
    if (!repo) {
      throw new Error(`sandbox: no repository for ${project.slug}`);
    }
    const now = this.options.now();
    const ref = body.tag !== undefined ? `refs/tags/${body.tag}` : `refs/heads/${body.branch ?? 'main'}`;
    const target = repo.refs.get(ref);
    const sha = target === undefined ? undefined : repo.peel(target);
    const c = sha === undefined ? undefined : repo.commit(sha);
    const vcs: Vcs | undefined = c
      ? { ...vcsOf(c), ...(body.tag !== undefined ? { tag: body.tag } : { branch: body.branch ?? 'main' }) }
      : undefined;
    return project.createPipeline({
      at: now,
      triggerType: 'api',
      actor: actorOf(DEVELOPER),
      vcs: vcs ?? {
        revision: '',
        subject: '',
        body: '',
        ...(body.tag !== undefined ? { tag: body.tag } : { branch: body.branch ?? 'main' }),
      },
      parameters: body.parameters,
      failing:
        !project.kind && this.plan(project.site).visualDiffs && body.parameters.rollback !== true
          ? ['visualtests-compare']
          : [],
      ...(body.tag !== undefined && this.options.states?.[project.site]
        ? { plan: this.options.states[project.site] }
        : {}),
      ...(c ? {} : { errorMessage: `Could not find a ${body.tag !== undefined ? 'tag' : 'branch'} named ${ref}` }),
    });
  }

  /**
   * A developer tags main's HEAD (test helper): an annotated tag, e.g. a suffixed `v1.2.3-x`; a `v…` tag starts a
   * production pipeline, as any pushed tag does.
   */
  pushTag(site: string, tag: string): string {
    const repo = this.siteRepo(site);
    const head = repo.headOf('main');
    if (!head) {
      throw new Error(`sandbox: ${site} has no main branch`);
    }
    if (repo.refs.has(`refs/tags/${tag}`)) {
      throw new Error(`sandbox: ${site} already has the tag ${tag}`);
    }
    const object = this.createTagObject(repo, tag, tag, head.sha);
    repo.refs.set(`refs/tags/${tag}`, object);
    this.refChanged(repo, `refs/tags/${tag}`, object);
    return head.sha;
  }

  /** A developer commits on main (test helper): new commit on top of HEAD, develop pipeline. */
  pushCommit(site: string, message: string): string {
    const repo = this.siteRepo(site);
    const head = repo.headOf('main');
    if (!head) {
      throw new Error(`sandbox: ${site} has no main branch`);
    }
    const c = this.createCommit(repo, message, sha1(`${repo.name}:tree:${message}:${head.sha}`), [head.sha]);
    repo.trees.add(c.tree);
    repo.refs.set('refs/heads/main', c.sha);
    this.refChanged(repo, 'refs/heads/main', c.sha);
    return c.sha;
  }
}
