import { ApiError } from '../errors';
import type { RequestObserver } from '../http';
import { collect, nextLink } from '../pages';
import { LIMITS } from '../transport';
import { RequestLimiter } from '../../util/limiter';
import { silentLogger, type Logger } from '../../util/logger';
import { createOctokit, githubFailure, isJsonBody, malformed, pageUrl, type Planet4OctokitInstance } from './transport';

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
  /** Pages of tags read at most (100 tags a page for `/tags`; `matching-refs` is one list; default 20). */
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

/** A tag ref as `git/matching-refs` lists it: a name and a target, no date. */
export interface TagRef {
  name: string;
  /** The commit (a lightweight tag) or the tag object (an annotated tag: peel it with `GET git/tags/{sha}`). */
  sha: string;
  type: 'commit' | 'tag';
}

export interface CompareInfo {
  aheadBy: number;
  /** `identical`, `ahead`, `behind` or `diverged` (GitHub's `status`). */
  status?: string;
  /** How many commits the answer is about (GitHub's `total_commits`): all are listed when ≤ `commits.length`. */
  totalCommits: number;
  /**
   * Oldest first: GitHub answers a compare without paging parameters with at most 250 commits, the most recent ones
   * (REALITY.md "GitHub limits"). All of them when `commits.length === aheadBy`. HEAD is not read from here: it is the
   * branch ref's (`branchRef`).
   */
  commits: CommitInfo[];
  base: CommitInfo;
}

const MUTATION = { request: { retries: 0 } } as const;

/**
 * GitHub REST through @octokit/rest with the official retry and throttling plugins (the transport, its origin rule
 * and its bounds are in `transport.ts`). Reads are retried by the plugins (and rate-limit waits honoured up to a
 * bound); mutations are sent once (`retries: 0`, and the throttling handlers refuse to retry anything but GET). The
 * one ref update (`fastForwardRef`) sends `force: false`.
 */
export class GitHubClient {
  readonly octokit: Planet4OctokitInstance;
  private readonly log: Logger;
  /** The API's origin and path: the only place a request (and the token) may go. */
  private readonly apiBase: URL;

  constructor(private readonly options: GitHubClientOptions) {
    this.log = options.log ?? silentLogger;
    const baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.apiBase = new URL(baseUrl);
    this.octokit = createOctokit({
      baseUrl,
      apiBase: this.apiBase,
      token: options.token,
      timeoutMs: options.timeoutMs ?? 20_000,
      maxRetryWaitMs: options.maxRetryWaitMs ?? 30_000,
      maxBodyBytes: options.maxBodyBytes ?? LIMITS.apiBodyBytes,
      limiter: options.limiter ?? new RequestLimiter(8),
      log: this.log,
      onRequest: options.onRequest,
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
            : (this.octokit.request({ method: 'GET', url: pageUrl(next, this.apiBase, what) }) as Promise<Page>),
        ),
      (page) => nextLink(page.headers.link),
      (page) => (Array.isArray(page.data) ? page.data : []),
      { maxPages: this.options.maxTagPages ?? 20, what: `the tags of ${owner}/${repo} (GitHub)`, log: this.log },
    );
    return tags.map((t) => ({ name: t.name, commitSha: t.commit.sha }));
  }

  /**
   * Every tag ref whose name starts with `prefix` (`v`: the release tags, and a few others such as `v1.2-rc`) in ONE
   * request: `GET git/matching-refs/tags/{prefix}` (names and targets, no dates), conditional like every read (the
   * next slow cycle gets 304, which costs no rate limit). GitHub documents no paging for it; should an answer carry a
   * `Link` header anyway, it is followed up to `maxTagPages`, and every answer is bounded by `maxBodyBytes`.
   */
  async matchingTags(owner: string, repo: string, prefix = 'v'): Promise<TagRef[]> {
    const what = `list the ${prefix}… tags of ${owner}/${repo}`;
    type Page = Awaited<ReturnType<Planet4OctokitInstance['rest']['git']['listMatchingRefs']>>;
    const refs = await collect<Page['data'][number], Page>(
      (next) =>
        this.wrap(what, () =>
          next === undefined
            ? this.octokit.rest.git.listMatchingRefs({ owner, repo, ref: `tags/${prefix}` })
            : (this.octokit.request({ method: 'GET', url: pageUrl(next, this.apiBase, what) }) as Promise<Page>),
        ),
      (page) => nextLink(page.headers.link),
      (page) => (Array.isArray(page.data) ? page.data : []),
      { maxPages: this.options.maxTagPages ?? 20, what: `the tags of ${owner}/${repo} (GitHub)`, log: this.log },
    );
    const out: TagRef[] = [];
    for (const r of refs) {
      const name = typeof r.ref === 'string' && r.ref.startsWith('refs/tags/') ? r.ref.slice(10) : undefined;
      const type = r.object.type;
      if (name === undefined || typeof r.object.sha !== 'string' || (type !== 'commit' && type !== 'tag')) continue;
      out.push({ name, sha: r.object.sha, type });
    }
    return out;
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

  /** The commit a tag (lightweight or annotated) points to (`GET /commits/{tag}`). */
  async tagCommitSha(owner: string, repo: string, tag: string): Promise<string> {
    const r = await this.wrap(`read the commit of ${tag} in ${owner}/${repo}`, () =>
      this.octokit.rest.repos.getCommit({ owner, repo, ref: tag }),
    );
    return r.data.sha;
  }

  /**
   * `GET compare/{base}...{head}` WITHOUT paging parameters: GitHub then answers the most recent 250 commits at most
   * (with `per_page`/`page` it would answer chronological pages, the first one the OLDEST commits). `head` is a sha
   * read from the branch ref, or the branch's name when the answer is to say what HEAD is (only when it lists every
   * commit: `nextRelease.ts`).
   */
  async compare(owner: string, repo: string, base: string, head: string): Promise<CompareInfo> {
    const r = await this.wrap(`compare ${base}...${head} of ${owner}/${repo}`, () =>
      this.octokit.rest.repos.compareCommits({ owner, repo, base, head }),
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
    return {
      aheadBy: r.data.ahead_by,
      status: r.data.status,
      totalCommits: typeof r.data.total_commits === 'number' ? r.data.total_commits : r.data.ahead_by,
      commits: r.data.commits.map(toInfo),
      base: toInfo(r.data.base_commit),
    };
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
      throw githubFailure(e, what, mutation, this.options.token);
    }
    if (expectBody && !isJsonBody(result)) throw malformed(what);
    return result;
  }
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

function subjectOf(message: string): string {
  return message.split('\n', 1)[0] ?? '';
}
