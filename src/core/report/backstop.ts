/**
 * The data of a BackstopJS HTML report (`html_report/config.js`): a JSONP call `report({...});` that is parsed
 * as JSON, never evaluated, then validated and turned into typed tests.
 */
import { resolveReportPath } from './safePath';

export type TestStatus = 'pass' | 'fail';
export type ImageKind = 'reference' | 'test' | 'diff';

export interface ReportImage {
  /** As written in the report (relative to `html_report/`). */
  reportPath: string;
  /** Relative to `backstop_data/` (and to the job's cache folder); absent when the path was refused. */
  path?: string;
  /** Set by the loader: the file is in the job's cache folder. */
  available?: boolean;
  /** Why the image cannot be shown. */
  error?: string;
}

export interface ReportTest {
  /** `fileName`: unique within a report (labels are not). */
  key: string;
  label: string;
  viewportLabel: string;
  selector: string;
  url: string;
  status: TestStatus;
  /** Percent, e.g. 20.69; undefined when there was no comparison. */
  misMatchPercentage?: number;
  /** Percent. */
  threshold?: number;
  sameDimensions?: boolean;
  dimensionDifference?: { width: number; height: number };
  requireSameDimensions?: boolean;
  /** e.g. `Reference file not found /app/...`. */
  error?: string;
  images: Partial<Record<ImageKind, ReportImage>>;
}

export interface BackstopReport {
  id: string;
  tests: ReportTest[];
}

export interface ReportSummary {
  total: number;
  passed: number;
  failed: number;
}

export interface ScenarioGroup {
  label: string;
  failed: number;
  tests: ReportTest[];
}

export class ReportFormatError extends Error {
  override readonly name = 'ReportFormatError';
}

/** The largest `config.js` accepted (also the download limit of the loader). */
export const MAX_CONFIG_BYTES = 64 * 1024 * 1024;

/** Extracts the object of `report({...});` and parses it as JSON. */
export function extractJsonp(text: string): unknown {
  if (text.length > MAX_CONFIG_BYTES) throw new ReportFormatError('The report data is too large.');
  const body = text.replace(/^\uFEFF/, '').trim();
  const open = /^report\s*\(/.exec(body);
  if (!open) throw new ReportFormatError('The report data does not start with report(…).');
  const close = /\)\s*;?$/.exec(body);
  if (!close) throw new ReportFormatError('The report data does not end with a closing parenthesis.');
  const json = body.slice(open[0].length, close.index);
  try {
    return JSON.parse(json) as unknown;
  } catch (e) {
    throw new ReportFormatError(`The report data is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Parses `html_report/config.js` (or `report.json` / `jsonReport.json` when `jsonp` is false). */
export function parseBackstopReport(text: string, opts: { jsonp?: boolean } = {}): BackstopReport {
  let data: unknown;
  if (opts.jsonp === false) {
    try {
      data = JSON.parse(text) as unknown;
    } catch (e) {
      throw new ReportFormatError(`The report data is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
    }
  } else {
    data = extractJsonp(text);
  }
  return validateReport(data);
}

function validateReport(data: unknown): BackstopReport {
  if (!isRecord(data)) throw new ReportFormatError('The report data is not an object.');
  if (!Array.isArray(data.tests)) throw new ReportFormatError('The report data has no "tests" list.');
  const seen = new Map<string, number>();
  const tests = data.tests.map((raw, index) => {
    const test = validateTest(raw, index);
    // fileName is unique in BackstopJS output; keep keys unique even when a report says otherwise
    const n = (seen.get(test.key) ?? 0) + 1;
    seen.set(test.key, n);
    if (n > 1) test.key = `${test.key}#${n}`;
    return test;
  });
  return { id: typeof data.id === 'string' ? data.id : '', tests };
}

function validateTest(raw: unknown, index: number): ReportTest {
  const where = `test ${index + 1}`;
  if (!isRecord(raw)) throw new ReportFormatError(`The report's ${where} is not an object.`);
  const pair = raw.pair;
  if (!isRecord(pair)) throw new ReportFormatError(`The report's ${where} has no "pair".`);
  const status = raw.status;
  if (status !== 'pass' && status !== 'fail') {
    throw new ReportFormatError(`The report's ${where} has an unknown status ${JSON.stringify(status)}.`);
  }
  const label = str(pair.label) ?? '';
  const viewportLabel = str(pair.viewportLabel) ?? '';
  const fileName = str(pair.fileName) ?? `${label}_${viewportLabel}_${index}`;
  const test: ReportTest = {
    key: fileName,
    label,
    viewportLabel,
    selector: str(pair.selector) ?? '',
    url: str(pair.url) ?? '',
    status,
    images: {},
  };
  const threshold = num(pair.misMatchThreshold);
  if (threshold !== undefined) test.threshold = threshold;
  if (typeof pair.requireSameDimensions === 'boolean') test.requireSameDimensions = pair.requireSameDimensions;
  const diff = pair.diff;
  if (isRecord(diff)) {
    const mismatch = num(diff.misMatchPercentage) ?? num(diff.rawMisMatchPercentage);
    if (mismatch !== undefined) test.misMatchPercentage = mismatch;
    if (typeof diff.isSameDimensions === 'boolean') test.sameDimensions = diff.isSameDimensions;
    const dd = diff.dimensionDifference;
    if (isRecord(dd)) {
      const width = num(dd.width);
      const height = num(dd.height);
      if (width !== undefined && height !== undefined) test.dimensionDifference = { width, height };
    }
  }
  const error = str(pair.error) ?? str(raw.error);
  if (error !== undefined) test.error = error;
  const images: [ImageKind, unknown][] = [
    ['reference', pair.reference],
    ['test', pair.test],
    ['diff', pair.diffImage],
  ];
  for (const [kind, value] of images) {
    const reportPath = str(value);
    if (reportPath === undefined || reportPath === '') continue;
    const resolved = resolveReportPath(reportPath, { imageOnly: true });
    test.images[kind] = resolved.ok ? { reportPath, path: resolved.path } : { reportPath, error: resolved.error };
  }
  return test;
}

const IMAGE_KINDS: readonly ImageKind[] = ['reference', 'test', 'diff'];

/**
 * Validates a report as the loader stores it (`complete.json`): our own format, but read back from disk, so checked
 * as strictly as data from the network. Every image path must be the one its `reportPath` resolves to (a stored
 * report cannot point outside the job's folder). Returns a fresh copy; throws `ReportFormatError`.
 */
export function validateStoredReport(data: unknown): BackstopReport {
  if (!isRecord(data) || typeof data.id !== 'string' || !Array.isArray(data.tests)) {
    throw new ReportFormatError('The stored report is not a report.');
  }
  const keys = new Set<string>();
  const tests = data.tests.map((raw, index): ReportTest => {
    const bad = (why: string): ReportFormatError =>
      new ReportFormatError(`The stored report's test ${index + 1} ${why}.`);
    if (!isRecord(raw)) throw bad('is not an object');
    const { key, label, viewportLabel, selector, url, status, images } = raw;
    if (typeof key !== 'string' || key === '' || keys.has(key)) throw bad('has no unique key');
    keys.add(key);
    if (typeof label !== 'string' || typeof viewportLabel !== 'string') throw bad('has no label');
    if (typeof selector !== 'string' || typeof url !== 'string') throw bad('has no selector or url');
    if (status !== 'pass' && status !== 'fail') throw bad('has an unknown status');
    if (!isRecord(images)) throw bad('has no images');
    const test: ReportTest = { key, label, viewportLabel, selector, url, status, images: {} };
    for (const name of ['misMatchPercentage', 'threshold'] as const) {
      const v = raw[name];
      if (v === undefined) continue;
      if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(`has an invalid ${name}`);
      test[name] = v;
    }
    for (const name of ['sameDimensions', 'requireSameDimensions'] as const) {
      const v = raw[name];
      if (v === undefined) continue;
      if (typeof v !== 'boolean') throw bad(`has an invalid ${name}`);
      test[name] = v;
    }
    const dd = raw.dimensionDifference;
    if (dd !== undefined) {
      if (!isRecord(dd) || !isFiniteNumber(dd.width) || !isFiniteNumber(dd.height)) {
        throw bad('has an invalid dimensionDifference');
      }
      test.dimensionDifference = { width: dd.width, height: dd.height };
    }
    if (raw.error !== undefined) {
      if (typeof raw.error !== 'string') throw bad('has an invalid error');
      test.error = raw.error;
    }
    for (const [kind, value] of Object.entries(images)) {
      if (!(IMAGE_KINDS as readonly string[]).includes(kind)) throw bad(`has an unknown image ${JSON.stringify(kind)}`);
      test.images[kind as ImageKind] = validateStoredImage(value, bad);
    }
    return test;
  });
  return { id: data.id, tests };
}

function validateStoredImage(value: unknown, bad: (why: string) => ReportFormatError): ReportImage {
  if (!isRecord(value) || typeof value.reportPath !== 'string') throw bad('has an invalid image');
  const image: ReportImage = { reportPath: value.reportPath };
  const resolved = resolveReportPath(value.reportPath, { imageOnly: true });
  if (value.path !== undefined) {
    if (!resolved.ok || value.path !== resolved.path) throw bad('has an image path that is not its report path');
    image.path = value.path;
  }
  if (value.available !== undefined) {
    if (typeof value.available !== 'boolean') throw bad('has an invalid image');
    image.available = value.available;
  }
  if (value.error !== undefined) {
    if (typeof value.error !== 'string') throw bad('has an invalid image error');
    image.error = value.error;
  }
  if (image.available && image.path === undefined) throw bad('has an available image without a path');
  return image;
}

export function summarize(tests: readonly ReportTest[]): ReportSummary {
  const failed = tests.filter((t) => t.status === 'fail').length;
  return { total: tests.length, passed: tests.length - failed, failed };
}

/** Tests grouped by scenario (label): groups with failures first, failures first within a group; else report order. */
export function groupByScenario(tests: readonly ReportTest[]): ScenarioGroup[] {
  const groups = new Map<string, ScenarioGroup>();
  for (const t of tests) {
    let g = groups.get(t.label);
    if (!g) {
      g = { label: t.label, failed: 0, tests: [] };
      groups.set(t.label, g);
    }
    g.tests.push(t);
    if (t.status === 'fail') g.failed++;
  }
  const list = [...groups.values()];
  for (const g of list) g.tests = stableSort(g.tests, (t) => (t.status === 'fail' ? 0 : 1));
  return stableSort(list, (g) => (g.failed > 0 ? 0 : 1));
}

/** Every test in display order (the order of `groupByScenario`). */
export function orderForDisplay(tests: readonly ReportTest[]): ReportTest[] {
  return groupByScenario(tests).flatMap((g) => g.tests);
}

function stableSort<T>(items: readonly T[], rank: (item: T) => number): T[] {
  return items
    .map((item, i) => ({ item, i, r: rank(item) }))
    .sort((a, b) => a.r - b.r || a.i - b.i)
    .map((x) => x.item);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function num(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}
