/**
 * What the real Planet 4 automation writes to every site's `main` (REALITY.md), as test helpers acting like it:
 * the weekday bot trigger commit, the bot's release tag, and the NRO generator's `[skip ci]` config commit.
 */
import { BOT, person } from './people';
import { sha1 } from './util';
import type { World } from './world';

/** CircleCI's own skip markers: a pipeline is skipped when the commit message's first 250 characters contain one. */
export function circleciSkips(message: string): boolean {
  return /\[(skip ci|ci skip)\]/i.test(message.slice(0, 250));
}

/**
 * planet4-base's weekday cron (`trigger-build.sh <site> main`): an EMPTY commit `:robot: Trigger build #N` (HEAD's
 * tree) pushed on main by the bot. Returns its sha.
 */
export function botTriggerBuild(world: World, site: string): string {
  const repo = world.siteRepo(site);
  const head = repo.headOf('main');
  if (!head) throw new Error(`sandbox: ${site} has no main branch`);
  const count = [...repo.commits.values()].filter((c) => c.message.startsWith(':robot: Trigger build #')).length;
  const number = 12000 + count + 1;
  const c = world.createCommit(
    repo,
    `:robot: Trigger build #${number}`,
    head.tree,
    [head.sha],
    person(BOT, world.options.now()),
  );
  repo.refs.set('refs/heads/main', c.sha);
  world.refChanged(repo, 'refs/heads/main', c.sha, BOT);
  return c.sha;
}

/**
 * planet4-nro-generator's `update_configs.sh`: a new `.circleci/config.yml` pushed on main as
 * `[skip ci] New CircleCI config` (a new tree). CircleCI runs nothing for it. Returns its sha.
 */
export function generatorConfigCommit(world: World, site: string): string {
  const repo = world.siteRepo(site);
  const head = repo.headOf('main');
  if (!head) throw new Error(`sandbox: ${site} has no main branch`);
  const tree = sha1(`${repo.name}:config-tree:${head.sha}`);
  repo.trees.add(tree);
  const c = world.createCommit(
    repo,
    '[skip ci] New CircleCI config',
    tree,
    [head.sha],
    person(BOT, world.options.now()),
  );
  repo.refs.set('refs/heads/main', c.sha);
  world.refChanged(repo, 'refs/heads/main', c.sha, BOT);
  return c.sha;
}

/**
 * The platform release (`trigger-build.sh <site> tag`): the highest tag by version, its last number bumped, as an
 * annotated tag on whatever main HEAD is, by the bot. Returns the tag. `failing`: jobs of its production workflow that
 * will fail (e.g. `deploy-production`), for benchmarks and tests of a release wave.
 */
export function botReleaseTag(world: World, site: string, failing?: readonly string[]): string {
  const repo = world.siteRepo(site);
  const head = repo.headOf('main');
  if (!head) throw new Error(`sandbox: ${site} has no main branch`);
  const versions = repo
    .tags()
    .map((t) => t.name)
    .filter((name) => /^v\d+(\.\d+)*$/.test(name))
    .map((name) => name.slice(1).split('.').map(Number));
  versions.sort((a, b) => {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      const d = (a[i] ?? 0) - (b[i] ?? 0);
      if (d !== 0) return d;
    }
    return 0;
  });
  const top = versions.at(-1) ?? [0, 0, 0];
  const next = [...top];
  next[next.length - 1] = (next[next.length - 1] ?? 0) + 1;
  const tag = `v${next.join('.')}`;
  const object = world.createTagObject(repo, tag, tag, head.sha, BOT);
  repo.refs.set(`refs/tags/${tag}`, object);
  world.refChanged(repo, `refs/tags/${tag}`, object, BOT, failing);
  return tag;
}
