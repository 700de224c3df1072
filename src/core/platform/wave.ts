import type { SiteSnapshot } from '../fleet/types';
import {
  PLATFORM_APPROVALS,
  WAVE_SPACING_MS,
  type PlatformApproval,
  type PlatformSnapshot,
  type PlatformStage,
  type PlatformState,
  type PlatformWorkflow,
  type Wave,
  type WaveOutcome,
  type WaveSite,
} from './types';

/*
 * The platform release's words, computed without a request, a clock or a log: the state of base's release workflow,
 * whether it is live, and the wave — which site got its tag from it and what came of it.
 */

/** The approval jobs of a workflow a person can approve now (on hold). */
export function waitingApprovals(w: PlatformWorkflow | undefined): PlatformApproval[] {
  const names: readonly string[] = PLATFORM_APPROVALS;
  return (w?.stages ?? [])
    .filter((s) => s.type === 'approval' && s.status === 'on_hold' && names.includes(s.name))
    .map((s) => s.name as PlatformApproval);
}

const stageOf = (w: PlatformWorkflow | undefined, name: string): PlatformStage | undefined =>
  w?.stages.find((s) => s.name === name);

const FAILED = new Set(['failed', 'error', 'infrastructure_fail', 'timedout', 'terminated-unknown', 'unauthorized']);

/** Where the platform release is, from its workflow's stages (and, when they are not read yet, its status). */
export function platformState(release: PlatformWorkflow | undefined): {
  state: PlatformState;
  waitingFor?: PlatformApproval;
} {
  if (!release) return { state: 'no-release' };
  if (release.status === 'canceled' || release.stages.some((s) => s.status === 'canceled')) {
    return { state: 'canceled' };
  }
  const waiting = waitingApprovals(release)[0];
  if (waiting) return { state: 'waiting', waitingFor: waiting };
  if (release.stages.some((s) => FAILED.has(s.status)) || FAILED.has(release.status)) return { state: 'failed' };
  if (stageOf(release, 'changelog')?.status === 'success') return { state: 'finished' };
  if (release.status === 'success' && release.stages.length > 0) return { state: 'finished' };
  return { state: 'running' };
}

/**
 * Whether the platform release is live, so that it is read on the fast cycle: `release-sites` or `changelog` runs,
 * or `hold-changelog` waits (the wave's sites are still deploying). A release waiting on `hold-release` has not
 * started: it waits for a person and is read on the slow cycle (and at once after an approval from here).
 */
export function platformLive(s: PlatformSnapshot): boolean {
  const r = s.release;
  if (!r || s.state === 'error') return false;
  const running = (name: string): boolean => {
    const st = stageOf(r, name)?.status;
    return st === 'running' || st === 'queued' || st === 'not_running';
  };
  return running('release-sites') || running('changelog') || s.waitingFor === 'hold-changelog';
}

/** A tag push's webhook can land a little after `release-sites` stopped: the last site's pipeline still counts. */
export const WAVE_GRACE_MS = 2 * 60_000;

/**
 * Whether a site's latest release belongs to the wave: its release pipeline was created while `release-sites` ran
 * (at or after it started, and no later than WAVE_GRACE_MS after it stopped). The bot tags every site in this window
 * and nothing else does release-tagging then, as a rule; a person tagging a site by hand during the wave is counted
 * as the wave's (CircleCI does not say who pushed a tag in a way we can rely on).
 */
export function inWave(site: SiteSnapshot, startedAt: number, stoppedAt: number | undefined): boolean {
  const created = site.pipeline ? Date.parse(site.pipeline.createdAt) : NaN;
  if (Number.isNaN(created) || created < startedAt) return false;
  return stoppedAt === undefined || created <= stoppedAt + WAVE_GRACE_MS;
}

/** What a site's release in the wave came to, from the site's state and, on hold, why it waits. */
export function waveOutcome(site: SiteSnapshot | undefined, tagged: boolean): WaveOutcome {
  if (!site || site.state === 'loading' || site.state === 'error' || site.state === 'no-project') return 'unknown';
  if (!tagged) return 'not-tagged';
  switch (site.state) {
    case 'running':
    case 'no-workflows':
      return 'running';
    case 'deployed':
      return 'deployed';
    case 'rejected':
      return 'rejected';
    case 'failed':
      return 'failed';
    case 'canceled':
      return 'canceled';
    case 'waiting':
      if (site.hold === 'visual-differences') return 'visual-differences';
      if (site.hold === 'held') return 'hold';
      if (site.hold === 'auto-approval-failed') return 'approval-failed';
      if (site.hold === 'comparing') return 'running';
      return 'waiting';
    default:
      return 'unknown';
  }
}

/** Outcomes that wait for a person. */
export const NEEDS_PERSON: ReadonlySet<WaveOutcome> = new Set<WaveOutcome>([
  'visual-differences',
  'hold',
  'approval-failed',
  'waiting',
  'failed',
]);

export function emptyCounts(): Record<WaveOutcome, number> {
  return {
    'not-tagged': 0,
    running: 0,
    deployed: 0,
    'visual-differences': 0,
    hold: 0,
    'approval-failed': 0,
    waiting: 0,
    rejected: 0,
    failed: 0,
    canceled: 0,
    unknown: 0,
  };
}

/**
 * The wave of the platform release, once `release-sites` started: every site of `order` (sites.txt order, the order
 * the bot tags in) with its tag and outcome in this wave, the counts, and while `release-sites` runs an ETA of the
 * last tagging (the sites left × 30 s from the newest tagging seen). Undefined before `release-sites` started.
 */
export function computeWave(
  snapshot: PlatformSnapshot,
  fleet: readonly SiteSnapshot[],
  order: readonly string[],
  now: number,
): Wave | undefined {
  const release = snapshot.release;
  const job = stageOf(release, 'release-sites');
  const startedAt = job?.startedAt ? Date.parse(job.startedAt) : NaN;
  if (!release || !job?.startedAt || Number.isNaN(startedAt)) return undefined;
  const stopped = job.stoppedAt ? Date.parse(job.stoppedAt) : NaN;
  const stoppedAt = Number.isNaN(stopped) ? undefined : stopped;
  const bySite = new Map(fleet.map((s) => [s.site, s]));
  const counts = emptyCounts();
  let lastTagged = startedAt;
  const sites = order.map((name, i): WaveSite => {
    const s = bySite.get(name);
    const tagged = s !== undefined && inWave(s, startedAt, stoppedAt);
    const outcome = waveOutcome(s, tagged);
    counts[outcome] += 1;
    const row: WaveSite = { site: name, order: i, outcome };
    if (tagged && s.pipeline) {
      row.tag = s.pipeline.tag;
      row.pipelineNumber = s.pipeline.number;
      row.taggedAt = s.pipeline.createdAt;
      if (s.workflow) row.workflowId = s.workflow.id;
      lastTagged = Math.max(lastTagged, Date.parse(s.pipeline.createdAt));
    }
    return row;
  });
  const tagged = sites.filter((s) => s.tag !== undefined).length;
  const remaining = order.length - tagged;
  const running = job.status === 'running' || job.status === 'queued' || job.status === 'not_running';
  const wave: Wave = {
    baseTag: release.tag ?? '',
    startedAt: job.startedAt,
    total: order.length,
    tagged,
    remaining,
    sites,
    counts,
    needPerson: sites.filter((s) => NEEDS_PERSON.has(s.outcome)).length,
  };
  if (job.stoppedAt) wave.finishedAt = job.stoppedAt;
  if (running) wave.etaMs = Math.max(0, lastTagged + remaining * WAVE_SPACING_MS - now);
  return wave;
}

/** How long, after this window saw release-sites stop, the sites not seen tagged are still looked for. */
export const WAVE_CATCH_UP_MS = 3 * 60_000;

/** How many sites ahead of the newest tagged one are watched while `release-sites` runs. */
export const WAVE_LOOKAHEAD = 2;

/**
 * The sites `release-sites` tags next, while it runs: the first `WAVE_LOOKAHEAD` sites not yet tagged after the
 * newest tagged one in sites.txt order (from the first site before any is tagged). The fleet watches them, so a new
 * tag shows within a fast cycle instead of on the slow cycle (a deployed site is not polled fast). A site release-sites
 * passes over (no CircleCI project, a skipped tag) drops out once a later site is tagged. Counted by position, not by
 * clock: CircleCI's clock and this machine's need not agree. Once release-sites stopped, every site not seen tagged is
 * watched until the wave is `settled` (the catch-up: a site tagged last may not have been read yet).
 */
export function nextInWave(wave: Wave | undefined): string[] {
  if (!wave) return [];
  // release-sites stopped: every site not seen tagged yet is looked at once more (the catch-up)
  if (wave.finishedAt !== undefined) {
    return wave.settled === true ? [] : wave.sites.filter((s) => s.outcome === 'not-tagged').map((s) => s.site);
  }
  const last = Math.max(-1, ...wave.sites.filter((s) => s.tag !== undefined).map((s) => s.order));
  return wave.sites
    .filter((s) => s.outcome === 'not-tagged' && s.order > last)
    .sort((a, b) => a.order - b.order)
    .slice(0, WAVE_LOOKAHEAD)
    .map((s) => s.site);
}

/** A site's latest release belongs to the wave that started at `startedAt` (its pipeline is not older). */
export function taggedSince(site: SiteSnapshot, startedAt: string): boolean {
  return site.pipeline !== undefined && Date.parse(site.pipeline.createdAt) >= Date.parse(startedAt);
}

/**
 * While release-sites runs, watches the sites it tags next (`nextInWave`) until their new release shows (3 minutes at
 * most each): the wave's counts move within a fast cycle, not on the slow one. The extension and the bench wire it
 * alike.
 */
export function followWave(
  platform: { wave(): Wave | undefined; onDidChange(listener: () => void): { dispose(): void } },
  poller: {
    watching(site: string): boolean;
    watch(site: string, done: (s: SiteSnapshot) => boolean, forMs: number): void;
  },
): { dispose(): void } {
  return platform.onDidChange(() => {
    const wave = platform.wave();
    if (!wave) return;
    for (const site of nextInWave(wave)) {
      if (!poller.watching(site)) poller.watch(site, (s) => taggedSince(s, wave.startedAt), 3 * 60_000);
    }
  });
}
