import type { CircleCiClient } from '../api/circleci/client';
import type { GitHubClient } from '../api/github/client';
import type { Fleet } from '../fleet/fleet';
import type { Poller } from '../fleet/poller';
import type { SiteSnapshot } from '../fleet/types';
import type { Logger } from '../util/logger';
import { OutcomeUnknownError, PartlyDoneError } from './failures';
import type { ActionGuard } from './guard';

/**
 * The one lifecycle of every release action — tag (`createReleaseTag`), hold and release the hold (`holdRelease`,
 * `releaseHold`), approve (`approveJob`), roll back (`rollback`): each command declares its steps, `runReleaseAction`
 * runs them in the same order with the same guarantees.
 *
 * Before it, the command checks its whole argument — no request on bad input — and finds the site. Then, holding the
 * in-flight guard from the first read to the result (a second run of the same action on the same site is refused
 * meanwhile):
 * 1. `read`: the site's current state, read fresh (and what the argument did not say: a tag, a release);
 * 2. `alreadyDone`: when an earlier attempt already did it, its result — nothing is sent;
 * 3. `confirm`: a modal confirmation naming the site, the tag, the commit and the effect (the shell skips it when
 *    `planet4.confirmActions` is false);
 * 4. `sendMutation`: the change sent once (never retried) → `[mutation] …` logged → the site read again and watched
 *    by the poller until the change shows;
 * 5. `result`: the command's result, announced.
 */

/** What the lifecycle needs around it: the shell's services and dialogs. */
export interface ActionContext {
  guard: ActionGuard;
  log: Pick<Logger, 'info' | 'error'>;
  fleet: Pick<Fleet, 'invalidate' | 'refresh'>;
  poller: Pick<Poller, 'watch'>;
  /** The clients for the current credentials, asked for at the time of sending. */
  github(): Promise<GitHubClient>;
  circleci(): CircleCiClient;
  /** The modal confirmation: the chosen action, or undefined when cancelled. */
  confirm(question: Confirmation): Promise<string | undefined>;
  /** Runs `task` under a progress notification titled `title`. */
  progress<T>(title: string, task: () => Promise<T>): Promise<T>;
  /** Shows the information message that says what was done. */
  announce(message: string): void;
}

/** The modal confirmation: names the site, the tag, the commit and the effect. */
export interface Confirmation {
  message: string;
  detail: string;
  /** Its buttons, the recommended first. */
  actions: string[];
  /** The choice when confirmations are off (default: the first button). */
  default?: string;
}

interface MutationSteps<T> {
  /** `greenpeace/planet4-africa: tag v1.2.3`: what the `[mutation] … → failed` log line names. */
  what: string;
  /** The progress notification while it is sent (none in a batch, which shows its own). */
  progress?: string;
  /** The failure in a release manager's words (default: as thrown, already explained). */
  explain?: (e: unknown) => Error;
  /** The `[mutation] …` line once it is done. */
  logged: (sent: T) => string;
  /** What it changed, read again: the pipeline (CircleCI), main and the tags (GitHub), or both. */
  changes: 'pipeline' | 'github' | 'all';
  /** The poller reads the site fast until this holds for its snapshot (e.g. the new tag's pipeline shows). */
  watchUntil: (sent: T) => (s: SiteSnapshot) => boolean;
}

/**
 * A change sent once to GitHub or CircleCI, with the client for the current credentials (failing to get one is not a
 * failed mutation). `log` records a step done on the way, when another follows (`[mutation] …`).
 */
export type Mutation<T> = MutationSteps<T> &
  (
    | { service: 'github'; send: (github: GitHubClient, log: (line: string) => void) => Promise<T> }
    | { service: 'circleci'; send: (circleci: CircleCiClient, log: (line: string) => void) => Promise<T> }
  );

/** A release action, declared step by step (see the top of this file). */
export interface ReleaseAction<S, T, R> {
  /** The in-flight guard: the action's key (`rollback`, `approveJob:hold-production`) and its words ("A rollback"). */
  guard: { action: string; inFlight: string };
  /** Reads the site's current state, and asks what the argument did not say; undefined when the user cancels. */
  read: () => Promise<S | undefined>;
  /** The result of an earlier attempt that already did it (then nothing is sent), or undefined. */
  alreadyDone?: (state: S) => Promise<R | undefined>;
  confirm: (state: S) => Confirmation;
  /** The change to send, given the state read and the confirmation's choice. */
  mutation: (state: S, choice: string) => Mutation<T>;
  /** The command's result once the change is sent, and the information message that says it. */
  result: (sent: T, state: S) => R;
  announce: (result: R, state: S) => string;
}

/** Runs a release action's declared steps for `site` (see the top of this file); undefined when cancelled. */
export function runReleaseAction<S, T, R>(
  context: ActionContext,
  site: string,
  action: ReleaseAction<S, T, R>,
): Promise<R | undefined> {
  return context.guard.run(action.guard.action, site, action.guard.inFlight, async () => {
    const state = await action.read();
    if (state === undefined) return undefined;
    const earlier = await action.alreadyDone?.(state);
    if (earlier !== undefined) return earlier;
    const choice = await context.confirm(action.confirm(state));
    if (!choice) return undefined;
    const sent = await sendMutation(context, site, action.mutation(state, choice));
    const result = action.result(sent, state);
    context.announce(action.announce(result, state));
    return result;
  });
}

/**
 * Sends a change once — never retried — and logs it; then the site is read again and the poller watches it until the
 * change shows, so the tree follows without a manual refresh. A failure is explained, logged and thrown.
 */
export async function sendMutation<T>(context: ActionContext, site: string, mutation: Mutation<T>): Promise<T> {
  const log = (line: string): void => {
    context.log.info(`[mutation] ${line}`);
  };
  const sending = async (): Promise<T> => {
    const sent =
      mutation.service === 'github'
        ? mutation.send(await context.github(), log)
        : mutation.send(context.circleci(), log);
    return sent.catch((e: unknown) => {
      throw mutationFailed(context, site, mutation.what, mutation.explain ? mutation.explain(e) : e);
    });
  };
  const sent = mutation.progress === undefined ? await sending() : await context.progress(mutation.progress, sending);
  log(mutation.logged(sent));
  context.fleet.invalidate(site, mutation.changes);
  context.poller.watch(site, mutation.watchUntil(sent));
  void context.fleet.refresh({ sites: [site], github: mutation.changes !== 'pipeline' });
  return sent;
}

/**
 * Logs a failed mutation (`[mutation] <what> → failed: …`, or `→ outcome unknown: …` when it may have happened) and
 * returns the error to throw. When it may have happened, the site is read again so the tree shows what is true; the
 * action's in-flight guard is released as soon as the command's promise settles.
 */
function mutationFailed(context: Pick<ActionContext, 'log' | 'fleet'>, site: string, what: string, e: unknown): Error {
  const err = e instanceof Error ? e : new Error(String(e));
  const unknown = err instanceof OutcomeUnknownError;
  const partly = err instanceof PartlyDoneError;
  context.log.error(
    `[mutation] ${what} → ${unknown ? 'outcome unknown' : partly ? 'partly done' : 'failed'}: ${err.message}`,
  );
  if (unknown || partly) {
    context.fleet.invalidate(site, 'all');
    void context.fleet.refresh({ sites: [site], github: true });
  }
  return err;
}
