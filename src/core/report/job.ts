/** What the report needs to know about a site's `visualtests-compare` job, read from its fleet snapshot. */
import type { SiteSnapshot, StageInfo } from '../fleet/types';

const COMPARE_JOB = 'visualtests-compare';
export type ApprovalJobName = 'hold-production' | 'rollback-staging';

/** Job statuses after which a job changes no more. */
const UNFINISHED = new Set(['running', 'queued', 'not_running', 'blocked', 'on_hold']);

export interface CompareJobInfo {
  site: string;
  slug: string;
  stage?: StageInfo;
  jobNumber?: number;
  status?: string;
  finished: boolean;
  durationMs?: number;
  tag?: string;
  pipelineNumber?: number;
  /** The job in the CircleCI web app. */
  jobUrl?: string;
  /** Approval jobs of the release that are on hold. */
  onHold: ApprovalJobName[];
  /** The release workflow the job belongs to (what the report's approve button approves in). */
  workflowId?: string;
}

/**
 * What happened to a visualtests-compare job that ended without a verdict (its report, if any, is not a comparison),
 * in words for the report; undefined for a job that succeeded, failed (differences), or has not finished.
 */
export function noVerdictWords(status: string | undefined): string | undefined {
  const rerun = 'There is no verdict: rerun the workflow in CircleCI.';
  switch (status) {
    case 'timedout':
      return `The comparison job timed out. ${rerun}`;
    case 'infrastructure_fail':
      return `The comparison job hit an infrastructure failure. ${rerun}`;
    case 'terminated-unknown':
    case 'terminated_unknown':
      return `The comparison job was terminated. ${rerun}`;
    case 'canceled':
      return `The comparison job was canceled. ${rerun}`;
    case 'not_run':
      return `The comparison job did not run. ${rerun}`;
    case 'retried':
      return 'The comparison job was retried: this run has no verdict; the retry is in a newer workflow.';
    case 'unauthorized':
      return 'The comparison job was unauthorized and did not run: every job runs with `context: org-global`, and a restricted context makes the jobs of people outside its security group unauthorized. Ask someone in the group to rerun the workflow in CircleCI.';
    default:
      return undefined;
  }
}

export function compareJobOf(snapshot: SiteSnapshot): CompareJobInfo {
  const stage = snapshot.stages.find((s) => s.name === COMPARE_JOB);
  const info: CompareJobInfo = {
    site: snapshot.site,
    slug: snapshot.slug,
    finished: false,
    onHold: snapshot.stages
      .filter((s) => s.type === 'approval' && s.status === 'on_hold')
      .map((s) => s.name)
      .filter((n): n is ApprovalJobName => n === 'hold-production' || n === 'rollback-staging'),
  };
  if (snapshot.workflow) info.workflowId = snapshot.workflow.id;
  if (snapshot.pipeline) {
    info.tag = snapshot.pipeline.tag;
    info.pipelineNumber = snapshot.pipeline.number;
  }
  if (!stage) return info;
  info.stage = stage;
  info.status = stage.status;
  info.finished = !UNFINISHED.has(stage.status);
  if (stage.jobNumber !== undefined) {
    info.jobNumber = stage.jobNumber;
    if (snapshot.pipeline && snapshot.workflow) {
      info.jobUrl = jobWebUrl(snapshot.slug, snapshot.pipeline.number, snapshot.workflow.id, stage.jobNumber);
    }
  }
  if (stage.startedAt && stage.stoppedAt) {
    const ms = Date.parse(stage.stoppedAt) - Date.parse(stage.startedAt);
    if (Number.isFinite(ms) && ms >= 0) info.durationMs = ms;
  }
  return info;
}

/** `https://app.circleci.com/pipelines/github/<org>/<repo>/<pipeline>/workflows/<workflow>/jobs/<job>`. */
export function jobWebUrl(
  slug: string,
  pipelineNumber: number,
  workflowId: string,
  jobNumber: number,
): string | undefined {
  const m = /^(gh|github|bb|bitbucket)\/([^/]+)\/([^/]+)$/.exec(slug);
  if (!m?.[2] || !m[3]) return undefined;
  const vcs = m[1] === 'gh' || m[1] === 'github' ? 'github' : 'bitbucket';
  const parts = [vcs, m[2], m[3], String(pipelineNumber), 'workflows', workflowId, 'jobs', String(jobNumber)];
  return `https://app.circleci.com/pipelines/${parts.map(encodeURIComponent).join('/')}`;
}
