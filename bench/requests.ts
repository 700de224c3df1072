// Counting the sandbox's request log by kind.
import type { RequestLogEntry } from '../src/sandbox';

export type RequestKind = 'pipelines' | 'workflows' | 'jobs' | 'artifacts' | 'github' | 'other';

/** Counts of a batch of requests. */
export interface RequestCounts {
  total: number;
  circleci: number;
  github: number;
  artifacts: number;
  byKind: Record<RequestKind, number>;
  /** Requests for workflows or jobs (`/pipeline/{id}/workflow`, `/workflow/...`). */
  workflowReads: number;
  /** Distinct sites named by the requests. */
  sites: number;
  /** Most requests made for one site. */
  maxPerSite: number;
  /** Answers other than 2xx. */
  failed: number;
}

export function kindOf(e: Pick<RequestLogEntry, 'service' | 'path'>): RequestKind {
  if (e.service === 'github') return 'github';
  if (e.service === 'artifacts') return 'artifacts';
  if (/^\/project\/[^/]+\/[^/]+\/[^/]+\/pipeline$/.test(e.path)) return 'pipelines';
  if (/^\/pipeline\/[^/]+\/workflow$/.test(e.path)) return 'workflows';
  if (/^\/workflow\/[^/]+\/job$/.test(e.path)) return 'jobs';
  return 'other';
}

export function countRequests(log: readonly RequestLogEntry[]): RequestCounts {
  const byKind: Record<RequestKind, number> = {
    pipelines: 0,
    workflows: 0,
    jobs: 0,
    artifacts: 0,
    github: 0,
    other: 0,
  };
  const perSite = new Map<string, number>();
  let failed = 0;
  for (const e of log) {
    byKind[kindOf(e)]++;
    if (e.site !== undefined) perSite.set(e.site, (perSite.get(e.site) ?? 0) + 1);
    if (e.status < 200 || e.status >= 300) failed++;
  }
  const github = byKind.github;
  const artifacts = byKind.artifacts;
  return {
    total: log.length,
    circleci: log.length - github - artifacts,
    github,
    artifacts,
    byKind,
    workflowReads: byKind.workflows + byKind.jobs,
    sites: perSite.size,
    maxPerSite: Math.max(0, ...perSite.values()),
    failed,
  };
}

export function addCounts(a: RequestCounts, b: RequestCounts): RequestCounts {
  const byKind = { ...a.byKind };
  for (const k of Object.keys(byKind) as RequestKind[]) byKind[k] += b.byKind[k];
  return {
    total: a.total + b.total,
    circleci: a.circleci + b.circleci,
    github: a.github + b.github,
    artifacts: a.artifacts + b.artifacts,
    byKind,
    workflowReads: a.workflowReads + b.workflowReads,
    sites: Math.max(a.sites, b.sites),
    maxPerSite: Math.max(a.maxPerSite, b.maxPerSite),
    failed: a.failed + b.failed,
  };
}

export const NO_REQUESTS: RequestCounts = countRequests([]);
