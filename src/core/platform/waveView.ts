import { NEEDS_PERSON } from './wave';
import { PLATFORM_APPROVALS, type PlatformSnapshot, type PlatformStage, type Wave, type WaveOutcome } from './types';

/**
 * What the shell shows of the platform release, as pure functions: the outcome words and order, which sites need a
 * person, the tree rows' context values, whether the wave is live or over, and the wave report as Markdown for the
 * release channel.
 */

/** The order outcomes are listed in: people's work first, then what is done, then what has not happened yet. */
export const OUTCOME_ORDER: readonly WaveOutcome[] = [
  'visual-differences',
  'hold',
  'approval-failed',
  'waiting',
  'failed',
  'rejected',
  'canceled',
  'unknown',
  'running',
  'deployed',
  'not-tagged',
];

export const OUTCOME_WORDS: Record<WaveOutcome, string> = {
  'not-tagged': 'not yet tagged',
  running: 'running',
  deployed: 'deployed',
  'visual-differences': 'waiting: visual differences',
  hold: 'waiting: [HOLD]',
  'approval-failed': 'waiting: approval failed',
  waiting: 'waiting for approval',
  rejected: 'rejected',
  failed: 'failed',
  canceled: 'canceled',
  unknown: 'could not be read',
};

export function needsPerson(outcome: WaveOutcome): boolean {
  return NEEDS_PERSON.has(outcome);
}

/** The sites of the wave that need a person, in sites.txt order (the "next waiting site" walk). */
export function sitesNeedingPerson(wave: Wave): string[] {
  return [...wave.sites]
    .sort((a, b) => a.order - b.order)
    .filter((s) => needsPerson(s.outcome))
    .map((s) => s.site);
}

/** `platform;state=waiting;waitingFor=hold-release;develop=none;wave=live;` — what menus' `when` clauses match on. */
export function platformContextValue(snapshot: PlatformSnapshot, wave: Wave | undefined): string {
  return [
    'platform',
    `state=${snapshot.state}`,
    `waitingFor=${snapshot.waitingFor ?? 'none'}`,
    `develop=${snapshot.developWaiting ? 'waiting' : 'none'}`,
    `wave=${wave ? (waveLive(snapshot, wave) ? 'live' : 'over') : 'none'}`,
    '',
  ].join(';');
}

/**
 * A platform stage row: `platformStage;job=hold-release;type=approval;status=on_hold;workflow=release;approvable=yes;`.
 * `approvable=yes` only for planet4-base's approval jobs on hold (what `planet4.approveJob({site: "base"})` takes).
 */
export function platformStageContextValue(stage: PlatformStage, workflow: 'release' | 'develop'): string {
  const approvable =
    stage.type === 'approval' &&
    stage.status === 'on_hold' &&
    (PLATFORM_APPROVALS as readonly string[]).includes(stage.name);
  return [
    'platformStage',
    `job=${stage.name}`,
    `type=${stage.type}`,
    `status=${stage.status}`,
    `workflow=${workflow}`,
    `approvable=${approvable ? 'yes' : 'no'}`,
    '',
  ].join(';');
}

/** Whether the platform node is left out: no release read and nothing of base waits on a person. */
export function platformHidden(snapshot: PlatformSnapshot): boolean {
  return (snapshot.state === 'no-release' || snapshot.state === 'loading') && !snapshot.developWaiting;
}

/** The release-sites job of the release (undefined before the release is read). */
function releaseSitesStage(snapshot: PlatformSnapshot): PlatformStage | undefined {
  return snapshot.release?.stages.find((s) => s.name === 'release-sites');
}

/**
 * The wave is live while its release is the latest and neither finished, failed nor canceled: the view's message
 * counts this wave then, not all time.
 */
export function waveLive(snapshot: PlatformSnapshot, wave: Wave | undefined): boolean {
  if (!wave || snapshot.release?.tag !== wave.baseTag) return false;
  return snapshot.state === 'running' || snapshot.state === 'waiting';
}

/**
 * The wave is over when release-sites has stopped (`finishedAt`, or the job stopped) and no tagged site's release
 * still runs: every site that got its tag has an outcome a person can act on, and the sites not seen tagged were
 * looked at again after release-sites stopped (`settled`).
 */
export function waveFinished(snapshot: PlatformSnapshot, wave: Wave | undefined): boolean {
  if (!wave) return false;
  const stage = releaseSitesStage(snapshot);
  const stopped =
    wave.finishedAt !== undefined ||
    (snapshot.release?.tag === wave.baseTag && stage !== undefined && stage.stoppedAt !== undefined);
  return stopped && wave.settled !== false && wave.sites.every((s) => s.outcome !== 'running');
}

/** Whether `tag` (a site's latest release) is the one this wave gave the site. */
export function siteInWave(wave: Wave | undefined, site: string, tag: string | undefined): boolean {
  if (!wave || !tag) return false;
  return wave.sites.some((s) => s.site === site && s.tag === tag);
}

/** ETA in whole minutes, rounded up (`~11 min`); undefined when not known. */
export function etaMinutes(wave: Wave): number | undefined {
  if (wave.etaMs === undefined || wave.remaining === 0) return undefined;
  return Math.max(1, Math.ceil(wave.etaMs / 60_000));
}

/** Escapes a table cell's text for Markdown (pipes, markup, line breaks). */
function cell(text: string): string {
  return text.replace(/[\\`*_{}[\]<>|~#]/g, '\\$&').replace(/\s*[\r\n]+\s*/g, ' ');
}

export interface MarkdownOptions {
  /** The site's CircleCI pipeline page. */
  pipelineUrl: (site: string, pipelineNumber: number) => string;
}

/**
 * The wave report for the release channel: a heading with the counts, then one table row per site in sites.txt
 * order (site, new tag linked to its pipeline, outcome).
 */
export function waveMarkdown(wave: Wave, opts: MarkdownOptions): string {
  const lines = [
    `### Platform release ${cell(wave.baseTag)}`,
    '',
    `${wave.tagged} of ${wave.total} sites tagged · ${wave.remaining} remaining · ${wave.needPerson} ${wave.needPerson === 1 ? 'needs' : 'need'} a person`,
    '',
  ];
  const counts = OUTCOME_ORDER.filter((o) => wave.counts[o] > 0).map((o) => `${wave.counts[o]} ${OUTCOME_WORDS[o]}`);
  if (counts.length > 0) lines.push(counts.join(' · '), '');
  lines.push('| Site | New tag | Outcome |', '| --- | --- | --- |');
  for (const s of [...wave.sites].sort((a, b) => a.order - b.order)) {
    const tag =
      s.tag === undefined
        ? '—'
        : s.pipelineNumber === undefined
          ? cell(s.tag)
          : `[${cell(s.tag)}](${opts.pipelineUrl(s.site, s.pipelineNumber)})`;
    const words = cell(OUTCOME_WORDS[s.outcome]);
    lines.push(`| ${cell(s.site)} | ${tag} | ${needsPerson(s.outcome) ? `**${words}**` : words} |`);
  }
  return lines.join('\n') + '\n';
}
