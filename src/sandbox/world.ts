import { circleciSkips } from './bot';
import { ContentLimit } from './contentLimit';
import { buildBase, buildSite, vcsOf } from './history';
import { DEVELOPER, actorOf, person, type Identity } from './people';
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

  constructor(readonly options: WorldOptions) {
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

  /** planet4-base or planet4-<site>; undefined for anything else. */
  repo(name: string): Repo | undefined {
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

  /** A ref was created or moved: pushes trigger CircleCI (tags v* → production, main → develop). */
  refChanged(repo: Repo, ref: string, target: string, who: Identity = DEVELOPER): void {
    const site = repo.name.startsWith('planet4-') ? repo.name.slice('planet4-'.length) : undefined;
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
      project.createPipeline({
        at: now,
        triggerType: 'webhook',
        actor: actorOf(who),
        vcs: { ...vcsOf(c), tag },
        parameters: {},
        failing: this.plan(site).visualDiffs ? ['visualtests-compare'] : [],
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

  /** POST /project/{slug}/pipeline */
  trigger(
    project: Project,
    body: { branch?: string; tag?: string; parameters: Record<string, string | number | boolean> },
  ): Pipeline {
    const repo = this.siteRepo(project.site);
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
      failing: this.plan(project.site).visualDiffs && body.parameters.rollback !== true ? ['visualtests-compare'] : [],
      ...(c ? {} : { errorMessage: `Could not find a ${body.tag !== undefined ? 'tag' : 'branch'} named ${ref}` }),
    });
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
