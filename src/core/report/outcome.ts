/** What loading a report ends with, the progress it reports on the way, and the counts of its images. */
import type { BackstopReport, ReportSummary } from './backstop';

export interface LoadProgress {
  /** Files done (config.js and images). */
  done: number;
  total: number;
  message: string;
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
  /** visualtests-compare ended without a verdict (timed out, canceled, unauthorized…): no report to show */
  | { kind: 'no-verdict'; message: string }
  | { kind: 'running'; message: string }
  | { kind: 'no-job'; message: string };

export type ReportOutcome = Extract<LoadOutcome, { kind: 'ok' }>;

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
