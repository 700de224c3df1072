/**
 * Loads the BackstopJS report of a `visualtests-compare` job: lists the job's artifacts, downloads
 * `html_report/config.js` into `<cacheRoot>/<slug>/<jobNumber>/` (a mirror of `backstop_data/`) and parses it;
 * `startReport` returns as soon as the report is known, while the images it references download in the background
 * (at most 8 at a time, in display order, with a queue that the viewer can reorder). The artifact URLs of those images
 * are kept in `listing.json` so that an interrupted download resumes without listing the artifacts again; when every
 * image has been downloaded, a finished job's folder is marked complete (`complete.json`) and reopening it needs no
 * request at all.
 *
 * Everything read back from the cache folder (`complete.json`, `listing.json`) is validated; a file that does not
 * pass is deleted and the report is rebuilt from the listing or downloaded again. Downloads are bounded
 * (`MAX_CONFIG_BYTES`, `MAX_IMAGE_BYTES`, counted by the client after decompression) and images stream into a
 * `.part` file renamed into place. A folder in use (`liveJobFolders`) is never pruned, and a folder is marked complete
 * only when every image it lists is on disk. Writes never go through a symbolic link inside the cache.
 */
import { promises as fs } from 'fs';
import * as path from 'path';
import { ApiError } from '../api/errors';
import {
  MAX_CONFIG_BYTES,
  orderForDisplay,
  parseBackstopReport,
  ReportFormatError,
  summarize,
  validateStoredReport,
  type BackstopReport,
  type ImageKind,
  type ReportImage,
  type ReportSummary,
} from './backstop';
import { liveJobFolders, type LiveJobFolders } from './liveFolders';
import { fileInside, slugFolder } from './safePath';

export { MAX_CONFIG_BYTES };

/** A download's abort signal and size limit (bytes of the decoded body; the client refuses more). */
export interface DownloadLimits {
  signal?: AbortSignal;
  maxBytes: number;
}

/** What the loader needs of `CircleCiClient`. */
export interface ArtifactSource {
  listArtifacts(slug: string, jobNumber: number): Promise<{ path: string; url: string; node_index?: number }[]>;
  /** The whole body in memory; more than `maxBytes` rejects (an `ApiError` of kind `tooLarge`). */
  download(url: string, opts: DownloadLimits): Promise<Buffer>;
  /**
   * Streams the body into `file` (created or truncated; removed when the download fails) and resolves with its
   * size; more than `maxBytes` rejects (an `ApiError` of kind `tooLarge`).
   */
  downloadToFile(url: string, file: string, opts: DownloadLimits): Promise<number>;
}

/** The name of the same contract on the client's side. */
export type ArtifactClient = ArtifactSource;

export interface LoadProgress {
  /** Files done (config.js and images). */
  done: number;
  total: number;
  message: string;
}

/** One image download finished (or failed): the `backstop_data`-relative path and what became of it. */
export interface LandedImage {
  path: string;
  available: boolean;
  error?: string;
}

export interface LoadReportOptions {
  client: ArtifactSource;
  slug: string;
  /** The `visualtests-compare` job; undefined when the release has none (yet). */
  jobNumber: number | undefined;
  cacheRoot: string;
  /** The job has stopped (successfully or not): its artifacts do not change any more. */
  finished: boolean;
  /** Aborts the listing and the downloads (the background ones too). */
  signal?: AbortSignal;
  onProgress?: (p: LoadProgress) => void;
  /** Called (synchronously, after the report's images are updated) when an image download ends. */
  onImage?: (image: LandedImage) => void;
  /** Parallel downloads (default and maximum 8). */
  concurrency?: number;
  /** Where the job folder is registered while it is written (default: this window's `liveJobFolders`). */
  liveFolders?: LiveJobFolders;
}

export type LoadOutcome =
  | {
      kind: 'ok';
      report: BackstopReport;
      summary: ReportSummary;
      /** The job's cache folder (the root of the mirrored `backstop_data/`). */
      jobDir: string;
      fromCache: boolean;
      /** Referenced images that cannot be shown (refused path, not among the artifacts, failed download). */
      missingImages: number;
      /** Referenced images still downloading (when the outcome was made). */
      pendingImages: number;
    }
  | { kind: 'gone'; message: string }
  | { kind: 'running'; message: string }
  | { kind: 'no-job'; message: string };

export type ReportOutcome = Extract<LoadOutcome, { kind: 'ok' }>;

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

export interface StartedReport {
  outcome: LoadOutcome;
  /** Present when the outcome is a report with images to download. */
  downloads?: ImageDownloads;
}

export const RETENTION_NOTE = 'CircleCI keeps artifacts for 30 days at most.';
export const MARKER_FILE = 'complete.json';
export const LISTING_FILE = 'listing.json';
export const DEFAULT_CACHE_LIMIT_BYTES = 500 * 1024 * 1024;
export const MAX_CONCURRENT_DOWNLOADS = 8;
/** The largest image downloaded (a screenshot of a very long page is a few MiB). */
export const MAX_IMAGE_BYTES = 50 * 1024 * 1024;
/** An incomplete job folder written to this recently may be another window's download: the pruner keeps it. */
export const ACTIVE_FOLDER_GRACE_MS = 10 * 60_000;
const CONFIG_SUFFIX = 'backstop_data/html_report/config.js';
const CONFIG_RELATIVE = 'html_report/config.js';
const MARKER_VERSION = 1;
const LISTING_VERSION = 1;
/** Per test, the list's thumbnail (diff, else test) first. */
const DOWNLOAD_KINDS: readonly ImageKind[] = ['diff', 'test', 'reference'];

interface Marker {
  version: number;
  slug: string;
  jobNumber: number;
  savedAt: string;
  report: BackstopReport;
}

/** The artifact URLs of the images a job's report references (`backstop_data`-relative path → URL). */
interface Listing {
  version: number;
  slug: string;
  jobNumber: number;
  savedAt: string;
  urls: [string, string][];
}

export function jobCacheDir(cacheRoot: string, slug: string, jobNumber: number): string {
  if (!Number.isSafeInteger(jobNumber) || jobNumber < 0) throw new Error(`Invalid job number ${jobNumber}.`);
  return path.join(cacheRoot, slugFolder(slug), String(jobNumber));
}

/**
 * The report of a finished job when its cache folder is complete; no request. A marker that cannot be read as
 * this job's complete report (not JSON, wrong shape, another job's) is deleted: the folder is then rebuilt from its
 * listing or downloaded again, instead of failing on every open.
 */
export async function readCachedReport(
  cacheRoot: string,
  slug: string,
  jobNumber: number,
): Promise<ReportOutcome | undefined> {
  const jobDir = jobCacheDir(cacheRoot, slug, jobNumber);
  const markerFile = path.join(jobDir, MARKER_FILE);
  let text: string;
  try {
    text = await fs.readFile(markerFile, 'utf8');
  } catch {
    return undefined;
  }
  let report: BackstopReport;
  try {
    report = parseMarker(text, slug, jobNumber);
  } catch {
    await fs.rm(markerFile, { force: true }).catch(() => undefined);
    return undefined;
  }
  // the marker's mtime is the folder's "last opened" for pruneCache
  const now = new Date();
  await fs.utimes(markerFile, now, now).catch(() => undefined);
  return {
    kind: 'ok',
    report,
    summary: summarize(report.tests),
    jobDir,
    fromCache: true,
    // in a complete folder, an image that is not available is missing for good
    missingImages: report.tests.reduce((n, t) => n + Object.values(t.images).filter((img) => !img.available).length, 0),
    pendingImages: 0,
  };
}

/** The report of a `complete.json`; throws when it is not this job's marker in the current format. */
function parseMarker(text: string, slug: string, jobNumber: number): BackstopReport {
  const data = JSON.parse(text) as unknown;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new ReportFormatError('The marker is not an object.');
  }
  const marker = data as Partial<Record<keyof Marker, unknown>>;
  if (marker.version !== MARKER_VERSION || marker.slug !== slug || marker.jobNumber !== jobNumber) {
    throw new ReportFormatError("The marker is not this job's.");
  }
  return validateStoredReport(marker.report);
}

/** Loads the report and waits for every image (see `startReport`). */
export async function loadReport(opts: LoadReportOptions): Promise<LoadOutcome> {
  const { outcome, downloads } = await startReport(opts);
  if (!downloads || outcome.kind !== 'ok') return outcome;
  await downloads.done;
  opts.signal?.throwIfAborted();
  return { ...outcome, missingImages: countMissing(outcome.report), pendingImages: countPending(outcome.report) };
}

/**
 * Loads the report: from a complete cache folder (no request), from a cached listing (no request before the missing
 * images), or from CircleCI (artifact listing + config.js). Resolves once the report is parsed; the images download
 * in the background (`downloads`), updating the report's `ReportImage`s (`available`, `error`) as they land.
 */
export async function startReport(opts: LoadReportOptions): Promise<StartedReport> {
  const { slug, jobNumber, cacheRoot } = opts;
  if (jobNumber === undefined) {
    return {
      outcome: { kind: 'no-job', message: 'This release has no visual comparison (visualtests-compare) job yet.' },
    };
  }
  const cached = await readCachedReport(cacheRoot, slug, jobNumber);
  if (cached) return { outcome: cached };
  if (!opts.finished) {
    return {
      outcome: {
        kind: 'running',
        message: `The visual comparison (job ${jobNumber}) has not finished yet: its report is available when it does.`,
      },
    };
  }
  const jobDir = jobCacheDir(cacheRoot, slug, jobNumber);
  // the folder is in use until its downloads have ended: the pruner leaves it alone
  const release = await (opts.liveFolders ?? liveJobFolders).hold(jobDir);
  try {
    return await startDownloads(opts, jobNumber, jobDir, release);
  } catch (e) {
    release();
    throw e;
  }
}

async function startDownloads(
  opts: LoadReportOptions,
  jobNumber: number,
  jobDir: string,
  release: () => void,
): Promise<StartedReport> {
  const { slug, signal } = opts;
  const resumed = await readListing(jobDir, slug, jobNumber);
  let report: BackstopReport;
  let urls: Map<string, string>;
  if (resumed) {
    ({ report, urls } = resumed);
  } else {
    const listed = await listAndParse(opts, jobNumber, jobDir);
    if ('kind' in listed) {
      release();
      return { outcome: listed };
    }
    ({ report, urls } = listed);
  }
  signal?.throwIfAborted();

  // every distinct image once, in display order; those already on disk are available at once
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
  const toDownload: string[] = [];
  [...wanted.entries()].forEach(([p, images], i) => {
    if (present[i]) for (const img of images) img.available = true;
    else toDownload.push(p);
  });

  const outcome: ReportOutcome = {
    kind: 'ok',
    report,
    summary: summarize(report.tests),
    jobDir,
    fromCache: false,
    missingImages: countMissing(report),
    pendingImages: countPending(report),
  };
  const downloads = new DownloadQueue({
    ...opts,
    jobNumber,
    jobDir,
    report,
    urls,
    wanted,
    order: toDownload,
    fromListing: resumed !== undefined,
  });
  downloads.start();
  void downloads.done.finally(release);
  return { outcome, downloads };
}

/** Lists the job's artifacts, downloads and parses config.js, and saves the image URLs (`listing.json`). */
async function listAndParse(
  opts: LoadReportOptions,
  jobNumber: number,
  jobDir: string,
): Promise<{ report: BackstopReport; urls: Map<string, string> } | LoadOutcome> {
  const { client, slug, signal } = opts;
  const gone = (why: string): LoadOutcome => ({ kind: 'gone', message: `${why} ${RETENTION_NOTE}` });
  let artifacts: Awaited<ReturnType<ArtifactSource['listArtifacts']>>;
  try {
    artifacts = await client.listArtifacts(slug, jobNumber);
  } catch (e) {
    if (e instanceof ApiError && e.kind === 'notFound') return gone(`The artifacts of job ${jobNumber} are gone.`);
    throw e;
  }
  signal?.throwIfAborted();
  if (artifacts.length === 0) return gone(`Job ${jobNumber} has no artifacts (any more).`);
  const configArtifact =
    artifacts.find((a) => isConfigPath(a.path) && (a.node_index ?? 0) === 0) ??
    artifacts.find((a) => isConfigPath(a.path));
  if (!configArtifact) {
    return gone(`Job ${jobNumber} has no BackstopJS report (no ${CONFIG_SUFFIX} among its artifacts).`);
  }
  // artifact paths of the report's own tree: "<prefix>backstop_data/..." → url
  const prefix = configArtifact.path.slice(0, configArtifact.path.length - CONFIG_RELATIVE.length);
  const byPath = new Map<string, string>();
  for (const a of artifacts) {
    if (a.path.startsWith(prefix) && !byPath.has(a.path)) byPath.set(a.path, a.url);
  }
  opts.onProgress?.({ done: 0, total: 1, message: 'Downloading the report…' });
  const tooLarge = (): Error =>
    new ReportFormatError(
      `The visual report of job ${jobNumber} is too large to open: its ${CONFIG_RELATIVE} is over ${MAX_CONFIG_BYTES / 1024 / 1024} MiB.`,
    );
  let configData: Buffer;
  try {
    configData = await client.download(configArtifact.url, { ...withSignal(signal), maxBytes: MAX_CONFIG_BYTES });
  } catch (e) {
    if (e instanceof ApiError && e.kind === 'notFound') return gone(`The report of job ${jobNumber} is gone.`);
    if (isTooLarge(e)) throw tooLarge();
    throw e;
  }
  // a client that ignored the limit: refuse it all the same
  if (configData.length > MAX_CONFIG_BYTES) throw tooLarge();
  const configText = configData.toString('utf8');
  const report = parseBackstopReport(configText);
  const urls = new Map<string, string>();
  for (const t of report.tests) {
    for (const img of Object.values(t.images)) {
      const url = img.path === undefined ? undefined : byPath.get(prefix + img.path);
      if (img.path !== undefined && url !== undefined) urls.set(img.path, url);
    }
  }
  await writeAtomic(opts.cacheRoot, fileInside(jobDir, CONFIG_RELATIVE), configData);
  const listing: Listing = {
    version: LISTING_VERSION,
    slug,
    jobNumber,
    savedAt: new Date().toISOString(),
    urls: [...urls.entries()],
  };
  await writeAtomic(opts.cacheRoot, path.join(jobDir, LISTING_FILE), Buffer.from(JSON.stringify(listing), 'utf8'));
  return { report, urls };
}

/**
 * The report and image URLs of an interrupted download (config.js and listing.json in the job folder). A listing
 * that cannot be used (not JSON, wrong shape, another job's, or its config.js unreadable) is deleted: the artifacts
 * are listed again.
 */
async function readListing(
  jobDir: string,
  slug: string,
  jobNumber: number,
): Promise<{ report: BackstopReport; urls: Map<string, string> } | undefined> {
  const listingFile = path.join(jobDir, LISTING_FILE);
  let text: string;
  try {
    text = await fs.readFile(listingFile, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const urls = parseListing(text, slug, jobNumber);
    const report = parseBackstopReport(await fs.readFile(fileInside(jobDir, CONFIG_RELATIVE), 'utf8'));
    return { report, urls };
  } catch {
    await fs.rm(listingFile, { force: true }).catch(() => undefined);
    return undefined;
  }
}

/** The URLs of a `listing.json`; throws when it is not this job's listing in the current format. */
function parseListing(text: string, slug: string, jobNumber: number): Map<string, string> {
  const data = JSON.parse(text) as unknown;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new ReportFormatError('The listing is not an object.');
  }
  const listing = data as Partial<Record<keyof Listing, unknown>>;
  if (
    listing.version !== LISTING_VERSION ||
    listing.slug !== slug ||
    listing.jobNumber !== jobNumber ||
    !Array.isArray(listing.urls)
  ) {
    throw new ReportFormatError("The listing is not this job's.");
  }
  const urls = new Map<string, string>();
  for (const pair of listing.urls as unknown[]) {
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || typeof pair[1] !== 'string') {
      throw new ReportFormatError('The listing has an invalid entry.');
    }
    urls.set(pair[0], pair[1]);
  }
  return urls;
}

interface QueueOptions extends LoadReportOptions {
  jobNumber: number;
  jobDir: string;
  report: BackstopReport;
  urls: ReadonlyMap<string, string>;
  wanted: ReadonlyMap<string, ReportImage[]>;
  /** The images to download, in display order. */
  order: readonly string[];
  /** The URLs come from listing.json (they may have gone stale). */
  fromListing: boolean;
}

/**
 * The image downloads of one report: `concurrency` workers take the front of the queue; `prioritize` moves images to
 * the front. When every download has ended without a transient failure, the job's folder is marked complete.
 */
class DownloadQueue implements ImageDownloads {
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
    const { jobDir, slug, jobNumber, report } = this.o;
    const result = { downloaded: this.downloaded, failed: this.failed, aborted: this.aborted, complete: false };
    if (result.aborted) return result;
    try {
      if (this.staleListing) {
        await fs.rm(path.join(jobDir, LISTING_FILE), { force: true });
      } else if (this.transientFailures === 0 && (await this.everyImageOnDisk())) {
        const marker: Marker = { version: MARKER_VERSION, slug, jobNumber, savedAt: new Date().toISOString(), report };
        await writeAtomic(
          this.o.cacheRoot,
          path.join(jobDir, MARKER_FILE),
          Buffer.from(JSON.stringify(marker), 'utf8'),
        );
        await fs.rm(path.join(jobDir, LISTING_FILE), { force: true });
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

/** Images that cannot be shown: an error, or (in a complete report) not available. */
export function countMissing(report: BackstopReport): number {
  let n = 0;
  for (const t of report.tests) for (const img of Object.values(t.images)) if (!img.available && img.error) n++;
  return n;
}

/** Images still to download. */
export function countPending(report: BackstopReport): number {
  let n = 0;
  for (const t of report.tests) for (const img of Object.values(t.images)) if (!img.available && !img.error) n++;
  return n;
}

function isConfigPath(p: string): boolean {
  return p === CONFIG_SUFFIX || p.endsWith(`/${CONFIG_SUFFIX}`);
}

function isTooLarge(e: unknown): boolean {
  return e instanceof ApiError && e.kind === 'tooLarge';
}

function withSignal(signal: AbortSignal | undefined): { signal?: AbortSignal } {
  return signal ? { signal } : {};
}

/** A regular file (not a symbolic link, not a folder). */
async function isPlainFile(file: string): Promise<boolean> {
  try {
    return (await fs.lstat(file)).isFile();
  } catch {
    return false;
  }
}

/**
 * Creates `dir` and its parents below `root` (the cache root), refusing any that is a symbolic link or not a folder:
 * a link planted in the cache must not redirect a write elsewhere.
 */
async function mkdirInside(root: string, dir: string): Promise<void> {
  const base = path.resolve(root);
  const target = path.resolve(dir);
  const relative = path.relative(base, target);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) {
    throw new Error(`Refused to write into ${JSON.stringify(dir)}: it is not inside the report cache.`);
  }
  await fs.mkdir(base, { recursive: true });
  let current = base;
  for (const segment of relative.split(path.sep)) {
    current = path.join(current, segment);
    let stat;
    try {
      stat = await fs.lstat(current);
    } catch {
      await fs.mkdir(current).catch((e: unknown) => {
        if ((e as { code?: string }).code !== 'EEXIST') throw e;
      });
      stat = await fs.lstat(current);
    }
    if (!stat.isDirectory()) {
      throw new Error(`Refused to write into ${JSON.stringify(current)}: it is not a folder of the report cache.`);
    }
  }
}

function partFile(file: string): string {
  return `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.part`;
}

/** Writes `file` (below `root`) by a `.part` file renamed into place: a reader never sees half a file. */
async function writeAtomic(root: string, file: string, data: Buffer): Promise<void> {
  await downloadAtomic(root, file, (part) => fs.writeFile(part, data));
}

/** Lets `write` fill a fresh `.part` file next to `file`, then renames it into place; removes it on failure. */
async function downloadAtomic(root: string, file: string, write: (part: string) => Promise<unknown>): Promise<void> {
  await mkdirInside(root, path.dirname(file));
  const part = partFile(file);
  try {
    await write(part);
    await fs.rename(part, file);
  } catch (e) {
    await fs.rm(part, { force: true }).catch(() => undefined);
    throw e;
  }
}

export interface PruneResult {
  deleted: string[];
  totalBytes: number;
}

export interface PruneOptions {
  /** Folders in use, never deleted (default: this window's `liveJobFolders`). */
  live?: LiveJobFolders;
  /** An incomplete folder with a file written this recently is kept (another window may be downloading it). */
  activeGraceMs?: number;
  now?: number;
}

/**
 * Deletes the least recently opened job folders of `<cacheRoot>/<slug>/<job>/` until the cache is under
 * `limitBytes`. Never deleted: folders in `keep` (absolute paths), folders in use (`live`: shown in a panel or being
 * downloaded in this window), and incomplete folders written within `activeGraceMs`.
 */
export async function pruneCache(
  cacheRoot: string,
  limitBytes = DEFAULT_CACHE_LIMIT_BYTES,
  keep: readonly string[] = [],
  options: PruneOptions = {},
): Promise<PruneResult> {
  const keepSet = new Set(keep.map((k) => path.resolve(k)));
  const live = options.live ?? liveJobFolders;
  const recent = (options.now ?? Date.now()) - (options.activeGraceMs ?? ACTIVE_FOLDER_GRACE_MS);
  const folders: { dir: string; bytes: number; usedAt: number; active: boolean }[] = [];
  for (const slugDir of await listDirs(cacheRoot)) {
    for (const jobDir of await listDirs(slugDir)) {
      const { bytes, newest } = await sizeOf(jobDir);
      let usedAt: number;
      let complete = true;
      try {
        usedAt = (await fs.stat(path.join(jobDir, MARKER_FILE))).mtimeMs;
      } catch {
        complete = false;
        usedAt = (await fs.stat(jobDir)).mtimeMs;
      }
      folders.push({ dir: jobDir, bytes, usedAt, active: !complete && Math.max(newest, usedAt) >= recent });
    }
  }
  let totalBytes = folders.reduce((s, f) => s + f.bytes, 0);
  const deleted: string[] = [];
  for (const f of folders.sort((a, b) => a.usedAt - b.usedAt)) {
    if (totalBytes <= limitBytes) break;
    if (keepSet.has(path.resolve(f.dir)) || f.active) continue;
    const removed = await live.deleteUnlessHeld(f.dir, () => fs.rm(f.dir, { recursive: true, force: true }));
    if (!removed) continue;
    totalBytes -= f.bytes;
    deleted.push(f.dir);
  }
  return { deleted, totalBytes };
}

async function listDirs(dir: string): Promise<string[]> {
  try {
    const entries = await fs.readdir(dir, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory()).map((e) => path.join(dir, e.name));
  } catch {
    return [];
  }
}

/** The bytes of the files under `dir` (links are not followed) and the newest file's mtime. */
async function sizeOf(dir: string): Promise<{ bytes: number; newest: number }> {
  let bytes = 0;
  let newest = 0;
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      const sub = await sizeOf(p);
      bytes += sub.bytes;
      newest = Math.max(newest, sub.newest);
    } else if (e.isFile()) {
      const st = await fs.lstat(p).catch(() => undefined);
      if (!st) continue;
      bytes += st.size;
      newest = Math.max(newest, st.mtimeMs);
    }
  }
  return { bytes, newest };
}
