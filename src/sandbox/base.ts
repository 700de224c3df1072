/**
 * planet4-base in the sandbox's CircleCI (REALITY.md, "The bot writes to every site's main"): a `v…` tag on base
 * makes a `release` workflow (`hold-release` → `release-sites` → `hold-changelog` → `changelog`); a push on base's
 * main a `develop` workflow (`lint` → `test` → `hold-dev-sites` → `release-sites` with `pipeline: main`).
 * `release-sites` runs `trigger-build.sh <site> tag|main` for every site of sites.txt in order, 30 s apart on the
 * sandbox clock: the bot's tag (or trigger commit) lands on each site at its own time, and makes its own pipeline.
 */
import { botReleaseTag, botTriggerBuild } from './bot';
import { vcsOf } from './history';
import { AUTHORS, actorOf, type Identity } from './people';
import { approval, build, type JobDef, type Pipeline, type WorkflowName } from './pipelines';
import { Project } from './project';
import type { Repo } from './repo';
import { DAY, HOUR, MINUTE, SECOND } from './util';
import type { World } from './world';

/** The project's name in the sandbox (`{site: "base"}`): never a site. */
export const BASE = 'base';
/** trigger-build.sh's spacing between two sites. */
export const SITE_SPACING_MS = 30 * SECOND;
/** The base release a `platformRelease: 'waiting'` sandbox starts with, waiting on hold-release. */
export const WAITING_BASE_TAG = 'v26.17.0';
const PREVIOUS_BASE_TAG = 'v26.16.0';

/** Where the platform release stands when the sandbox starts. */
export type PlatformReleaseStart = 'finished' | 'waiting';

/** The jobs of base's workflows; release-sites lasts as long as the bot needs for every site (30 s each). */
export function baseJobs(name: WorkflowName, siteCount: number): JobDef[] {
  const wave = (siteCount * SITE_SPACING_MS) / MINUTE;
  if (name === 'release') {
    return [
      approval('hold-release', []),
      build('release-sites', wave, ['hold-release']),
      approval('hold-changelog', ['release-sites']),
      build('changelog', 1, ['hold-changelog']),
    ];
  }
  if (name === 'develop') {
    return [
      build('lint', 2),
      build('test', 4, ['lint']),
      approval('hold-dev-sites', ['test']),
      build('release-sites', wave, ['hold-dev-sites']),
    ];
  }
  return [];
}

/**
 * planet4-base's CircleCI project. When `release-sites` starts (at or after the sandbox's start: the past's waves are
 * history and are not replayed), every site gets the bot's tag (`release`) or trigger commit (`develop`), 30 s apart.
 */
export function createBaseProject(world: World, sites: readonly string[], start: number): Project {
  return new Project(BASE, world.registry, 2100, 41000, {
    repoName: 'planet4-base',
    workflowsFor: (p: Pipeline): WorkflowName[] => {
      if (p.vcs.tag !== undefined) return /^v.*/.test(p.vcs.tag) ? ['release'] : [];
      return p.vcs.branch === 'main' ? ['develop'] : [];
    },
    jobs: (name) => baseJobs(name, sites.length),
    started: (job, at) => {
      if (job.name !== 'release-sites' || at < start) return;
      const act = job.workflow.name === 'release' ? botReleaseTag : botTriggerBuild;
      sites.forEach((site, i) => {
        world.schedule(at + i * SITE_SPACING_MS, () => {
          act(world, site);
        });
      });
    },
  });
}

/**
 * Base's past, oldest first: the previous platform release (approved, waved, changelog published) and a develop run
 * whose dev sites were released; with `waiting`, also a develop run waiting on hold-dev-sites and the new base release
 * `v26.17.0` waiting on hold-release.
 */
export function buildBaseHistory(
  project: Project,
  repo: Repo,
  start: number,
  siteCount: number,
  mode: PlatformReleaseStart,
): void {
  const head = repo.headOf('main');
  if (!head) return;
  const [releaser = AUTHORS[0], approver = AUTHORS[1]] = AUTHORS;
  if (!releaser || !approver) return;
  const wave = siteCount * SITE_SPACING_MS;
  const approve = (p: Pipeline, job: string, at: number, by: Identity): void => {
    const j = p.workflows[0]?.jobs.find((x) => x.name === job);
    if (j) project.approve(j, at, by.circleId);
  };
  const release = (tag: string, at: number): Pipeline => {
    repo.refs.set(`refs/tags/${tag}`, head.sha);
    return project.createPipeline({
      at,
      triggerType: 'webhook',
      actor: actorOf(releaser),
      vcs: { ...vcsOf(head), tag },
      parameters: {},
    });
  };
  const develop = (at: number): Pipeline =>
    project.createPipeline({
      at,
      triggerType: 'webhook',
      actor: actorOf(approver),
      vcs: { ...vcsOf(head), branch: 'main' },
      parameters: {},
    });
  const previous = release(PREVIOUS_BASE_TAG, start - 14 * DAY);
  approve(previous, 'hold-release', start - 14 * DAY + 15 * MINUTE, approver);
  approve(previous, 'hold-changelog', start - 14 * DAY + 15 * MINUTE + wave + 2 * HOUR, approver);
  const dev = develop(start - 2 * DAY);
  approve(dev, 'hold-dev-sites', start - 2 * DAY + HOUR, releaser);
  if (mode === 'waiting') {
    develop(start - 3 * HOUR);
    release(WAITING_BASE_TAG, start - 20 * MINUTE);
  }
}
