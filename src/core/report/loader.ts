/**
 * Loads the BackstopJS report of a `visualtests-compare` job: lists the job's artifacts, downloads
 * `html_report/config.js` and every image it references into `<cacheRoot>/<slug>/<jobNumber>/` (a mirror of
 * `backstop_data/`), and marks a finished job's folder complete so that reopening it needs no request at all.
 */
import { promises as fs } from 'fs';
import * as path from 'path';
import { ApiError } from '../api/errors';
import {
  parseBackstopReport,
  summarize,
  type BackstopReport,
  type ImageKind,
  type ReportImage,
  type ReportSummary,
} from './backstop';
import { fileInside, slugFolder } from './safePath';

/** What the loader needs of `CircleCiClient`. */
export interface ArtifactSource {
  listArtifacts(slug: string, jobNumber: number): Promise<{ path: string; url: string; node_index?: number }[]>;
  download(url: string, signal?: AbortSignal): Promise<Buffer>;
}

export interface LoadProgress {
  /** Files done (config.js and images). */
  done: number;
  total: number;
  message: string;
}

export interface LoadReportOptions {
  client: ArtifactSource;
  slug: string;
  /** The `visualtests-compare` job; undefined when the release has none (yet). */
  jobNumber: number | undefined;
  cacheRoot: string;
  /** The job has stopped (successfully or not): its artifacts do not change any more. */
  finished: boolean;
  signal?: AbortSignal;
  onProgress?: (p: LoadProgress) => void;
  /** Parallel downloads (default and maximum 8). */
  concurrency?: number;
}

export type LoadOutcome =
  | {
      kind: 'ok';
      report: BackstopReport;
      summary: ReportSummary;
      /** The job's cache folder (the root of the mirrored `backstop_data/`). */
      jobDir: string;
      fromCache: boolean;
      /** Referenced images that could not be shown (refused path, not among the artifacts, failed download). */
      missingImages: number;
    }
  | { kind: 'gone'; message: string }
  | { kind: 'running'; message: string }
  | { kind: 'no-job'; message: string };

export const RETENTION_NOTE = 'CircleCI keeps artifacts for 30 days at most.';
export const MARKER_FILE = 'complete.json';
export const DEFAULT_CACHE_LIMIT_BYTES = 500 * 1024 * 1024;
const CONFIG_SUFFIX = 'backstop_data/html_report/config.js';
const MARKER_VERSION = 1;

interface Marker {
  version: number;
  slug: string;
  jobNumber: number;
  savedAt: string;
  report: BackstopReport;
}

export function jobCacheDir(cacheRoot: string, slug: string, jobNumber: number): string {
  if (!Number.isSafeInteger(jobNumber) || jobNumber < 0) throw new Error(`Invalid job number ${jobNumber}.`);
  return path.join(cacheRoot, slugFolder(slug), String(jobNumber));
}

/** The report of a finished job when its cache folder is complete; no request. */
export async function readCachedReport(
  cacheRoot: string,
  slug: string,
  jobNumber: number,
): Promise<Extract<LoadOutcome, { kind: 'ok' }> | undefined> {
  const jobDir = jobCacheDir(cacheRoot, slug, jobNumber);
  const markerFile = path.join(jobDir, MARKER_FILE);
  let marker: Marker;
  try {
    marker = JSON.parse(await fs.readFile(markerFile, 'utf8')) as Marker;
  } catch {
    return undefined;
  }
  if (marker.version !== MARKER_VERSION || marker.jobNumber !== jobNumber || !Array.isArray(marker.report.tests)) {
    return undefined;
  }
  // the marker's mtime is the folder's "last opened" for pruneCache
  const now = new Date();
  await fs.utimes(markerFile, now, now).catch(() => undefined);
  let missingImages = 0;
  for (const t of marker.report.tests) {
    for (const img of Object.values(t.images)) if (!img.available) missingImages++;
  }
  return {
    kind: 'ok',
    report: marker.report,
    summary: summarize(marker.report.tests),
    jobDir,
    fromCache: true,
    missingImages,
  };
}

export async function loadReport(opts: LoadReportOptions): Promise<LoadOutcome> {
  const { client, slug, jobNumber, cacheRoot, signal } = opts;
  if (jobNumber === undefined) {
    return { kind: 'no-job', message: 'This release has no visual comparison (visualtests-compare) job yet.' };
  }
  const cached = await readCachedReport(cacheRoot, slug, jobNumber);
  if (cached) return cached;
  if (!opts.finished) {
    return {
      kind: 'running',
      message: `The visual comparison (job ${jobNumber}) has not finished yet: its report is available when it does.`,
    };
  }
  const jobDir = jobCacheDir(cacheRoot, slug, jobNumber);
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
  const prefix = configArtifact.path.slice(0, configArtifact.path.length - 'html_report/config.js'.length);
  const byPath = new Map<string, string>();
  for (const a of artifacts) {
    if (a.path.startsWith(prefix) && !byPath.has(a.path)) byPath.set(a.path, a.url);
  }

  let configText: string;
  try {
    configText = (await client.download(configArtifact.url, signal)).toString('utf8');
  } catch (e) {
    if (e instanceof ApiError && e.kind === 'notFound') return gone(`The report of job ${jobNumber} is gone.`);
    throw e;
  }
  const report = parseBackstopReport(configText);
  await fs.mkdir(jobDir, { recursive: true });
  await writeAtomic(fileInside(jobDir, 'html_report/config.js'), Buffer.from(configText, 'utf8'));

  // every distinct image once
  const wanted = new Map<string, ReportImage[]>();
  for (const t of report.tests) {
    for (const kind of ['reference', 'test', 'diff'] as ImageKind[]) {
      const img = t.images[kind];
      if (!img?.path) continue;
      if (!byPath.has(prefix + img.path)) {
        img.error = `${img.path} is not among the artifacts of job ${jobNumber}.`;
        continue;
      }
      const list = wanted.get(img.path) ?? [];
      list.push(img);
      wanted.set(img.path, list);
    }
  }
  const total = wanted.size + 1;
  let done = 1;
  opts.onProgress?.({ done, total, message: `Downloading ${total - 1} images…` });
  let transientFailures = 0;
  const jobs = [...wanted.entries()].map(([relative, images]) => async () => {
    signal?.throwIfAborted();
    const url = byPath.get(prefix + relative);
    try {
      const file = fileInside(jobDir, relative);
      if (!(await exists(file))) {
        if (url === undefined) throw new Error('no url');
        await writeAtomic(file, await client.download(url, signal));
      }
      for (const img of images) img.available = true;
    } catch (e) {
      if (signal?.aborted) throw e;
      if (!(e instanceof ApiError && e.kind === 'notFound')) transientFailures++;
      const message = e instanceof Error ? e.message : String(e);
      for (const img of images) img.error = `Could not download ${relative}: ${message}`;
    }
    done++;
    opts.onProgress?.({ done, total, message: `Downloaded ${done - 1} of ${total - 1} images` });
  });
  await runLimited(jobs, Math.max(1, Math.min(8, opts.concurrency ?? 8)));
  signal?.throwIfAborted();

  if (transientFailures === 0) {
    const marker: Marker = {
      version: MARKER_VERSION,
      slug,
      jobNumber,
      savedAt: new Date().toISOString(),
      report,
    };
    await writeAtomic(path.join(jobDir, MARKER_FILE), Buffer.from(JSON.stringify(marker), 'utf8'));
  }
  let missingImages = 0;
  for (const t of report.tests) for (const img of Object.values(t.images)) if (!img.available) missingImages++;
  return { kind: 'ok', report, summary: summarize(report.tests), jobDir, fromCache: false, missingImages };
}

function isConfigPath(p: string): boolean {
  return p === CONFIG_SUFFIX || p.endsWith(`/${CONFIG_SUFFIX}`);
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}

async function writeAtomic(file: string, data: Buffer): Promise<void> {
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.part`;
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(tmp, data);
  await fs.rename(tmp, file);
}

async function runLimited(tasks: (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const task = tasks[next++];
      if (task) await task();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
}

export interface PruneResult {
  deleted: string[];
  totalBytes: number;
}

/**
 * Deletes the least recently opened job folders of `<cacheRoot>/<slug>/<job>/` until the cache is under
 * `limitBytes`. Folders in `keep` (absolute paths) are never deleted.
 */
export async function pruneCache(
  cacheRoot: string,
  limitBytes = DEFAULT_CACHE_LIMIT_BYTES,
  keep: readonly string[] = [],
): Promise<PruneResult> {
  const keepSet = new Set(keep.map((k) => path.resolve(k)));
  const folders: { dir: string; bytes: number; usedAt: number }[] = [];
  for (const slugDir of await listDirs(cacheRoot)) {
    for (const jobDir of await listDirs(slugDir)) {
      const bytes = await sizeOf(jobDir);
      let usedAt: number;
      try {
        usedAt = (await fs.stat(path.join(jobDir, MARKER_FILE))).mtimeMs;
      } catch {
        usedAt = (await fs.stat(jobDir)).mtimeMs;
      }
      folders.push({ dir: jobDir, bytes, usedAt });
    }
  }
  let totalBytes = folders.reduce((s, f) => s + f.bytes, 0);
  const deleted: string[] = [];
  for (const f of folders.sort((a, b) => a.usedAt - b.usedAt)) {
    if (totalBytes <= limitBytes) break;
    if (keepSet.has(path.resolve(f.dir))) continue;
    await fs.rm(f.dir, { recursive: true, force: true });
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

async function sizeOf(dir: string): Promise<number> {
  let total = 0;
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += await sizeOf(p);
    else if (e.isFile()) total += (await fs.stat(p)).size;
  }
  return total;
}
