import type { CircleCiClient } from '../api/circleci/client';
import { isWorkflowFinished, type Pipeline } from '../api/circleci/types';
import { releaseWorkflow, workflowKind } from '../pipeline/stages';
import type { SiteMemory } from './memory';
import { isReleasePipeline } from './snapshot';
import type { OlderRelease, PipelineInfo } from './types';

/*
 * Older releases still on hold (REALITY.md "Releases that a person stopped"): every production workflow whose
 * hold-production was never approved stays on hold in CircleCI, invisible in the latest release but approvable there,
 * where approving it deploys an older tag over a newer one (a rollback workflow's approvals: rolls production back).
 *
 * Kept cheap: the candidates are the older release pipelines on the pipeline pages the loader reads anyway (no extra
 * list request), at most `MAX_OLDER`, plus the previous latest release when a newer one replaces it. Each candidate
 * is asked about on the slow cycle only (`checkOlder`), never on a site's first load (issue 12: the cold load stays
 * within 3 CircleCI requests a site), and at most `OLDER_READS_PER_CYCLE` candidates a site a cycle, those never
 * asked first (newest first), then those asked longest ago: its workflows (one request); a finished workflow (or
 * none) settles it for good; an unfinished one has its jobs read (one more request) to see what waits on hold.
 *
 * The bound: a candidate is first asked about within ⌈MAX_OLDER / OLDER_READS_PER_CYCLE⌉ = 3 slow cycles after it
 * was noted (at worst 5 new candidates at once), the first of them the first slow cycle after the first load: with
 * the 5-minute slow cycle, an older release on hold shows at most 15 minutes after the first load (5 minutes for the
 * newest two, the likeliest ones: the release just replaced). The Refresh command and Refresh Site count as cycles.
 */

/** Older release pipelines followed per site, newest first. */
export const MAX_OLDER = 5;

/** Older release pipelines asked about per site and slow cycle (each costs a workflow read, plus jobs if unfinished). */
export const OLDER_READS_PER_CYCLE = 2;

/** Settled older pipelines remembered per site (so they are never asked about again). */
const MAX_SETTLED = 50;

/** An older release pipeline that may still wait on hold in CircleCI. */
export interface OlderCandidate {
  id: string;
  number: number;
  tag: string;
  createdAt: string;
  /** Set when an approval job of its release workflow waits on hold. */
  onHold?: OlderRelease;
  /** When it was last asked about (this window's clock); never yet when unset. */
  checkedAt?: number;
}

/** Adds the older release pipelines seen (on the pages read, and the replaced latest) to the site's candidates. */
export function noteOlder(
  memory: SiteMemory,
  seen: readonly Pipeline[],
  latest: PipelineInfo | undefined,
  replaced: PipelineInfo | undefined,
): void {
  if (!latest) return;
  const settled = new Set(memory.olderSettled ?? []);
  const byId = new Map((memory.older ?? []).map((c) => [c.id, c]));
  const add = (c: OlderCandidate): void => {
    if (c.number < latest.number && c.id !== latest.id && !settled.has(c.id) && !byId.has(c.id)) byId.set(c.id, c);
  };
  for (const p of seen) {
    if (isReleasePipeline(p)) add({ id: p.id, number: p.number, tag: p.vcs?.tag ?? '', createdAt: p.created_at });
  }
  if (replaced) add({ id: replaced.id, number: replaced.number, tag: replaced.tag, createdAt: replaced.createdAt });
  const kept = [...byId.values()].filter((c) => c.number < latest.number).sort((a, b) => b.number - a.number);
  memory.older = kept.slice(0, MAX_OLDER);
}

/**
 * Asks CircleCI about at most `OLDER_READS_PER_CYCLE` candidates (never asked first, newest first; then those asked
 * longest ago): a finished release workflow (or none) settles it, an unfinished one has its jobs read to see whether
 * an approval waits on hold. Throws what the client throws.
 */
export async function checkOlder(circleci: CircleCiClient, memory: SiteMemory, now: number): Promise<void> {
  const candidates = memory.older ?? [];
  const settled: string[] = [];
  const turn = [...candidates]
    .sort((a, b) => (a.checkedAt ?? -Infinity) - (b.checkedAt ?? -Infinity) || b.number - a.number)
    .slice(0, OLDER_READS_PER_CYCLE);
  for (const c of turn) {
    c.checkedAt = now;
    const w = releaseWorkflow(await circleci.listWorkflows(c.id));
    const kind = w ? workflowKind(w.name) : undefined;
    if (!w || !kind || isWorkflowFinished(w.status)) {
      settled.push(c.id);
      continue;
    }
    const jobs = await circleci.listJobs(w.id);
    const waiting = jobs.some((j) => j.type === 'approval' && j.status === 'on_hold');
    if (waiting) {
      c.onHold = {
        pipelineId: c.id,
        pipelineNumber: c.number,
        tag: c.tag,
        createdAt: c.createdAt,
        workflowId: w.id,
        kind,
      };
    } else {
      delete c.onHold;
    }
  }
  if (settled.length > 0) {
    memory.older = candidates.filter((c) => !settled.includes(c.id));
    memory.olderSettled = [...settled, ...(memory.olderSettled ?? [])].slice(0, MAX_SETTLED);
  }
}

/** The site's older releases known to wait on hold, newest first. */
export function olderOnHold(memory: SiteMemory | undefined): OlderRelease[] {
  return (memory?.older ?? []).flatMap((c) => (c.onHold ? [c.onHold] : []));
}
