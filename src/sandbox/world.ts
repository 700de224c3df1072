import {
  AUTO_APPROVAL,
  Project,
  type Actor,
  type Pipeline,
  type PipelineRequest,
  type Registry,
  type Vcs,
} from './pipelines';
import { Repo, type GitCommit, type GitPerson } from './repo';
import { planSite, siteOrder, type ScenarioName, type ScenarioRoles, type SitePlan } from './scenarios';
import { DAY, HOUR, MINUTE, SECOND, hashInt, hashRange, pick, sha1, uuidFrom } from './util';

export const ORG = 'greenpeace';

export interface Identity {
  name: string;
  login: string;
  email: string;
  githubId: number;
  circleId: string;
}

function identity(name: string, login: string, githubId: number): Identity {
  return {
    name,
    login,
    email: `${githubId}+${login}@users.noreply.github.com`,
    githubId,
    circleId: uuidFrom(`user:${login}`),
  };
}

/** The person using the sandbox tokens. */
export const DEVELOPER = identity('Sandbox Developer', 'sandbox-dev', 4200001);
const BOT = identity('Planet 4 Bot', 'planet4-bot', 4200002);
const AUTHORS = [
  identity('Ana Sousa', 'asousa-gp', 4200011),
  identity('Lukas Meyer', 'lmeyer-gp', 4200012),
  identity('Priya Nair', 'pnair-gp', 4200013),
  identity('Tomás Reyes', 'treyes-gp', 4200014),
  identity('Mei Lin', 'meilin-gp', 4200015),
];
export const USERS = new Map([DEVELOPER, BOT, ...AUTHORS].map((u) => [u.login, u]));

export const TOKENS = {
  // fake tokens, shaped so that no secret scanner takes them for real ones
  github: 'sandbox-github-token-full-access',
  githubReadOnly: 'sandbox-github-token-read-only',
  circleci: 'sandbox-circleci-token-full-access',
  circleciNoAccess: 'sandbox-circleci-token-no-access',
};

function person(who: Identity, date: number): GitPerson {
  return { name: who.name, email: who.email, login: who.login, date };
}

function actorOf(who: Identity): Actor {
  return { id: who.circleId, login: who.login };
}

const MESSAGES = [
  (n: number) => `Merge pull request #${n} from greenpeace/feature/campaign-pages\n\nAdd campaign landing pages`,
  (n: number) => `:robot: Bump planet4-master-theme to v2.${n % 90}.${n % 7}`,
  (n: number) => `:robot: Bump planet4-plugin-gutenberg-blocks to v3.${n % 60}.${n % 9}`,
  () => 'Update composer.json',
  (n: number) => `PLANET-${7000 + n} Enable the new search page`,
  () => 'Update translations',
  () => 'Update backstop-pages.json',
  (n: number) => `Merge pull request #${n} from greenpeace/fix/redirects\n\nFix redirects of old campaign URLs`,
  () => 'Remove archived campaign from the menu',
  (n: number) => `Add redirect for /act/${['oceans', 'climate', 'forests', 'plastics'][n % 4] ?? 'oceans'}`,
];

export interface WorldOptions {
  sites: readonly string[];
  sitesText: string;
  scenario: ScenarioName;
  roles: ScenarioRoles;
  start: number;
  now: () => number;
  noise: 'realistic' | 'none';
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

  constructor(readonly options: WorldOptions) {
    this.siteSet = new Set(options.sites);
    this.order = new Map(siteOrder(options.sites).map((s, i) => [s, i]));
  }

  isSite(site: string): boolean {
    return this.siteSet.has(site);
  }

  plan(site: string): SitePlan {
    let plan = this.plans.get(site);
    if (!plan) {
      plan = planSite(site, this.order.get(site) ?? 0, this.options.roles);
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
      const repo = this.buildBase();
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

  private buildBase(): Repo {
    const created = this.options.start - 900 * DAY;
    const repo = new Repo(ORG, 'planet4-base', 90000001, created);
    repo.files.set('sites.txt', this.options.sitesText);
    repo.files.set('dev_sites.txt', 'sandbox\n');
    repo.files.set('README.md', '# planet4-base\n\nBase repository of the Planet 4 sites.\n');
    let parent: string | undefined;
    for (let i = 0; i < 12; i++) {
      const date = created + i * 60 * DAY;
      const sha = sha1(`planet4-base:commit:${i}`);
      repo.addCommit({
        sha,
        message: i === 0 ? 'Initial commit' : i % 2 === 0 ? 'Update sites.txt' : 'Update rollback script',
        tree: sha1(`planet4-base:tree:${i}`),
        parents: parent === undefined ? [] : [parent],
        author: person(pick(AUTHORS, `base:${i}`), date),
        committer: person(pick(AUTHORS, `base:${i}`), date),
      });
      parent = sha;
    }
    if (parent !== undefined) {
      repo.refs.set('refs/heads/main', parent);
    }
    return repo;
  }

  private buildSite(site: string): void {
    const plan = this.plan(site);
    const start = this.options.start;
    const repoName = `planet4-${site}`;
    const releaseTimes: number[] = [];
    // newest first, then reversed
    let t = start - plan.latestAge;
    for (let i = 0; i < plan.releaseCount; i++) {
      releaseTimes.push(t);
      t -= hashRange(`gap:${site}:${i}`, 2, 9) * DAY + hashRange(`gaph:${site}:${i}`, 0, 8) * HOUR;
    }
    releaseTimes.reverse();
    const firstRelease = releaseTimes[0] ?? start - DAY;
    const created = firstRelease - 30 * DAY;
    const repo = new Repo(ORG, repoName, 100000 + hashRange(`repoid:${site}`, 0, 899999), created);
    repo.files.set('composer.json', `{\n  "name": "greenpeace/planet4-${site}",\n  "type": "project"\n}\n`);
    repo.files.set('README.md', `# planet4-${site}\n\nPlanet 4 site of Greenpeace ${site}.\n`);
    repo.files.set('backstop-pages.json', '[]\n');
    let n = 0;
    let parent: string | undefined;
    const mainCommits: GitCommit[] = [];
    const commit = (message: string, date: number, author: Identity): GitCommit => {
      const sha = sha1(`${site}:commit:${n}`);
      const c = repo.addCommit({
        sha,
        message,
        tree: sha1(`${site}:tree:${n}`),
        parents: parent === undefined ? [] : [parent],
        author: person(author, date),
        committer: person(author, date),
      });
      n += 1;
      parent = sha;
      mainCommits.push(c);
      return c;
    };
    commit('Initial commit', created, pick(AUTHORS, `init:${site}`));
    let prev = created;
    const releases: { name: string; time: number; commit: GitCommit; tagger: Identity }[] = [];
    releaseTimes.forEach((time, i) => {
      const recent = i >= plan.releaseCount - 10;
      const k = recent ? hashRange(`k:${site}:${i}`, 1, 3) : 1;
      const tagged = time - 20 * MINUTE;
      let last: GitCommit | undefined;
      for (let j = 0; j < k; j++) {
        const date = j === k - 1 ? tagged : prev + ((tagged - prev) * (j + 1)) / (k + 1);
        const seed = `${site}:${i}:${j}`;
        const isLatest = i === plan.releaseCount - 1 && j === k - 1;
        let message = pick(MESSAGES, `msg:${seed}`)(hashRange(`num:${seed}`, 100, 999));
        let author = message.startsWith(':robot:') ? BOT : pick(AUTHORS, `author:${seed}`);
        if (isLatest && plan.held) {
          message = `:robot: [HOLD] Trigger build #${hashRange(`build:${site}`, 4000, 6000)}`;
          author = BOT;
        }
        last = commit(message, Math.floor(date), author);
      }
      prev = time;
      if (last) {
        const tagger = hashInt(`tagger:${site}:${i}`) % 3 === 0 ? BOT : pick(AUTHORS, `tagger:${site}:${i}`);
        releases.push({
          name: `${plan.prefix}${plan.latestNumber - plan.releaseCount + 1 + i}`,
          time,
          commit: last,
          tagger,
        });
      }
    });
    const latestTime = start - plan.latestAge;
    for (let j = 0; j < plan.ahead; j++) {
      const date = latestTime + ((start - 10 * MINUTE - latestTime) * (j + 1)) / (plan.ahead + 1);
      const seed = `${site}:ahead:${j}`;
      let message = pick(MESSAGES, `msg:${seed}`)(hashRange(`num:${seed}`, 100, 999));
      let author = message.startsWith(':robot:') ? BOT : pick(AUTHORS, `author:${seed}`);
      if (plan.headHold && j === plan.ahead - 1) {
        message = `:robot: [HOLD] Trigger build #${hashRange(`build2:${site}`, 6000, 7000)}`;
        author = BOT;
      }
      commit(message, Math.floor(date), author);
    }
    if (parent !== undefined) {
      repo.refs.set('refs/heads/main', parent);
    }
    for (const r of releases) {
      this.writeTag(repo, r.name, r.commit.sha, r.tagger, r.time, hashInt(`lw:${site}:${r.name}`) % 8 !== 0);
    }
    if (plan.noiseTags) {
      const old = mainCommits.slice(1, Math.max(2, mainCommits.length - 3));
      const noise = [
        `sync.${new Date(start - 40 * DAY).toISOString().slice(0, 10)}`,
        `sync.${new Date(start - 12 * DAY).toISOString().slice(0, 10)}`,
        'lang.de-2026.09',
        `release.${new Date(created).getUTCFullYear()}.1`,
      ];
      noise.forEach((name, i) => {
        const target = old[hashInt(`noise:${site}:${i}`) % old.length];
        if (target) {
          repo.refs.set(`refs/tags/${name}`, target.sha);
        }
      });
    }
    this.repos.set(repoName, repo);
    if (plan.missingProject) {
      return;
    }
    const project = new Project(
      site,
      this.registry,
      hashRange(`pnum:${site}`, 300, 4000),
      hashRange(`jnum:${site}`, 3000, 60000),
    );
    this.projects.set(site, project);
    // history, in chronological order
    const pipelinedReleases = releases.slice(-plan.pipelined);
    const windowStart = (pipelinedReleases[0]?.time ?? latestTime) - DAY;
    const events: { at: number; req: PipelineRequest }[] = [];
    pipelinedReleases.forEach((r, i) => {
      const latest = i === pipelinedReleases.length - 1;
      const failing: string[] = [];
      if (latest && plan.visualDiffs) {
        failing.push('visualtests-compare');
      }
      if (latest && plan.failedDeploy) {
        failing.push('deploy-production');
      }
      if (latest && plan.autoApprovalFailed) {
        failing.push(AUTO_APPROVAL);
      }
      events.push({
        at: r.time,
        req: {
          at: r.time,
          triggerType: 'webhook',
          actor: actorOf(r.tagger),
          vcs: { ...vcsOf(r.commit), tag: r.name },
          parameters: {},
          failing,
        },
      });
    });
    let cutoff = latestTime;
    const previous = releases[releases.length - 2];
    if (plan.rollingBack && previous) {
      const at = start - 2 * HOUR;
      cutoff = at;
      events.push({
        at,
        req: {
          at,
          triggerType: 'api',
          actor: actorOf(pick(AUTHORS, `rollbacker:${site}`)),
          vcs: { ...vcsOf(previous.commit), tag: previous.name },
          parameters: { rollback: true },
        },
      });
    }
    const realistic = this.options.noise === 'realistic';
    for (const c of mainCommits) {
      const at = c.committer.date + 30 * SECOND;
      if (at >= windowStart && at < start && (realistic || at < cutoff)) {
        const who = USERS.get(c.author.login) ?? BOT;
        events.push({
          at,
          req: {
            at,
            triggerType: 'webhook',
            actor: actorOf(who),
            vcs: { ...vcsOf(c), branch: 'main' },
            parameters: {},
          },
        });
      }
    }
    for (let day = Math.floor(windowStart / DAY) * DAY + 3 * HOUR; day < start; day += DAY) {
      if (day >= windowStart && (realistic || day < cutoff)) {
        const head = this.commitAt(mainCommits, day);
        if (head) {
          events.push({
            at: day,
            req: {
              at: day,
              triggerType: 'scheduled_pipeline',
              actor: { id: uuidFrom('scheduler'), login: 'Scheduled' },
              vcs: { ...vcsOf(head), branch: 'main' },
              parameters: {},
            },
          });
        }
      }
    }
    events.sort((a, b) => a.at - b.at);
    for (const e of events) {
      project.createPipeline(e.req);
    }
  }

  private commitAt(chain: GitCommit[], at: number): GitCommit | undefined {
    let found: GitCommit | undefined;
    for (const c of chain) {
      if (c.committer.date <= at) {
        found = c;
      }
    }
    return found;
  }

  private writeTag(repo: Repo, name: string, commitSha: string, who: Identity, at: number, annotated: boolean): void {
    if (!annotated) {
      repo.refs.set(`refs/tags/${name}`, commitSha);
      return;
    }
    const sha = sha1(`${repo.name}:tag:${name}:${commitSha}`);
    repo.addTagObject({ sha, tag: name, message: name, object: commitSha, tagger: person(who, at) });
    repo.refs.set(`refs/tags/${name}`, sha);
  }

  // ---- mutations (GitHub side, with their CircleCI effects) ----

  createCommit(repo: Repo, message: string, tree: string, parents: string[], author?: GitPerson): GitCommit {
    const now = this.options.now();
    const who = author ?? person(DEVELOPER, now);
    const sha = repo.newSha(`${message}\n${tree}\n${parents.join(',')}\n${now}`);
    return repo.addCommit({ sha, message, tree, parents, author: who, committer: { ...who, date: now } });
  }

  createTagObject(repo: Repo, tag: string, message: string, object: string): string {
    const sha = repo.newSha(`tag:${tag}:${object}`);
    repo.addTagObject({ sha, tag, message, object, tagger: person(DEVELOPER, this.options.now()) });
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

export function vcsOf(c: GitCommit): Vcs {
  const [subject = '', ...rest] = c.message.split('\n');
  return { revision: c.sha, subject, body: rest.join('\n').trim() };
}
