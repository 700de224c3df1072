import * as fs from 'node:fs';
import * as path from 'node:path';

const MARKER = path.join('resources', 'sandbox', 'sites.txt');

/** The folder holding `resources/sandbox/sites.txt`, found by walking up from `start`. */
export function findDataDir(start: string = __dirname): string {
  for (const origin of [start, process.cwd()]) {
    let dir = path.resolve(origin);
    for (;;) {
      if (fs.existsSync(path.join(dir, MARKER))) {
        return path.join(dir, 'resources', 'sandbox');
      }
      const parent = path.dirname(dir);
      if (parent === dir) {
        break;
      }
      dir = parent;
    }
  }
  throw new Error(`sandbox: cannot find ${MARKER} above ${start}`);
}

/** Accepts either the `resources/sandbox` folder or a project root holding it. */
export function normalizeDataDir(dir: string): string {
  if (fs.existsSync(path.join(dir, 'sites.txt'))) {
    return dir;
  }
  if (fs.existsSync(path.join(dir, MARKER))) {
    return path.join(dir, 'resources', 'sandbox');
  }
  throw new Error(`sandbox: no sites.txt in ${dir}`);
}

export function readSitesText(dataDir: string): string {
  return fs.readFileSync(path.join(dataDir, 'sites.txt'), 'utf8');
}

export function parseSites(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

export const BACKSTOP_PREFIX = 'app/backstop_data/';
/** Files the real report lists but that the stored copy leaves out (they answer 404). */
export const BACKSTOP_ABSENT = [
  'html_report/index_bundle.js',
  'html_report/assets/fonts/Lato-Regular.woff2',
  'html_report/assets/images/logo.png',
];

function backstopRoot(dataDir: string): string {
  return path.join(dataDir, 'backstop', 'small', 'backstop_data');
}

/** Relative paths (forward slashes) of every file of the stored BackstopJS tree, sorted. */
export function listBackstopFiles(dataDir: string): string[] {
  const root = backstopRoot(dataDir);
  const out: string[] = [];
  const walk = (dir: string, rel: string): void => {
    if (!fs.existsSync(dir)) {
      return;
    }
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const childRel = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) {
        walk(path.join(dir, entry.name), childRel);
      } else if (entry.isFile()) {
        out.push(childRel);
      }
    }
  };
  walk(root, '');
  return out.sort();
}

/** Reads a file of the BackstopJS tree; undefined when absent or outside the tree. */
export function readBackstopFile(dataDir: string, rel: string): Buffer | undefined {
  const root = backstopRoot(dataDir);
  const full = path.resolve(root, rel);
  if (!full.startsWith(root + path.sep)) {
    return undefined;
  }
  try {
    return fs.readFileSync(full);
  } catch {
    return undefined;
  }
}

export function contentTypeOf(file: string): string {
  const ext = path.extname(file).toLowerCase();
  const types: Record<string, string> = {
    '.png': 'image/png',
    '.html': 'text/html; charset=utf-8',
    '.js': 'application/javascript; charset=utf-8',
    '.json': 'application/json; charset=utf-8',
    '.xml': 'application/xml; charset=utf-8',
    '.woff2': 'font/woff2',
  };
  return types[ext] ?? 'application/octet-stream';
}
