import { json, linkHeader, pageParams, type Ctx, type Reply } from './http';
import type { GitCommit, GitPerson, Repo, TagObject } from './repo';
import { DEVELOPER, ORG, TOKENS, USERS, type World } from './world';
import { hashInt, isRecord, isoSeconds, nodeId, sha1 } from './util';

const DOCS = 'https://docs.github.com/rest';
const HTML = 'https://github.com';

export function ghError(status: number, message: string): Reply {
  return json(status, { message, documentation_url: DOCS, status: String(status) });
}

export function ghUnauthorized(): Reply {
  return ghError(401, 'Bad credentials');
}

function simpleUser(base: string, login: string, id: number, type = 'User'): Record<string, unknown> {
  const url = `${base}/users/${login}`;
  return {
    login,
    id,
    node_id: nodeId('U', login),
    avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`,
    gravatar_id: '',
    url,
    html_url: `${HTML}/${login}`,
    followers_url: `${url}/followers`,
    following_url: `${url}/following{/other_user}`,
    gists_url: `${url}/gists{/gist_id}`,
    starred_url: `${url}/starred{/owner}{/repo}`,
    subscriptions_url: `${url}/subscriptions`,
    organizations_url: `${url}/orgs`,
    repos_url: `${url}/repos`,
    events_url: `${url}/events{/privacy}`,
    received_events_url: `${url}/received_events`,
    type,
    user_view_type: 'public',
    site_admin: false,
  };
}

function authenticatedUser(base: string, start: number): Record<string, unknown> {
  return {
    ...simpleUser(base, DEVELOPER.login, DEVELOPER.githubId),
    user_view_type: 'private',
    name: DEVELOPER.name,
    company: '@greenpeace',
    blog: '',
    location: null,
    email: null,
    hireable: null,
    bio: null,
    twitter_username: null,
    notification_email: null,
    public_repos: 3,
    public_gists: 0,
    followers: 2,
    following: 1,
    created_at: isoSeconds(start - 3000 * 86400000),
    updated_at: isoSeconds(start - 86400000),
    private_gists: 0,
    total_private_repos: 0,
    owned_private_repos: 0,
    disk_usage: 1024,
    collaborators: 0,
    two_factor_authentication: true,
  };
}

function repoUrl(base: string, repo: Repo): string {
  return `${base}/repos/${repo.fullName}`;
}

function fullRepository(base: string, repo: Repo, now: number): Record<string, unknown> {
  const url = repoUrl(base, repo);
  const html = `${HTML}/${repo.fullName}`;
  const pushed = repo.headOf('main')?.committer.date ?? repo.createdAt;
  return {
    id: repo.id,
    node_id: nodeId('R', repo.fullName),
    name: repo.name,
    full_name: repo.fullName,
    owner: simpleUser(base, ORG, 1292, 'Organization'),
    private: false,
    html_url: html,
    description: `Planet 4 ${repo.name.replace('planet4-', '')}`,
    fork: false,
    url,
    archive_url: `${url}/{archive_format}{/ref}`,
    assignees_url: `${url}/assignees{/user}`,
    blobs_url: `${url}/git/blobs{/sha}`,
    branches_url: `${url}/branches{/branch}`,
    collaborators_url: `${url}/collaborators{/collaborator}`,
    comments_url: `${url}/comments{/number}`,
    commits_url: `${url}/commits{/sha}`,
    compare_url: `${url}/compare/{base}...{head}`,
    contents_url: `${url}/contents/{+path}`,
    contributors_url: `${url}/contributors`,
    deployments_url: `${url}/deployments`,
    downloads_url: `${url}/downloads`,
    events_url: `${url}/events`,
    forks_url: `${url}/forks`,
    git_commits_url: `${url}/git/commits{/sha}`,
    git_refs_url: `${url}/git/refs{/sha}`,
    git_tags_url: `${url}/git/tags{/sha}`,
    git_url: `git://github.com/${repo.fullName}.git`,
    issue_comment_url: `${url}/issues/comments{/number}`,
    issue_events_url: `${url}/issues/events{/number}`,
    issues_url: `${url}/issues{/number}`,
    keys_url: `${url}/keys{/key_id}`,
    labels_url: `${url}/labels{/name}`,
    languages_url: `${url}/languages`,
    merges_url: `${url}/merges`,
    milestones_url: `${url}/milestones{/number}`,
    notifications_url: `${url}/notifications{?since,all,participating}`,
    pulls_url: `${url}/pulls{/number}`,
    releases_url: `${url}/releases{/id}`,
    ssh_url: `git@github.com:${repo.fullName}.git`,
    stargazers_url: `${url}/stargazers`,
    statuses_url: `${url}/statuses/{sha}`,
    subscribers_url: `${url}/subscribers`,
    subscription_url: `${url}/subscription`,
    tags_url: `${url}/tags`,
    teams_url: `${url}/teams`,
    trees_url: `${url}/git/trees{/sha}`,
    clone_url: `${html}.git`,
    mirror_url: null,
    hooks_url: `${url}/hooks`,
    svn_url: html,
    homepage: null,
    language: 'Shell',
    forks_count: 1,
    stargazers_count: 3,
    watchers_count: 3,
    size: 512,
    default_branch: 'main',
    open_issues_count: 0,
    is_template: false,
    topics: ['planet4'],
    has_issues: true,
    has_projects: false,
    has_wiki: false,
    has_pages: false,
    has_downloads: true,
    has_discussions: false,
    archived: false,
    disabled: false,
    visibility: 'public',
    pushed_at: isoSeconds(pushed),
    created_at: isoSeconds(repo.createdAt),
    updated_at: isoSeconds(Math.min(now, pushed)),
    permissions: { admin: false, maintain: false, push: true, triage: true, pull: true },
    subscribers_count: 12,
    network_count: 1,
    license: null,
    forks: 1,
    open_issues: 0,
    watchers: 3,
  };
}

function gitUser(p: GitPerson): Record<string, unknown> {
  return { name: p.name, email: p.email, date: isoSeconds(p.date) };
}

function userOf(base: string, p: GitPerson): Record<string, unknown> | null {
  const u = USERS.get(p.login);
  return u ? simpleUser(base, u.login, u.githubId) : null;
}

/** The REST `commit` object (repos/get-commit, list-commits, compare). */
function restCommit(base: string, repo: Repo, c: GitCommit, full: boolean): Record<string, unknown> {
  const url = repoUrl(base, repo);
  const out: Record<string, unknown> = {
    url: `${url}/commits/${c.sha}`,
    sha: c.sha,
    node_id: nodeId('C', `${repo.fullName}:${c.sha}`),
    html_url: `${HTML}/${repo.fullName}/commit/${c.sha}`,
    comments_url: `${url}/commits/${c.sha}/comments`,
    commit: {
      url: `${url}/git/commits/${c.sha}`,
      author: gitUser(c.author),
      committer: gitUser(c.committer),
      message: c.message,
      comment_count: 0,
      tree: { sha: c.tree, url: `${url}/git/trees/${c.tree}` },
      verification: { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null },
    },
    author: userOf(base, c.author),
    committer: userOf(base, c.committer),
    parents: c.parents.map((sha) => ({
      sha,
      url: `${url}/commits/${sha}`,
      html_url: `${HTML}/${repo.fullName}/commit/${sha}`,
    })),
  };
  if (full) {
    out.stats = { total: 0, additions: 0, deletions: 0 };
    out.files = [];
  }
  return out;
}

function gitCommit(base: string, repo: Repo, c: GitCommit): Record<string, unknown> {
  const url = repoUrl(base, repo);
  return {
    sha: c.sha,
    node_id: nodeId('C', `${repo.fullName}:${c.sha}`),
    url: `${url}/git/commits/${c.sha}`,
    html_url: `${HTML}/${repo.fullName}/commit/${c.sha}`,
    author: gitUser(c.author),
    committer: gitUser(c.committer),
    message: c.message,
    tree: { sha: c.tree, url: `${url}/git/trees/${c.tree}` },
    parents: c.parents.map((sha) => ({
      sha,
      url: `${url}/git/commits/${sha}`,
      html_url: `${HTML}/${repo.fullName}/commit/${sha}`,
    })),
    verification: { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null },
  };
}

function gitTag(base: string, repo: Repo, t: TagObject): Record<string, unknown> {
  const url = repoUrl(base, repo);
  return {
    node_id: nodeId('T', `${repo.fullName}:${t.sha}`),
    tag: t.tag,
    sha: t.sha,
    url: `${url}/git/tags/${t.sha}`,
    message: t.message,
    tagger: gitUser(t.tagger),
    object: { sha: t.object, type: 'commit', url: `${url}/git/commits/${t.object}` },
    verification: { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null },
  };
}

function gitRef(base: string, repo: Repo, ref: string, sha: string): Record<string, unknown> {
  const url = repoUrl(base, repo);
  const isTag = repo.tagObjects.has(sha);
  return {
    ref,
    node_id: nodeId('REF', `${repo.fullName}:${ref}`),
    url: `${url}/git/${ref}`,
    object: { sha, type: isTag ? 'tag' : 'commit', url: `${url}/git/${isTag ? 'tags' : 'commits'}/${sha}` },
  };
}

function contentFile(base: string, repo: Repo, path: string, text: string, ref: string): Record<string, unknown> {
  const url = repoUrl(base, repo);
  const buf = Buffer.from(text, 'utf8');
  const sha = sha1(`blob ${buf.length}\0${text}`);
  const b64 = buf.toString('base64').replace(/(.{60})/g, '$1\n');
  const self = `${url}/contents/${path}?ref=${ref}`;
  const html = `${HTML}/${repo.fullName}/blob/${ref}/${path}`;
  const git = `${url}/git/blobs/${sha}`;
  return {
    type: 'file',
    encoding: 'base64',
    size: buf.length,
    name: path.split('/').pop() ?? path,
    path,
    content: b64.endsWith('\n') ? b64 : `${b64}\n`,
    sha,
    url: self,
    git_url: git,
    html_url: html,
    download_url: `https://raw.githubusercontent.com/${repo.fullName}/${ref}/${path}`,
    _links: { self, git, html },
  };
}

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
  if ((r = /^GET \/git\/(?:ref|refs)\/(.+)$/.exec(route))) {
    const ref = `refs/${r[1] ?? ''}`;
    const sha = repo.refs.get(ref);
    return sha === undefined ? ghError(404, 'Not Found') : json(200, gitRef(ctx.base, repo, ref, sha));
  }
  if ((r = /^GET \/git\/matching-refs\/?(.*)$/.exec(route))) {
    const prefix = `refs/${r[1] ?? ''}`;
    const refs = [...repo.refs.entries()]
      .filter(([ref]) => ref.startsWith(prefix))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([ref, sha]) => gitRef(ctx.base, repo, ref, sha));
    return json(200, refs);
  }
  if (route === 'POST /git/refs') {
    return createRef(world, ctx, repo);
  }
  if ((r = /^PATCH \/git\/refs\/(.+)$/.exec(route))) {
    return updateRef(world, ctx, repo, `refs/${r[1] ?? ''}`);
  }
  if ((r = /^DELETE \/git\/refs\/(.+)$/.exec(route))) {
    const ref = `refs/${r[1] ?? ''}`;
    if (!repo.refs.has(ref)) {
      return ghError(422, 'Reference does not exist');
    }
    repo.refs.delete(ref);
    return { status: 204 };
  }
  if (route === 'POST /git/commits') {
    return createCommit(world, ctx, repo);
  }
  if ((r = /^GET \/git\/commits\/([^/]+)$/.exec(route))) {
    const c = repo.commit((r[1] ?? '').toLowerCase());
    return c ? json(200, gitCommit(ctx.base, repo, c)) : ghError(404, 'Not Found');
  }
  if (route === 'POST /git/tags') {
    const body = isRecord(ctx.body) ? ctx.body : {};
    const { tag, message, object, type } = body;
    if (typeof tag !== 'string' || typeof message !== 'string' || typeof object !== 'string') {
      return ghError(422, 'Invalid request.\n\n"tag", "message" and "object" are required.');
    }
    if (type !== undefined && type !== 'commit') {
      return ghError(422, 'Invalid request.\n\nOnly tags of commits are supported.');
    }
    if (!repo.commits.has(object)) {
      return ghError(422, 'Object does not exist');
    }
    const sha = world.createTagObject(repo, tag, message, object);
    const t = repo.tagObjects.get(sha);
    return t ? json(201, gitTag(ctx.base, repo, t)) : ghError(500, 'Server Error');
  }
  if ((r = /^GET \/git\/tags\/([^/]+)$/.exec(route))) {
    const t = repo.tagObjects.get((r[1] ?? '').toLowerCase());
    return t ? json(200, gitTag(ctx.base, repo, t)) : ghError(404, 'Not Found');
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
    return json(200, {
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
      commits: cmp.commits.slice(0, 250).map((c) => restCommit(ctx.base, repo, c, false)),
      files: [],
    });
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

function createRef(world: World, ctx: Ctx, repo: Repo): Reply {
  const body = isRecord(ctx.body) ? ctx.body : {};
  const { ref, sha } = body;
  if (typeof ref !== 'string' || typeof sha !== 'string') {
    return ghError(422, 'Invalid request.\n\n"ref" and "sha" are required.');
  }
  if (!/^refs\/[^/]+\/.+/.test(ref) || ref.endsWith('/') || ref.includes('..')) {
    return ghError(422, 'Reference name is invalid');
  }
  const target = sha.toLowerCase();
  if (!repo.commits.has(target) && !repo.tagObjects.has(target)) {
    return ghError(422, 'Object does not exist');
  }
  if (repo.refs.has(ref)) {
    return ghError(422, 'Reference already exists');
  }
  repo.refs.set(ref, target);
  world.refChanged(repo, ref, target);
  return json(201, gitRef(ctx.base, repo, ref, target), { location: `${repoUrl(ctx.base, repo)}/git/${ref}` });
}

function updateRef(world: World, ctx: Ctx, repo: Repo, ref: string): Reply {
  const body = isRecord(ctx.body) ? ctx.body : {};
  const { sha, force } = body;
  if (typeof sha !== 'string') {
    return ghError(422, 'Invalid request.\n\n"sha" wasn\'t supplied.');
  }
  const current = repo.refs.get(ref);
  if (current === undefined) {
    return ghError(422, 'Reference does not exist');
  }
  const target = sha.toLowerCase();
  const newCommit = repo.peel(target);
  if (newCommit === undefined) {
    return ghError(422, 'Object does not exist');
  }
  const oldCommit = repo.peel(current);
  if (force !== true && oldCommit !== undefined && !repo.isAncestor(oldCommit, newCommit)) {
    return ghError(422, 'Update is not a fast forward');
  }
  repo.refs.set(ref, target);
  if (current !== target) {
    world.refChanged(repo, ref, target);
  }
  return json(200, gitRef(ctx.base, repo, ref, target));
}

function createCommit(world: World, ctx: Ctx, repo: Repo): Reply {
  const body = isRecord(ctx.body) ? ctx.body : {};
  const { message, tree, parents, author } = body;
  if (typeof message !== 'string') {
    return ghError(422, 'Invalid request.\n\n"message" wasn\'t supplied.');
  }
  if (typeof tree !== 'string') {
    return ghError(422, 'Invalid request.\n\n"tree" wasn\'t supplied.');
  }
  const parentList = parents === undefined ? [] : parents;
  if (!Array.isArray(parentList) || !parentList.every((p): p is string => typeof p === 'string')) {
    return ghError(422, "Invalid request.\n\nFor 'properties/parents', it is not an array of strings.");
  }
  if (!repo.trees.has(tree.toLowerCase())) {
    return ghError(422, 'Tree SHA does not exist');
  }
  const lowerParents = parentList.map((p) => p.toLowerCase());
  if (!lowerParents.every((p) => repo.commits.has(p))) {
    return ghError(422, 'Parent SHA does not exist or is not a commit object');
  }
  let who: GitPerson | undefined;
  if (isRecord(author) && typeof author.name === 'string' && typeof author.email === 'string') {
    const date = typeof author.date === 'string' ? Date.parse(author.date) : NaN;
    const login = [...USERS.values()].find((u) => u.email === author.email)?.login ?? '';
    who = {
      name: author.name,
      email: author.email,
      login,
      date: Number.isFinite(date) ? date : world.options.now(),
    };
  }
  const c = world.createCommit(repo, message, tree.toLowerCase(), lowerParents, who);
  return json(201, gitCommit(ctx.base, repo, c), { location: `${repoUrl(ctx.base, repo)}/git/commits/${c.sha}` });
}
