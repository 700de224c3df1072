import type { CircleCiClient } from '../api/circleci/client';
import type { Pipeline, TriggeredPipeline } from '../api/circleci/types';
import { explainCircleciFailure, explainCircleciMutationFailure, mayHaveHappened, unanswered } from './failures';

/**
 * Triggering a pipeline is not idempotent: when CircleCI does not answer a rollback trigger, it may have started the
 * rollback anyway, and sending it again would start a second one. So a rollback sent from this window is
 * remembered, and a second rollback of the same site to the same tag first looks for the pipeline the earlier one
 * may have created:
 *
 * - after an unknown outcome (timeout, reset, 5xx): for as long as this window lives;
 * - after a successful trigger: for a few minutes (`RECENT_ROLLBACK_MS`) — a second click, or a script retrying.
 *
 * When that pipeline is there, nothing is sent: the rollback counts as started, with that pipeline's number (the
 * retry of a rollback gets the answer the first attempt would have given). When it is not, the rollback is sent.
 */
export const RECENT_ROLLBACK_MS = 10 * 60_000;

export interface RollbackRequest {
  site: string;
  /** `gh/greenpeace/planet4-<site>` */
  slug: string;
  tag: string;
  /** The newest pipeline number of the project read before sending (0 when it has none): ours will be greater. */
  newestPipelineBefore: number;
}

export interface RollbackAttempt {
  readonly site: string;
  readonly tag: string;
  readonly newestPipelineBefore: number;
  /** When it was sent (ms since the epoch, this machine's clock). */
  readonly sentAt: number;
  outcome: 'sending' | 'unknown' | 'started';
  pipelineNumber?: number;
}

export interface RollbackStarted {
  pipelineNumber: number;
  /** True when an earlier attempt had already started this rollback: nothing was sent now. */
  alreadyStarted: boolean;
}

/** The rollbacks sent from this window, per site and tag, while a second one could duplicate them. */
export class RecentRollbacks {
  private readonly attempts = new Map<string, RollbackAttempt>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly recentMs = RECENT_ROLLBACK_MS,
  ) {}

  /** The earlier attempt whose pipeline a new rollback of `site` to `tag` must look for first, if any. */
  earlier(site: string, tag: string): RollbackAttempt | undefined {
    const key = keyOf(site, tag);
    const attempt = this.attempts.get(key);
    if (attempt === undefined) return undefined;
    if (attempt.outcome !== 'started' || this.now() - attempt.sentAt <= this.recentMs) return attempt;
    this.attempts.delete(key);
    return undefined;
  }

  /** Records a rollback about to be sent (it replaces any earlier attempt of the same site and tag). */
  sending(request: RollbackRequest): RollbackAttempt {
    const attempt: RollbackAttempt = {
      site: request.site,
      tag: request.tag,
      newestPipelineBefore: request.newestPipelineBefore,
      sentAt: this.now(),
      outcome: 'sending',
    };
    this.attempts.set(keyOf(request.site, request.tag), attempt);
    return attempt;
  }

  started(attempt: RollbackAttempt, pipelineNumber: number): void {
    attempt.outcome = 'started';
    attempt.pipelineNumber = pipelineNumber;
  }

  unknown(attempt: RollbackAttempt): void {
    attempt.outcome = 'unknown';
  }

  /** The service refused it: nothing was started, nothing to look for. */
  refused(attempt: RollbackAttempt): void {
    const key = keyOf(attempt.site, attempt.tag);
    if (this.attempts.get(key) === attempt) this.attempts.delete(key);
  }
}

function keyOf(site: string, tag: string): string {
  return `${site}\u0000${tag}`;
}

/**
 * A rollback pipeline of `tag`: triggered for that tag with `rollback: true`. When the listing does not show the
 * trigger's parameters, a pipeline of that tag triggered through the API counts (GitHub's tag push is a webhook).
 */
export function isRollbackPipelineOf(pipeline: Pipeline, tag: string): boolean {
  if (pipeline.vcs?.tag !== tag) return false;
  const rollback = pipeline.trigger_parameters?.rollback;
  if (rollback !== undefined) return rollback === true;
  return pipeline.trigger.type === 'api';
}

/**
 * The rollback pipeline an earlier attempt created, if there is one: a rollback pipeline of the tag on the newest
 * page of the project's pipelines, newer than the newest pipeline read before that attempt. One request.
 */
export async function findStartedRollback(
  circleci: CircleCiClient,
  slug: string,
  attempt: RollbackAttempt,
): Promise<Pipeline | undefined> {
  const page = await circleci.listPipelinesPage(slug);
  return page.items
    .filter((p) => p.number > attempt.newestPipelineBefore && isRollbackPipelineOf(p, attempt.tag))
    .sort((a, b) => a.number - b.number)[0];
}

/**
 * Before a second rollback of the same site to the same tag: the number of the pipeline an earlier attempt of this
 * window started, or undefined when there was no such attempt or it started nothing (then the rollback may be sent).
 * Fails (with a message saying nothing was sent) when the pipelines cannot be read: never sends blindly.
 */
export async function earlierRollbackPipeline(
  circleci: CircleCiClient,
  recent: RecentRollbacks,
  request: RollbackRequest,
): Promise<number | undefined> {
  const attempt = recent.earlier(request.site, request.tag);
  if (attempt === undefined) return undefined;
  try {
    const found = await findStartedRollback(circleci, request.slug, attempt);
    if (found === undefined) return undefined;
    recent.started(attempt, found.number);
    return found.number;
  } catch (e) {
    const why = explainCircleciFailure(e, request.slug, 'read the pipelines').message;
    throw new Error(
      `Cannot check whether the earlier rollback of ${request.site} to ${request.tag} started, so none was sent: ${why} Look at the pipelines on CircleCI, or try again.`,
    );
  }
}

/**
 * Sends the rollback trigger once — exactly `{"tag": <tag>, "parameters": {"rollback": true}}` — and remembers it.
 * Failures are explained; one whose outcome is unknown says the rollback may have started.
 */
export async function triggerRollback(
  circleci: CircleCiClient,
  recent: RecentRollbacks,
  request: RollbackRequest,
): Promise<TriggeredPipeline> {
  const attempt = recent.sending(request);
  try {
    const triggered = await circleci.triggerPipeline(request.slug, {
      tag: request.tag,
      parameters: { rollback: true },
    });
    recent.started(attempt, triggered.number);
    return triggered;
  } catch (e) {
    if (mayHaveHappened(e)) recent.unknown(attempt);
    else recent.refused(attempt);
    throw explainCircleciMutationFailure(
      e,
      unanswered.rollback(request.slug, request.tag),
      request.slug,
      `roll back to ${request.tag}`,
    );
  }
}
