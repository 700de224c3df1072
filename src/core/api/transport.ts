/**
 * What every request to CircleCI, GitHub or an artifact host obeys, whichever client sends it:
 *
 * - a **total deadline** (connect, headers and body) that also ends the caller's wait — and so frees its slot in
 *   the request limiter — even if the HTTP library ignores the abort;
 * - a **size limit** counted on the decoded body (after gzip), checked against `Content-Length` first and then
 *   while the body streams in, so a decompression bomb stops at the limit;
 * - **origins**: an API URL must be `https` (plain `http` only on a loopback address: the sandbox), and a token is
 *   sent only to its own service's origin (scheme, host and port).
 */
import { ApiError, describeWait, type Service } from './errors';

const MiB = 1024 * 1024;

/** Limits of the API clients (per request). */
export const LIMITS = {
  /** One API answer (a page of pipelines, a compare of 250 commits…). */
  apiBodyBytes: 16 * MiB,
  /** A BackstopJS `config.js`. */
  reportConfigBytes: 64 * MiB,
  /** One screenshot of a visual report. */
  reportImageBytes: 50 * MiB,
  /** A request body we send (a commit message, a tag). */
  requestBodyBytes: 1 * MiB,
} as const;

const SERVICE_NAMES: Record<Service, string> = { circleci: 'CircleCI', github: 'GitHub' };

/** The error of a request that did not finish within its deadline. */
export function deadlineError(service: Service, what: string, deadlineMs: number): ApiError {
  return new ApiError(
    service,
    'timeout',
    `${SERVICE_NAMES[service]} did not answer in time (${describeWait(deadlineMs)}) while trying to ${what}.`,
  );
}

/**
 * A request that got no answer: no time left (`timeout`) or no connection (`network`, with the cause's words). For
 * a mutation, `outcomeUnknown` says whether the service may have carried it out anyway.
 */
export function transportError(
  service: Service,
  kind: 'timeout' | 'network',
  what: string,
  cause: string,
  outcomeUnknown: boolean,
): ApiError {
  const name = SERVICE_NAMES[service];
  const message =
    kind === 'timeout'
      ? `${name} did not answer in time while trying to ${what}.`
      : `Cannot reach ${name} (${cause}) while trying to ${what}.`;
  return new ApiError(service, kind, message, undefined, undefined, undefined, outcomeUnknown);
}

export function tooLargeError(service: Service, what: string, maxBytes: number): ApiError {
  return new ApiError(
    service,
    'tooLarge',
    `${SERVICE_NAMES[service]} sent more than ${formatBytes(maxBytes)} while trying to ${what}: refused.`,
  );
}

function formatBytes(n: number): string {
  if (n >= MiB) return `${Math.round((n / MiB) * 10) / 10} MiB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KiB`;
  return `${n} B`;
}

/**
 * Runs `task` with a signal that aborts after `deadlineMs` (or when `outer` aborts). The returned promise settles
 * by the deadline whatever the task does: a library that ignores the abort cannot hold the caller.
 */
export function withDeadline<T>(
  deadlineMs: number,
  outer: AbortSignal | undefined,
  onTimeout: () => Error,
  task: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  return new Promise<T>((resolve, reject) => {
    const fail = (e: Error): void => {
      cleanup();
      controller.abort(e);
      reject(e);
    };
    const timer = setTimeout(() => {
      fail(onTimeout());
    }, deadlineMs);
    const onOuterAbort = (): void => {
      fail(outer?.reason instanceof Error ? outer.reason : new Error('aborted'));
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      outer?.removeEventListener('abort', onOuterAbort);
    };
    if (outer?.aborted) {
      onOuterAbort();
      return;
    }
    outer?.addEventListener('abort', onOuterAbort, { once: true });
    task(controller.signal).then(
      (v) => {
        cleanup();
        resolve(v);
      },
      (e: unknown) => {
        cleanup();
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

/** The declared length of a body, when the headers give one. */
export function declaredLength(value: unknown): number | undefined {
  const s: unknown = Array.isArray(value) ? (value as unknown[])[0] : value;
  if (typeof s !== 'string' && typeof s !== 'number') return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/** Reads a Node stream (or any async iterable of bytes) into one Buffer, refusing more than `maxBytes`. */
export async function readCapped(
  stream: AsyncIterable<Uint8Array | string>,
  maxBytes: number,
  onTooLarge: () => Error,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    const b =
      typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    total += b.length;
    if (total > maxBytes) {
      destroy(stream);
      throw onTooLarge();
    }
    chunks.push(b);
  }
  return Buffer.concat(chunks, total);
}

function destroy(stream: unknown): void {
  const s = stream as { destroy?: () => void };
  if (typeof s.destroy === 'function') s.destroy();
}

// ---------------------------------------------------------------- origins

/** `localhost`, 127.0.0.0/8 and `::1`. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

/**
 * Checks an API base URL from the settings: `https`, or `http` on a loopback address (the sandbox); no credentials,
 * query or fragment in it. Returns the URL without trailing slashes, or the reason it is refused.
 */
export function checkApiUrl(raw: unknown, setting: string): { url: string } | { error: string } {
  if (typeof raw !== 'string' || raw.trim() === '') return { error: `${setting} is empty.` };
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    return { error: `${setting} is not a URL: "${raw}".` };
  }
  if (u.username || u.password) return { error: `${setting} must not contain a user name or password.` };
  if (u.search || u.hash) return { error: `${setting} must not contain a query or a fragment.` };
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && isLoopbackHost(u.hostname))) {
    return {
      error: `${setting} must use https (plain http only on a loopback address such as 127.0.0.1): "${u.origin}" is refused so that no token travels unencrypted.`,
    };
  }
  return { url: `${u.origin}${u.pathname.replace(/\/+$/, '')}` };
}

/** True when `url` is `base`'s origin (scheme, host and port) and, for a base with a path, under that path. */
export function isUnder(url: URL, base: URL): boolean {
  if (url.origin !== base.origin) return false;
  const prefix = base.pathname.replace(/\/+$/, '');
  return prefix === '' || url.pathname === prefix || url.pathname.startsWith(`${prefix}/`);
}
