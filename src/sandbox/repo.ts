import { sha1 } from './util';

export interface GitPerson {
  name: string;
  email: string;
  login: string;
  date: number;
}

export interface GitCommit {
  sha: string;
  message: string;
  tree: string;
  parents: string[];
  author: GitPerson;
  committer: GitPerson;
}

export interface TagObject {
  sha: string;
  tag: string;
  message: string;
  object: string;
  tagger: GitPerson;
}

export interface CompareResult {
  status: 'diverged' | 'ahead' | 'behind' | 'identical';
  aheadBy: number;
  behindBy: number;
  base: GitCommit;
  head: GitCommit;
  mergeBase: GitCommit;
  /** commits reachable from head and not from base, oldest first */
  commits: GitCommit[];
}

/** A git repository: commits, annotated tag objects, refs and files (same content at every ref). */
export class Repo {
  readonly commits = new Map<string, GitCommit>();
  readonly tagObjects = new Map<string, TagObject>();
  /** full ref name (`refs/heads/main`) → sha (commit, or tag object for annotated tags) */
  readonly refs = new Map<string, string>();
  readonly trees = new Set<string>();
  readonly files = new Map<string, string>();
  private counter = 0;

  constructor(
    readonly owner: string,
    readonly name: string,
    readonly id: number,
    readonly createdAt: number,
  ) {}

  get fullName(): string {
    return `${this.owner}/${this.name}`;
  }

  newSha(seed: string): string {
    this.counter += 1;
    return sha1(`${this.fullName}#${this.counter}#${seed}`);
  }

  addCommit(commit: GitCommit): GitCommit {
    this.commits.set(commit.sha, commit);
    this.trees.add(commit.tree);
    return commit;
  }

  addTagObject(tag: TagObject): TagObject {
    this.tagObjects.set(tag.sha, tag);
    return tag;
  }

  /** The commit a ref target (commit or tag object) points to. */
  peel(sha: string): string | undefined {
    let current = sha;
    for (let i = 0; i < 10; i++) {
      if (this.commits.has(current)) {
        return current;
      }
      const tag = this.tagObjects.get(current);
      if (!tag) {
        return undefined;
      }
      current = tag.object;
    }
    return undefined;
  }

  /** A sha (full or ≥ 7 chars), branch, tag, `heads/x`, `tags/x` or `refs/...` → commit sha. */
  resolve(ref: string): string | undefined {
    const direct = this.refs.get(ref) ?? this.refs.get(`refs/${ref}`);
    if (direct !== undefined) {
      return this.peel(direct);
    }
    const branch = this.refs.get(`refs/heads/${ref}`);
    if (branch !== undefined) {
      return this.peel(branch);
    }
    const tag = this.refs.get(`refs/tags/${ref}`);
    if (tag !== undefined) {
      return this.peel(tag);
    }
    const lower = ref.toLowerCase();
    if (/^[0-9a-f]{40}$/.test(lower)) {
      return this.commits.has(lower) ? lower : undefined;
    }
    if (/^[0-9a-f]{7,39}$/.test(lower)) {
      const matches = [...this.commits.keys()].filter((sha) => sha.startsWith(lower));
      return matches.length === 1 ? matches[0] : undefined;
    }
    return undefined;
  }

  commit(sha: string): GitCommit | undefined {
    return this.commits.get(sha);
  }

  headOf(branch: string): GitCommit | undefined {
    const sha = this.resolve(`refs/heads/${branch}`);
    return sha === undefined ? undefined : this.commits.get(sha);
  }

  /** Every ancestor of sha, itself included. */
  ancestors(sha: string): Set<string> {
    const seen = new Set<string>();
    const stack = [sha];
    for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
      if (seen.has(next)) {
        continue;
      }
      seen.add(next);
      for (const parent of this.commits.get(next)?.parents ?? []) {
        stack.push(parent);
      }
    }
    return seen;
  }

  isAncestor(ancestor: string, descendant: string): boolean {
    return this.ancestors(descendant).has(ancestor);
  }

  /** Commits from sha following first parents (newest first). */
  firstParentLog(sha: string): GitCommit[] {
    const out: GitCommit[] = [];
    let current = this.commits.get(sha);
    while (current) {
      out.push(current);
      const parent = current.parents[0];
      current = parent === undefined ? undefined : this.commits.get(parent);
    }
    return out;
  }

  compare(baseSha: string, headSha: string): CompareResult | undefined {
    const base = this.commits.get(baseSha);
    const head = this.commits.get(headSha);
    if (!base || !head) {
      return undefined;
    }
    const baseAnc = this.ancestors(baseSha);
    const headAnc = this.ancestors(headSha);
    // merge base: the newest commit of head's history also in base's history (breadth-first from head)
    let mergeBase: GitCommit | undefined;
    const queue = [headSha];
    const seen = new Set<string>();
    for (let i = 0; i < queue.length && !mergeBase; i++) {
      const sha = queue[i];
      if (sha === undefined || seen.has(sha)) {
        continue;
      }
      seen.add(sha);
      if (baseAnc.has(sha)) {
        mergeBase = this.commits.get(sha);
        break;
      }
      queue.push(...(this.commits.get(sha)?.parents ?? []));
    }
    const aheadList = [...headAnc].filter((sha) => !baseAnc.has(sha));
    const behindBy = [...baseAnc].filter((sha) => !headAnc.has(sha)).length;
    const commits = aheadList
      .map((sha) => this.commits.get(sha))
      .filter((c): c is GitCommit => c !== undefined)
      .sort((a, b) => a.committer.date - b.committer.date || this.depth(a.sha) - this.depth(b.sha));
    const aheadBy = aheadList.length;
    const status =
      aheadBy === 0 && behindBy === 0 ? 'identical' : behindBy === 0 ? 'ahead' : aheadBy === 0 ? 'behind' : 'diverged';
    return { status, aheadBy, behindBy, base, head, mergeBase: mergeBase ?? base, commits };
  }

  private depth(sha: string): number {
    return this.firstParentLog(sha).length;
  }

  /** Tag names (refs/tags/*) with the commit they point to. */
  tags(): { name: string; target: string; commit: string }[] {
    const out: { name: string; target: string; commit: string }[] = [];
    for (const [ref, target] of this.refs) {
      if (ref.startsWith('refs/tags/')) {
        const commit = this.peel(target);
        if (commit !== undefined) {
          out.push({ name: ref.slice('refs/tags/'.length), target, commit });
        }
      }
    }
    return out;
  }
}
