import pLimit from 'p-limit';

/** Caps the requests in flight across both services and records the most seen at once. */
export class RequestLimiter {
  private readonly limit: ReturnType<typeof pLimit>;
  private inFlight = 0;
  private peak = 0;
  private total = 0;

  constructor(readonly concurrency = 8) {
    this.limit = pLimit(concurrency);
  }

  run<T>(task: () => Promise<T>): Promise<T> {
    return this.limit(async () => {
      this.inFlight++;
      this.total++;
      this.peak = Math.max(this.peak, this.inFlight);
      try {
        return await task();
      } finally {
        this.inFlight--;
      }
    });
  }

  stats(): { inFlight: number; peak: number; total: number; queued: number } {
    return { inFlight: this.inFlight, peak: this.peak, total: this.total, queued: this.limit.pendingCount };
  }

  resetStats(): void {
    this.peak = this.inFlight;
    this.total = 0;
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      return;
    }
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Parses an HTTP Retry-After header (seconds or an HTTP date) into milliseconds. */
export function parseRetryAfter(value: unknown, now = Date.now()): number | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const s = String(value).trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  const date = Date.parse(s);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
