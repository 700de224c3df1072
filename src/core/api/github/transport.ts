/**
 * How a request travels to GitHub: Octokit with the official retry and throttling plugins over our own `fetch`, which
 * keeps the token on the API's origin (and path), follows same-origin redirects by hand (GET only) and bounds every
 * exchange (deadline, size, limiter slot); conditional requests; and what a failed call becomes (an `ApiError`).
 */
import { Octokit } from '@octokit/rest';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { ApiError, errorForStatus, redact } from '../errors';
import type { RequestObserver } from '../http';
import {
  deadlineError,
  declaredLength,
  isUnder,
  readCapped,
  tooLargeError,
  transportError,
  withDeadline,
} from '../transport';
import { parseRetryAfter, type RequestLimiter } from '../../util/limiter';
import type { Logger } from '../../util/logger';

const Planet4Octokit = Octokit.plugin(retry, throttling);
export type Planet4OctokitInstance = InstanceType<typeof Planet4Octokit>;

/** What the transport needs, defaults already applied (see `GitHubClientOptions`). */
export interface OctokitOptions {
  /** The API base URL without a trailing slash, e.g. https://api.github.com */
  baseUrl: string;
  /** The same, parsed: the only origin (and path) a request — and the token — may go to. */
  apiBase: URL;
  token: string;
  timeoutMs: number;
  /** Longest rate-limit wait a GET accepts before failing. */
  maxRetryWaitMs: number;
  /** Largest answer accepted. */
  maxBodyBytes: number;
  limiter: RequestLimiter;
  log: Logger;
  onRequest?: RequestObserver | undefined;
}

const REDIRECTS: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);
/** Statuses whose answer has no body (a Response cannot be built with one). */
const NULL_BODY: ReadonlySet<number> = new Set([101, 204, 205, 304]);
/** Connection failures after which a request cannot have reached the service. */
const NEVER_SENT = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|bad port/;
/** How many GET answers are remembered for conditional requests (a few per site). */
const MAX_CONDITIONAL = 1000;

/** Node's web streams are async iterable. */
function webStream(body: ReadableStream<Uint8Array>): AsyncIterable<Uint8Array> {
  return body;
}

function foreignHost(url: URL): ApiError {
  return new ApiError(
    'github',
    'malformed',
    `GitHub pointed to another host (${url.origin}): not followed, so that the token stays with GitHub.`,
  );
}

/**
 * The Octokit every GitHub request goes through. Reads are retried by the plugins (and rate-limit waits honoured up
 * to `maxRetryWaitMs`); the throttling handlers refuse to retry anything but GET.
 */
export function createOctokit(options: OctokitOptions): Planet4OctokitInstance {
  const { log } = options;
  const maxWaitS = options.maxRetryWaitMs / 1000;
  const octokit = new Planet4Octokit({
    auth: options.token,
    baseUrl: options.baseUrl,
    userAgent: 'planet4-pipelines-vscode',
    request: { fetch: boundedFetch(options) },
    log: {
      debug: () => undefined,
      info: () => undefined,
      warn: (m: string) => {
        log.warn(`GitHub: ${m}`);
      },
      error: (m: string) => {
        log.error(`GitHub: ${m}`);
      },
    },
    // GETs only (mutations pass retries: 0). Two retries after 0.25 s and 1 s, like the CircleCI client: the
    // plugin's default (3 retries after 1, 4 and 9 s) held a site for 4 timeouts + 14 s when GitHub hung.
    retry: { doNotRetry: [400, 401, 403, 404, 409, 410, 422, 429, 451], retries: 2, retryAfterBaseValue: 250 },
    throttle: {
      onRateLimit: (retryAfter: number, opts: { method: string; url: string }, _o: unknown, retryCount: number) => {
        log.warn(`GitHub rate limit on ${opts.method} ${opts.url}: reset in ${retryAfter} s`);
        return opts.method === 'GET' && retryCount < 1 && retryAfter <= maxWaitS;
      },
      onSecondaryRateLimit: (
        retryAfter: number,
        opts: { method: string; url: string },
        _o: unknown,
        retryCount: number,
      ) => {
        log.warn(`GitHub secondary rate limit on ${opts.method} ${opts.url}: retry after ${retryAfter} s`);
        return opts.method === 'GET' && retryCount < 1 && retryAfter <= maxWaitS;
      },
    },
  });
  useConditionalRequests(octokit);
  return octokit;
}

/**
 * Every request Octokit makes goes through here: only to the API's own origin (a `Link` or a redirect to another
 * host is refused before anything is sent), same-origin redirects followed by hand, and the whole exchange —
 * connect, headers and a body read within the size limit — under one deadline, inside a limiter slot.
 */
function boundedFetch(
  options: OctokitOptions,
): (input: string | URL | Request, init?: RequestInit) => Promise<Response> {
  const { baseUrl: base, apiBase, limiter, timeoutMs, maxBodyBytes: maxBytes, onRequest } = options;
  return async (input, init) => {
    let url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.toString() : input.url);
    const method = init?.method ?? 'GET';
    const what = `${method} ${url.pathname}`;
    if (!isUnder(url, apiBase)) throw foreignHost(url);
    return limiter.run(async () => {
      const t0 = Date.now();
      let status: number | 'error' = 'error';
      try {
        return await withDeadline(
          timeoutMs,
          init?.signal ?? undefined,
          () => deadlineError('github', what, timeoutMs),
          async (signal) => {
            let res = await fetch(url, { ...init, signal, redirect: 'manual' });
            for (let hop = 0; REDIRECTS.has(res.status); hop++) {
              const location = res.headers.get('location');
              if (!location || hop >= 3) break;
              const next = new URL(location, url);
              await res.body?.cancel();
              if (!isUnder(next, apiBase)) throw foreignHost(next);
              if (method !== 'GET') {
                throw new ApiError('github', 'malformed', `GitHub redirected ${what}: a change is never re-sent.`);
              }
              url = next;
              res = await fetch(url, { ...init, signal, redirect: 'manual' });
            }
            status = res.status;
            const length = declaredLength(res.headers.get('content-length') ?? undefined);
            if (length !== undefined && length > maxBytes) {
              await res.body?.cancel();
              throw tooLargeError('github', what, maxBytes);
            }
            const body =
              res.body && !NULL_BODY.has(res.status)
                ? await readCapped(webStream(res.body), maxBytes, () => tooLargeError('github', what, maxBytes))
                : null;
            return new Response(body as ConstructorParameters<typeof Response>[0], {
              status: res.status,
              statusText: res.statusText,
              headers: res.headers,
            });
          },
        );
      } finally {
        onRequest?.({
          service: 'github',
          method,
          path: url.toString().slice(base.length),
          status,
          ms: Date.now() - t0,
          attempt: 1,
        });
      }
    });
  };
}

/**
 * GitHub's conditional requests: a GET answered before is sent again with `If-None-Match`; GitHub answers
 * `304 Not Modified`, which does not count against the rate limit, and the remembered answer is used. Tags and
 * compares are read every slow cycle for every site and rarely change, so most of those reads become free.
 */
function useConditionalRequests(octokit: Planet4OctokitInstance): void {
  const answers = new Map<string, { etag: string; response: Awaited<ReturnType<Planet4OctokitInstance['request']>> }>();
  octokit.hook.wrap('request', async (request, options) => {
    if (options.method !== 'GET') return request(options);
    const { url } = octokit.request.endpoint.parse(options);
    const known = answers.get(url);
    if (known) options.headers['if-none-match'] = known.etag;
    // the answer's body parsed here with the platform's JSON.parse: Octokit's own parser (json-with-bigint, a regex
    // pass over the text) took ~10 ms for a 550-tag matching-refs answer; GitHub's ids fit in a double
    const parse = options.request.parseSuccessResponseBody !== false;
    if (parse) options.request = { ...options.request, parseSuccessResponseBody: false };
    try {
      const response = await request(options);
      if (parse) response.data = await bodyOf(response.data, response.headers['content-type']);
      const etag = response.headers.etag;
      if (typeof etag === 'string') {
        answers.delete(url);
        answers.set(url, { etag, response });
        if (answers.size > MAX_CONDITIONAL) answers.delete(answers.keys().next().value ?? '');
      }
      return response;
    } catch (e) {
      if (known && (e as { status?: number }).status === 304) return known.response;
      throw e;
    }
  });
}

/**
 * What Octokit makes of a success answer's body (`getResponseData` in @octokit/request): JSON for
 * `application/json`, text for `text/*` or a UTF-8 charset, bytes otherwise — but parsed with `JSON.parse`.
 */
async function bodyOf(stream: unknown, contentType: string | undefined): Promise<unknown> {
  if (typeof stream === 'string') return stream; // 204 / 205: Octokit answers "" without reading a body
  const answer = new Response(stream as ReadableStream<Uint8Array> | null);
  if (!contentType) return answer.text();
  const [mime = '', ...params] = contentType
    .toLowerCase()
    .split(';')
    .map((p) => p.trim());
  if (mime === 'application/json' || mime === 'application/scim+json') {
    const text = await answer.text();
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  if (mime.startsWith('text/') || (params.includes('charset=utf-8') && mime !== 'application/octet-stream')) {
    return answer.text();
  }
  return answer.arrayBuffer();
}

/** A `Link` URL to follow: only on the API's own origin (and path), never to another host with the token. */
export function pageUrl(link: string, apiBase: URL, what: string): string {
  let url: URL;
  try {
    url = new URL(link);
  } catch {
    throw malformed(what);
  }
  if (!isUnder(url, apiBase)) throw foreignHost(url);
  return url.toString();
}

/**
 * A failed Octokit call as an ApiError: what our fetch refused or cut off, a transport failure, or the service's
 * answer (with the rate-limit wait). A mutation that may have been carried out anyway has `outcomeUnknown`.
 */
export function githubFailure(e: unknown, what: string, mutation: boolean, token: string): ApiError {
  // what our fetch refused or cut off (deadline, size, another host) arrives as the cause of Octokit's error
  const cause = (e as { cause?: unknown }).cause;
  const own = e instanceof ApiError ? e : cause instanceof ApiError ? cause : undefined;
  if (own) return mutation && own.kind === 'timeout' ? own.withOutcomeUnknown() : own;
  // thrown while Octokit read an answer that was not the JSON it expects
  if (e instanceof TypeError || e instanceof SyntaxError) return malformed(what);
  const err = e as {
    status?: number;
    message?: string;
    name?: string;
    response?: { headers?: Record<string, string | undefined>; data?: unknown };
  };
  const status = typeof err.status === 'number' ? err.status : undefined;
  // @octokit/request turns a failed fetch (refused, reset, DNS, timeout) into a RequestError with status 500, no
  // response, and the cause's message ("connect ECONNREFUSED …", "other side closed"): a transport failure.
  if (status === undefined || err.response === undefined) {
    const message = redact(err.message ?? String(e), [token]);
    const unknown = mutation && !NEVER_SENT.test(message);
    const timedOut = /timeout|aborted/i.test(message) || err.name === 'TimeoutError';
    return transportError('github', timedOut ? 'timeout' : 'network', what, message, unknown);
  }
  const headers = err.response.headers ?? {};
  const data = err.response.data as { message?: unknown } | undefined;
  const serviceMessage = typeof data?.message === 'string' ? redact(data.message, [token]) : undefined;
  let retryAfterMs: number | undefined;
  if (
    status === 429 ||
    (status === 403 && headers['x-ratelimit-remaining'] === '0') ||
    /rate limit/i.test(serviceMessage ?? '')
  ) {
    retryAfterMs = parseRetryAfter(headers['retry-after']);
    const reset = Number(headers['x-ratelimit-reset']);
    if (retryAfterMs === undefined && reset > 0) retryAfterMs = Math.max(1000, reset * 1000 - Date.now());
    retryAfterMs ??= 60_000;
  }
  return errorForStatus('github', status, serviceMessage, what, retryAfterMs, mutation && status >= 500);
}

/** An Octokit response carries its parsed body in `data`: an object or an array, else the JSON did not parse. */
export function isJsonBody(result: unknown): boolean {
  if (typeof result !== 'object' || result === null || Array.isArray(result) || !('data' in result)) return true;
  const { data, status } = result as { data: unknown; status?: number };
  return status === 204 || (typeof data === 'object' && data !== null);
}

export function malformed(what: string): ApiError {
  return new ApiError(
    'github',
    'malformed',
    `GitHub answered with something that is not the JSON expected while trying to ${what}.`,
  );
}
