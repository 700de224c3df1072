import * as vscode from 'vscode';
import { settings } from '../config';
import { OutcomeUnknownError, PartlyDoneError } from '../core/release/failures';
import { runPaced, type PacedOutcome } from '../core/release/pacedBatch';
import { planRelease, type ReleasePlan } from '../core/release/tagging';
import type { Services } from '../services';
import { userMessage } from './command';
import { confirm, sendMutation, type Mutation } from './releaseAction';

/** One site's outcome in a batch, as the summary says it. */
export interface TagBatchOutcome {
  site: string;
  outcome: 'tagged' | 'refused' | 'partlyDone' | 'outcomeUnknown' | 'cancelled' | 'skipped';
  tag?: string;
  sha?: string;
  held?: boolean;
  /** The summary's line for this site. */
  line: string;
}

interface Tagged {
  site: string;
  tag: string;
  sha: string;
  held: boolean;
}

/** The batch confirmation's buttons; the chosen label is compared with these. */
const TAG_ALL = (): string => vscode.l10n.t('Tag all');
const TAG_ALL_WITH_HOLD = (): string => vscode.l10n.t('Tag all with [HOLD]');

/**
 * Several sites at once: each gets the bot's next version, one site at a time, `planet4.batch.spacingSeconds` apart
 * like the bot (GitHub refuses content created too fast), in a cancellable notification; a cancel stops before the
 * next site. One failure doesn't stop the others. Ends with one summary of every site's outcome, also logged.
 */
export async function tagBatch(
  services: Services,
  sites: string[],
  mutationFor: (plan: ReleasePlan, hold: boolean) => Mutation<Tagged>,
): Promise<TagBatchOutcome[] | undefined> {
  const github = await services.github();
  const org = services.organization();
  const plans = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Reading {0} sites…', sites.length) },
    () => Promise.allSettled(sites.map((s) => planRelease(github, org, s))),
  );
  const ready: ReleasePlan[] = [];
  const skipped: TagBatchOutcome[] = [];
  plans.forEach((p, i) => {
    if (p.status === 'fulfilled' && p.value.next) ready.push(p.value);
    else {
      const site = sites[i] ?? '?';
      const why = p.status === 'rejected' ? userMessage(p.reason) : vscode.l10n.t('no release tag to bump');
      skipped.push({ site, outcome: 'skipped', line: vscode.l10n.t('{0}: not tagged — {1}', site, why) });
    }
  });
  if (ready.length === 0)
    throw new Error(vscode.l10n.t('No site can be tagged:') + `\n${skipped.map((s) => s.line).join('\n')}`);
  const spacingMs = settings.batchSpacingMs();
  const list = ready
    .map(
      (p) =>
        `${p.site} ${p.next ?? ''} on ${p.head.sha.slice(0, 7)}${p.headHold ? ' [HOLD]' : ''}${p.headSkip ? vscode.l10n.t(' — HEAD carries {0}: an empty commit first', p.headSkip) : ''}`,
    )
    .join('\n');
  const pacing =
    ready.length > 1
      ? '\n\n' + vscode.l10n.t('One site every {0} s (planet4.batch.spacingSeconds).', spacingMs / 1000)
      : '';
  const choice = await confirm(
    services,
    vscode.l10n.t('Tag {0} sites?', ready.length),
    `${list}${pacing}${skipped.length ? `\n\n${vscode.l10n.t('Skipped:')}\n${skipped.map((s) => s.line).join('\n')}` : ''}`,
    TAG_ALL(),
    TAG_ALL_WITH_HOLD(),
  );
  if (!choice) return undefined;
  const hold = choice === TAG_ALL_WITH_HOLD();
  const total = ready.length;
  const outcomes = await vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: vscode.l10n.t('Tagging {0} sites', total),
      cancellable: true,
    },
    (progress, token) =>
      runPaced(ready, {
        spacingMs,
        cancelled: () => token.isCancellationRequested,
        starting: (plan, i) => {
          progress.report({
            message: vscode.l10n.t('{0} of {1}: {2} {3}', i + 1, total, plan.site, plan.next ?? ''),
            increment: 100 / total,
          });
        },
        wait: (ms, next, i) =>
          countdown(ms, token, (left) => {
            progress.report({
              message: vscode.l10n.t(
                '{0} of {1} sent — next: {2} in {3} s',
                i,
                total,
                next.site,
                Math.ceil(left / 1000),
              ),
            });
          }),
        send: (plan) =>
          services.guard.run('createReleaseTag', plan.site, vscode.l10n.t('Creating a release tag'), () =>
            sendMutation(services, plan.site, mutationFor(plan, hold)),
          ),
      }),
  );
  const results = [...outcomes.map((o) => describe(o, hold)), ...skipped];
  const done = results.filter((r) => r.outcome === 'tagged').length;
  const head =
    sites.length === 1
      ? vscode.l10n.t('Tagged {0} of {1} site.', done, sites.length)
      : vscode.l10n.t('Tagged {0} of {1} sites.', done, sites.length);
  services.log.info(`[batch] ${head}`);
  for (const r of results) services.log.info(`[batch] ${r.line}`);
  const summary = `${head} ${results.map((r) => r.line).join('; ')}`;
  if (done === results.length) void vscode.window.showInformationMessage(summary);
  else void vscode.window.showWarningMessage(summary);
  return results;
}

/** Waits `ms`, reporting the time left each second; false when cancelled first. */
function countdown(ms: number, token: vscode.CancellationToken, report: (leftMs: number) => void): Promise<boolean> {
  return new Promise((resolve) => {
    const end = Date.now() + ms;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const finish = (ok: boolean): void => {
      clearTimeout(timer);
      sub.dispose();
      resolve(ok);
    };
    const sub = token.onCancellationRequested(() => {
      finish(false);
    });
    const tick = (): void => {
      const left = end - Date.now();
      if (left <= 0) {
        finish(true);
        return;
      }
      report(left);
      timer = setTimeout(tick, Math.min(1000, left));
    };
    if (token.isCancellationRequested) finish(false);
    else tick();
  });
}

function describe(o: PacedOutcome<Tagged, ReleasePlan>, hold: boolean): TagBatchOutcome {
  const site = o.item.site;
  const tag = o.item.next ?? '';
  if (o.kind === 'cancelled')
    return { site, outcome: 'cancelled', line: vscode.l10n.t('{0}: not tagged (cancelled)', site) };
  if (o.kind === 'done') {
    const r = o.value;
    const line = r.held
      ? vscode.l10n.t('{0}: tagged {1} on {2} with [HOLD]', site, r.tag, r.sha.slice(0, 7))
      : vscode.l10n.t('{0}: tagged {1} on {2}', site, r.tag, r.sha.slice(0, 7));
    return { site, outcome: 'tagged', tag: r.tag, sha: r.sha, held: r.held, line };
  }
  const why = userMessage(o.error);
  if (o.error instanceof PartlyDoneError) {
    const left = hold
      ? vscode.l10n.t('[HOLD] commit on main, tag {0} not created', tag)
      : vscode.l10n.t('empty commit on main, tag {0} not created', tag);
    return { site, outcome: 'partlyDone', tag, line: vscode.l10n.t('{0}: partly done ({1}) — {2}', site, left, why) };
  }
  if (o.error instanceof OutcomeUnknownError)
    return { site, outcome: 'outcomeUnknown', tag, line: vscode.l10n.t('{0}: outcome unknown — {1}', site, why) };
  return { site, outcome: 'refused', tag, line: vscode.l10n.t('{0}: {1} refused — {2}', site, tag, why) };
}
