/** The sandbox's GitHub git data routes: refs, commits and tag objects, read and written (as GitHub checks them). */
import { ghError, gitCommit, gitRef, gitTag, repoUrl } from './githubJson';
import { json, type Ctx, type Reply } from './http';
import { USERS } from './people';
import type { GitPerson, Repo } from './repo';
import { isRecord } from './util';
import type { World } from './world';

/** A `/repos/{owner}/{repo}/git/…` route (`route` is the method and the path after the repository). */
export function gitRoute(world: World, ctx: Ctx, repo: Repo, route: string): Reply {
  let r: RegExpExecArray | null;
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
    return createTag(world, ctx, repo);
  }
  if ((r = /^GET \/git\/tags\/([^/]+)$/.exec(route))) {
    const t = repo.tagObjects.get((r[1] ?? '').toLowerCase());
    return t ? json(200, gitTag(ctx.base, repo, t)) : ghError(404, 'Not Found');
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

function createTag(world: World, ctx: Ctx, repo: Repo): Reply {
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
