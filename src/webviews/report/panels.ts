/**
 * Every open visual report panel: one per site and compare job. `open` reveals the panel of the site's current
 * compare job when there is one, else opens a new one; the serializer restores the panels after a reload, checking
 * their saved state (`restoreTarget`) before anything is read or requested for them. Fleet changes reach the panels
 * of the sites that changed.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import { projectSlug } from '../../core/api/circleci/types';
import type { ReportSummary } from '../../core/report/backstop';
import { readCachedReport } from '../../core/report/cache';
import { compareJobOf } from '../../core/report/job';
import { restoreTarget } from '../../core/report/restore';
import type { Services } from '../../services';
import { ReportPanel } from './panel';
import type { PanelState } from './protocol';
import { title, type OpenVisualReportResult } from './viewModel';

export type { OpenVisualReportResult };

export const VIEW_TYPE = 'planet4.visualReport';

export interface OpenOptions {
  /** Resolve only when every image has been downloaded (or failed): for tests and scripts. */
  waitForImages?: boolean;
}

export function reportCacheRoot(context: vscode.ExtensionContext): string {
  return path.join(context.globalStorageUri.fsPath, 'reports');
}

/** Every live set of panels (one per activation). */
const registries = new Set<ReportPanels>();

/**
 * The passed / failed / total counts of the report of `site`'s compare job `jobNumber` when an open panel has it
 * loaded (no request, no disk): what approving hold-production skips, in numbers.
 */
export function loadedReportSummary(site: string, jobNumber: number): ReportSummary | undefined {
  for (const r of registries) {
    const outcome = r.find(site, jobNumber)?.lastOutcome;
    if (outcome?.kind === 'ok') return outcome.summary;
  }
  return undefined;
}

/** Every open report panel, and the serializer that restores them. */
export class ReportPanels implements vscode.WebviewPanelSerializer<PanelState>, vscode.Disposable {
  private readonly panels = new Set<ReportPanel>();
  private readonly subscriptions: { dispose(): void }[] = [];

  constructor(readonly services: Services) {
    registries.add(this);
    this.subscriptions.push(
      services.fleet.onDidChange((sites) => {
        for (const p of this.panels) {
          if (p.awaitingSites) {
            // restored before the site list was known: check the site against it now
            if (this.services.fleet.sites.length > 0) void this.resume(p, p.awaitingSites.jobNumber);
          } else if (sites.includes(p.site)) {
            p.onFleetChange();
          }
        }
      }),
    );
  }

  get cacheRoot(): string {
    return reportCacheRoot(this.services.context);
  }

  /** The open panels (for tests and commands). */
  get all(): readonly ReportPanel[] {
    return [...this.panels];
  }

  find(site: string, jobNumber: number | undefined): ReportPanel | undefined {
    return [...this.panels].find((p) => p.site === site && p.jobNumber === jobNumber);
  }

  /** Opens (or reveals) the report of the site's current compare job and loads it. Throws user-facing errors. */
  async open(site: string, opts: OpenOptions = {}): Promise<OpenVisualReportResult> {
    const snapshot = this.services.fleet.get(site);
    if (!snapshot) {
      throw new Error(
        vscode.l10n.t('Planet 4: no site "{0}" in the pipelines view (refresh it, or check planet4.sites).', site),
      );
    }
    const info = compareJobOf(snapshot);
    let panel = this.find(site, info.jobNumber);
    if (panel) {
      panel.reveal();
      if (panel.lastOutcome?.kind === 'ok') {
        if (opts.waitForImages) await panel.imagesSettled();
        return panel.result();
      }
    } else {
      panel = this.create(site, info.jobNumber);
    }
    await panel.load(info, true);
    if (opts.waitForImages) await panel.imagesSettled();
    return panel.result();
  }

  private create(site: string, jobNumber: number | undefined, existing?: vscode.WebviewPanel): ReportPanel {
    const webviewPanel =
      existing ??
      vscode.window.createWebviewPanel(VIEW_TYPE, title(site, jobNumber), vscode.ViewColumn.Active, {
        enableScripts: true,
        enableFindWidget: true,
      });
    const panel = new ReportPanel(this.services, this.cacheRoot, webviewPanel, site, jobNumber);
    this.panels.add(panel);
    webviewPanel.onDidDispose(() => {
      this.panels.delete(panel);
      panel.dispose();
    });
    return panel;
  }

  /**
   * Restores a panel after a reload. Its state comes from the webview, so it is checked first: a state naming no
   * valid site closes the panel; a site that is not among the fleet's sites (when they are known) or an invalid job
   * number leaves a placeholder that explains it. Neither reads the cache nor sends a request.
   */
  async deserializeWebviewPanel(webviewPanel: vscode.WebviewPanel, state: PanelState | undefined): Promise<void> {
    const target = restoreTarget(state, this.services.fleet.sites);
    if (target.kind === 'close') {
      this.services.log.warn(`visual report: a restored panel was closed: ${target.reason}.`);
      webviewPanel.dispose();
      return;
    }
    const jobNumber = target.kind === 'restore' ? target.jobNumber : undefined;
    const panel = this.create(target.site, jobNumber, webviewPanel);
    if (target.kind === 'placeholder') {
      this.services.log.warn(target.message);
      panel.showError(target.message);
      return;
    }
    await this.resume(panel, jobNumber);
  }

  /** Shows a restored panel's report: once its site is known to be one of the fleet's, else only from the cache. */
  private async resume(panel: ReportPanel, jobNumber: number | undefined): Promise<void> {
    const site = panel.site;
    const sites = this.services.fleet.sites;
    const slug = (): string => this.services.fleet.get(site)?.slug ?? projectSlug(this.services.organization(), site);
    if (sites.length === 0) {
      // the site list is not loaded yet: no request for a site it may not hold; a complete cache needs none
      panel.awaitingSites = { jobNumber };
      if (jobNumber !== undefined && (await readCachedReport(this.cacheRoot, slug(), jobNumber))) {
        await panel.load({ site, slug: slug(), jobNumber, finished: true, onHold: [] }, false).catch(() => undefined);
      } else {
        panel.showWaiting();
      }
      return;
    }
    const wasAwaiting = panel.awaitingSites !== undefined;
    panel.awaitingSites = undefined;
    if (!sites.includes(site)) {
      panel.showError(
        vscode.l10n.t(
          'The visual report of {0} was not restored: {0} is not among the Planet 4 sites (planet4.sites or sites.txt) any more.',
          site,
        ),
      );
      return;
    }
    if (wasAwaiting && panel.lastOutcome?.kind === 'ok' && panel.jobNumber === jobNumber) {
      // already shown from the cache while the site list was loading
      panel.onFleetChange();
      return;
    }
    const snapshot = this.services.fleet.get(site);
    const info = snapshot ? compareJobOf(snapshot) : undefined;
    if (info && (info.jobNumber === jobNumber || jobNumber === undefined)) {
      await panel.load(info, false).catch(() => undefined);
      return;
    }
    if (jobNumber !== undefined) {
      // the fleet has moved on (or is still loading): show the job this panel was showing, if it is cached
      await panel.load({ site, slug: slug(), jobNumber, finished: true, onHold: [] }, false).catch(() => undefined);
      return;
    }
    panel.showWaiting();
  }

  dispose(): void {
    registries.delete(this);
    for (const p of [...this.panels]) p.panel.dispose();
    for (const s of this.subscriptions) s.dispose();
  }
}
