/** The sandbox's GitHub REST objects, shaped as the official description says, and its error answers. */
import { json, type Reply } from './http';
import { DEVELOPER, ORG, USERS } from './people';
import type { GitCommit, GitPerson, Repo, TagObject } from './repo';
import { isoSeconds, nodeId, sha1 } from './util';

const DOCS = 'https://docs.github.com/rest';
/** GitHub's web pages (for `html_url`). */
export const HTML = 'https://github.com';

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

export function authenticatedUser(base: string, start: number): Record<string, unknown> {
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

export function repoUrl(base: string, repo: Repo): string {
  return `${base}/repos/${repo.fullName}`;
}

export function fullRepository(base: string, repo: Repo, now: number): Record<string, unknown> {
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
export function restCommit(base: string, repo: Repo, c: GitCommit, full: boolean): Record<string, unknown> {
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

export function gitCommit(base: string, repo: Repo, c: GitCommit): Record<string, unknown> {
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

export function gitTag(base: string, repo: Repo, t: TagObject): Record<string, unknown> {
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

export function gitRef(base: string, repo: Repo, ref: string, sha: string): Record<string, unknown> {
  const url = repoUrl(base, repo);
  const isTag = repo.tagObjects.has(sha);
  return {
    ref,
    node_id: nodeId('REF', `${repo.fullName}:${ref}`),
    url: `${url}/git/${ref}`,
    object: { sha, type: isTag ? 'tag' : 'commit', url: `${url}/git/${isTag ? 'tags' : 'commits'}/${sha}` },
  };
}

export function contentFile(
  base: string,
  repo: Repo,
  path: string,
  text: string,
  ref: string,
): Record<string, unknown> {
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
