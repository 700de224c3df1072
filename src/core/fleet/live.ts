import type { CircleCiClient } from '../api/circleci/client';
import { isWorkflowFinished, type Job } from '../api/circleci/types';
import { compareVersions, isReleaseTag } from '../release/version';
import type { SiteMemory } from './memory';
import { releaseWorkflowInfo, toStages } from './snapshot';
import type { StageInfo, WorkflowInfo } from './types';

/*
 * The fast cycle of a live release whose workflow is known (issue 12.9): ONE request, its job list
 * (`GET /workflow/{id}/job`), which says everything that changes while it runs. The workflow itself is read again
 * (one more request, which also shows a rerun) only when the jobs say its status may have changed: a job started or
 * stopped running, failed, or went on hold, or every job finished. The pipeline list is not read: a new pipeline is
 * found by the slow cycle, by a watch after our own action, or when GitHub shows a newer tag than the known release.
 */

const RUNNING: ReadonlySet<string> = new Set(['running', 'queued', 'not_running']);
const PENDING: ReadonlySet<string> = new Set([...RUNNING, 'blocked', 'on_hold']);
const FAILED: ReadonlySet<string> = new Set(['failed', 'infrastructure_fail', 'timedout', 'terminated-unknown']);

/**
 * What a workflow's status follows from in its jobs: whether any runs, any failed, any waits on hold, and whether
 * every job finished. Two job lists of the same phase leave the workflow's status as it was.
 */
export function jobsPhase(jobs: readonly Pick<Job, 'status'>[]): string {
  const has = (set: ReadonlySet<string>): boolean => jobs.some((j) => set.has(j.status));
  if (!has(PENDING)) return 'finished';
  return [
    has(RUNNING) ? 'running' : '',
    has(FAILED) ? 'failed' : '',
    jobs.some((j) => j.status === 'on_hold') ? 'on_hold' : '',
  ].join('|');
}

/** GitHub's latest release tag (slow cycle) is newer than the site's known release: a new pipeline is to be found. */
export function newerTagKnown(mem: SiteMemory): boolean {
  const latest = mem.next?.latestTag;
  const known = mem.pipeline?.tag;
  if (!isReleaseTag(latest) || !isReleaseTag(known)) return false;
  return compareVersions(latest, known) > 0;
}

/** The known live workflow's fresh workflow and stages, or undefined when the full chain must be read instead. */
export async function readLiveWorkflow(
  circleci: CircleCiClient,
  mem: SiteMemory,
): Promise<{ workflow: WorkflowInfo; stages: StageInfo[] } | undefined> {
  const { pipeline, workflow: known } = mem;
  if (!pipeline || !known || !mem.stages || mem.finished || newerTagKnown(mem)) return undefined;
  let jobs = await circleci.listJobs(known.id);
  let phase = jobsPhase(jobs);
  let workflow = known;
  if (phase !== mem.jobsPhase || phase === 'finished') {
    // the jobs say the workflow's status may have changed (or it finished and may be rerun): read it
    const fresh = releaseWorkflowInfo(await circleci.listWorkflows(pipeline.id));
    if (!fresh) return undefined;
    if (fresh.id !== known.id) {
      jobs = await circleci.listJobs(fresh.id); // rerun: a new workflow in the same pipeline
      phase = jobsPhase(jobs);
    }
    workflow = fresh;
  }
  const stages = toStages(workflow.kind, jobs);
  mem.workflow = workflow;
  mem.stages = stages;
  mem.jobsPhase = phase;
  mem.finished = isWorkflowFinished(workflow.status);
  return { workflow, stages };
}
