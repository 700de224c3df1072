/**
 * One visual report panel: the webview of one site's compare job. The webview gets data by postMessage only
 * (`viewModel.ts` builds it); images are files of THAT job's cache folder, served by asWebviewUri. The report shows
 * as soon as config.js is parsed; its images download in the background (the webview's `want` messages move the
 * images near its viewport to the front of the queue) and reach the webview in batches. A panel holds its job's
 * cache folder (`liveJobFolders`) while it shows it, so pruning never deletes it.
 */
import * as vscode from 'vscode';
import { jobCacheDir, readCachedReport } from '../../core/report/cache';
import type { ImageDownloads, LandedImage } from '../../core/report/downloads';
import { compareJobOf, type CompareJobInfo } from '../../core/report/job';
import { liveJobFolders } from '../../core/report/liveFolders';
import { startReport, type LoadOutcome, type StartedReport } from '../../core/report/loader';
import { pruneCache } from '../../core/report/prune';
import { settings } from '../../config';
import type { Services } from '../../services';
import { reportHtml, makeNonce } from './html';
import { isWebviewMessage, type HostMessage, type ReportHeader, type WebviewMessage } from './protocol';
import { headerOf, ReportViewModel, title, type OpenVisualReportResult } from './viewModel';

/** Landed images are posted to the webview at most this often. */
export const IMAGE_BATCH_MS = 100;

/**
 * `planet4.report.cacheLimitMB` in bytes: the user's value or the default only (a workspace value could empty the
 * cache), never below the 10 MB minimum.
 */
export function reportCacheLimitBytes(): number {
  return settings.reportCacheLimitBytes();
}

export class ReportPanel {
  private info: CompareJobInfo | undefined;
  private readonly model: ReportViewModel;
  /** Set while the listing / config.js is loading. */
  private loading: AbortController | undefined;
  /** The latest load's controller: aborts its listing and its background downloads. */
  private current: AbortController | undefined;
  private downloads: ImageDownloads | undefined;
  private downloadsSettled: Promise<void> = Promise.resolve();
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
    private readonly services: Services,
    /** The report cache (`globalStorage/reports`). */
    private readonly cacheRoot: string,
    readonly panel: vscode.WebviewPanel,
    readonly site: string,
    public jobNumber: number | undefined,
  ) {
    this.model = new ReportViewModel((file) => panel.webview.asWebviewUri(vscode.Uri.file(file)).toString());
    this.setupWebview();
    this.disposables.push(
      panel.webview.onDidReceiveMessage((m: unknown) => {
        if (isWebviewMessage(m)) void this.onMessage(m);
      }),
    );
  }

  /** The outcome of the last load that ended. */
  get lastOutcome(): LoadOutcome | undefined {
    return this.model.outcome;
  }

  reveal(): void {
    this.panel.reveal();
  }

  result(): OpenVisualReportResult {
    return this.model.result(this.site, this.jobNumber);
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
      roots.push(vscode.Uri.file(jobCacheDir(this.cacheRoot, this.info.slug, this.jobNumber)));
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
    this.model.loading(vscode.l10n.t('Waiting for the pipelines view to load the site…'));
    this.post();
  }

  /** A placeholder that explains why there is no report (nothing is loaded). */
  showError(message: string): void {
    this.model.error(message);
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
    this.model.loading(vscode.l10n.t('Loading the visual report…'));
    this.post();

    const cacheRoot = this.cacheRoot;
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
        ...(info.status !== undefined ? { status: info.status } : {}),
        signal: controller.signal,
        onProgress: (p) => {
          if (this.loading !== controller) return;
          progress?.report({ message: p.message });
          this.model.loading(p.message);
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
              title: vscode.l10n.t('Planet 4: visual report of {0}', this.site),
              cancellable: true,
            },
            run,
          )
        : await run();
    } catch (e) {
      if (this.disposed) throw new Error(vscode.l10n.t('Planet 4: the visual report was closed while loading.'));
      // a newer load took over: the view is its business
      if (this.current !== controller) throw new Error(vscode.l10n.t('Loading the visual report was canceled.'));
      const message = controller.signal.aborted
        ? vscode.l10n.t('Loading the visual report was canceled.')
        : e instanceof Error
          ? e.message
          : String(e);
      this.services.log.warn(`visual report of ${this.site}: ${message}`);
      this.model.error(message);
      this.post();
      throw new Error(message);
    } finally {
      if (this.loading === controller) this.loading = undefined;
    }
    const outcome = started.outcome;
    this.model.show(outcome);
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
        { location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Planet 4: report images of {0}', this.site) },
        () => settled,
      );
    }
  }

  /** Prunes the cache; folders shown in a panel or still downloading are in `liveJobFolders`: it leaves them. */
  private async prune(jobDir: string): Promise<void> {
    try {
      const p = await pruneCache(this.cacheRoot, reportCacheLimitBytes(), [jobDir]);
      if (p.deleted.length) this.services.log.info(`visual reports: pruned ${p.deleted.length} cached jobs`);
    } catch (e) {
      this.services.log.warn(`visual reports: could not prune the cache: ${String(e)}`);
    }
  }

  private stopDownloads(): void {
    this.downloads = undefined;
    this.model.forgetImages();
    if (this.batchTimer !== undefined) clearTimeout(this.batchTimer);
    this.batchTimer = undefined;
  }

  /** An image landed (or failed): update the view, and post it with the others of its batch. */
  private onImageLanded(img: LandedImage): void {
    if (!this.model.land(img)) return;
    this.batchTimer ??= setTimeout(() => {
      this.flushImages();
    }, IMAGE_BATCH_MS);
  }

  private flushImages(): void {
    if (this.batchTimer !== undefined) clearTimeout(this.batchTimer);
    this.batchTimer = undefined;
    if (this.disposed) return;
    const message = this.model.takeImages();
    if (message) void this.panel.webview.postMessage(message);
  }

  private header(): ReportHeader {
    const snapshot = this.services.fleet.get(this.site);
    return headerOf(this.site, this.jobNumber, snapshot ? compareJobOf(snapshot) : undefined, this.info);
  }

  private post(): void {
    if (this.disposed) return;
    const message: HostMessage = this.model.update(this.header());
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
    const kind = this.model.view.kind;
    const waiting = kind === 'running' || kind === 'no-job' || kind === 'no-verdict' || kind === 'loading';
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
          // the workflow the header showed: refused when the latest release changed since
          await vscode.commands.executeCommand('planet4.approveJob', {
            site: this.site,
            job: m.job,
            ...(m.workflowId ? { workflowId: m.workflowId } : {}),
          });
        } catch (e) {
          void vscode.window.showErrorMessage(e instanceof Error ? e.message : String(e));
        }
        this.post();
        return;
      case 'refresh':
        await this.refresh();
        return;
    }
  }

  /** The webview's Refresh: reload the site, then retry failed images or load the report it is waiting for. */
  private async refresh(): Promise<void> {
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
    const view = this.model.view;
    if (view.kind === 'ready') {
      const o = this.lastOutcome;
      // images that failed to download: try them again (a complete cache reopens without a request)
      if (o?.kind === 'ok' && !o.fromCache && !this.downloads && view.missingImages > 0 && this.info) {
        await this.load(this.info, true).catch(() => undefined);
        return;
      }
      this.post();
      return;
    }
    const snapshot = this.services.fleet.get(this.site);
    const live = snapshot ? compareJobOf(snapshot) : undefined;
    const info = live && (live.jobNumber === this.jobNumber || this.jobNumber === undefined) ? live : this.info;
    if (info) await this.load(info, true).catch(() => undefined);
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

/** The client of a job without artifacts: it is never asked anything. */
const noRequest = (): Error => new Error(vscode.l10n.t('no request for a job without artifacts'));

const noClient = {
  listArtifacts(): Promise<never> {
    return Promise.reject(noRequest());
  },
  download(): Promise<never> {
    return Promise.reject(noRequest());
  },
  downloadToFile(): Promise<never> {
    return Promise.reject(noRequest());
  },
};
