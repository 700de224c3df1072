/**
 * Writes into the report cache: never through a symbolic link planted in the cache, never half a file (a `.part`
 * file renamed into place).
 */
import { promises as fs } from 'fs';
import * as path from 'path';

/** A regular file (not a symbolic link, not a folder). */
export async function isPlainFile(file: string): Promise<boolean> {
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
export async function writeAtomic(root: string, file: string, data: Buffer): Promise<void> {
  await downloadAtomic(root, file, (part) => fs.writeFile(part, data));
}

/** Lets `write` fill a fresh `.part` file next to `file`, then renames it into place; removes it on failure. */
export async function downloadAtomic(
  root: string,
  file: string,
  write: (part: string) => Promise<unknown>,
): Promise<void> {
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
