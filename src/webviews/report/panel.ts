/**
 * The visual report panel: one per site and compare job, restored after a reload by its serializer. The
 * webview gets data by postMessage only; images are files of THAT job's cache folder, served by asWebviewUri.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import { projectSlug } from '../../core/api/circleci/types';
import type { ReportTest } from '../../core/report/backstop';
import { orderForDisplay } from '../../core/report/backstop';
import { compareJobOf, type CompareJobInfo } from '../../core/report/job';
import {
  DEFAULT_CACHE_LIMIT_BYTES,
  jobCacheDir,
  loadReport,
  pruneCache,
  readCachedReport,
  type LoadOutcome,
} from '../../core/report/loader';
import { fileInside } from '../../core/report/safePath';
import type { Services } from '../../services';
import { reportHtml, makeNonce } from './html';
import {
  isWebviewMessage,
  type HostMessage,
  type PanelState,
  type ReportHeader,
  type ReportView,
  type ViewTest,
  type WebviewMessage,
} from './protocol';

export const VIEW_TYPE = 'planet4.visualReport';

export interface OpenVisualReportResult {
  site: string;
  jobNumber?: number;
  /** 'ready' when the report is shown; otherwise the state the panel explains. */
  state: ReportView['kind'];
  passed?: number;
  failed?: number;
  total?: number;
  /** The report came from the disk cache (no download). */
  fromCache?: boolean;
  /** The job's cache folder. */
  cacheDir?: string;
}

export function reportCacheRoot(context: vscode.ExtensionContext): string {
  return path.join(context.globalStorageUri.fsPath, 'reports');
}

function cacheLimitBytes(): number {
  const mb = vscode.workspace.getConfiguration('planet4').get<number>('report.cacheLimitMB', 500);
  return Number.isFinite(mb) && mb > 0 ? mb * 1024 * 1024 : DEFAULT_CACHE_LIMIT_BYTES;
}

/** Every open report panel, and the serializer that restores them. */
export class ReportPanels implements vscode.WebviewPanelSerializer<PanelState>, vscode.Disposable {
  private readonly panels = new Set<ReportPanel>();
  private readonly subscriptions: { dispose(): void }[] = [];

  constructor(readonly services: Services) {
    this.subscriptions.push(
      services.fleet.onDidChange((sites) => {
        for (const p of this.panels) if (sites.includes(p.site)) p.onFleetChange();
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
  async open(site: string): Promise<OpenVisualReportResult> {
    const snapshot = this.services.fleet.get(site);
    if (!snapshot) {
      throw new Error(`Planet 4: no site "${site}" in the pipelines view (refresh it, or check planet4.sites).`);
    }
    const info = compareJobOf(snapshot);
    let panel = this.find(site, info.jobNumber);
    if (panel) {
      panel.reveal();
      if (panel.lastOutcome?.kind === 'ok') return panel.result();
    } else {
      panel = this.create(site, info.jobNumber);
    }
    await panel.load(info, true);
    return panel.result();
  }

  private create(site: string, jobNumber: number | undefined, existing?: vscode.WebviewPanel): ReportPanel {
    const webviewPanel =
      existing ??
      vscode.window.createWebviewPanel(VIEW_TYPE, title(site, jobNumber), vscode.ViewColumn.Active, {
        enableScripts: true,
        enableFindWidget: true,
      });
    const panel = new ReportPanel(this, webviewPanel, site, jobNumber);
    this.panels.add(panel);
    webviewPanel.onDidDispose(() => {
      this.panels.delete(panel);
      panel.dispose();
    });
    return panel;
  }

  async deserializeWebviewPanel(webviewPanel: vscode.WebviewPanel, state: PanelState | undefined): Promise<void> {
    const site = typeof state?.site === 'string' && state.site !== '' ? state.site : undefined;
    if (!site) {
      webviewPanel.dispose();
      return;
    }
    const jobNumber = typeof state?.jobNumber === 'number' ? state.jobNumber : undefined;
    const panel = this.create(site, jobNumber, webviewPanel);
    const snapshot = this.services.fleet.get(site);
    const info = snapshot ? compareJobOf(snapshot) : undefined;
    if (info && info.jobNumber === jobNumber) {
      await panel.load(info, false).catch(() => undefined);
      return;
    }
    if (jobNumber !== undefined) {
      // the fleet has moved on (or is still loading): show the job this panel was showing, if it is cached
      const slug = snapshot?.slug ?? projectSlug(this.services.organization(), site);
      await panel.load({ site, slug, jobNumber, finished: true, onHold: [] }, false).catch(() => undefined);
      return;
    }
    panel.showWaiting();
  }

  dispose(): void {
    for (const p of [...this.panels]) p.panel.dispose();
    for (const s of this.subscriptions) s.dispose();
  }
}

export class ReportPanel {
  private info: CompareJobInfo | undefined;
  private view: ReportView = { kind: 'loading', message: 'Loading the visual report…' };
  lastOutcome: LoadOutcome | undefined;
  private loading: AbortController | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private disposed = false;

  constructor(
    private readonly owner: ReportPanels,
    readonly panel: vscode.WebviewPanel,
    readonly site: string,
    public jobNumber: number | undefined,
  ) {
    this.setupWebview();
    this.disposables.push(
      panel.webview.onDidReceiveMessage((m: unknown) => {
        if (isWebviewMessage(m)) void this.onMessage(m);
      }),
    );
  }

  private get services(): Services {
    return this.owner.services;
  }

  reveal(): void {
    this.panel.reveal();
  }

  result(): OpenVisualReportResult {
    const o = this.lastOutcome;
    const r: OpenVisualReportResult = { site: this.site, jobNumber: this.jobNumber, state: this.view.kind };
    if (o?.kind === 'ok') {
      r.passed = o.summary.passed;
      r.failed = o.summary.failed;
      r.total = o.summary.total;
      r.fromCache = o.fromCache;
      r.cacheDir = o.jobDir;
    }
    return r;
  }

  private setupWebview(): void {
    const ext = this.services.context.extensionUri;
    const roots = [vscode.Uri.joinPath(ext, 'media'), vscode.Uri.joinPath(ext, 'dist', 'webview')];
    if (this.jobNumber !== undefined && this.info?.slug !== undefined) {
      roots.push(vscode.Uri.file(jobCacheDir(this.owner.cacheRoot, this.info.slug, this.jobNumber)));
    }
    const webview = this.panel.webview;
    webview.options = { enableScripts: true, enableCommandUris: false, localResourceRoots: roots };
    const nonce = makeNonce();
    webview.html = reportHtml({
      cspSource: webview.cspSource,
      nonce,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(ext, 'dist', 'webview', 'report.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(ext, 'media', 'report.css')).toString(),
      codiconsUri: webview
        .asWebviewUri(vscode.Uri.joinPath(ext, 'media', 'vendor', 'codicons', 'codicon.css'))
        .toString(),
      title: this.site,
    });
    this.panel.title = title(this.site, this.jobNumber);
    this.panel.iconPath = new vscode.ThemeIcon('file-media');
  }

  /** Shown after a reload while the fleet has not loaded the site yet. */
  showWaiting(): void {
    this.view = { kind: 'loading', message: 'Waiting for the pipelines view to load the site…' };
    this.post();
  }

  /** Loads (or reloads) the report of `info`'s job. Throws user-facing errors (after showing them in the panel). */
  async load(info: CompareJobInfo, withProgress: boolean): Promise<LoadOutcome> {
    this.loading?.abort();
    const controller = new AbortController();
    this.loading = controller;
    const jobChanged = info.jobNumber !== this.jobNumber || this.info?.slug !== info.slug;
    this.info = info;
    this.jobNumber = info.jobNumber;
    if (jobChanged) this.setupWebview();
    this.view = { kind: 'loading', message: 'Loading the visual report…' };
    this.post();

    const cacheRoot = this.owner.cacheRoot;
    const run = async (
      progress?: vscode.Progress<{ message?: string; increment?: number }>,
      token?: vscode.CancellationToken,
    ): Promise<LoadOutcome> => {
      token?.onCancellationRequested(() => {
        controller.abort();
      });
      // a finished job's complete cache needs no client (and no token): try it first
      if (info.jobNumber !== undefined) {
        const cached = await readCachedReport(cacheRoot, info.slug, info.jobNumber);
        if (cached) return cached;
      }
      let last = 0;
      return loadReport({
        client: info.jobNumber !== undefined && info.finished ? this.services.circleci() : noClient,
        slug: info.slug,
        jobNumber: info.jobNumber,
        cacheRoot,
        finished: info.finished,
        signal: controller.signal,
        onProgress: (p) => {
          const pct = p.total > 0 ? (p.done / p.total) * 100 : 0;
          progress?.report({ message: p.message, increment: pct - last });
          last = pct;
          this.view = { kind: 'loading', message: p.message, done: p.done, total: p.total };
          this.post();
        },
      });
    };

    let outcome: LoadOutcome;
    try {
      outcome = withProgress
        ? await vscode.window.withProgress(
            {
              location: vscode.ProgressLocation.Notification,
              title: `Planet 4: visual report of ${this.site}`,
              cancellable: true,
            },
            run,
          )
        : await run();
    } catch (e) {
      if (this.disposed) throw new Error('Planet 4: the visual report was closed while loading.');
      const message = controller.signal.aborted
        ? 'Loading the visual report was canceled.'
        : e instanceof Error
          ? e.message
          : String(e);
      this.services.log.warn(`visual report of ${this.site}: ${message}`);
      this.view = { kind: 'error', message };
      this.post();
      throw new Error(message);
    } finally {
      if (this.loading === controller) this.loading = undefined;
    }
    this.lastOutcome = outcome;
    this.view = this.viewOf(outcome);
    this.post();
    if (outcome.kind === 'ok') {
      this.services.log.info(
        `visual report of ${this.site}, job ${info.jobNumber ?? '-'}: ${outcome.summary.passed} passed, ${outcome.summary.failed} failed${outcome.fromCache ? ' (from the cache)' : ''}`,
      );
      if (!outcome.fromCache) {
        void pruneCache(cacheRoot, cacheLimitBytes(), [outcome.jobDir]).then(
          (r) => {
            if (r.deleted.length) this.services.log.info(`visual reports: pruned ${r.deleted.length} cached jobs`);
          },
          (e: unknown) => {
            this.services.log.warn(`visual reports: could not prune the cache: ${String(e)}`);
          },
        );
      }
    }
    return outcome;
  }

  private viewOf(outcome: LoadOutcome): ReportView {
    if (outcome.kind !== 'ok') return { kind: outcome.kind, message: outcome.message };
    const webview = this.panel.webview;
    const toView = (t: ReportTest): ViewTest => {
      const v: ViewTest = {
        key: t.key,
        label: t.label,
        viewportLabel: t.viewportLabel,
        selector: t.selector,
        url: t.url,
        status: t.status,
        images: {},
      };
      if (t.misMatchPercentage !== undefined) v.misMatchPercentage = t.misMatchPercentage;
      if (t.threshold !== undefined) v.threshold = t.threshold;
      if (t.sameDimensions !== undefined) v.sameDimensions = t.sameDimensions;
      if (t.dimensionDifference) v.dimensionDifference = t.dimensionDifference;
      if (t.error !== undefined) v.error = t.error;
      for (const kind of ['reference', 'test', 'diff'] as const) {
        const img = t.images[kind];
        if (!img) continue;
        if (img.path && img.available) {
          try {
            v.images[kind] = {
              src: webview.asWebviewUri(vscode.Uri.file(fileInside(outcome.jobDir, img.path))).toString(),
            };
            continue;
          } catch (e) {
            v.images[kind] = { error: e instanceof Error ? e.message : String(e) };
            continue;
          }
        }
        v.images[kind] = { error: img.error ?? 'The image is not available.' };
      }
      return v;
    };
    return {
      kind: 'ready',
      tests: orderForDisplay(outcome.report.tests).map(toView),
      passed: outcome.summary.passed,
      failed: outcome.summary.failed,
      missingImages: outcome.missingImages,
    };
  }

  private header(): ReportHeader {
    const snapshot = this.services.fleet.get(this.site);
    const live = snapshot ? compareJobOf(snapshot) : undefined;
    // approvals and status only while the fleet still describes this panel's job
    const info = live && live.jobNumber === this.jobNumber ? live : this.info;
    const h: ReportHeader = { site: this.site, onHold: live && live.jobNumber === this.jobNumber ? live.onHold : [] };
    if (this.jobNumber !== undefined) h.jobNumber = this.jobNumber;
    if (info?.tag !== undefined) h.tag = info.tag;
    if (info?.pipelineNumber !== undefined) h.pipelineNumber = info.pipelineNumber;
    if (info?.status !== undefined) h.jobStatus = info.status;
    if (info?.durationMs !== undefined) h.durationMs = info.durationMs;
    if (info?.jobUrl !== undefined) h.jobUrl = info.jobUrl;
    return h;
  }

  private post(): void {
    if (this.disposed) return;
    const message: HostMessage = { type: 'update', header: this.header(), view: this.view };
    void this.panel.webview.postMessage(message);
  }

  /** The fleet reloaded this site: refresh the header; load the report when the compare job has finished. */
  onFleetChange(): void {
    const snapshot = this.services.fleet.get(this.site);
    if (!snapshot || this.loading) {
      this.post();
      return;
    }
    const live = compareJobOf(snapshot);
    const waiting = this.view.kind === 'running' || this.view.kind === 'no-job' || this.view.kind === 'loading';
    if (waiting && live.jobNumber !== undefined && (live.finished || live.jobNumber !== this.jobNumber)) {
      void this.load(live, false).catch(() => undefined);
      return;
    }
    this.post();
  }

  private async onMessage(m: WebviewMessage): Promise<void> {
    switch (m.type) {
      case 'ready':
        this.post();
        return;
      case 'openJob': {
        const url = this.header().jobUrl;
        if (url) await vscode.env.openExternal(vscode.Uri.parse(url));
        return;
      }
      case 'approve':
        try {
          await vscode.commands.executeCommand('planet4.approveJob', { site: this.site, job: m.job });
        } catch (e) {
          void vscode.window.showErrorMessage(e instanceof Error ? e.message : String(e));
        }
        this.post();
        return;
      case 'refresh':
        try {
          await this.services.fleet.refresh({ sites: [this.site] });
        } catch (e) {
          this.services.log.warn(`refresh of ${this.site}: ${String(e)}`);
        }
        if (this.view.kind === 'ready') {
          this.post();
          return;
        }
        {
          const snapshot = this.services.fleet.get(this.site);
          const live = snapshot ? compareJobOf(snapshot) : undefined;
          const info = live && (live.jobNumber === this.jobNumber || this.jobNumber === undefined) ? live : this.info;
          if (info) await this.load(info, true).catch(() => undefined);
        }
        return;
    }
  }

  dispose(): void {
    this.disposed = true;
    this.loading?.abort();
    for (const d of this.disposables) d.dispose();
  }
}

const noClient = {
  listArtifacts(): Promise<never> {
    return Promise.reject(new Error('no request for a job without artifacts'));
  },
  download(): Promise<never> {
    return Promise.reject(new Error('no request for a job without artifacts'));
  },
};

function title(site: string, jobNumber: number | undefined): string {
  return jobNumber === undefined ? `Visual report: ${site}` : `Visual report: ${site} #${jobNumber}`;
}
