import axios, { type AxiosInstance } from 'axios';
import { ApiError, errorForStatus, redact } from '../errors';
import type { RequestObserver } from '../http';
import { RequestLimiter, parseRetryAfter, sleep } from '../../util/limiter';
import { silentLogger, type Logger } from '../../util/logger';
import type {
  Artifact,
  ArtifactListPage,
  Job,
  JobListPage,
  Pipeline,
  PipelineListPage,
  TriggeredPipeline,
  User,
  Workflow,
  WorkflowListPage,
} from './types';

export interface CircleCiClientOptions {
  /** e.g. https://circleci.com/api/v2 */
  baseUrl: string;
  /** Read at every request, so a new token applies at once. */
  token: () => string | undefined;
  /** Per request; default 20 s. */
  timeoutMs?: number;
  /** Retries of a GET after a 5xx, a network error or a short 429 (default 2). Mutations are never retried. */
  maxRetries?: number;
  /** Longest Retry-After a GET waits for before failing as rate limited (default 30 s). */
  maxRetryWaitMs?: number;
  limiter?: RequestLimiter;
  log?: Logger;
  onRequest?: RequestObserver;
  /** Hosts (besides the API's) that may receive the token when downloading artifacts. */
  artifactHosts?: readonly string[];
}

interface CallOptions {
  method?: 'GET' | 'POST';
  body?: unknown;
  query?: Record<string, string | undefined>;
  /** What the call does, for messages: "list the pipelines of gh/greenpeace/planet4-africa". */
  what: string;
}

const DEFAULT_ARTIFACT_HOSTS = ['circle-artifacts.com', 'circleci.com'];

/**
 * CircleCI API v2 over axios: a token per request, timeouts, typed errors, pagination, GET-only retries that
 * honour Retry-After (and refuse to call a throttled route again before its time), one shot for mutations.
 */
export class CircleCiClient {
  private readonly http: AxiosInstance;
  private readonly limiter: RequestLimiter;
  private readonly log: Logger;
  private readonly baseHost: string;
  /** Route → time before which it must not be called again (429 Retry-After). */
  private readonly throttledUntil = new Map<string, number>();

  constructor(private readonly options: CircleCiClientOptions) {
    this.baseHost = new URL(options.baseUrl).host;
    this.limiter = options.limiter ?? new RequestLimiter(8);
    this.log = options.log ?? silentLogger;
    this.http = axios.create({
      baseURL: options.baseUrl.replace(/\/+$/, ''),
      timeout: options.timeoutMs ?? 20_000,
      responseType: 'text',
      transformResponse: [(data: unknown) => data],
      validateStatus: () => true,
      maxRedirects: 0,
      headers: { Accept: 'application/json' },
    });
  }

  get baseUrl(): string {
    return this.options.baseUrl;
  }

  // ---------------------------------------------------------------- reads

  me(): Promise<User> {
    return this.call<User>('/me', { what: 'read the signed-in CircleCI user' });
  }

  listPipelinesPage(slug: string, pageToken?: string): Promise<PipelineListPage> {
    return this.call<PipelineListPage>(`/project/${slug}/pipeline`, {
      query: { 'page-token': pageToken },
      what: `list the pipelines of ${slug}`,
    });
  }

  getPipelineByNumber(slug: string, pipelineNumber: number): Promise<Pipeline> {
    return this.call<Pipeline>(`/project/${slug}/pipeline/${pipelineNumber}`, {
      what: `read pipeline ${pipelineNumber} of ${slug}`,
    });
  }

  listWorkflows(pipelineId: string): Promise<Workflow[]> {
    return this.all<Workflow, WorkflowListPage>((token) =>
      this.call(`/pipeline/${encodeURIComponent(pipelineId)}/workflow`, {
        query: { 'page-token': token },
        what: `list the workflows of pipeline ${pipelineId}`,
      }),
    );
  }

  listJobs(workflowId: string): Promise<Job[]> {
    return this.all<Job, JobListPage>((token) =>
      this.call(`/workflow/${encodeURIComponent(workflowId)}/job`, {
        query: { 'page-token': token },
        what: `list the jobs of workflow ${workflowId}`,
      }),
    );
  }

  listArtifacts(slug: string, jobNumber: number): Promise<Artifact[]> {
    return this.all<Artifact, ArtifactListPage>((token) =>
      this.call(`/project/${slug}/${jobNumber}/artifacts`, {
        query: { 'page-token': token },
        what: `list the artifacts of job ${jobNumber} of ${slug}`,
      }),
    );
  }

  /**
   * Downloads an artifact. The token is sent only to the API's own host or CircleCI's artifact hosts; redirects
   * are followed by hand so that it never leaks to another host.
   */
  async download(url: string, signal?: AbortSignal): Promise<Buffer> {
    let current = new URL(url);
    for (let hop = 0; hop < 4; hop++) {
      const withToken = this.mayReceiveToken(current.host);
      const response = await this.limiter.run(async () => {
        const t0 = Date.now();
        try {
          const r = await axios.get<ArrayBuffer>(current.toString(), {
            responseType: 'arraybuffer',
            timeout: this.options.timeoutMs ?? 20_000,
            maxRedirects: 0,
            validateStatus: () => true,
            headers: withToken ? this.authHeaders() : {},
            ...(signal ? { signal } : {}),
          });
          this.options.onRequest?.({
            service: 'circleci',
            method: 'GET',
            path: current.pathname,
            status: r.status,
            ms: Date.now() - t0,
            attempt: 1,
          });
          return r;
        } catch (e) {
          this.options.onRequest?.({
            service: 'circleci',
            method: 'GET',
            path: current.pathname,
            status: 'error',
            ms: Date.now() - t0,
            attempt: 1,
          });
          throw this.transportError(e, `download ${current.pathname}`);
        }
      });
      if (response.status >= 300 && response.status < 400 && typeof response.headers.location === 'string') {
        current = new URL(response.headers.location, current);
        continue;
      }
      if (response.status !== 200) {
        throw errorForStatus('circleci', response.status, undefined, `download the artifact ${current.pathname}`);
      }
      return Buffer.from(response.data);
    }
    throw new ApiError('circleci', 'invalid', `Too many redirects while downloading ${url}.`);
  }

  // ---------------------------------------------------------------- mutations (sent once, never retried)

  triggerPipeline(
    slug: string,
    body: { tag?: string; branch?: string; parameters?: Record<string, unknown> },
  ): Promise<TriggeredPipeline> {
    return this.call<TriggeredPipeline>(`/project/${slug}/pipeline`, {
      method: 'POST',
      body,
      what: `trigger a pipeline of ${slug}`,
    });
  }

  async approveJob(workflowId: string, approvalRequestId: string): Promise<void> {
    await this.call<unknown>(
      `/workflow/${encodeURIComponent(workflowId)}/approve/${encodeURIComponent(approvalRequestId)}`,
      { method: 'POST', what: `approve the job ${approvalRequestId} of workflow ${workflowId}` },
    );
  }

  // ---------------------------------------------------------------- plumbing

  private authHeaders(): Record<string, string> {
    const token = this.options.token();
    return token ? { 'Circle-Token': token } : {};
  }

  private mayReceiveToken(host: string): boolean {
    if (host === this.baseHost) return true;
    const allowed = this.options.artifactHosts ?? DEFAULT_ARTIFACT_HOSTS;
    const bare = host.replace(/:\d+$/, '');
    return allowed.some((h) => bare === h || bare.endsWith(`.${h}`));
  }

  private async all<T, P extends { items: T[]; next_page_token?: string | null }>(
    page: (token?: string) => Promise<P>,
    maxPages = 50,
  ): Promise<T[]> {
    const items: T[] = [];
    let token: string | undefined;
    for (let i = 0; i < maxPages; i++) {
      const p = await page(token);
      items.push(...p.items);
      token = p.next_page_token ?? undefined;
      if (!token) return items;
    }
    this.log.warn(`CircleCI: stopped after ${maxPages} pages`);
    return items;
  }

  private async call<T>(path: string, opts: CallOptions): Promise<T> {
    const method = opts.method ?? 'GET';
    const isMutation = method !== 'GET';
    const maxRetries = isMutation ? 0 : (this.options.maxRetries ?? 2);
    const maxWait = this.options.maxRetryWaitMs ?? 30_000;
    const routeKey = `${method} ${path}`;
    const params = Object.fromEntries(Object.entries(opts.query ?? {}).filter(([, v]) => v !== undefined));

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

      let status: number;
      let text: string;
      let retryAfterMs: number | undefined;
      const t0 = Date.now();
      try {
        const res = await this.limiter.run(() =>
          this.http.request<string>({
            method: method,
            url: path,
            params,
            headers: {
              ...this.authHeaders(),
              ...(opts.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
            },
            data: opts.body === undefined ? undefined : JSON.stringify(opts.body),
          }),
        );
        status = res.status;
        text = typeof res.data === 'string' ? res.data : '';
        retryAfterMs = parseRetryAfter(res.headers['retry-after']);
        this.options.onRequest?.({ service: 'circleci', method, path, status, ms: Date.now() - t0, attempt });
      } catch (e) {
        this.options.onRequest?.({ service: 'circleci', method, path, status: 'error', ms: Date.now() - t0, attempt });
        const err = this.transportError(e, opts.what);
        this.log.debug(`CircleCI ${method} ${path} → ${err.kind} (attempt ${attempt})`);
        // A network failure may pass; a request that already hung for timeoutMs is tried once more at most.
        if (attempt <= maxRetries && !(err.kind === 'timeout' && attempt > 1)) {
          await sleep(backoff(attempt));
          continue;
        }
        throw err;
      }
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

      const serviceMessage = messageOf(text);
      if (status === 429) {
        const wait = retryAfterMs ?? backoff(attempt) * 4;
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
      throw errorForStatus('circleci', status, serviceMessage, opts.what);
    }
  }

  private transportError(e: unknown, what: string): ApiError {
    if (e instanceof ApiError) return e;
    const code = (e as { code?: string }).code;
    const message = redact(e instanceof Error ? e.message : String(e), [this.options.token()]);
    if (code === 'ECONNABORTED' || code === 'ETIMEDOUT' || /timeout/i.test(message)) {
      return new ApiError('circleci', 'timeout', `CircleCI did not answer in time while trying to ${what}.`);
    }
    return new ApiError('circleci', 'network', `Cannot reach CircleCI (${code ?? message}) while trying to ${what}.`);
  }
}

function backoff(attempt: number): number {
  return Math.min(4000, 250 * 2 ** (attempt - 1));
}

function messageOf(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as { message?: unknown };
    return typeof body.message === 'string' ? body.message : undefined;
  } catch {
    return undefined;
  }
}

export type { Pipeline, Workflow, Job, Artifact };
