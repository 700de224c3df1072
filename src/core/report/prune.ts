/**
 * Keeps the report cache within its limit: the least recently opened job folders go first; a folder in use
 * (`liveJobFolders`) or that another window may be downloading is never deleted.
 */
import { promises as fs } from 'fs';
import * as path from 'path';
import { MARKER_FILE } from './cache';
import { liveJobFolders, type LiveJobFolders } from './liveFolders';

const DEFAULT_CACHE_LIMIT_BYTES = 500 * 1024 * 1024;
/** An incomplete job folder written to this recently may be another window's download: the pruner keeps it. */
const ACTIVE_FOLDER_GRACE_MS = 10 * 60_000;

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
