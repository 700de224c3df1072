/** The past of the sandbox: each site's git history, release tags and CircleCI pipelines, generated from its plan. */
import { AUTO_APPROVAL, type PipelineRequest, type Registry, type Vcs } from './pipelines';
import { AUTHORS, BOT, ORG, USERS, actorOf, person, type Identity } from './people';
import { Project } from './project';
import { Repo, type GitCommit } from './repo';
import { releaseNames, type SitePlan } from './scenarios';
import { DAY, HOUR, MINUTE, SECOND, hashInt, hashRange, pick, sha1, uuidFrom } from './util';

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

/** planet4-base: `sites.txt` and a short history of its own. */
export function buildBase(start: number, sitesText: string): Repo {
  const created = start - 900 * DAY;
  const repo = new Repo(ORG, 'planet4-base', 90000001, created);
  repo.files.set('sites.txt', sitesText);
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

/**
 * A site as its plan says: the repository with its history and release tags and, unless the project is missing, its
 * CircleCI project with the pipelines of that history (release, rollback, develop and scheduled ones).
 */
export function buildSite(
  site: string,
  plan: SitePlan,
  registry: Registry,
  start: number,
  noise: 'realistic' | 'none',
): { repo: Repo; project?: Project } {
  const repoName = `planet4-${site}`;
  const releaseTimes: number[] = [];
  const names = releaseNames(plan);
  const count = names.length;
  // newest first, then reversed
  let t = start - plan.latestAge;
  for (let i = 0; i < count; i++) {
    releaseTimes.push(t);
    // two tags five hours apart happen (netherlands v1.123.197 / v1.123.198, REALITY.md)
    t -=
      i === 0 && plan.olderOnHold
        ? 5 * HOUR
        : hashRange(`gap:${site}:${i}`, 2, 9) * DAY + hashRange(`gaph:${site}:${i}`, 0, 8) * HOUR;
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
  const releases: {
    name: string;
    time: number;
    commit: GitCommit;
    tagger: Identity;
    unbuilt: UnbuiltRelease | undefined;
  }[] = [];
  releaseTimes.forEach((time, i) => {
    const recent = i >= count - 10;
    const k = recent ? hashRange(`k:${site}:${i}`, 1, 3) : 1;
    const tagged = time - 20 * MINUTE;
    let last: GitCommit | undefined;
    const unbuilt = unbuiltRelease(site, count - 1 - i);
    for (let j = 0; j < k; j++) {
      const date = j === k - 1 ? tagged : prev + ((tagged - prev) * (j + 1)) / (k + 1);
      const seed = `${site}:${i}:${j}`;
      const isLatest = i === count - 1 && j === k - 1;
      let message = pick(MESSAGES, `msg:${seed}`)(hashRange(`num:${seed}`, 100, 999));
      let author = message.startsWith(':robot:') ? BOT : pick(AUTHORS, `author:${seed}`);
      if (isLatest && plan.held) {
        message = `:robot: [HOLD] Trigger build #${hashRange(`build:${site}`, 4000, 6000)}`;
        author = BOT;
      }
      if (j === k - 1 && unbuilt === 'skip-ci') {
        message = '[skip ci] New CircleCI config';
        author = BOT;
      }
      last = commit(message, Math.floor(date), author);
    }
    prev = time;
    if (last) {
      const tagger = hashInt(`tagger:${site}:${i}`) % 3 === 0 ? BOT : pick(AUTHORS, `tagger:${site}:${i}`);
      releases.push({
        name: names[i] ?? `${plan.prefix}${i}`,
        time,
        commit: last,
        tagger,
        unbuilt,
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
    writeTag(repo, r.name, r.commit.sha, r.tagger, r.time, hashInt(`lw:${site}:${r.name}`) % 8 !== 0);
  }
  if (plan.noiseTags) {
    const old = mainCommits.slice(1, Math.max(2, mainCommits.length - 3));
    // as on the real sites (REALITY.md "Tags"): none of them a release, and none starts with `v`
    const noise = [
      `sync.${new Date(start - 40 * DAY).toISOString().slice(0, 10)}`,
      `sync.${new Date(start - 12 * DAY).toISOString().slice(0, 10)}`,
      `sync.v${hashRange(`syncv:${site}`, 1, 3)}.${hashRange(`syncv2:${site}`, 10, 99)}`,
      'lang.de-2026.09',
      `release.${new Date(created).getUTCFullYear()}.1`,
      'release.v1.30.92',
    ];
    noise.forEach((name, i) => {
      const target = old[hashInt(`noise:${site}:${i}`) % old.length];
      if (target) {
        repo.refs.set(`refs/tags/${name}`, target.sha);
      }
    });
  }
  if (plan.missingProject) {
    return { repo };
  }
  const project = new Project(
    site,
    registry,
    hashRange(`pnum:${site}`, 300, 4000),
    hashRange(`jnum:${site}`, 3000, 60000),
  );
  // history, in chronological order
  const pipelinedReleases = releases.slice(-plan.pipelined);
  const windowStart = (pipelinedReleases[0]?.time ?? latestTime) - DAY;
  const events: { at: number; req?: PipelineRequest; reject?: { tag: string; by: Identity } }[] = [];
  pipelinedReleases.forEach((r, i) => {
    if (r.unbuilt === 'skip-ci') {
      return; // CircleCI skips the tag's pipeline: no build, no images
    }
    const latest = i === pipelinedReleases.length - 1;
    const failing: string[] = r.unbuilt === 'build-failed' ? ['build'] : [];
    // the release before the latest, never approved: its hold-production stays on hold in CircleCI
    const olderOnHold = plan.olderOnHold && i === pipelinedReleases.length - 2;
    if ((latest && (plan.visualDiffs || plan.rejected)) || olderOnHold) {
      failing.push('visualtests-compare');
    }
    if (latest && plan.rejected) {
      // a person looked at the differences and rolled staging back (rollback-staging → finish-staging)
      events.push({ at: r.time + 40 * MINUTE, reject: { tag: r.name, by: pick(AUTHORS, `rejecter:${site}`) } });
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
  const realistic = noise === 'realistic';
  for (const c of mainCommits) {
    const at = c.committer.date + 30 * SECOND;
    if (hasSkipMarker(c.message)) {
      continue;
    }
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
      const head = commitAt(mainCommits, day);
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
    if (e.req) {
      project.createPipeline(e.req);
    } else if (e.reject) {
      const { tag, by } = e.reject;
      const wf = project.pipelines.find((p) => p.vcs.tag === tag && p.parameters.rollback !== true)?.workflows[0];
      const job = wf?.jobs.find((j) => j.name === 'rollback-staging');
      if (job) {
        project.approve(job, e.at, by.circleId);
      }
    }
  }
  return { repo, project };
}

/** Why an older release has no images (REALITY.md "Tags"): its `build` job failed, or CircleCI skipped its tag. */
export type UnbuiltRelease = 'build-failed' | 'skip-ci';

/**
 * Which releases were never built, by position from the newest (0): the two newest always were (the fleet's and the
 * scenarios' releases); the 3rd newest's `build` failed, the 5th newest was tagged on a `[skip ci]` commit (its tag
 * pipeline skipped), and about one in four before them one or the other. Older than the pipelines kept, none is known.
 */
export function unbuiltRelease(site: string, fromNewest: number): UnbuiltRelease | undefined {
  if (fromNewest === 2) {
    return 'build-failed';
  }
  if (fromNewest === 4) {
    return 'skip-ci';
  }
  if (fromNewest < 5) {
    return undefined;
  }
  const h = hashInt(`unbuilt:${site}:${fromNewest}`) % 8;
  return h === 0 ? 'skip-ci' : h === 1 ? 'build-failed' : undefined;
}

/** CircleCI skips a pipeline whose commit message (first 250 characters) carries a skip marker. */
function hasSkipMarker(message: string): boolean {
  const head = message.slice(0, 250).toLowerCase();
  return head.includes('[skip ci]') || head.includes('[ci skip]');
}

function commitAt(chain: GitCommit[], at: number): GitCommit | undefined {
  let found: GitCommit | undefined;
  for (const c of chain) {
    if (c.committer.date <= at) {
      found = c;
    }
  }
  return found;
}

function writeTag(repo: Repo, name: string, commitSha: string, who: Identity, at: number, annotated: boolean): void {
  if (!annotated) {
    repo.refs.set(`refs/tags/${name}`, commitSha);
    return;
  }
  const sha = sha1(`${repo.name}:tag:${name}:${commitSha}`);
  repo.addTagObject({ sha, tag: name, message: name, object: commitSha, tagger: person(who, at) });
  repo.refs.set(`refs/tags/${name}`, sha);
}

/** A commit as the `vcs` of a CircleCI pipeline. */
export function vcsOf(c: GitCommit): Vcs {
  const [subject = '', ...rest] = c.message.split('\n');
  return { revision: c.sha, subject, body: rest.join('\n').trim() };
}
