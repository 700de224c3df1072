/**
 * Loads the BackstopJS report of a `visualtests-compare` job for a viewer: from the job's complete cache folder (no
 * request), from a kept listing (no request before the missing images), or from CircleCI (artifact listing +
 * `html_report/config.js`, `artifacts.ts`), into `<cacheRoot>/<slug>/<jobNumber>/` (`cache.ts`). `startReport`
 * returns as soon as the report is known, while the images it references download in the background
 * (`downloads.ts`). A folder being written is held in `liveJobFolders`, so the pruner (`prune.ts`) leaves it alone.
 */
import { fetchReport, type ArtifactSource } from './artifacts';
import { summarize, type BackstopReport } from './backstop';
import { jobCacheDir, readCachedReport, readListing, saveListing } from './cache';
import { DownloadQueue, planDownloads, type ImageDownloads, type LandedImage } from './downloads';
import { noVerdictWords } from './job';
import { liveJobFolders, type LiveJobFolders } from './liveFolders';
import { countMissing, countPending, type LoadOutcome, type LoadProgress, type ReportOutcome } from './outcome';

// the types of this module's options and results
export type { ArtifactSource, DownloadLimits } from './artifacts';
export type { DownloadResult, ImageDownloads, LandedImage } from './downloads';
export type { LoadOutcome, LoadProgress, ReportOutcome } from './outcome';

export interface LoadReportOptions {
  client: ArtifactSource;
  slug: string;
  /** The `visualtests-compare` job; undefined when the release has none (yet). */
  jobNumber: number | undefined;
  cacheRoot: string;
  /** The job has stopped (successfully or not): its artifacts do not change any more. */
  finished: boolean;
  /** The job's status: one that ends without a verdict (timed out, canceled, unauthorized…) is said as such. */
  status?: string;
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

export interface StartedReport {
  outcome: LoadOutcome;
  /** Present when the outcome is a report with images to download. */
  downloads?: ImageDownloads;
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
  const noVerdict = noVerdictWords(opts.status);
  if (jobNumber === undefined && noVerdict) return { outcome: { kind: 'no-verdict', message: noVerdict } };
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
  const { slug, signal, cacheRoot } = opts;
  const resumed = await readListing(jobDir, slug, jobNumber);
  let report: BackstopReport;
  let urls: Map<string, string>;
  if (resumed) {
    ({ report, urls } = resumed);
  } else {
    const fetched = await fetchReport(opts.client, slug, jobNumber, signal, opts.onProgress);
    if ('kind' in fetched) {
      release();
      // no report because the job gave no verdict: say what happened, not that artifacts expire
      const noVerdict = noVerdictWords(opts.status);
      return { outcome: noVerdict ? { kind: 'no-verdict', message: noVerdict } : fetched };
    }
    ({ report, urls } = fetched);
    await saveListing(cacheRoot, jobDir, slug, jobNumber, fetched.config, urls);
  }
  signal?.throwIfAborted();

  const plan = await planDownloads(report, urls, jobDir, jobNumber);
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
    ...plan,
    jobNumber,
    jobDir,
    report,
    urls,
    fromListing: resumed !== undefined,
  });
  downloads.start();
  void downloads.done.finally(release);
  return { outcome, downloads };
}
