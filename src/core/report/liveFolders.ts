/**
 * The job folders of the report cache that are in use in this window: shown in an open report panel, or being
 * written by a load or its background downloads. The pruner never deletes one of them, and a folder the pruner is
 * deleting is not used again before the deletion has ended.
 */
import * as path from 'path';

export class LiveJobFolders {
  private readonly holds = new Map<string, number>();
  private readonly deleting = new Map<string, Promise<void>>();

  /**
   * Marks `dir` as in use until the returned function is called (once; later calls do nothing). Waits first when
   * the pruner is deleting it, so that the caller never reads or writes a folder being deleted.
   */
  async hold(dir: string): Promise<() => void> {
    const key = path.resolve(dir);
    for (let d = this.deleting.get(key); d; d = this.deleting.get(key)) await d;
    this.holds.set(key, (this.holds.get(key) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const n = (this.holds.get(key) ?? 1) - 1;
      if (n > 0) this.holds.set(key, n);
      else this.holds.delete(key);
    };
  }

  isHeld(dir: string): boolean {
    return this.holds.has(path.resolve(dir));
  }

  /** The folders in use (absolute). */
  list(): string[] {
    return [...this.holds.keys()];
  }

  /**
   * Runs `remove` for `dir` unless it is in use; a `hold` asked for meanwhile waits for it. Resolves whether it
   * ran.
   */
  async deleteUnlessHeld(dir: string, remove: () => Promise<void>): Promise<boolean> {
    const key = path.resolve(dir);
    if (this.holds.has(key) || this.deleting.has(key)) return false;
    const run = remove();
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.deleting.set(key, settled);
    try {
      await run;
    } finally {
      this.deleting.delete(key);
    }
    return true;
  }
}

/** This window's folders in use: the loader and the report panels register here, the pruner reads it. */
export const liveJobFolders = new LiveJobFolders();
