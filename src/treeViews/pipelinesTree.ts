import * as vscode from 'vscode';
import type { Fleet } from '../core/fleet/fleet';
import type { SiteSnapshot } from '../core/fleet/types';
import { HOLD_REASON_DETAIL, HOLD_REASON_TEXT, UNAUTHORIZED_DETAIL } from '../core/release/hold';
import { REJECTION_DETAIL, rejectionWords } from '../core/release/rejection';
import { attentionRank, STATE_WORDS, stageStatusWords, unauthorizedJobs } from '../core/pipeline/stages';
import { duration, timeAgo } from '../core/util/time';
import { circleciJobUrl, circleciPipelineUrl, circleciWorkflowUrl, githubTagUrl } from '../links';
import { detailItem, olderDetail, olderWords } from './detailRows';
import { matchesFilter, type SiteFilter } from './filter';
import { icon, STAGE_ICONS, STATE_ICONS } from './icons';
import { esc, mainSince, pipelineWords, siteContextValue, stageContextValue } from './labels';
import { isPlatformNode, NodeCache, type PipelineNode, type SiteNode, type StageNode } from './nodes';
import type { PlatformSource } from '../core/platform/types';
import { PlatformRows, siteWaveTooltip, siteWaveWords } from './platformTree';

/**
 * The Production Pipelines tree: a site per row (sites needing a person first), the stages of its latest release
 * pipeline below it, with the hold explanation, problems and the next release as detail rows (`detailRows.ts`).
 */
export class PipelinesTreeProvider implements vscode.TreeDataProvider<PipelineNode>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<PipelineNode | PipelineNode[] | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private readonly nodes = new NodeCache();
  private filterValue: SiteFilter = 'all';
  private readonly subscription: { dispose(): void };
  private readonly platformSubscription: { dispose(): void } | undefined;
  private readonly platformRows: PlatformRows | undefined;
  /** When false the view shows its welcome content (getChildren answers nothing). */
  private ready = true;

  constructor(
    readonly fleet: Fleet,
    private readonly organization: () => string,
    /** The platform release (the node above the sites); none: no platform node. */
    private readonly platform?: PlatformSource,
  ) {
    this.subscription = fleet.onDidChange((sites) => {
      this.onFleetChange(sites);
    });
    if (platform) {
      this.platformRows = new PlatformRows(platform, this.nodes, organization);
      // the platform node and the site rows' "wave v…" both change with it
      this.platformSubscription = platform.onDidChange(() => {
        this.emitter.fire(undefined);
      });
    }
  }

  /** Where each site was last shown: its rank and whether the filter let it through. */
  private readonly placement = new Map<string, string>();

  /**
   * Only changed nodes are refreshed: a site whose place in the list (rank, filter) is unchanged is refreshed alone,
   * with its children; the root only when the order or the membership changes.
   */
  private onFleetChange(sites: string[]): void {
    if (sites.length === 0) {
      this.emitter.fire(undefined);
      return;
    }
    let rootChanged = false;
    const nodes: PipelineNode[] = [];
    for (const site of sites) {
      const s = this.fleet.get(site);
      const place = s ? `${attentionRank(s.state)}:${matchesFilter(s.state, this.filterValue)}` : 'gone';
      if (this.placement.get(site) !== place) rootChanged = true;
      this.placement.set(site, place);
      nodes.push(this.nodes.site(site));
    }
    this.emitter.fire(rootChanged ? undefined : nodes);
  }

  get filter(): SiteFilter {
    return this.filterValue;
  }

  setFilter(filter: SiteFilter): void {
    this.filterValue = filter;
    this.emitter.fire(undefined);
  }

  setReady(ready: boolean): void {
    if (ready === this.ready) return;
    this.ready = ready;
    this.emitter.fire(undefined);
  }

  /** Sites in display order, filtered. */
  visibleSites(): SiteSnapshot[] {
    return this.fleet
      .all()
      .filter((s) => matchesFilter(s.state, this.filterValue))
      .sort((a, b) => attentionRank(a.state) - attentionRank(b.state) || a.site.localeCompare(b.site));
  }

  getChildren(element?: PipelineNode): PipelineNode[] {
    if (!this.ready) return [];
    if (!element) {
      return [...(this.platformRows?.roots() ?? []), ...this.visibleSites().map((s) => this.nodes.site(s.site))];
    }
    if (isPlatformNode(element)) return this.platformRows?.children(element) ?? [];
    if (element.kind !== 'site') return [];
    const s = this.fleet.get(element.site);
    if (!s) return [];
    const children: PipelineNode[] = [];
    if (
      s.error ||
      s.state === 'no-project' ||
      s.state === 'no-release' ||
      s.state === 'no-workflows' ||
      s.state === 'pipeline-error' ||
      (s.state === 'failed' && unauthorizedJobs(s.workflow, s.stages).length > 0)
    ) {
      children.push(this.nodes.detail(s.site, 'problem'));
    }
    if (s.rejection) children.push(this.nodes.detail(s.site, 'rejection'));
    else if (s.hold) children.push(this.nodes.detail(s.site, 'hold'));
    for (const older of s.olderOnHold ?? []) children.push(this.nodes.older(s.site, older.workflowId));
    children.push(...s.stages.map((st) => this.nodes.stage(s.site, st.name)));
    if (s.next) children.push(this.nodes.detail(s.site, 'next'));
    return children;
  }

  getParent(element: PipelineNode): PipelineNode | undefined {
    if (isPlatformNode(element)) return this.platformRows?.parent(element);
    return element.kind === 'site' ? undefined : this.nodes.site(element.site);
  }

  /** The node of a site or stage (for reveal()). */
  nodeFor(site: string, job?: string): PipelineNode {
    return job ? this.nodes.stage(site, job) : this.nodes.site(site);
  }

  getTreeItem(element: PipelineNode): vscode.TreeItem {
    if (isPlatformNode(element)) return this.platformRows?.item(element) ?? new vscode.TreeItem(element.id);
    const s = this.fleet.get(element.site) ?? { site: element.site, slug: '', state: 'loading' as const, stages: [] };
    switch (element.kind) {
      case 'site':
        return this.siteItem(element, s);
      case 'stage':
        return this.stageItem(element, s);
      case 'detail':
        return detailItem(element, s, this.organization());
    }
  }

  private siteItem(node: SiteNode, s: SiteSnapshot): vscode.TreeItem {
    const item = new vscode.TreeItem(s.site, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = node.id;
    const running = s.state === 'running' ? s.stages.filter((st) => st.status === 'running').map((st) => st.name) : [];
    const words = s.rejection
      ? rejectionWords(s.rejection, s.rejectedBy)
      : (pipelineWords(s) ??
        (s.hold && s.state === 'waiting'
          ? `${STATE_WORDS[s.state]}: ${HOLD_REASON_TEXT[s.hold]}`
          : running.length > 0
            ? `${STATE_WORDS[s.state]}: ${running.join(', ')}`
            : STATE_WORDS[s.state]));
    const parts = [s.pipeline?.tag, s.workflow?.kind === 'rollback' ? vscode.l10n.t('rollback {0}', words) : words];
    if (s.olderOnHold?.length) parts.push(olderWords(s));
    parts.push(siteWaveWords(this.platform?.wave(), s));
    if (s.stale) parts.push(vscode.l10n.t('stale'));
    item.description = parts.filter(Boolean).join(' · ');
    item.iconPath = icon(STATE_ICONS[s.state]);
    item.contextValue = siteContextValue(s);
    item.tooltip = this.siteTooltip(s);
    item.accessibilityInformation = { label: `${s.site}: ${item.description}` };
    return item;
  }

  private siteTooltip(s: SiteSnapshot): vscode.MarkdownString {
    const org = this.organization();
    const md = new vscode.MarkdownString('', true);
    md.appendMarkdown(
      (s.stale
        ? vscode.l10n.t('**{0}** — {1} _(last known state, refreshing)_', esc(s.site), esc(STATE_WORDS[s.state]))
        : `**${esc(s.site)}** — ${esc(STATE_WORDS[s.state])}`) + '\n\n',
    );
    if (s.pipeline) {
      const p = s.pipeline;
      md.appendMarkdown(
        vscode.l10n.t(
          '$(tag) **{0}** · {1} workflow',
          esc(p.tag),
          esc(s.workflow?.name ?? vscode.l10n.t('no workflow')),
        ) + '\n\n',
      );
      if (p.commitSubject) md.appendMarkdown(`$(git-commit) ${esc(p.commitSubject)}\n\n`);
      md.appendMarkdown(
        `$(person) ${esc(p.triggeredBy ?? vscode.l10n.t('unknown'))} · ${esc(timeAgo(p.createdAt))} (${esc(new Date(p.createdAt).toUTCString())})\n\n`,
      );
      md.appendMarkdown(
        vscode.l10n.t(
          '[CircleCI pipeline {0}]({1}) · [GitHub tag]({2})',
          p.number,
          circleciPipelineUrl(org, s.site, p.number),
          githubTagUrl(org, s.site, p.tag),
        ) + '\n\n',
      );
    }
    if (s.rejection) md.appendMarkdown(`$(discard) ${esc(REJECTION_DETAIL[s.rejection])}\n\n`);
    else if (s.hold) md.appendMarkdown(`$(info) ${esc(HOLD_REASON_DETAIL[s.hold])}\n\n`);
    if (s.olderOnHold?.length) md.appendMarkdown(`$(warning) ${esc(olderDetail())}\n\n`);
    md.appendMarkdown(siteWaveTooltip(this.platform?.wave(), s));
    if (s.next) {
      md.appendMarkdown(
        '$(git-branch) ' +
          esc(mainSince(s.next)) +
          (s.next.nextTag ? ' · ' + vscode.l10n.t('next release {0}', esc(s.next.nextTag)) : '') +
          '\n\n',
      );
    }
    if (s.error) md.appendMarkdown(`$(warning) ${esc(s.error.message)}\n\n`);
    return md;
  }

  private stageItem(node: StageNode, s: SiteSnapshot): vscode.TreeItem {
    const st = s.stages.find((x) => x.name === node.job);
    const item = new vscode.TreeItem(node.job, vscode.TreeItemCollapsibleState.None);
    item.id = node.id;
    if (!st) return item;
    const status = stageStatusWords(st);
    const time =
      st.status === 'running'
        ? duration(st.startedAt, undefined)
        : st.stoppedAt
          ? `${duration(st.startedAt, st.stoppedAt)}${st.startedAt ? ' · ' : ''}${timeAgo(st.stoppedAt)}`
          : '';
    item.description = [st.type === 'approval' ? vscode.l10n.t('approval') : undefined, status, time]
      .filter(Boolean)
      .join(' · ');
    item.iconPath =
      st.type === 'approval' && st.status === 'success'
        ? icon(['verified-filled', 'testing.iconPassed'])
        : icon(STAGE_ICONS[st.status] ?? ['circle-large-outline', undefined]);
    item.contextValue = stageContextValue(s, st);
    const org = this.organization();
    const md = new vscode.MarkdownString('', true);
    md.appendMarkdown(
      (st.type === 'approval'
        ? vscode.l10n.t('**{0}** (approval job) — {1}', esc(st.name), esc(status))
        : `**${esc(st.name)}** — ${esc(status)}`) + '\n\n',
    );
    if (st.startedAt)
      md.appendMarkdown(
        (st.stoppedAt
          ? vscode.l10n.t(
              'started {0}, took {1}',
              esc(timeAgo(st.startedAt)),
              esc(duration(st.startedAt, st.stoppedAt)),
            )
          : vscode.l10n.t('started {0}', esc(timeAgo(st.startedAt)))) + '\n\n',
      );
    if (st.status === 'unauthorized') md.appendMarkdown(esc(UNAUTHORIZED_DETAIL) + '\n\n');
    if (s.pipeline && s.workflow && st.jobNumber !== undefined) {
      md.appendMarkdown(
        vscode.l10n.t(
          '[Open job {0} in CircleCI]({1})',
          st.jobNumber,
          circleciJobUrl(org, s.site, s.pipeline.number, s.workflow.id, st.jobNumber),
        ),
      );
    } else if (s.pipeline && s.workflow) {
      md.appendMarkdown(
        vscode.l10n.t(
          '[Open workflow in CircleCI]({0})',
          circleciWorkflowUrl(org, s.site, s.pipeline.number, s.workflow.id),
        ),
      );
    }
    item.tooltip = md;
    if (st.name === 'visualtests-compare' && (st.status === 'failed' || st.status === 'success')) {
      item.command = {
        command: 'planet4.openVisualReport',
        title: vscode.l10n.t('Open Visual Report'),
        arguments: [{ site: s.site }],
      };
    }
    return item;
  }

  dispose(): void {
    this.subscription.dispose();
    this.platformSubscription?.dispose();
    this.emitter.dispose();
  }
}
