/**
 * The report among a job's CircleCI artifacts: what the report needs of the client (`ArtifactSource`), and
 * `fetchReport`, which lists the artifacts, downloads `backstop_data/html_report/config.js` (bounded by
 * `MAX_CONFIG_BYTES`, counted by the client after decompression), parses it and maps its images to artifact URLs.
 */
import { ApiError } from '../api/errors';
import { MAX_CONFIG_BYTES, parseBackstopReport, ReportFormatError, type BackstopReport } from './backstop';
import { CONFIG_RELATIVE } from './cache';
import type { LoadProgress } from './outcome';

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

/** A job's report as downloaded: parsed, its images' artifact URLs, and the `config.js` bytes to cache. */
export interface FetchedReport {
  report: BackstopReport;
  /** `backstop_data`-relative image path → artifact URL. */
  urls: Map<string, string>;
  config: Buffer;
}

/** Why a job's report may be gone. */
const RETENTION_NOTE = 'CircleCI keeps artifacts for 30 days at most.';
const CONFIG_SUFFIX = `backstop_data/${CONFIG_RELATIVE}`;

/**
 * Lists the job's artifacts and downloads and parses its config.js; `gone` when the artifacts, or the report among
 * them, are not there (any more).
 */
export async function fetchReport(
  client: ArtifactSource,
  slug: string,
  jobNumber: number,
  signal: AbortSignal | undefined,
  onProgress: ((p: LoadProgress) => void) | undefined,
): Promise<FetchedReport | { kind: 'gone'; message: string }> {
  const gone = (why: string): { kind: 'gone'; message: string } => ({
    kind: 'gone',
    message: `${why} ${RETENTION_NOTE}`,
  });
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
  onProgress?.({ done: 0, total: 1, message: 'Downloading the report…' });
  const tooLarge = (): Error =>
    new ReportFormatError(
      `The visual report of job ${jobNumber} is too large to open: its ${CONFIG_RELATIVE} is over ${MAX_CONFIG_BYTES / 1024 / 1024} MiB.`,
    );
  let config: Buffer;
  try {
    config = await client.download(configArtifact.url, { ...withSignal(signal), maxBytes: MAX_CONFIG_BYTES });
  } catch (e) {
    if (e instanceof ApiError && e.kind === 'notFound') return gone(`The report of job ${jobNumber} is gone.`);
    if (isTooLarge(e)) throw tooLarge();
    throw e;
  }
  // a client that ignored the limit: refuse it all the same
  if (config.length > MAX_CONFIG_BYTES) throw tooLarge();
  const report = parseBackstopReport(config.toString('utf8'));
  const urls = new Map<string, string>();
  for (const t of report.tests) {
    for (const img of Object.values(t.images)) {
      const url = img.path === undefined ? undefined : byPath.get(prefix + img.path);
      if (img.path !== undefined && url !== undefined) urls.set(img.path, url);
    }
  }
  return { report, urls, config };
}

function isConfigPath(p: string): boolean {
  return p === CONFIG_SUFFIX || p.endsWith(`/${CONFIG_SUFFIX}`);
}

/** The client refused a body over its size limit. */
export function isTooLarge(e: unknown): boolean {
  return e instanceof ApiError && e.kind === 'tooLarge';
}

export function withSignal(signal: AbortSignal | undefined): { signal?: AbortSignal } {
  return signal ? { signal } : {};
}
