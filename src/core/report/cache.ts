/**
 * The report cache's folder format: a job's folder `<cacheRoot>/<slug>/<jobNumber>/` mirrors `backstop_data/`
 * (`html_report/config.js` and the images). While images are missing, `listing.json` keeps their artifact URLs so
 * that an interrupted download resumes without listing the artifacts again; when every image is on disk, a finished
 * job's folder gets `complete.json` (the report itself) and reopens with no request at all.
 *
 * Everything read back from the folder (`complete.json`, `listing.json`) is validated; a file that does not pass is
 * deleted, and the report is rebuilt from the listing or downloaded again. Writes never go through a symbolic link
 * inside the cache (`safeWrite.ts`).
 */
import { promises as fs } from 'fs';
import * as path from 'path';
import {
  parseBackstopReport,
  ReportFormatError,
  summarize,
  validateStoredReport,
  type BackstopReport,
} from './backstop';
import type { ReportOutcome } from './outcome';
import { fileInside, slugFolder } from './safePath';
import { writeAtomic } from './safeWrite';

export const MARKER_FILE = 'complete.json';
export const LISTING_FILE = 'listing.json';
/** The report's data in the job folder (and among the artifacts, below `backstop_data/`). */
export const CONFIG_RELATIVE = 'html_report/config.js';
const MARKER_VERSION = 1;
const LISTING_VERSION = 1;

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

/** Marks the job's folder complete (`complete.json` with the report) and drops its listing. */
export async function markComplete(
  cacheRoot: string,
  jobDir: string,
  slug: string,
  jobNumber: number,
  report: BackstopReport,
): Promise<void> {
  const marker: Marker = { version: MARKER_VERSION, slug, jobNumber, savedAt: new Date().toISOString(), report };
  await writeAtomic(cacheRoot, path.join(jobDir, MARKER_FILE), Buffer.from(JSON.stringify(marker), 'utf8'));
  await dropListing(jobDir);
}

/** Deletes the job's `listing.json`: the next open lists the artifacts again. */
export async function dropListing(jobDir: string): Promise<void> {
  await fs.rm(path.join(jobDir, LISTING_FILE), { force: true });
}

/** Saves a freshly downloaded `config.js` and the artifact URLs of its images (`listing.json`). */
export async function saveListing(
  cacheRoot: string,
  jobDir: string,
  slug: string,
  jobNumber: number,
  config: Buffer,
  urls: ReadonlyMap<string, string>,
): Promise<void> {
  await writeAtomic(cacheRoot, fileInside(jobDir, CONFIG_RELATIVE), config);
  const listing: Listing = {
    version: LISTING_VERSION,
    slug,
    jobNumber,
    savedAt: new Date().toISOString(),
    urls: [...urls.entries()],
  };
  await writeAtomic(cacheRoot, path.join(jobDir, LISTING_FILE), Buffer.from(JSON.stringify(listing), 'utf8'));
}

/**
 * The report and image URLs of an interrupted download (config.js and listing.json in the job folder). A listing
 * that cannot be used (not JSON, wrong shape, another job's, or its config.js unreadable) is deleted: the artifacts
 * are listed again.
 */
export async function readListing(
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
