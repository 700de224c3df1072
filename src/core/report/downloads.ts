/**
 * The background downloads of a report's images: a bounded queue (at most 8 at a time) in display order, that the
 * viewer can reorder (`prioritize`). Images stream into a `.part` file renamed into place, bounded by
 * `MAX_IMAGE_BYTES`. When every download has ended without a transient failure and every image it lists is on
 * disk, the job's folder is marked complete (`complete.json`).
 */
import { ApiError } from '../api/errors';
import { isTooLarge, withSignal, type ArtifactSource } from './artifacts';
import { orderForDisplay, type BackstopReport, type ImageKind, type ReportImage } from './backstop';
import { dropListing, markComplete } from './cache';
import type { LoadProgress } from './outcome';
import { fileInside } from './safePath';
import { downloadAtomic, isPlainFile } from './safeWrite';

const MAX_CONCURRENT_DOWNLOADS = 8;
/** The largest image downloaded (a screenshot of a very long page is a few MiB). */
export const MAX_IMAGE_BYTES = 50 * 1024 * 1024;
/** Per test, the list's thumbnail (diff, else test) first. */
const DOWNLOAD_KINDS: readonly ImageKind[] = ['diff', 'test', 'reference'];

/** One image download finished (or failed): the `backstop_data`-relative path and what became of it. */
export interface LandedImage {
  path: string;
  available: boolean;
  error?: string;
}

/** The background downloads of a report's images. */
export interface ImageDownloads {
  /** Distinct image files this run downloads. */
  readonly total: number;
  /** Distinct image files not downloaded (nor failed) yet. */
  readonly remaining: number;
  /** Moves these images (`backstop_data`-relative paths, first = first) to the front of the queue. */
  prioritize(paths: readonly string[]): number;
  /** The queue's order of the images not started yet (for tests). */
  queued(): string[];
  /** Settles (never rejects) when every download has ended, or after an abort. */
  readonly done: Promise<DownloadResult>;
}

export interface DownloadResult {
  downloaded: number;
  failed: number;
  aborted: boolean;
  /** The folder is marked complete. */
  complete: boolean;
}

/** The images of a report to download: each distinct file once, with the report's images that show it. */
export interface DownloadPlan {
  wanted: Map<string, ReportImage[]>;
  /** The files not on disk yet, in display order. */
  order: string[];
}

/**
 * Every distinct image once, in display order; those already on disk are available at once, those not among the
 * artifacts (`urls`) get an error.
 */
export async function planDownloads(
  report: BackstopReport,
  urls: ReadonlyMap<string, string>,
  jobDir: string,
  jobNumber: number,
): Promise<DownloadPlan> {
  const wanted = new Map<string, ReportImage[]>();
  for (const t of orderForDisplay(report.tests)) {
    for (const kind of DOWNLOAD_KINDS) {
      const img = t.images[kind];
      if (!img?.path) continue;
      delete img.available;
      if (!urls.has(img.path)) {
        img.error = `${img.path} is not among the artifacts of job ${jobNumber}.`;
        continue;
      }
      delete img.error;
      const list = wanted.get(img.path) ?? [];
      list.push(img);
      wanted.set(img.path, list);
    }
  }
  const present = await Promise.all([...wanted.keys()].map((p) => isPlainFile(fileInside(jobDir, p))));
  const order: string[] = [];
  [...wanted.entries()].forEach(([p, images], i) => {
    if (present[i]) for (const img of images) img.available = true;
    else order.push(p);
  });
  return { wanted, order };
}

export interface QueueOptions extends DownloadPlan {
  client: ArtifactSource;
  cacheRoot: string;
  slug: string;
  jobNumber: number;
  jobDir: string;
  report: BackstopReport;
  urls: ReadonlyMap<string, string>;
  /** The URLs come from listing.json (they may have gone stale). */
  fromListing: boolean;
  /** Aborts the downloads. */
  signal?: AbortSignal;
  onProgress?: (p: LoadProgress) => void;
  /** Called (synchronously, after the report's images are updated) when an image download ends. */
  onImage?: (image: LandedImage) => void;
  /** Parallel downloads (default and maximum 8). */
  concurrency?: number;
}

/**
 * The image downloads of one report: `concurrency` workers take the front of the queue; `prioritize` moves images to
 * the front. When every download has ended without a transient failure, the job's folder is marked complete.
 */
export class DownloadQueue implements ImageDownloads {
  readonly total: number;
  readonly done: Promise<DownloadResult>;
  private readonly queue: string[];
  /** Not started yet (the queue may hold stale duplicates after `prioritize`). */
  private readonly waiting: Set<string>;
  private ended = 0;
  private downloaded = 0;
  private failed = 0;
  private transientFailures = 0;
  private staleListing = false;
  private resolve!: (r: DownloadResult) => void;

  constructor(private readonly o: QueueOptions) {
    this.queue = [...o.order];
    this.waiting = new Set(o.order);
    this.total = o.order.length;
    this.done = new Promise((r) => {
      this.resolve = r;
    });
  }

  get remaining(): number {
    return this.total - this.ended;
  }

  queued(): string[] {
    const seen = new Set<string>();
    return this.queue.filter((p) => this.waiting.has(p) && !seen.has(p) && seen.add(p));
  }

  prioritize(paths: readonly string[]): number {
    const front = [...new Set(paths)].filter((p) => this.waiting.has(p));
    // stale copies further back are skipped when taken (`waiting` no longer has them)
    this.queue.unshift(...front);
    return front.length;
  }

  start(): void {
    const limit = Math.max(1, Math.min(MAX_CONCURRENT_DOWNLOADS, this.o.concurrency ?? MAX_CONCURRENT_DOWNLOADS));
    const workers = Array.from({ length: Math.min(limit, this.total) }, () => this.work());
    void Promise.all(workers)
      .then(() => this.finish())
      .then(this.resolve, () => {
        // a worker never throws; this is a last resort so that `done` always settles
        this.resolve({ downloaded: this.downloaded, failed: this.failed, aborted: this.aborted, complete: false });
      });
  }

  private get aborted(): boolean {
    return this.o.signal?.aborted ?? false;
  }

  private take(): string | undefined {
    while (this.queue.length > 0) {
      const p = this.queue.shift();
      if (p !== undefined && this.waiting.delete(p)) return p;
    }
    return undefined;
  }

  private async work(): Promise<void> {
    for (let p = this.take(); p !== undefined && !this.aborted; p = this.take()) await this.downloadOne(p);
  }

  private async downloadOne(relative: string): Promise<void> {
    const { client, jobDir, signal } = this.o;
    const images = this.o.wanted.get(relative) ?? [];
    let landed: LandedImage;
    try {
      const url = this.o.urls.get(relative);
      if (url === undefined) throw new Error('no url');
      const file = fileInside(jobDir, relative);
      if (!(await isPlainFile(file))) {
        await downloadAtomic(this.o.cacheRoot, file, (part) => {
          signal?.throwIfAborted();
          return client.downloadToFile(url, part, { ...withSignal(signal), maxBytes: MAX_IMAGE_BYTES });
        });
      }
      for (const img of images) {
        img.available = true;
        delete img.error;
      }
      this.downloaded++;
      landed = { path: relative, available: true };
    } catch (e) {
      if (this.aborted) return;
      const notFound = e instanceof ApiError && e.kind === 'notFound';
      // gone, or over the limit: the same answer next time, so the folder may still be marked complete
      if (!notFound && !isTooLarge(e)) this.transientFailures++;
      // a URL kept from an earlier listing may have gone stale: list again next time
      if (notFound && this.o.fromListing) this.staleListing = true;
      this.failed++;
      const message = e instanceof Error ? e.message : String(e);
      const error = `Could not download ${relative}: ${message}`;
      for (const img of images) img.error = error;
      landed = { path: relative, available: false, error };
    }
    this.ended++;
    try {
      this.o.onImage?.(landed);
      this.o.onProgress?.({
        done: this.ended,
        total: this.total,
        message: `Downloaded ${this.ended} of ${this.total} images`,
      });
    } catch {
      // a listener's failure is not the download's
    }
  }

  private async finish(): Promise<DownloadResult> {
    const { cacheRoot, jobDir, slug, jobNumber, report } = this.o;
    const result = { downloaded: this.downloaded, failed: this.failed, aborted: this.aborted, complete: false };
    if (result.aborted) return result;
    try {
      if (this.staleListing) {
        await dropListing(jobDir);
      } else if (this.transientFailures === 0 && (await this.everyImageOnDisk())) {
        await markComplete(cacheRoot, jobDir, slug, jobNumber, report);
        result.complete = true;
      }
    } catch {
      // the cache stays incomplete: the next open resumes
    }
    return result;
  }

  /**
   * Checks that every image the report says is available is a file in the folder (something may have deleted it
   * meanwhile: another window's pruning, a person). The ones that are not get an error; then there is no marker, and
   * the next open downloads them again.
   */
  private async everyImageOnDisk(): Promise<boolean> {
    const { jobDir, report } = this.o;
    const images = report.tests.flatMap((t) => Object.values(t.images)).filter((img) => img.available && img.path);
    const onDisk = await Promise.all(images.map((img) => isPlainFile(fileInside(jobDir, img.path ?? ''))));
    let all = true;
    images.forEach((img, i) => {
      if (onDisk[i]) return;
      all = false;
      img.available = false;
      img.error = `${img.path ?? img.reportPath} was removed from the report's cache folder: refresh to download it again.`;
    });
    return all;
  }
}
