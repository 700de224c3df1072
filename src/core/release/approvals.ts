import { isWorkflowFinished } from '../api/circleci/types';
import type { OlderRelease, SiteSnapshot, StageInfo, WorkflowKind } from '../fleet/types';
import { unfinished } from './rejection';

/**
 * What approving an approval job of a site's release workflow does (`planet4.approveJob`), in words for its pick and
 * its confirmation: the approval jobs of `docs/PIPELINE.md` (production and rollback workflows), with a warning for
 * those that cannot be undone.
 */
export function approvalMeaning(workflow: string, job: string, tag: string): { action: string; warning?: string } {
  if (workflow === 'rollback') {
    if (job === 'hold-production') return { action: `roll production back to ${tag}` };
    if (job === 'hold-production-db') {
      return {
        action: 'restore the production database from its latest backup',
        warning: 'This overwrites the production database with the newest dump: content created since then is lost.',
      };
    }
  }
  if (job === 'hold-production') return { action: `deploy ${tag} to production` };
  if (job === 'rollback-staging') return { action: 'roll staging back to the previous release' };
  if (job === 'hold-production-db') {
    return {
      action: 'restore the production database from its latest backup',
      warning: 'This overwrites the production database.',
    };
  }
  return { action: `approve ${job}` };
}

/**
 * What approving `hold-production` of a production release skips, from its stages: the visual tests still running
 * (`visualtests-compare` queued or running), or failed; undefined when they passed (or for another job).
 */
export function skippedVisualTests(stages: readonly StageInfo[]): 'running' | 'failed' | undefined {
  const compare = stages.find((s) => s.name === 'visualtests-compare');
  if (!compare) return undefined;
  if (unfinished(compare)) return 'running';
  if (compare.status === 'failed' || compare.status === 'infrastructure_fail' || compare.status === 'timedout')
    return 'failed';
  return undefined;
}

/** A release workflow of a site that a person can stop (`planet4.stopRelease`): the latest, or an older one on hold. */
export interface StopTarget {
  workflowId: string;
  tag: string;
  pipelineNumber: number;
  kind: WorkflowKind;
  /** The site's latest release (else an older one still on hold). */
  latest: boolean;
  commit?: string;
}

/** Whether the latest release workflow has not finished: running, waiting, rejected (still on hold) or may deploy. */
function latestStoppable(s: SiteSnapshot): boolean {
  return s.workflow !== undefined && s.pipeline !== undefined && !isWorkflowFinished(s.workflow.status);
}

/** Every release workflow of the site that can still be stopped: the latest (when unfinished), then the older ones on hold. */
export function stopTargets(s: SiteSnapshot): StopTarget[] {
  const targets: StopTarget[] = [];
  if (latestStoppable(s) && s.workflow && s.pipeline) {
    targets.push({
      workflowId: s.workflow.id,
      tag: s.pipeline.tag,
      pipelineNumber: s.pipeline.number,
      kind: s.workflow.kind,
      latest: true,
      ...(s.pipeline.revision ? { commit: s.pipeline.revision } : {}),
    });
  }
  for (const o of s.olderOnHold ?? []) {
    targets.push({
      workflowId: o.workflowId,
      tag: o.tag,
      pipelineNumber: o.pipelineNumber,
      kind: o.kind,
      latest: false,
    });
  }
  return targets;
}

/**
 * The workflow a caller saw (`workflowId`, e.g. the one the report's approve button shows) against the site's
 * current state: the latest release's, an older release's still on hold, or neither (the latest release changed).
 */
export function workflowSeen(s: SiteSnapshot, workflowId: string): 'latest' | 'changed' | OlderRelease {
  if (s.workflow?.id === workflowId) return 'latest';
  return s.olderOnHold?.find((o) => o.workflowId === workflowId) ?? 'changed';
}
