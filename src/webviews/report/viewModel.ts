/**
 * What a report panel sends its webview, built from the report data: the view (loading, the report's tests with each
 * image decided — shown, still downloading, or why not — or why there is no report), the header, the batches of
 * images that landed, and the result the command returns. No `vscode` import: the panel gives it the one host
 * function it needs, `uriOf` (a file of the job's cache folder → the webview's URI of it).
 */
import { orderForDisplay, type ReportTest } from '../../core/report/backstop';
import type { LandedImage } from '../../core/report/downloads';
import type { CompareJobInfo } from '../../core/report/job';
import type { LoadOutcome } from '../../core/report/outcome';
import { fileInside } from '../../core/report/safePath';
import {
  toViewTest,
  type HostMessage,
  type LandedViewImage,
  type ReportHeader,
  type ReportView,
  type ViewImage,
  type ViewTest,
} from './protocol';

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

/** The panel's title. */
export function title(site: string, jobNumber: number | undefined): string {
  return jobNumber === undefined ? `Visual report: ${site}` : `Visual report: ${site} #${jobNumber}`;
}

/**
 * The header of a panel showing `jobNumber` of `site`: approvals and status only while the fleet (`live`, the site's
 * current compare job) still describes this job, else the facts of the job the panel loaded (`loaded`).
 */
export function headerOf(
  site: string,
  jobNumber: number | undefined,
  live: CompareJobInfo | undefined,
  loaded: CompareJobInfo | undefined,
): ReportHeader {
  const current = live && live.jobNumber === jobNumber ? live : undefined;
  const info = current ?? loaded;
  const h: ReportHeader = { site, onHold: current ? current.onHold : [] };
  if (current?.workflowId !== undefined) h.workflowId = current.workflowId;
  if (jobNumber !== undefined) h.jobNumber = jobNumber;
  if (info?.tag !== undefined) h.tag = info.tag;
  if (info?.pipelineNumber !== undefined) h.pipelineNumber = info.pipelineNumber;
  if (info?.status !== undefined) h.jobStatus = info.status;
  if (info?.durationMs !== undefined) h.durationMs = info.durationMs;
  if (info?.jobUrl !== undefined) h.jobUrl = info.jobUrl;
  return h;
}

/** The view of one panel: the last load's outcome, its view, and the images on their way to the webview. */
export class ReportViewModel {
  private current: ReportView = { kind: 'loading', message: 'Loading the visual report…' };
  private last: LoadOutcome | undefined;
  /** The view's images still downloading, by id. */
  private pendingViews = new Map<string, ViewImage[]>();
  /** Landed images not posted yet. */
  private readonly batch = new Map<string, LandedViewImage>();

  /** `uriOf` turns a file of the job's cache folder into the webview's URI of it (it may throw). */
  constructor(private readonly uriOf: (file: string) => string) {}

  get view(): ReportView {
    return this.current;
  }

  /** The outcome of the last load that ended. */
  get outcome(): LoadOutcome | undefined {
    return this.last;
  }

  loading(message: string): void {
    this.current = { kind: 'loading', message };
  }

  error(message: string): void {
    this.current = { kind: 'error', message };
  }

  /** Shows a load's outcome: the report's tests in display order, or why there is no report. */
  show(outcome: LoadOutcome): void {
    this.last = outcome;
    this.pendingViews = new Map();
    if (outcome.kind !== 'ok') {
      this.current = { kind: outcome.kind, message: outcome.message };
      return;
    }
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
    this.current = {
      kind: 'ready',
      tests: orderForDisplay(outcome.report.tests).map(toView),
      passed: outcome.summary.passed,
      failed: outcome.summary.failed,
      missingImages,
      pendingImages,
    };
  }

  /**
   * An image landed (or failed): updates the view and adds it to the next `images` message. False when the view
   * was not waiting for it (another report, or already landed).
   */
  land(img: LandedImage): boolean {
    const views = this.pendingViews.get(img.path);
    const o = this.last;
    if (!views || o?.kind !== 'ok' || this.current.kind !== 'ready') return false;
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
    this.current.pendingImages -= views.length;
    if (landed.src === undefined) this.current.missingImages += views.length;
    this.batch.set(img.path, landed);
    return true;
  }

  /** The `images` message of the images landed since the last one; undefined when there is none to send. */
  takeImages(): HostMessage | undefined {
    if (this.batch.size === 0 || this.current.kind !== 'ready') return undefined;
    const message: HostMessage = {
      type: 'images',
      images: [...this.batch.values()],
      pendingImages: this.current.pendingImages,
      missingImages: this.current.missingImages,
    };
    this.batch.clear();
    return message;
  }

  /** Forgets the images on their way (their downloads were stopped). */
  forgetImages(): void {
    this.pendingViews = new Map();
    this.batch.clear();
  }

  /** The `update` message: the header and the whole view. */
  update(header: ReportHeader): HostMessage {
    return { type: 'update', header, view: this.current };
  }

  /** What the command returns for this panel. */
  result(site: string, jobNumber: number | undefined): OpenVisualReportResult {
    const o = this.last;
    const r: OpenVisualReportResult = { site, jobNumber, state: this.current.kind };
    if (o?.kind === 'ok') {
      r.passed = o.summary.passed;
      r.failed = o.summary.failed;
      r.total = o.summary.total;
      r.fromCache = o.fromCache;
      r.cacheDir = o.jobDir;
      if (this.current.kind === 'ready') {
        r.imagesPending = this.current.pendingImages;
        r.missingImages = this.current.missingImages;
      }
    }
    return r;
  }

  private srcOf(jobDir: string, relative: string): string {
    return this.uriOf(fileInside(jobDir, relative));
  }
}
