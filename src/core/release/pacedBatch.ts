/**
 * A batch of release mutations paced like the Planet 4 bot: one site, then a pause, then the next — GitHub refuses
 * content-creating requests sent too fast (its secondary rate limit), and the bot spaces sites 30 s apart. A cancel
 * takes effect between sites, never in the middle of one.
 */

export type PacedOutcome<T, I> =
  { item: I; kind: 'done'; value: T } | { item: I; kind: 'failed'; error: unknown } | { item: I; kind: 'cancelled' };

export interface Pacing<I, T> {
  /** The pause between two sites (none after the last). */
  spacingMs: number;
  /** Sends one site's mutations; a failure is that site's outcome, the batch goes on. */
  send: (item: I, index: number) => Promise<T>;
  /** Waits `ms` before `next` is sent; resolves false when cancelled during the wait. */
  wait: (ms: number, next: I, index: number) => Promise<boolean>;
  /** True once the user cancelled. */
  cancelled: () => boolean;
  /** Called before each site is sent. */
  starting?: (item: I, index: number) => void;
}

/** Sends each item in turn, spaced; returns one outcome per item, in order (cancelled ones included). */
export async function runPaced<I, T>(items: readonly I[], pacing: Pacing<I, T>): Promise<PacedOutcome<T, I>[]> {
  const outcomes: PacedOutcome<T, I>[] = [];
  let stopped = false;
  for (const [index, item] of items.entries()) {
    if (!stopped && index > 0 && pacing.spacingMs > 0) stopped = !(await pacing.wait(pacing.spacingMs, item, index));
    if (stopped || pacing.cancelled()) {
      stopped = true;
      outcomes.push({ item, kind: 'cancelled' });
      continue;
    }
    pacing.starting?.(item, index);
    try {
      outcomes.push({ item, kind: 'done', value: await pacing.send(item, index) });
    } catch (error) {
      outcomes.push({ item, kind: 'failed', error });
    }
  }
  return outcomes;
}
