// Helpers shared by the unit tests (not a test file: mocha runs *.test.js only).
import { CircleCiClient } from '../../src/core/api/circleci/client';
import { GitHubClient } from '../../src/core/api/github/client';
import { Fleet } from '../../src/core/fleet/fleet';
import type { StageInfo } from '../../src/core/fleet/types';
import { RequestLimiter } from '../../src/core/util/limiter';
import type { Sandbox } from '../../src/sandbox';

/** A Fleet (core only, no VS Code) reading the sandbox through real clients sharing one limiter. */
export function fleetFor(sb: Sandbox, limiter = new RequestLimiter(8)): Fleet {
  const circleci = new CircleCiClient({
    baseUrl: sb.circleciApiUrl,
    token: () => sb.tokens.circleci,
    limiter,
    maxRetries: 1,
    timeoutMs: 5000,
  });
  const github = new GitHubClient({ baseUrl: sb.githubApiUrl, token: sb.tokens.github, limiter, timeoutMs: 5000 });
  return new Fleet({
    circleci: () => circleci,
    github: () => Promise.resolve(github),
    organization: () => 'greenpeace',
    now: () => sb.clock.now(),
  });
}

export function stage(name: string, status: string, type: 'build' | 'approval' = 'build'): StageInfo {
  return { name, id: `id-${name}`, type, status, dependencies: [] };
}

/**
 * A production workflow's jobs waiting on a person after failed visual tests (both approvals on hold), with some
 * statuses changed by `over`.
 */
export function production(over: Record<string, string>): StageInfo[] {
  const approvals = new Set(['rollback-staging', 'hold-production']);
  const base: Record<string, string> = {
    'visualtests-reference': 'success',
    build: 'success',
    'deploy-staging': 'success',
    'visualtests-compare': 'failed',
    'rollback-staging': 'on_hold',
    'finish-staging': 'blocked',
    'hold-production': 'on_hold',
    'deploy-production': 'blocked',
    ...over,
  };
  return Object.entries(base).map(([name, status]) => stage(name, status, approvals.has(name) ? 'approval' : 'build'));
}

/** The job number of a failed visualtests-compare job of a project (paging back through its tag pipelines). */
export async function findFailedCompareJob(client: CircleCiClient, slug: string): Promise<number> {
  let token: string | undefined;
  for (let page = 0; page < 10; page++) {
    const p = await client.listPipelinesPage(slug, token);
    for (const pipeline of p.items) {
      if (!pipeline.vcs?.tag) continue;
      for (const wf of await client.listWorkflows(pipeline.id)) {
        const job = (await client.listJobs(wf.id)).find(
          (j) => j.name === 'visualtests-compare' && j.job_number !== undefined && j.status === 'failed',
        );
        if (job?.job_number !== undefined) return job.job_number;
      }
    }
    token = p.next_page_token;
    if (!token) break;
  }
  throw new Error('no failed visualtests-compare job');
}
