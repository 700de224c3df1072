import * as vscode from 'vscode';
import type {
  PlatformSnapshot,
  PlatformSource,
  PlatformStage,
  PlatformState,
  Wave,
  WaveOutcome,
} from '../core/platform/types';
import {
  etaMinutes,
  siteInWave,
  needsPerson,
  OUTCOME_ORDER,
  platformContextValue,
  platformHidden,
  platformStageContextValue,
} from '../core/platform/waveView';
import type { SiteSnapshot } from '../core/fleet/types';
import { stageStatusWords } from '../core/pipeline/stages';
import { duration, timeAgo } from '../core/util/time';
import { circleciJobUrl, circleciPipelineUrl, circleciWorkflowUrl } from '../links';
import { icon, STAGE_ICONS } from './icons';
import { esc } from './labels';
import type {
  NodeCache,
  PipelineNode,
  PlatformStageNode,
  PlatformTreeNode,
  WaveGroupNode,
  WaveSiteNode,
} from './nodes';

/** The platform node's icon and colour, by state. */
const PLATFORM_ICONS: Record<PlatformState, [string, string | undefined]> = {
  loading: ['loading~spin', undefined],
  waiting: ['debug-pause', 'charts.yellow'],
  running: ['sync~spin', 'charts.blue'],
  finished: ['pass-filled', 'testing.iconPassed'],
  failed: ['error', 'testing.iconFailed'],
  canceled: ['circle-slash', 'disabledForeground'],
  'no-release': ['tag', 'disabledForeground'],
  error: ['warning', 'problemsWarningIcon.foreground'],
};

const OUTCOME_ICONS: Record<WaveOutcome, [string, string | undefined]> = {
  'not-tagged': ['circle-large-outline', 'disabledForeground'],
  running: ['sync~spin', 'charts.blue'],
  deployed: ['pass-filled', 'testing.iconPassed'],
  'visual-differences': ['diff', 'charts.yellow'],
  hold: ['lock', 'charts.yellow'],
  'approval-failed': ['debug-pause', 'charts.yellow'],
  waiting: ['debug-pause', 'charts.yellow'],
  rejected: ['discard', 'disabledForeground'],
  failed: ['error', 'testing.iconFailed'],
  canceled: ['circle-slash', 'disabledForeground'],
  unknown: ['warning', 'problemsWarningIcon.foreground'],
};

/** `Platform release v26.17.0` (never just "base"). */
export function platformLabel(snapshot: PlatformSnapshot): string {
  return snapshot.release?.tag
    ? vscode.l10n.t('Platform release {0}', snapshot.release.tag)
    : vscode.l10n.t('Platform release');
}

/** What the platform is at, in words: `waiting for hold-release`, `running release-sites`, `finished`… */
export function platformStateWords(snapshot: PlatformSnapshot): string {
  switch (snapshot.state) {
    case 'loading':
      return vscode.l10n.t('loading…');
    case 'waiting':
      return snapshot.waitingFor
        ? vscode.l10n.t('waiting for {0}', snapshot.waitingFor)
        : vscode.l10n.t('waiting for approval');
    case 'running': {
      const running = snapshot.release?.stages.filter((s) => s.status === 'running').map((s) => s.name) ?? [];
      return running.length > 0 ? vscode.l10n.t('running {0}', running.join(', ')) : vscode.l10n.t('running');
    }
    case 'finished':
      return vscode.l10n.t('finished: changelog published');
    case 'failed':
      return vscode.l10n.t('failed');
    case 'canceled':
      return vscode.l10n.t('canceled');
    case 'no-release':
      return vscode.l10n.t('no platform release found');
    case 'error':
      return vscode.l10n.t('could not be read');
  }
}

/** `Wave: 31 of 53 sites tagged · 22 remaining · ETA ~11 min` (or `· 4 sites need a person` once all are tagged). */
export function waveLabel(wave: Wave): string {
  return vscode.l10n.t('Wave: {0}', waveProgress(wave));
}

/** `31 of 53 sites tagged · 22 remaining · ETA ~11 min`, or `53 of 53 sites tagged · 4 sites need a person`. */
export function waveProgress(wave: Wave): string {
  const tagged = vscode.l10n.t('{0} of {1} sites tagged', wave.tagged, wave.total);
  if (wave.remaining === 0) return `${tagged} · ${needWords(wave.needPerson)}`;
  const eta = etaMinutes(wave);
  const remaining = `${tagged} · ${vscode.l10n.t('{0} remaining', wave.remaining)}`;
  return eta === undefined ? remaining : `${remaining} · ${vscode.l10n.t('ETA ~{0} min', eta)}`;
}

export function needWords(n: number): string {
  return n === 1 ? vscode.l10n.t('1 site needs a person') : vscode.l10n.t('{0} sites need a person', n);
}

/** An outcome in words (as the core's OUTCOME_WORDS, translated). */
export function outcomeWords(outcome: WaveOutcome): string {
  switch (outcome) {
    case 'not-tagged':
      return vscode.l10n.t('not yet tagged');
    case 'running':
      return vscode.l10n.t('running');
    case 'deployed':
      return vscode.l10n.t('deployed');
    case 'visual-differences':
      return vscode.l10n.t('waiting: visual differences');
    case 'hold':
      return vscode.l10n.t('waiting: [HOLD]');
    case 'approval-failed':
      return vscode.l10n.t('waiting: approval failed');
    case 'waiting':
      return vscode.l10n.t('waiting for approval');
    case 'rejected':
      return vscode.l10n.t('rejected');
    case 'failed':
      return vscode.l10n.t('failed');
    case 'canceled':
      return vscode.l10n.t('canceled');
    case 'unknown':
      return vscode.l10n.t('could not be read');
  }
}

/** A site row's `wave v26.17.0` when its latest release is the one the live wave gave it. */
export function siteWaveWords(wave: Wave | undefined, s: SiteSnapshot): string | undefined {
  return wave && siteInWave(wave, s.site, s.pipeline?.tag) ? vscode.l10n.t('wave {0}', wave.baseTag) : undefined;
}

/** A site tooltip's line on the wave: whether its latest release belongs to it. */
export function siteWaveTooltip(wave: Wave | undefined, s: SiteSnapshot): string {
  if (!wave || !s.pipeline) return '';
  return (
    (siteInWave(wave, s.site, s.pipeline.tag)
      ? vscode.l10n.t('$(rocket) {0} belongs to platform release {1}', esc(s.pipeline.tag), esc(wave.baseTag))
      : vscode.l10n.t('$(rocket) {0} is not from platform release {1}', esc(s.pipeline.tag), esc(wave.baseTag))) +
    '\n\n'
  );
}

/**
 * The platform rows of the Production Pipelines tree: the platform node at the top (above the sites and apart from
 * them), its stages, the develop workflow's `hold-dev-sites` while it waits, and the wave by outcome.
 */
export class PlatformRows {
  constructor(
    private readonly platform: PlatformSource,
    private readonly nodes: NodeCache,
    private readonly organization: () => string,
  ) {}

  /** The platform node, unless there is no release and nothing of base waits. */
  roots(): PipelineNode[] {
    return platformHidden(this.platform.snapshot()) ? [] : [this.nodes.platform()];
  }

  children(node: PlatformTreeNode): PipelineNode[] {
    const snapshot = this.platform.snapshot();
    const wave = this.platform.wave();
    switch (node.kind) {
      case 'platform': {
        const rows: PipelineNode[] = [];
        if (snapshot.state === 'error') rows.push(this.nodes.platformProblem());
        if (wave) rows.push(this.nodes.wave());
        for (const st of snapshot.release?.stages ?? []) rows.push(this.nodes.platformStage('release', st.name));
        const dev = snapshot.developWaiting?.stages.find((st) => st.name === 'hold-dev-sites');
        if (dev) rows.push(this.nodes.platformStage('develop', dev.name));
        return rows;
      }
      case 'wave':
        return wave ? OUTCOME_ORDER.filter((o) => wave.counts[o] > 0).map((o) => this.nodes.waveGroup(o)) : [];
      case 'waveGroup':
        return (wave?.sites ?? [])
          .filter((s) => s.outcome === node.outcome)
          .sort((a, b) => a.order - b.order)
          .map((s) => this.nodes.waveSite(node.outcome, s.site));
      default:
        return [];
    }
  }

  parent(node: PlatformTreeNode): PipelineNode | undefined {
    switch (node.kind) {
      case 'platform':
        return undefined;
      case 'waveGroup':
        return this.nodes.wave();
      case 'waveSite':
        return this.nodes.waveGroup(node.outcome);
      default:
        return this.nodes.platform();
    }
  }

  item(node: PlatformTreeNode): vscode.TreeItem {
    const snapshot = this.platform.snapshot();
    const wave = this.platform.wave();
    switch (node.kind) {
      case 'platform':
        return this.platformItem(snapshot, wave);
      case 'platformProblem': {
        const item = new vscode.TreeItem(snapshot.error?.message ?? platformStateWords(snapshot));
        item.id = node.id;
        item.tooltip = snapshot.error?.message;
        item.iconPath = icon(['warning', 'problemsWarningIcon.foreground']);
        item.contextValue = 'platformProblem;';
        return item;
      }
      case 'platformStage':
        return this.stageItem(node, snapshot);
      case 'wave':
        return this.waveItem(wave);
      case 'waveGroup':
        return this.groupItem(node, wave);
      case 'waveSite':
        return this.waveSiteItem(node, wave);
    }
  }

  private platformItem(snapshot: PlatformSnapshot, wave: Wave | undefined): vscode.TreeItem {
    const item = new vscode.TreeItem(platformLabel(snapshot), vscode.TreeItemCollapsibleState.Expanded);
    item.id = 'platform';
    const dev = snapshot.developWaiting ? vscode.l10n.t('develop waiting for hold-dev-sites') : undefined;
    item.description = [platformStateWords(snapshot), dev].filter(Boolean).join(' · ');
    item.iconPath = icon(PLATFORM_ICONS[snapshot.state]);
    item.contextValue = platformContextValue(snapshot, wave);
    const md = new vscode.MarkdownString('', true);
    md.appendMarkdown(
      vscode.l10n.t('**{0}** (planet4-base) — {1}', esc(platformLabel(snapshot)), esc(platformStateWords(snapshot))) +
        '\n\n',
    );
    const r = snapshot.release;
    if (r) {
      md.appendMarkdown(
        vscode.l10n.t(
          '[CircleCI pipeline {0}]({1})',
          r.pipelineNumber,
          circleciPipelineUrl(this.organization(), 'base', r.pipelineNumber),
        ) + '\n\n',
      );
    }
    if (snapshot.error) md.appendMarkdown(`$(warning) ${esc(snapshot.error.message)}\n\n`);
    item.tooltip = md;
    item.accessibilityInformation = { label: `${platformLabel(snapshot)}: ${item.description}` };
    return item;
  }

  private stageItem(node: PlatformStageNode, snapshot: PlatformSnapshot): vscode.TreeItem {
    const workflow = node.workflow === 'develop' ? snapshot.developWaiting : snapshot.release;
    const st = workflow?.stages.find((s) => s.name === node.job);
    const label = node.workflow === 'develop' ? vscode.l10n.t('{0} (develop)', node.job) : node.job;
    const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.None);
    item.id = node.id;
    if (!st || !workflow) return item;
    item.description = stageDescription(st, workflow.stages);
    item.iconPath =
      st.type === 'approval' && st.status === 'success'
        ? icon(['verified-filled', 'testing.iconPassed'])
        : icon(STAGE_ICONS[st.status] ?? ['circle-large-outline', undefined]);
    item.contextValue = platformStageContextValue(st, node.workflow);
    const md = new vscode.MarkdownString('', true);
    md.appendMarkdown(`**${esc(st.name)}** — ${esc(stageStatusWords(st))}\n\n`);
    if (st.approvedByLogin) {
      md.appendMarkdown(
        vscode.l10n.t(
          'Approved by {0} {1}',
          esc(st.approvedByLogin),
          st.stoppedAt ? esc(new Date(st.stoppedAt).toUTCString()) : '',
        ) + '\n\n',
      );
    }
    if (st.type === 'approval' && st.status === 'on_hold') md.appendMarkdown(esc(approvalNext(st.name)) + '\n\n');
    const org = this.organization();
    md.appendMarkdown(
      st.jobNumber !== undefined
        ? vscode.l10n.t(
            '[Open job {0} in CircleCI]({1})',
            st.jobNumber,
            circleciJobUrl(org, 'base', workflow.pipelineNumber, workflow.id, st.jobNumber),
          )
        : vscode.l10n.t(
            '[Open workflow in CircleCI]({0})',
            circleciWorkflowUrl(org, 'base', workflow.pipelineNumber, workflow.id),
          ),
    );
    item.tooltip = md;
    return item;
  }

  private waveItem(wave: Wave | undefined): vscode.TreeItem {
    const item = new vscode.TreeItem(
      wave ? waveLabel(wave) : vscode.l10n.t('Wave'),
      vscode.TreeItemCollapsibleState.Collapsed,
    );
    item.id = 'platform:wave';
    if (!wave) return item;
    item.description = wave.remaining > 0 && wave.needPerson > 0 ? needWords(wave.needPerson) : undefined;
    item.iconPath = icon(
      !wave.finishedAt && wave.remaining > 0 ? ['sync~spin', 'charts.blue'] : ['checklist', undefined],
    );
    item.contextValue = `wave;tag=${wave.baseTag};finished=${wave.finishedAt ? 'yes' : 'no'};`;
    item.tooltip = OUTCOME_ORDER.filter((o) => wave.counts[o] > 0)
      .map((o) => `${wave.counts[o]} ${outcomeWords(o)}`)
      .join('\n');
    item.command = {
      command: 'planet4.openWaveReport',
      title: vscode.l10n.t('Open Wave Report'),
      arguments: [],
    };
    return item;
  }

  private groupItem(node: WaveGroupNode, wave: Wave | undefined): vscode.TreeItem {
    const n = wave?.counts[node.outcome] ?? 0;
    const item = new vscode.TreeItem(outcomeWords(node.outcome), vscode.TreeItemCollapsibleState.Collapsed);
    item.id = node.id;
    item.description = String(n);
    item.iconPath = icon(OUTCOME_ICONS[node.outcome]);
    item.contextValue = `waveGroup;outcome=${node.outcome};`;
    return item;
  }

  private waveSiteItem(node: WaveSiteNode, wave: Wave | undefined): vscode.TreeItem {
    const s = wave?.sites.find((x) => x.site === node.site);
    const item = new vscode.TreeItem(node.site, vscode.TreeItemCollapsibleState.None);
    item.id = node.id;
    item.description = [s?.tag, outcomeWords(node.outcome)].filter(Boolean).join(' · ');
    item.iconPath = icon(OUTCOME_ICONS[node.outcome]);
    item.contextValue = `waveSite;outcome=${node.outcome};need=${needsPerson(node.outcome) ? 'yes' : 'no'};`;
    item.tooltip = s?.taggedAt ? vscode.l10n.t('tagged {0}', timeAgo(s.taggedAt)) : undefined;
    item.command = {
      command: 'planet4.revealSite',
      title: vscode.l10n.t('Show Site'),
      arguments: [{ site: node.site }],
    };
    return item;
  }
}

/** A platform stage in words: `approval · approved by jdoe · 5 min ago`, `blocked: waits for hold-release`. */
function stageDescription(st: PlatformStage, all: readonly PlatformStage[]): string {
  const status = stageStatusWords(st);
  const parts: string[] = [];
  if (st.type === 'approval') parts.push(vscode.l10n.t('approval'));
  if (st.approvedByLogin && st.status === 'success') parts.push(vscode.l10n.t('approved by {0}', st.approvedByLogin));
  else if (st.status === 'blocked' || st.status === 'not_running' || st.status === 'queued') {
    const before = all.slice(0, all.indexOf(st)).find((x) => x.status !== 'success');
    parts.push(before ? vscode.l10n.t('{0}: waits for {1}', status, before.name) : status);
  } else parts.push(status);
  if (st.status === 'running') parts.push(duration(st.startedAt, undefined));
  else if (st.stoppedAt) parts.push(timeAgo(st.stoppedAt));
  return parts.filter(Boolean).join(' · ');
}

/** What approving a platform approval job starts. */
function approvalNext(job: string): string {
  switch (job) {
    case 'hold-release':
      return vscode.l10n.t('Approving it starts release-sites: every site of sites.txt gets a new tag, 30 s apart.');
    case 'hold-changelog':
      return vscode.l10n.t('Approving it publishes the changelog of the release.');
    case 'hold-dev-sites':
      return vscode.l10n.t("Approving it pushes the bot's trigger commit to every site's main, 30 s apart.");
    default:
      return vscode.l10n.t('Waiting for a person.');
  }
}
