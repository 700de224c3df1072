/**
 * Paths taken from a downloaded BackstopJS report are data from the network: they are resolved here, never
 * joined blindly. A report path is relative to `html_report/`; the result is relative to `backstop_data/` (the
 * root of the job's cache folder) and can never leave it.
 */
import * as path from 'path';

export type SafePath = { ok: true; path: string } | { ok: false; error: string };

const IMAGE_EXTENSIONS = /\.(png|jpe?g|gif|webp)$/i;
const MAX_PATH_LENGTH = 1024;

/**
 * Resolves a path written in `html_report/config.js` (relative to `html_report/`) to a POSIX path relative to
 * `backstop_data/`. Refuses absolute paths, drive letters, URLs, backslashes, NUL and control characters, and
 * any `..` that would leave `backstop_data/`.
 */
export function resolveReportPath(reportPath: string, opts: { imageOnly?: boolean } = {}): SafePath {
  if (typeof reportPath !== 'string' || reportPath === '') return { ok: false, error: 'The path is empty.' };
  if (reportPath.length > MAX_PATH_LENGTH) return { ok: false, error: 'The path is too long.' };
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(reportPath)) return refuse(reportPath, 'it contains a control character');
  if (reportPath.includes('\\')) return refuse(reportPath, 'it contains a backslash');
  if (reportPath.startsWith('/')) return refuse(reportPath, 'it is absolute');
  if (/^[a-zA-Z]:/.test(reportPath) || /^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(reportPath)) {
    return refuse(reportPath, 'it is absolute or a URL');
  }
  const segments: string[] = ['html_report'];
  for (const segment of reportPath.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (segments.length === 0) return refuse(reportPath, 'it leads outside backstop_data');
      segments.pop();
      continue;
    }
    segments.push(segment);
  }
  if (segments.length === 0) return refuse(reportPath, 'it names no file');
  const resolved = segments.join('/');
  if (opts.imageOnly && !IMAGE_EXTENSIONS.test(resolved)) return refuse(reportPath, 'it is not an image');
  return { ok: true, path: resolved };
}

function refuse(reportPath: string, why: string): SafePath {
  return { ok: false, error: `Refused the path ${JSON.stringify(reportPath.slice(0, 200))}: ${why}.` };
}

/**
 * The absolute file of a `backstop_data`-relative path inside a job's cache folder; throws when the result is not
 * strictly inside `jobDir` (a second line of defence behind `resolveReportPath`).
 */
export function fileInside(jobDir: string, relative: string): string {
  const root = path.resolve(jobDir);
  const file = path.resolve(root, ...relative.split('/'));
  if (!file.startsWith(root + path.sep)) {
    throw new Error(`Refused to use ${JSON.stringify(relative)} outside the report's cache folder.`);
  }
  return file;
}

/** A folder name for a project slug (`gh/greenpeace/planet4-x` → `gh_greenpeace_planet4-x`). */
export function slugFolder(slug: string): string {
  const name = slug.replace(/[^A-Za-z0-9._-]/g, '_');
  if (name === '' || /^\.+$/.test(name)) throw new Error(`Refused the project slug ${JSON.stringify(slug)}.`);
  return name;
}
