import { Octokit } from '@octokit/rest';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { ApiError, errorForStatus, redact } from '../errors';
import type { RequestObserver } from '../http';
import { collect, nextLink } from '../pages';
import {
  LIMITS,
  deadlineError,
  declaredLength,
  isUnder,
  readCapped,
  tooLargeError,
  transportError,
  withDeadline,
} from '../transport';
import { RequestLimiter, parseRetryAfter } from '../../util/limiter';
import { silentLogger, type Logger } from '../../util/logger';

const Planet4Octokit = Octokit.plugin(retry, throttling);
type Planet4OctokitInstance = InstanceType<typeof Planet4Octokit>;

export interface GitHubClientOptions {
  /** e.g. https://api.github.com */
  baseUrl: string;
  token: string;
  timeoutMs?: number;
  limiter?: RequestLimiter;
  log?: Logger;
  onRequest?: RequestObserver;
  /** Longest rate-limit wait a GET accepts before failing (default 30 s). */
  maxRetryWaitMs?: number;
  /** Largest answer accepted (default LIMITS.apiBodyBytes). */
  maxBodyBytes?: number;
  /** Pages of tags read at most (100 tags a page; default 20). */
  maxTagPages?: number;
}

export interface CommitInfo {
  sha: string;
  message: string;
  subject: string;
  treeSha: string;
  parents: string[];
  authorName?: string;
  date?: string;
  url?: string;
}

export interface TagInfo {
  name: string;
  /** The commit the tag points to (annotated tags already peeled by the tags list). */
  commitSha: string;
}

export interface CompareInfo {
  aheadBy: number;
  /** Oldest first, at most 250 as GitHub returns them. */
  commits: CommitInfo[];
  base: CommitInfo;
}

const MUTATION = { request: { retries: 0 } } as const;
const REDIRECTS: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);
/** Statuses whose answer has no body (a Response cannot be built with one). */
const NULL_BODY: ReadonlySet<number> = new Set([101, 204, 205, 304]);
/** Connection failures after which a request cannot have reached the service. */
const NEVER_SENT = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|bad port/;

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

/** How many GET answers are remembered for conditional requests (a few per site). */
const MAX_CONDITIONAL = 1000;

/**
 * GitHub REST through @octokit/rest with the official retry and throttling plugins. Reads are retried by the
 * plugins (and rate-limit waits honoured up to a bound); mutations are sent once (`retries: 0`, and the throttling
 * handlers refuse to retry anything but GET). Never sends `force`.
 */
export class GitHubClient {
  readonly octokit: Planet4OctokitInstance;
  private readonly etags = new Map<
    string,
    { etag: string; response: Awaited<ReturnType<Planet4OctokitInstance['request']>> }
  >();
  private readonly log: Logger;
  /** The API's origin and path: the only place a request (and the token) may go. */
  private readonly apiBase: URL;

  constructor(private readonly options: GitHubClientOptions) {
    this.log = options.log ?? silentLogger;
    const limiter = options.limiter ?? new RequestLimiter(8);
    const timeoutMs = options.timeoutMs ?? 20_000;
    const maxWaitS = (options.maxRetryWaitMs ?? 30_000) / 1000;
    const log = this.log;
    const base = options.baseUrl.replace(/\/+$/, '');
    const observe = options.onRequest;
    const apiBase = new URL(base);
    this.apiBase = apiBase;
    const maxBytes = options.maxBodyBytes ?? LIMITS.apiBodyBytes;
    /**
     * Every request Octokit makes goes through here: only to the API's own origin (a `Link` or a redirect to another
     * host is refused before anything is sent), same-origin redirects followed by hand, and the whole exchange —
     * connect, headers and a body read within the size limit — under one deadline, inside a limiter slot.
     */
    const boundedFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
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
          observe?.({
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
    this.octokit = new Planet4Octokit({
      auth: options.token,
      baseUrl: base,
      userAgent: 'planet4-pipelines-vscode',
      request: { fetch: boundedFetch },
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
    this.useConditionalRequests();
  }

  /**
   * GitHub's conditional requests: a GET answered before is sent again with `If-None-Match`; GitHub answers
   * `304 Not Modified`, which does not count against the rate limit, and the remembered answer is used. Tags and
   * compares are read every slow cycle for every site and rarely change, so most of those reads become free.
   */
  private useConditionalRequests(): void {
    const answers = this.etags;
    this.octokit.hook.wrap('request', async (request, options) => {
      if (options.method !== 'GET') return request(options);
      const { url } = this.octokit.request.endpoint.parse(options);
      const known = answers.get(url);
      if (known) options.headers['if-none-match'] = known.etag;
      try {
        const response = await request(options);
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

  // ---------------------------------------------------------------- reads

  async user(): Promise<{ login: string }> {
    const r = await this.wrap('read the signed-in GitHub user', () => this.octokit.rest.users.getAuthenticated());
    return { login: r.data.login };
  }

  /** A text file's content through the contents API. */
  async fileText(owner: string, repo: string, path: string, ref: string): Promise<string> {
    const r = await this.wrap(`read ${path} of ${owner}/${repo}@${ref}`, () =>
      this.octokit.rest.repos.getContent({ owner, repo, path, ref }),
    );
    const data = r.data as { content?: string; encoding?: string };
    if (typeof data.content !== 'string') {
      throw new ApiError('github', 'malformed', `${owner}/${repo}/${path} is not a file.`);
    }
    return data.encoding === 'base64' ? Buffer.from(data.content, 'base64').toString('utf8') : data.content;
  }

  /** Every tag of the repository (lightweight and annotated), in GitHub's order (which means nothing). */
  async listTags(owner: string, repo: string): Promise<TagInfo[]> {
    const what = `list the tags of ${owner}/${repo}`;
    type Page = Awaited<ReturnType<Planet4OctokitInstance['rest']['repos']['listTags']>>;
    const tags = await collect<Page['data'][number], Page>(
      (next) =>
        this.wrap(what, () =>
          next === undefined
            ? this.octokit.rest.repos.listTags({ owner, repo, per_page: 100 })
            : (this.octokit.request({ method: 'GET', url: this.pageUrl(next, what) }) as Promise<Page>),
        ),
      (page) => nextLink(page.headers.link),
      (page) => (Array.isArray(page.data) ? page.data : []),
      { maxPages: this.options.maxTagPages ?? 20, what: `the tags of ${owner}/${repo} (GitHub)`, log: this.log },
    );
    return tags.map((t) => ({ name: t.name, commitSha: t.commit.sha }));
  }

  /** A `Link` URL to follow: only on the API's own origin (and path), never to another host with the token. */
  private pageUrl(link: string, what: string): string {
    let url: URL;
    try {
      url = new URL(link);
    } catch {
      throw malformed(what);
    }
    if (!isUnder(url, this.apiBase)) throw foreignHost(url);
    return url.toString();
  }

  /** The commit sha a ref like `heads/main` points to; undefined when the ref does not exist. */
  async refSha(owner: string, repo: string, ref: string): Promise<{ sha: string; type: string } | undefined> {
    try {
      const r = await this.wrap(`read ${ref} of ${owner}/${repo}`, () =>
        this.octokit.rest.git.getRef({ owner, repo, ref }),
      );
      return { sha: r.data.object.sha, type: r.data.object.type };
    } catch (e) {
      if (e instanceof ApiError && e.kind === 'notFound') return undefined;
      throw e;
    }
  }

  async commit(owner: string, repo: string, sha: string): Promise<CommitInfo> {
    const r = await this.wrap(`read commit ${sha.slice(0, 7)} of ${owner}/${repo}`, () =>
      this.octokit.rest.git.getCommit({ owner, repo, commit_sha: sha }),
    );
    return gitCommitInfo(r.data);
  }

  /** `main` HEAD: the ref and its commit. */
  async branchHead(owner: string, repo: string, branch = 'main'): Promise<CommitInfo> {
    const ref = await this.refSha(owner, repo, `heads/${branch}`);
    if (!ref) throw new ApiError('github', 'notFound', `${owner}/${repo} has no branch ${branch}.`, 404);
    return this.commit(owner, repo, ref.sha);
  }

  async compare(owner: string, repo: string, base: string, head: string): Promise<CompareInfo> {
    const r = await this.wrap(`compare ${base}...${head} of ${owner}/${repo}`, () =>
      this.octokit.rest.repos.compareCommits({ owner, repo, base, head, per_page: 100 }),
    );
    const toInfo = (c: (typeof r.data.commits)[number]): CommitInfo => ({
      sha: c.sha,
      message: c.commit.message,
      subject: subjectOf(c.commit.message),
      treeSha: c.commit.tree.sha,
      parents: c.parents.map((p) => p.sha),
      authorName: c.commit.author?.name,
      date: c.commit.author?.date,
      url: c.html_url,
    });
    return { aheadBy: r.data.ahead_by, commits: r.data.commits.map(toInfo), base: toInfo(r.data.base_commit) };
  }

  // ---------------------------------------------------------------- mutations (sent once; never force)

  /** `POST git/tags`: an annotated tag object, as Planet 4's bot makes it (message = tag name). */
  async createTagObject(owner: string, repo: string, tag: string, commitSha: string): Promise<string> {
    const r = await this.wrap(
      `create the tag object ${tag} in ${owner}/${repo}`,
      () =>
        this.octokit.rest.git.createTag({
          owner,
          repo,
          tag,
          message: tag,
          object: commitSha,
          type: 'commit',
          ...MUTATION,
        }),
      true,
      true,
    );
    return r.data.sha;
  }

  /** `POST git/refs` with the full ref name (`refs/tags/v1.2.3`). */
  async createRef(owner: string, repo: string, ref: string, sha: string): Promise<void> {
    await this.wrap(
      `create ${ref} in ${owner}/${repo}`,
      () => this.octokit.rest.git.createRef({ owner, repo, ref, sha, ...MUTATION }),
      false,
      true,
    );
  }

  /** `POST git/commits`. */
  async createCommit(
    owner: string,
    repo: string,
    message: string,
    treeSha: string,
    parents: string[],
  ): Promise<CommitInfo> {
    const r = await this.wrap(
      `create a commit in ${owner}/${repo}`,
      () => this.octokit.rest.git.createCommit({ owner, repo, message, tree: treeSha, parents, ...MUTATION }),
      true,
      true,
    );
    return gitCommitInfo(r.data);
  }

  /** `PATCH git/refs/{ref}` WITHOUT force: a compare-and-swap that GitHub refuses (422) unless it fast-forwards. */
  async fastForwardRef(owner: string, repo: string, ref: string, sha: string): Promise<void> {
    await this.wrap(
      `move ${ref} of ${owner}/${repo}`,
      () => this.octokit.rest.git.updateRef({ owner, repo, ref, sha, force: false, ...MUTATION }),
      false,
      true,
    );
  }

  // ---------------------------------------------------------------- plumbing

  /**
   * Runs a call: its failures become ApiErrors, and a success whose body is not JSON (Octokit then hands over the raw
   * text) is `malformed` rather than a TypeError further on. `expectBody: false` for mutations whose answer is unused.
   */
  private async wrap<T>(what: string, call: () => Promise<T>, expectBody = true, mutation = false): Promise<T> {
    let result: T;
    try {
      result = await call();
    } catch (e) {
      throw this.toApiError(e, what, mutation);
    }
    if (expectBody && !isJsonBody(result)) throw malformed(what);
    return result;
  }

  private toApiError(e: unknown, what: string, mutation: boolean): ApiError {
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
      const message = redact(err.message ?? String(e), [this.options.token]);
      const unknown = mutation && !NEVER_SENT.test(message);
      const timedOut = /timeout|aborted/i.test(message) || err.name === 'TimeoutError';
      return transportError('github', timedOut ? 'timeout' : 'network', what, message, unknown);
    }
    const headers = err.response.headers ?? {};
    const data = err.response.data as { message?: unknown } | undefined;
    const serviceMessage = typeof data?.message === 'string' ? redact(data.message, [this.options.token]) : undefined;
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
}

/** An Octokit response carries its parsed body in `data`: an object or an array, else the JSON did not parse. */
function isJsonBody(result: unknown): boolean {
  if (typeof result !== 'object' || result === null || Array.isArray(result) || !('data' in result)) return true;
  const { data, status } = result as { data: unknown; status?: number };
  return status === 204 || (typeof data === 'object' && data !== null);
}

function malformed(what: string): ApiError {
  return new ApiError(
    'github',
    'malformed',
    `GitHub answered with something that is not the JSON expected while trying to ${what}.`,
  );
}

/** A git commit object (`GET`/`POST git/commits`) as CommitInfo. */
function gitCommitInfo(c: {
  sha: string;
  message: string;
  tree: { sha: string };
  parents: { sha: string }[];
  author: { name: string; date: string };
  html_url: string;
}): CommitInfo {
  return {
    sha: c.sha,
    message: c.message,
    subject: subjectOf(c.message),
    treeSha: c.tree.sha,
    parents: c.parents.map((p) => p.sha),
    authorName: c.author.name,
    date: c.author.date,
    url: c.html_url,
  };
}

export function subjectOf(message: string): string {
  return message.split('\n', 1)[0] ?? '';
}
