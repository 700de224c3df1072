/**
 * The visual report panel: one per site and compare job, restored after a reload by its serializer. The
 * webview gets data by postMessage only; images are files of THAT job's cache folder, served by asWebviewUri.
 * The report shows as soon as config.js is parsed; its images download in the background (the webview's `want`
 * messages move the images near its viewport to the front of the queue) and reach the webview in batches.
 * A panel holds its job's cache folder (`liveJobFolders`) while it shows it, so pruning never deletes it. A restored
 * panel's state is checked (`restoreTarget`) before anything is read or requested for it.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import { projectSlug } from '../../core/api/circleci/types';
import type { ReportTest } from '../../core/report/backstop';
import { orderForDisplay } from '../../core/report/backstop';
import { compareJobOf, type CompareJobInfo } from '../../core/report/job';
import { liveJobFolders } from '../../core/report/liveFolders';
import { jobCacheDir, readCachedReport } from '../../core/report/cache';
import type { ImageDownloads, LandedImage } from '../../core/report/downloads';
import { startReport, type LoadOutcome, type StartedReport } from '../../core/report/loader';
import { pruneCache } from '../../core/report/prune';
import { restoreTarget } from '../../core/report/restore';
import { fileInside } from '../../core/report/safePath';
import { settings } from '../../config';
import type { Services } from '../../services';
import { reportHtml, makeNonce } from './html';
import {
  isWebviewMessage,
  toViewTest,
  type HostMessage,
  type PanelState,
  type ReportHeader,
  type LandedViewImage,
  type ReportView,
  type ViewImage,
  type ViewTest,
  type WebviewMessage,
} from './protocol';

export const VIEW_TYPE = 'planet4.visualReport';
/** Landed images are posted to the webview at most this often. */
export const IMAGE_BATCH_MS = 100;

export interface OpenOptions {
  /** Resolve only when every image has been downloaded (or failed): for tests and scripts. */
  waitForImages?: boolean;
}

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
  /** Images still downloading in the background (0 when the result waited for them). */
  imagesPending?: number;
  /** Images that cannot be shown. */
  missingImages?: number;
}

export function reportCacheRoot(context: vscode.ExtensionContext): string {
  return path.join(context.globalStorageUri.fsPath, 'reports');
}

/**
 * `planet4.report.cacheLimitMB` in bytes: the user's value or the default only (a workspace value could empty the
 * cache), never below the 10 MB minimum.
 */
export function reportCacheLimitBytes(): number {
  return settings.reportCacheLimitBytes();
}

/** Every open report panel, and the serializer that restores them. */
export class ReportPanels implements vscode.WebviewPanelSerializer<PanelState>, vscode.Disposable {
  private readonly panels = new Set<ReportPanel>();
  private readonly subscriptions: { dispose(): void }[] = [];

  constructor(readonly services: Services) {
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
      throw new Error(`Planet 4: no site "${site}" in the pipelines view (refresh it, or check planet4.sites).`);
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
    const panel = new ReportPanel(this, webviewPanel, site, jobNumber);
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
        `The visual report of ${site} was not restored: ${site} is not among the Planet 4 sites (planet4.sites or sites.txt) any more.`,
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
    for (const p of [...this.panels]) p.panel.dispose();
    for (const s of this.subscriptions) s.dispose();
  }
}

export class ReportPanel {
  private info: CompareJobInfo | undefined;
  private view: ReportView = { kind: 'loading', message: 'Loading the visual report…' };
  lastOutcome: LoadOutcome | undefined;
  /** Set while the listing / config.js is loading. */
  private loading: AbortController | undefined;
  /** The latest load's controller: aborts its listing and its background downloads. */
  private current: AbortController | undefined;
  private downloads: ImageDownloads | undefined;
  private downloadsSettled: Promise<void> = Promise.resolve();
  /** The view's images still downloading, by id. */
  private pendingViews = new Map<string, ViewImage[]>();
  /** Landed images not posted yet. */
  private batch = new Map<string, LandedViewImage>();
  private batchTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private disposed = false;
  /** The job folder this panel holds in `liveJobFolders` (never pruned while the panel shows it). */
  private heldFolder: { dir: string; release: () => void } | undefined;
  /**
   * Restored while the fleet's site list was not loaded yet: the site is checked against it (and the report of
   * `jobNumber` loaded) when it is; until then nothing is requested for this panel.
   */
  awaitingSites: { jobNumber: number | undefined } | undefined;

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
      if (this.view.kind === 'ready') {
        r.imagesPending = this.view.pendingImages;
        r.missingImages = this.view.missingImages;
      }
    }
    return r;
  }

  /**
   * Settles when the background downloads of the current report have ended and the cache has been pruned after
   * them (at once when there are none).
   */
  imagesSettled(): Promise<void> {
    return this.downloadsSettled;
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

  /** A placeholder that explains why there is no report (nothing is loaded). */
  showError(message: string): void {
    this.view = { kind: 'error', message };
    this.post();
  }

  /** Holds `dir` in `liveJobFolders` (releasing the folder held before), unless this load is no longer current. */
  private async holdFolder(dir: string, controller: AbortController): Promise<void> {
    if (this.heldFolder?.dir === dir) return;
    const release = await liveJobFolders.hold(dir);
    if (this.disposed || this.current !== controller) {
      release();
      controller.signal.throwIfAborted();
      return;
    }
    this.heldFolder?.release();
    this.heldFolder = { dir, release };
  }

  /**
   * Loads (or reloads) the report of `info`'s job: resolves when the report is shown, its images still downloading
   * (see `imagesSettled`). Throws user-facing errors (after showing them in the panel).
   */
  async load(info: CompareJobInfo, withProgress: boolean): Promise<LoadOutcome> {
    this.current?.abort();
    this.stopDownloads();
    this.downloadsSettled = Promise.resolve();
    const controller = new AbortController();
    this.current = controller;
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
    ): Promise<StartedReport> => {
      token?.onCancellationRequested(() => {
        // the notification covers the listing only; once the report shows, closing it stops nothing
        if (this.loading === controller) controller.abort();
      });
      // a finished job's complete cache needs no client (and no token): try it first
      if (info.jobNumber !== undefined) {
        // the folder this panel shows is never pruned (nor read while being pruned)
        await this.holdFolder(jobCacheDir(cacheRoot, info.slug, info.jobNumber), controller);
        const cached = await readCachedReport(cacheRoot, info.slug, info.jobNumber);
        if (cached) return { outcome: cached };
      }
      return startReport({
        client: info.jobNumber !== undefined && info.finished ? this.services.circleci() : noClient,
        slug: info.slug,
        jobNumber: info.jobNumber,
        cacheRoot,
        finished: info.finished,
        signal: controller.signal,
        onProgress: (p) => {
          if (this.loading !== controller) return;
          progress?.report({ message: p.message });
          this.view = { kind: 'loading', message: p.message };
          this.post();
        },
        onImage: (img) => {
          if (this.current === controller) this.onImageLanded(img);
        },
      });
    };

    let started: StartedReport;
    try {
      started = withProgress
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
      // a newer load took over: the view is its business
      if (this.current !== controller) throw new Error('Loading the visual report was canceled.');
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
    const outcome = started.outcome;
    this.lastOutcome = outcome;
    this.view = this.viewOf(outcome);
    this.post();
    if (outcome.kind === 'ok') {
      this.services.log.info(
        `visual report of ${this.site}, job ${info.jobNumber ?? '-'}: ${outcome.summary.passed} passed, ${outcome.summary.failed} failed${outcome.fromCache ? ' (from the cache)' : ''}${started.downloads ? `; downloading ${started.downloads.remaining} images` : ''}`,
      );
      if (started.downloads) this.track(started.downloads, outcome.jobDir, controller);
    }
    return outcome;
  }

  /** Follows the background downloads: batches landed images to the webview, prunes the cache at the end. */
  private track(downloads: ImageDownloads, jobDir: string, controller: AbortController): void {
    this.downloads = downloads;
    const settled = downloads.done.then((r) => {
      if (this.current !== controller) return;
      this.downloads = undefined;
      this.flushImages();
      if (r.aborted) return;
      this.services.log.info(
        `visual report of ${this.site}: ${r.downloaded} images downloaded${r.failed ? `, ${r.failed} failed` : ''}${r.complete ? '; cached for offline use' : ''}`,
      );
      return this.prune(jobDir);
    });
    this.downloadsSettled = settled;
    if (downloads.remaining > 0) {
      void vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: `Planet 4: report images of ${this.site}` },
        () => settled,
      );
    }
  }

  /** Prunes the cache; folders shown in a panel or still downloading are in `liveJobFolders`: it leaves them. */
  private async prune(jobDir: string): Promise<void> {
    try {
      const p = await pruneCache(this.owner.cacheRoot, reportCacheLimitBytes(), [jobDir]);
      if (p.deleted.length) this.services.log.info(`visual reports: pruned ${p.deleted.length} cached jobs`);
    } catch (e) {
      this.services.log.warn(`visual reports: could not prune the cache: ${String(e)}`);
    }
  }

  private stopDownloads(): void {
    this.downloads = undefined;
    this.pendingViews = new Map();
    this.batch.clear();
    if (this.batchTimer !== undefined) clearTimeout(this.batchTimer);
    this.batchTimer = undefined;
  }

  /** An image landed (or failed): update the view, and post it with the others of its batch. */
  private onImageLanded(img: LandedImage): void {
    const views = this.pendingViews.get(img.path);
    const o = this.lastOutcome;
    if (!views || o?.kind !== 'ok' || this.view.kind !== 'ready') return;
    this.pendingViews.delete(img.path);
    const landed: LandedViewImage = { id: img.path };
    if (img.available) {
      try {
        landed.src = this.srcOf(o.jobDir, img.path);
      } catch (e) {
        landed.error = e instanceof Error ? e.message : String(e);
      }
    } else {
      landed.error = img.error ?? 'The image is not available.';
    }
    for (const v of views) {
      delete v.pending;
      if (landed.src !== undefined) v.src = landed.src;
      else v.error = landed.error;
    }
    this.view.pendingImages -= views.length;
    if (landed.src === undefined) this.view.missingImages += views.length;
    this.batch.set(img.path, landed);
    this.batchTimer ??= setTimeout(() => {
      this.flushImages();
    }, IMAGE_BATCH_MS);
  }

  private flushImages(): void {
    if (this.batchTimer !== undefined) clearTimeout(this.batchTimer);
    this.batchTimer = undefined;
    if (this.batch.size === 0 || this.disposed || this.view.kind !== 'ready') return;
    const message: HostMessage = {
      type: 'images',
      images: [...this.batch.values()],
      pendingImages: this.view.pendingImages,
      missingImages: this.view.missingImages,
    };
    this.batch.clear();
    void this.panel.webview.postMessage(message);
  }

  private srcOf(jobDir: string, relative: string): string {
    return this.panel.webview.asWebviewUri(vscode.Uri.file(fileInside(jobDir, relative))).toString();
  }

  private viewOf(outcome: LoadOutcome): ReportView {
    this.pendingViews = new Map();
    if (outcome.kind !== 'ok') return { kind: outcome.kind, message: outcome.message };
    let pendingImages = 0;
    let missingImages = 0;
    const toView = (t: ReportTest): ViewTest =>
      toViewTest(t, (_kind, img): ViewImage => {
        if (img.path && img.available) {
          try {
            return { src: this.srcOf(outcome.jobDir, img.path) };
          } catch (e) {
            missingImages++;
            return { error: e instanceof Error ? e.message : String(e) };
          }
        }
        if (img.path && img.error === undefined && !outcome.fromCache) {
          // still downloading: a placeholder until it lands
          const pending: ViewImage = { pending: true, id: img.path };
          const list = this.pendingViews.get(img.path) ?? [];
          list.push(pending);
          this.pendingViews.set(img.path, list);
          pendingImages++;
          return pending;
        }
        missingImages++;
        return { error: img.error ?? 'The image is not available.' };
      });
    return {
      kind: 'ready',
      tests: orderForDisplay(outcome.report.tests).map(toView),
      passed: outcome.summary.passed,
      failed: outcome.summary.failed,
      missingImages,
      pendingImages,
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
      case 'want':
        this.downloads?.prioritize(m.ids);
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
        if (this.awaitingSites || !this.services.fleet.sites.includes(this.site)) {
          // a restored panel whose site is not (yet) known to be one of the fleet's: nothing to request
          this.post();
          return;
        }
        try {
          await this.services.fleet.refresh({ sites: [this.site] });
        } catch (e) {
          this.services.log.warn(`refresh of ${this.site}: ${String(e)}`);
        }
        if (this.view.kind === 'ready') {
          const o = this.lastOutcome;
          // images that failed to download: try them again (a complete cache reopens without a request)
          if (o?.kind === 'ok' && !o.fromCache && !this.downloads && this.view.missingImages > 0 && this.info) {
            await this.load(this.info, true).catch(() => undefined);
            return;
          }
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
    this.current?.abort();
    this.stopDownloads();
    this.heldFolder?.release();
    this.heldFolder = undefined;
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
  downloadToFile(): Promise<never> {
    return Promise.reject(new Error('no request for a job without artifacts'));
  },
};

function title(site: string, jobNumber: number | undefined): string {
  return jobNumber === undefined ? `Visual report: ${site}` : `Visual report: ${site} #${jobNumber}`;
}
