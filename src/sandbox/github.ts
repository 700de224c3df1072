/**
 * The sandbox's GitHub REST API: authentication, the repository lookup, and the repository routes (the repository,
 * its tags, commits, compares, branches and contents); the git data routes are in `githubGit.ts`.
 */
import { gitRoute } from './githubGit';
import {
  HTML,
  authenticatedUser,
  contentFile,
  fullRepository,
  ghError,
  ghUnauthorized,
  repoUrl,
  restCommit,
} from './githubJson';
import { json, linkHeader, pageParams, type Ctx, type Reply } from './http';
import { ORG, TOKENS } from './people';
import type { Repo } from './repo';
import { hashInt, nodeId, sha1 } from './util';
import type { World } from './world';

/** Stable pseudo-random order (GitHub's /tags order is of no use for versions). */
function tagOrder(a: string, b: string): number {
  return hashInt(`tag:${a}`) - hashInt(`tag:${b}`) || a.localeCompare(b);
}

const MUTATING = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);

export function handleGithub(world: World, ctx: Ctx): Reply {
  if (ctx.token === undefined || (ctx.token !== TOKENS.github && ctx.token !== TOKENS.githubReadOnly)) {
    return ghUnauthorized();
  }
  if (ctx.bodyError) {
    return ghError(400, 'Problems parsing JSON');
  }
  const now = world.options.now();
  if (ctx.path === '/user' && ctx.method === 'GET') {
    return json(200, authenticatedUser(ctx.base, world.options.start));
  }
  const m = /^\/repos\/([^/]+)\/([^/]+)(\/.*)?$/.exec(ctx.path);
  if (!m) {
    return ghError(404, 'Not Found');
  }
  const [, owner = '', name = '', rest = ''] = m;
  const repo = owner.toLowerCase() === ORG ? world.repo(name.toLowerCase()) : undefined;
  if (!repo) {
    return ghError(404, 'Not Found');
  }
  if (MUTATING.has(ctx.method) && ctx.token === TOKENS.githubReadOnly) {
    return ghError(403, 'Resource not accessible by personal access token');
  }
  const route = `${ctx.method} ${rest}`;
  const limited = world.contentLimit.check(route);
  if (limited) {
    return limited;
  }
  if (rest.startsWith('/git/')) {
    return gitRoute(world, ctx, repo, route);
  }
  return repoRoute(ctx, repo, route, now);
}

function repoRoute(ctx: Ctx, repo: Repo, route: string, now: number): Reply {
  let r: RegExpExecArray | null;
  if (route === 'GET ') {
    return json(200, fullRepository(ctx.base, repo, now));
  }
  if (route === 'GET /tags') {
    const tags = repo.tags().sort((a, b) => tagOrder(a.name, b.name));
    const { per, page } = pageParams(ctx.query);
    const items = tags.slice((page - 1) * per, page * per).map((t) => ({
      name: t.name,
      zipball_url: `${repoUrl(ctx.base, repo)}/zipball/refs/tags/${t.name}`,
      tarball_url: `${repoUrl(ctx.base, repo)}/tarball/refs/tags/${t.name}`,
      commit: { sha: t.commit, url: `${repoUrl(ctx.base, repo)}/commits/${t.commit}` },
      node_id: nodeId('REF', `${repo.fullName}:refs/tags/${t.name}`),
    }));
    const link = linkHeader(ctx, per, page, tags.length);
    return json(200, items, link === undefined ? undefined : { link });
  }
  if (route === 'GET /commits') {
    const from = ctx.query.sha ?? 'main';
    const sha = repo.resolve(from);
    if (sha === undefined) {
      return ghError(404, `No commit found for SHA: ${from}`);
    }
    const log = repo.firstParentLog(sha);
    const { per, page } = pageParams(ctx.query);
    const items = log.slice((page - 1) * per, page * per).map((c) => restCommit(ctx.base, repo, c, false));
    const link = linkHeader(ctx, per, page, log.length);
    return json(200, items, link === undefined ? undefined : { link });
  }
  if ((r = /^GET \/commits\/(.+)$/.exec(route))) {
    const ref = r[1] ?? '';
    const sha = repo.resolve(ref);
    const c = sha === undefined ? undefined : repo.commit(sha);
    return c ? json(200, restCommit(ctx.base, repo, c, true)) : ghError(422, `No commit found for SHA: ${ref}`);
  }
  if ((r = /^GET \/compare\/(.+?)\.\.\.(.+)$/.exec(route))) {
    const baseSha = repo.resolve(r[1] ?? '');
    const headSha = repo.resolve(r[2] ?? '');
    const cmp = baseSha === undefined || headSha === undefined ? undefined : repo.compare(baseSha, headSha);
    if (!cmp) {
      return ghError(404, 'Not Found');
    }
    const html = `${HTML}/${repo.fullName}/compare/${r[1] ?? ''}...${r[2] ?? ''}`;
    // As GitHub pages a compare (REALITY.md "GitHub limits"): without paging parameters at most 250 commits, the
    // most recent ones (the last is the newest); with per_page/page chronological pages (each page's first commit
    // is its earliest), the files on page 1 only.
    const paged = ctx.query.per_page !== undefined || ctx.query.page !== undefined;
    const { per, page } = pageParams(ctx.query, 250);
    const commits = paged ? cmp.commits.slice((page - 1) * per, page * per) : cmp.commits.slice(-250);
    const link = paged ? linkHeader(ctx, per, page, cmp.commits.length) : undefined;
    return json(
      200,
      {
        url: `${repoUrl(ctx.base, repo)}/compare/${r[1] ?? ''}...${r[2] ?? ''}`,
        html_url: html,
        permalink_url: `${HTML}/${repo.fullName}/compare/${repo.owner}:${cmp.base.sha.slice(0, 7)}...${repo.owner}:${cmp.head.sha.slice(0, 7)}`,
        diff_url: `${html}.diff`,
        patch_url: `${html}.patch`,
        base_commit: restCommit(ctx.base, repo, cmp.base, false),
        merge_base_commit: restCommit(ctx.base, repo, cmp.mergeBase, false),
        status: cmp.status,
        ahead_by: cmp.aheadBy,
        behind_by: cmp.behindBy,
        total_commits: cmp.aheadBy,
        commits: commits.map((c) => restCommit(ctx.base, repo, c, false)),
        ...(paged && page > 1 ? {} : { files: [] }),
      },
      link === undefined ? undefined : { link },
    );
  }
  if ((r = /^GET \/branches\/(.+)$/.exec(route))) {
    const branch = r[1] ?? '';
    const head = repo.headOf(branch);
    if (!head) {
      return ghError(404, 'Branch not found');
    }
    const url = repoUrl(ctx.base, repo);
    return json(200, {
      name: branch,
      commit: restCommit(ctx.base, repo, head, false),
      _links: { html: `${HTML}/${repo.fullName}/tree/${branch}`, self: `${url}/branches/${branch}` },
      protected: branch === 'main',
      protection: {
        enabled: branch === 'main',
        required_status_checks: { enforcement_level: 'off', contexts: [], checks: [] },
      },
      protection_url: `${url}/branches/${branch}/protection`,
    });
  }
  if ((r = /^GET \/contents\/?(.*)$/.exec(route))) {
    const path = (r[1] ?? '').replace(/\/+$/, '');
    const ref = ctx.query.ref ?? 'main';
    if (repo.resolve(ref) === undefined) {
      return ghError(404, `No commit found for the ref ${ref}`);
    }
    if (path === '') {
      const url = repoUrl(ctx.base, repo);
      return json(
        200,
        [...repo.files.keys()].sort().map((file) => {
          const f = contentFile(ctx.base, repo, file, repo.files.get(file) ?? '', ref);
          return {
            type: 'file',
            size: f.size,
            name: file,
            path: file,
            sha: f.sha,
            url: `${url}/contents/${file}?ref=${ref}`,
            git_url: f.git_url,
            html_url: f.html_url,
            download_url: f.download_url,
            _links: f._links,
          };
        }),
      );
    }
    const text = repo.files.get(path);
    return text === undefined ? ghError(404, 'Not Found') : json(200, contentFile(ctx.base, repo, path, text, ref));
  }
  return ghError(404, 'Not Found');
}

/**
 * GitHub's conditional requests: every successful GET carries an `ETag`; a request whose `If-None-Match` names the
 * current one gets `304 Not Modified` without a body.
 */
export function conditional(reply: Reply, method: string, ifNoneMatch: string | undefined): Reply {
  if (method !== 'GET' || reply.status !== 200 || reply.body === undefined) return reply;
  // serialized once, for the ETag and the answer (a 550-tag list is ~140 KB: the sandbox must not be the bottleneck)
  const text = JSON.stringify(reply.body);
  const etag = `W/"${sha1(text)}"`;
  const headers = { ...(reply.headers ?? {}), etag };
  if (ifNoneMatch !== undefined && ifNoneMatch.split(/\s*,\s*/).includes(etag)) return { status: 304, headers };
  return { status: reply.status, raw: text, contentType: 'application/json; charset=utf-8', headers };
}
