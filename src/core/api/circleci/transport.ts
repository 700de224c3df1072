/**
 * How a request travels to CircleCI: axios with the token read at every request and sent only to CircleCI's origins,
 * a total deadline and a size limit on every exchange, GET-only retries that honour Retry-After (and refuse to call a
 * throttled route again before its time), one shot for mutations, and failures as typed `ApiError`s.
 */
import type { Readable } from 'node:stream';
import axios, { type AxiosInstance } from 'axios';
import { ApiError, errorForStatus, redact } from '../errors';
import type { RequestObserver } from '../http';
import {
  LIMITS,
  deadlineError,
  declaredLength,
  readCapped,
  tooLargeError,
  transportError,
  withDeadline,
} from '../transport';
import { RequestLimiter, parseRetryAfter, sleep } from '../../util/limiter';
import { silentLogger, type Logger } from '../../util/logger';

export interface CircleCiClientOptions {
  /** e.g. https://circleci.com/api/v2 (checked by the caller: https, or http on loopback). */
  baseUrl: string;
  /** Read at every request, so a new token applies at once. */
  token: () => string | undefined;
  /** Total deadline of one request: connect, headers and body (default 20 s). */
  timeoutMs?: number;
  /** Retries of a GET after a 5xx, a network error or a short 429 (default 2). Mutations are never retried. */
  maxRetries?: number;
  /** Longest Retry-After a GET waits for before failing as rate limited (default 30 s). */
  maxRetryWaitMs?: number;
  /** Largest API answer accepted (default LIMITS.apiBodyBytes). */
  maxBodyBytes?: number;
  limiter?: RequestLimiter;
  log?: Logger;
  onRequest?: RequestObserver;
  /**
   * Hosts (and their subdomains) that may receive the token over https on the default port when downloading
   * artifacts, besides the API's own origin (default: CircleCI's artifact hosts).
   */
  artifactHosts?: readonly string[];
}

interface CallOptions {
  method?: 'GET' | 'POST';
  body?: unknown;
  query?: Record<string, string | undefined>;
  /** What the call does, for messages: "list the pipelines of gh/greenpeace/planet4-africa". */
  what: string;
}

interface Answer {
  status: number;
  headers: Record<string, unknown>;
  /** The decoded body, within the size limit. */
  body: Buffer;
}

const DEFAULT_ARTIFACT_HOSTS = ['circle-artifacts.com', 'circleci.com'];
/** Connection failures after which a request cannot have reached the service. */
const NEVER_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ERR_INVALID_URL', 'EHOSTUNREACH']);

/** The exchanges, retries and token rule under `CircleCiClient` and its artifact downloads. */
export class CircleCiTransport {
  private readonly http: AxiosInstance;
  private readonly limiter: RequestLimiter;
  private readonly log: Logger;
  private readonly base: URL;
  private readonly deadlineMs: number;
  /** Route → time before which it must not be called again (429 Retry-After). */
  private readonly throttledUntil = new Map<string, number>();

  constructor(private readonly options: CircleCiClientOptions) {
    this.base = new URL(options.baseUrl.replace(/\/+$/, ''));
    this.limiter = options.limiter ?? new RequestLimiter(8);
    this.log = options.log ?? silentLogger;
    this.deadlineMs = options.timeoutMs ?? 20_000;
    this.http = axios.create({
      baseURL: this.base.toString(),
      responseType: 'stream',
      decompress: true,
      validateStatus: () => true,
      maxRedirects: 0,
      maxBodyLength: LIMITS.requestBodyBytes,
      headers: { Accept: 'application/json' },
    });
  }

  get baseUrl(): string {
    return this.options.baseUrl;
  }

  /** The token header, when there is a token. */
  authHeaders(): Record<string, string> {
    const token = this.options.token();
    return token ? { 'Circle-Token': token } : {};
  }

  /**
   * The token goes to the configured API origin (scheme, host and port: over loopback http only when that is the
   * sandbox's), and to CircleCI's artifact hosts over https on the default port. After a redirect, only to the
   * origin of the hop before: never to a host a redirect names.
   */
  mayReceiveToken(url: URL, previous?: URL): boolean {
    if (previous && url.origin !== previous.origin) return false;
    if (url.origin === this.base.origin) return true;
    const allowed = this.options.artifactHosts ?? DEFAULT_ARTIFACT_HOSTS;
    const host = url.hostname.toLowerCase();
    return url.protocol === 'https:' && url.port === '' && allowed.some((h) => host === h || host.endsWith(`.${h}`));
  }

  /**
   * One HTTP exchange through the limiter, under the total deadline: `consume` gets the status, the headers and the
   * (decoded) body stream, and must finish with it before the deadline. Reports the exchange to `onRequest`.
   */
  exchange<T>(
    method: 'GET' | 'POST',
    url: string,
    opts: {
      headers: Record<string, string>;
      params?: Record<string, string>;
      data?: string;
      signal?: AbortSignal | undefined;
      what: string;
      absolute?: boolean;
      attempt?: number;
    },
    consume: (status: number, headers: Record<string, unknown>, stream: Readable) => Promise<T>,
  ): Promise<T> {
    return this.limiter.run(async () => {
      const t0 = Date.now();
      const path = opts.absolute ? new URL(url).pathname : url;
      let status: number | 'error' = 'error';
      try {
        return await withDeadline(
          this.deadlineMs,
          opts.signal,
          () => deadlineError('circleci', opts.what, this.deadlineMs),
          async (signal) => {
            const res = await (opts.absolute ? axios : this.http).request<Readable>({
              method,
              url,
              ...(opts.absolute
                ? {
                    responseType: 'stream',
                    decompress: true,
                    maxRedirects: 0,
                    validateStatus: () => true,
                  }
                : {}),
              params: opts.params,
              headers: opts.headers,
              data: opts.data,
              signal,
            });
            status = res.status;
            return consume(res.status, res.headers, res.data);
          },
        );
      } finally {
        this.options.onRequest?.({
          service: 'circleci',
          method,
          path,
          status,
          ms: Date.now() - t0,
          attempt: opts.attempt ?? 1,
        });
      }
    });
  }

  /** One API call: JSON in and out; GETs retried (network failures, 5xx, a short 429), mutations sent once. */
  async call<T>(path: string, opts: CallOptions): Promise<T> {
    const method = opts.method ?? 'GET';
    const isMutation = method !== 'GET';
    const maxRetries = isMutation ? 0 : (this.options.maxRetries ?? 2);
    const maxWait = this.options.maxRetryWaitMs ?? 30_000;
    const maxBytes = this.options.maxBodyBytes ?? LIMITS.apiBodyBytes;
    const routeKey = `${method} ${path}`;
    const params = Object.fromEntries(
      Object.entries(opts.query ?? {}).filter((e): e is [string, string] => e[1] !== undefined),
    );

    for (let attempt = 1; ; attempt++) {
      // A throttled route is not called again before its Retry-After has passed.
      const until = this.throttledUntil.get(routeKey);
      if (until !== undefined) {
        const wait = until - Date.now();
        if (wait > 0) {
          if (isMutation || wait > maxWait) {
            throw errorForStatus('circleci', 429, undefined, opts.what, wait);
          }
          await sleep(wait);
        }
        this.throttledUntil.delete(routeKey);
      }

      let answer: Answer;
      const t0 = Date.now();
      try {
        answer = await this.exchange(
          method,
          path,
          {
            headers: {
              ...this.authHeaders(),
              ...(opts.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
            },
            params,
            ...(opts.body !== undefined ? { data: JSON.stringify(opts.body) } : {}),
            what: opts.what,
            attempt,
          },
          async (status, headers, stream) => {
            const length = declaredLength(headers['content-length']);
            if (length !== undefined && length > maxBytes) {
              stream.destroy();
              throw tooLargeError('circleci', opts.what, maxBytes);
            }
            const body = await readCapped(stream, maxBytes, () => tooLargeError('circleci', opts.what, maxBytes));
            return { status, headers, body };
          },
        );
      } catch (e) {
        const err = this.failure(e, opts.what, isMutation);
        this.log.debug(`CircleCI ${method} ${path} → ${err.kind} (attempt ${attempt})`);
        // A network failure may pass; a request that already hung for its deadline is tried once more at most.
        if (attempt <= maxRetries && err.isConnectivity && !(err.kind === 'timeout' && attempt > 1)) {
          await sleep(backoff(attempt));
          continue;
        }
        throw err;
      }
      const { status } = answer;
      const text = answer.body.toString('utf8');
      this.log.trace(`CircleCI ${method} ${path} → ${status} in ${Date.now() - t0} ms`);

      if (status >= 200 && status < 300) {
        if (text === '' && isMutation) return undefined as T;
        try {
          return JSON.parse(text) as T;
        } catch {
          throw new ApiError(
            'circleci',
            'malformed',
            `CircleCI answered with something that is not JSON while trying to ${opts.what}.`,
            status,
          );
        }
      }

      const serviceMessage = this.messageOf(text);
      if (status === 429) {
        const wait = parseRetryAfter(answer.headers['retry-after']) ?? backoff(attempt) * 4;
        this.throttledUntil.set(routeKey, Date.now() + wait);
        if (attempt <= maxRetries && wait <= maxWait) {
          this.log.info(`CircleCI throttled ${method} ${path}: waiting ${wait} ms as asked`);
          continue;
        }
        throw errorForStatus('circleci', 429, serviceMessage, opts.what, wait);
      }
      if (status >= 500 && attempt <= maxRetries) {
        await sleep(backoff(attempt));
        continue;
      }
      throw errorForStatus('circleci', status, serviceMessage, opts.what, undefined, isMutation && status >= 500);
    }
  }

  /** A request's failure as an ApiError (see `transportError`). */
  private failure(e: unknown, what: string, isMutation: boolean): ApiError {
    if (e instanceof ApiError) {
      // a mutation whose deadline passed may have been carried out
      return isMutation && e.kind === 'timeout' ? e.withOutcomeUnknown() : e;
    }
    const code = (e as { code?: string }).code;
    const message = redact(e instanceof Error ? e.message : String(e), [this.options.token()]);
    const unknown = isMutation && !(code !== undefined && NEVER_SENT.has(code));
    const timedOut = code === 'ECONNABORTED' || code === 'ETIMEDOUT' || /timeout/i.test(message);
    return transportError('circleci', timedOut ? 'timeout' : 'network', what, code ?? message, unknown);
  }

  /** The service's `message`, without anything that looks like a credential, and not too long. */
  private messageOf(text: string): string | undefined {
    try {
      const body = JSON.parse(text) as { message?: unknown };
      return typeof body.message === 'string' ? redact(body.message, [this.options.token()]) : undefined;
    } catch {
      return undefined;
    }
  }
}

function backoff(attempt: number): number {
  return Math.min(4000, 250 * 2 ** (attempt - 1));
}
