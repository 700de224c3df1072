import * as vscode from 'vscode';
import type { NextReleaseInfo, SiteSnapshot, SiteState, StageInfo } from '../core/fleet/types';
import { STATE_WORDS, unauthorizedJobs } from '../core/pipeline/stages';

/** Fleet counts in words: `41 deployed · 8 waiting for approval · 2 running · 2 failed`. */
export function fleetSummary(snapshots: readonly SiteSnapshot[]): string {
  const order: SiteState[] = [
    'deployed',
    'waiting',
    'running',
    'setting-up',
    'failed',
    'pipeline-error',
    'rejected',
    'rolled-back',
    'canceled',
    'no-project',
    'no-release',
    'no-workflows',
    'error',
    'loading',
  ];
  const counts = new Map<SiteState, number>();
  for (const s of snapshots) counts.set(s.state, (counts.get(s.state) ?? 0) + 1);
  return order
    .filter((st) => (counts.get(st) ?? 0) > 0)
    .map((st) => `${counts.get(st) ?? 0} ${st === 'error' ? vscode.l10n.t('errors') : STATE_WORDS[st]}`)
    .join(' · ');
}

/** `kind;key=value;…` — what menus' `when` clauses match on (`viewItem =~ /^stage;job=hold-production;.*status=on_hold/`). */
export function siteContextValue(s: SiteSnapshot): string {
  const onHold = s.stages.filter((st) => st.type === 'approval' && st.status === 'on_hold').map((st) => st.name);
  return [
    'site',
    `state=${s.state}`,
    `hold=${s.hold ?? 'none'}`,
    `workflow=${s.workflow?.kind ?? 'none'}`,
    `onhold=${onHold.join(',') || 'none'}`,
    `rejection=${s.rejection ?? 'none'}`,
    s.pipeline ? 'pipeline' : 'nopipeline',
    '',
  ].join(';');
}

export function stageContextValue(s: SiteSnapshot, st: StageInfo): string {
  return [
    'stage',
    `job=${st.name}`,
    `type=${st.type}`,
    `status=${st.status}`,
    // hold-production of a release whose staging was rolled back waits for ever: not to be approved
    ...(st.name === 'hold-production' && s.rejection ? [`rejected=${s.rejection}`] : []),
    `workflow=${s.workflow?.kind ?? 'none'}`,
    '',
  ].join(';');
}

/** Escapes text for Markdown (so a commit subject cannot inject links or HTML). */
export function esc(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!<>|~]/g, '\\$&');
}

/**
 * main since the latest tag, in words: `3 commits on main since v1.2.3 · HEAD carries [HOLD]`, `no change since
 * v1.2.3 (2 empty commits)` when HEAD's tree is the tag's, and a buried `[HOLD]` said plainly.
 */
export function mainSince(n: NextReleaseInfo): string {
  const since = n.latestTag ?? vscode.l10n.t('the start');
  const words = n.unchanged
    ? vscode.l10n.t('no change since {0} ({1} empty commit(s) on main)', since, n.ahead)
    : n.ahead === 1
      ? vscode.l10n.t('{0} commit on main since {1}', n.ahead, since)
      : vscode.l10n.t('{0} commits on main since {1}', n.ahead, since);
  const hold = n.headHold
    ? ' · ' + vscode.l10n.t('HEAD carries [HOLD]')
    : n.buriedHold
      ? ` · ${buriedWords(n.buriedHold)}`
      : '';
  return `${words}${hold}`;
}

/**
 * The newest tag is suffixed (`v1.2.3-x`), in words: CircleCI deployed it like a release and the bot tags from it, so
 * the site's latest release is not the older plain tag.
 */
export function suffixedWords(n: NextReleaseInfo): string | undefined {
  if (!n.latestSuffixed || n.latestTag === undefined) return undefined;
  return n.latestRelease !== undefined
    ? vscode.l10n.t(
        'The newest tag {0} is suffixed: CircleCI built it like a release, and the bot sorts it above {1} and numbers the next tag from it.',
        n.latestTag,
        n.latestRelease,
      )
    : vscode.l10n.t(
        'The newest tag {0} is suffixed: CircleCI built it like a release, and the bot numbers the next tag from it.',
        n.latestTag,
      );
}

/** `[HOLD] buried by ":robot: Trigger build #12001": the next tag will not wait`. */
export function buriedWords(b: NonNullable<NextReleaseInfo['buriedHold']>): string {
  return vscode.l10n.t('[HOLD] buried by "{0}": the next tag will not wait', b.buriedBy);
}

/**
 * A release pipeline without workflows yet (`setting-up`), that errored (`pipeline-error`), or whose jobs were
 * unauthorized (a restricted context), in words.
 */
export function pipelineWords(s: SiteSnapshot): string | undefined {
  const n = s.pipeline?.number ?? '';
  if (s.state === 'failed' && unauthorizedJobs(s.workflow, s.stages).length > 0) {
    return vscode.l10n.t('{0}: unauthorized (restricted context)', STATE_WORDS[s.state]);
  }
  if (s.state !== 'setting-up' && s.state !== 'pipeline-error') return undefined;
  if (s.state === 'setting-up') return vscode.l10n.t('setting up pipeline #{0}', n);
  const errors = s.pipeline?.errors ?? [];
  return errors.length > 0
    ? vscode.l10n.t('pipeline #{0} errored: {1}', n, errors.join(' · '))
    : vscode.l10n.t('pipeline #{0} errored', n);
}
