import * as vscode from 'vscode';
import type { CircleCiClient } from '../core/api/circleci/client';
import type { SiteSnapshot } from '../core/fleet/types';
import { stopTargets, type StopTarget } from '../core/release/approvals';
import { explainCircleciMutationFailure, unanswered } from '../core/release/failures';
import type { Services } from '../services';
import { registerCommand } from './command';
import { runReleaseAction } from './releaseAction';
import { siteArgument, siteFor } from './siteArgs';

/** What `planet4.stopRelease` resolves to. */
export interface StopResult {
  site: string;
  workflowId: string;
  tag: string;
}

/** A CircleCI workflow id (a UUID), as `workflowId` of a command's argument. */
const WORKFLOW_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The argument's `workflowId`, checked before any request; undefined when absent. */
export function optionalWorkflowId(arg: unknown): string | undefined {
  if (typeof arg !== 'object' || arg === null || !('workflowId' in arg)) return undefined;
  const v = (arg as { workflowId?: unknown }).workflowId;
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || !WORKFLOW_ID.test(v.trim())) {
    throw new Error(vscode.l10n.t('"workflowId" must be a CircleCI workflow id (a UUID).'));
  }
  return v.trim().toLowerCase();
}

/**
 * The change that stops a release: `POST /workflow/{id}/cancel`, sent once, never retried; the site is then read
 * again (older releases too) and watched until the workflow shows as canceled. `send` is the caller's.
 */
export function stopMutation(s: SiteSnapshot, target: Pick<StopTarget, 'workflowId' | 'tag' | 'latest'>) {
  const { workflowId, tag } = target;
  return {
    service: 'circleci' as const,
    what: `${s.slug}: stop the release ${tag} (cancel workflow ${workflowId})`,
    progress: vscode.l10n.t('Stopping the release {0} of {1}…', tag, s.site),
    explain: (e: unknown) =>
      explainCircleciMutationFailure(e, unanswered.cancel(s.site, tag, workflowId), s.slug, `stop the release ${tag}`),
    logged: () => `${s.slug}: stopped the release ${tag} (POST /workflow/${workflowId}/cancel) → ok`,
    changes: 'all' as const,
    watchUntil: () => (x: SiteSnapshot) =>
      target.latest
        ? x.workflow?.id !== workflowId || x.workflow.status === 'canceled'
        : !x.olderOnHold?.some((o) => o.workflowId === workflowId),
  };
}

/** A site whose latest release, or an older one on hold, can be stopped. */
const stoppable = (s: SiteSnapshot): boolean => stopTargets(s).length > 0;

/**
 * `planet4.stopRelease` `{site, workflowId?}`: stops a release by cancelling its workflow in CircleCI — the one way to
 * really stop it (approving rollback-staging does not stop a release whose visual tests may still pass, and an older
 * release on hold stays approvable in CircleCI). Without `workflowId`: the site's latest release, when it has not
 * finished. Confirmed, sent once. Resolves to `{site, workflowId, tag}`.
 */
export function registerStopRelease(services: Services): vscode.Disposable[] {
  return [
    registerCommand(services, 'planet4.stopRelease', async (arg): Promise<StopResult | undefined> => {
      // Every argument is checked before any request.
      if (arg !== undefined) siteArgument(arg);
      const wanted = optionalWorkflowId(arg);
      const site = await siteFor(services, arg, vscode.l10n.t('Stop a release of…'), stoppable);
      if (!site) return undefined;
      const picked = arg === undefined ? await pickTarget(services, site) : wanted;
      if (arg === undefined && picked === undefined) return undefined;
      return runReleaseAction(services, site, {
        guard: { action: 'stopRelease', inFlight: vscode.l10n.t('Stopping a release') },
        read: async () => {
          // read again, older releases on hold included: stopping what has finished must not be sent
          await services.fleet.refresh({ sites: [site], github: true });
          const s = services.fleet.get(site);
          if (s?.error) throw new Error(`${site}: ${s.error.message}`);
          if (!s) throw new Error(vscode.l10n.t('{0} has not been loaded.', site));
          const targets = stopTargets(s);
          const target =
            picked === undefined ? targets.find((t) => t.latest) : targets.find((t) => t.workflowId === picked);
          if (!target) throw new Error(nothingToStop(s, picked));
          return { s, target };
        },
        confirm: ({ s, target }) => ({
          message: vscode.l10n.t('Stop the release {0} of {1}?', target.tag, site),
          detail: [
            vscode.l10n.t(
              'This cancels the {0} workflow of {1} in CircleCI (pipeline {2}, workflow {3}{4}): its running jobs stop and its approvals can never be given, so {1} will not {5}.',
              target.kind,
              target.tag,
              target.pipelineNumber,
              target.workflowId,
              target.commit ? vscode.l10n.t(', commit {0}', target.commit.slice(0, 7)) : '',
              target.kind === 'rollback'
                ? vscode.l10n.t('roll production back')
                : vscode.l10n.t('deploy to production'),
            ),
            target.latest
              ? vscode.l10n.t('It cannot be undone: to release later, make a new release tag.')
              : vscode.l10n.t(
                  'It is an older release than the latest ({0}): approving it in CircleCI would deploy an older release over a newer one.',
                  s.pipeline?.tag ?? '-',
                ),
          ].join('\n\n'),
          actions: [vscode.l10n.t('Stop This Release')],
        }),
        mutation: ({ s, target }) => ({
          ...stopMutation(s, target),
          send: (circleci: CircleCiClient) => circleci.cancelWorkflow(target.workflowId),
        }),
        result: (_sent, { target }) => ({ site, workflowId: target.workflowId, tag: target.tag }),
        announce: (result) =>
          vscode.l10n.t('{0}: stopped the release {1}: its workflow was canceled in CircleCI.', site, result.tag),
      });
    }),
  ];
}

/** Why nothing can be stopped (nothing is sent). */
function nothingToStop(s: SiteSnapshot, workflowId: string | undefined): string {
  if (workflowId !== undefined) {
    return vscode.l10n.t(
      'Workflow {0} is neither the latest release of {1} still running or waiting, nor an older release of it still on hold: nothing to stop, nothing was sent.',
      workflowId,
      s.site,
    );
  }
  const older = s.olderOnHold ?? [];
  return older.length > 0
    ? vscode.l10n.t(
        'The latest release of {0} ({1}) has finished: nothing to stop. An older release still waits: pass its workflowId ({2}).',
        s.site,
        s.pipeline?.tag ?? '-',
        older.map((o) => `${o.tag}: ${o.workflowId}`).join(', '),
      )
    : vscode.l10n.t('The latest release of {0} ({1}) has finished: nothing to stop.', s.site, s.pipeline?.tag ?? '-');
}

/** From the palette: which release of the site to stop, when there is more than one. */
async function pickTarget(services: Services, site: string): Promise<string | undefined> {
  const s = services.fleet.get(site);
  const targets = s ? stopTargets(s) : [];
  if (targets.length === 1) return targets[0]?.workflowId;
  const pick = await vscode.window.showQuickPick(
    targets.map((t) => ({
      label: t.tag,
      description: t.latest ? vscode.l10n.t('latest release') : vscode.l10n.t('older release still on hold'),
      workflowId: t.workflowId,
    })),
    { title: vscode.l10n.t('Stop which release of {0}?', site) },
  );
  return pick?.workflowId;
}
