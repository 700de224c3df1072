import * as vscode from 'vscode';
import { projectSlug } from '../core/api/circleci/types';
import { explainCircleciFailure, explainGitHubFailure } from '../core/release/failures';
import { findProductionTag, type ReleaseHistoryEntry } from '../core/release/history';
import { earlierRollbackPipeline, RecentRollbacks, triggerRollback } from '../core/release/rollback';
import { sortReleaseTags } from '../core/release/version';
import type { Services } from '../services';
import { timeAgo } from '../core/util/time';
import { registerCommand } from './command';
import { runReleaseAction } from './releaseAction';
import { optionalString, requireTag, siteArgument, siteFor } from './siteArgs';

export interface RollbackResult {
  site: string;
  tag: string;
  pipelineNumber: number;
  /**
   * True when nothing was sent because an earlier attempt from this window (unanswered, or a few minutes ago) had
   * already started this rollback: `pipelineNumber` is that pipeline. The command resolves: the rollback is started.
   */
  alreadyStarted?: true;
}

/**
 * `planet4.rollback` `{site, tag}`: triggers the parameterised rollback pipeline with exactly
 * `{"tag": "<tag>", "parameters": {"rollback": true}}` — never without a tag, and never a second time for an attempt
 * that may have started it already (see `core/release/rollback.ts`).
 */
export function registerRollback(services: Services): vscode.Disposable[] {
  const recent = new RecentRollbacks();
  return [
    registerCommand(services, 'planet4.rollback', async (arg, inv): Promise<RollbackResult | undefined> => {
      // Every argument is checked before any request.
      if (arg !== undefined) siteArgument(arg);
      let wanted = optionalString(arg, 'tag');
      if (inv.scripted) wanted = requireTag(wanted);
      else if (wanted !== undefined) requireTag(wanted);
      const site = await siteFor(services, arg, vscode.l10n.t('Roll back…'), (s) => s.state !== 'no-project');
      if (!site) return undefined;
      const org = services.organization();
      const slug = projectSlug(org, site);
      return runReleaseAction(services, site, {
        guard: { action: 'rollback', inFlight: vscode.l10n.t('A rollback') },
        read: async () => {
          const github = await services.github();
          const [tags, prod] = await vscode.window.withProgress(
            {
              location: vscode.ProgressLocation.Notification,
              title: vscode.l10n.t('Reading the releases of {0}…', site),
            },
            () =>
              Promise.all([
                github.listTags(org, `planet4-${site}`).catch((e: unknown) => {
                  throw explainGitHubFailure(e, org, `planet4-${site}`, 'list the tags');
                }),
                findProductionTag(services.circleci(), org, site).catch((e: unknown) => {
                  throw explainCircleciFailure(e, slug, 'read the pipelines');
                }),
              ]),
          );
          const releases = sortReleaseTags(tags.map((t) => t.name));
          const tag = wanted ?? (await pickRelease(site, releases, prod.production, prod.history));
          if (tag === undefined) return undefined;
          if (!releases.includes(tag))
            throw new Error(vscode.l10n.t('{0} is not a release tag of {1}/planet4-{2}.', tag, org, site));
          return {
            production: prod.production,
            request: { site, slug, tag, newestPipelineBefore: prod.newestPipelineNumber },
          };
        },
        alreadyDone: async ({ request }) => {
          const existing = await earlierRollbackPipeline(services.circleci(), recent, request);
          if (existing === undefined) return undefined;
          const tag = request.tag;
          services.log.info(`${slug}: rollback to ${tag} already started as pipeline ${existing}: nothing sent`);
          void vscode.window.showInformationMessage(
            vscode.l10n.t(
              '{0}: the rollback to {1} was already started by the earlier attempt (pipeline {2}): nothing was sent again.',
              site,
              tag,
              existing,
            ),
          );
          return { site, tag, pipelineNumber: existing, alreadyStarted: true };
        },
        confirm: ({ production, request: { tag } }) => ({
          message: vscode.l10n.t('Roll {0} back to {1}?', site, tag),
          detail: production
            ? vscode.l10n.t(
                'Triggers the rollback pipeline of {0} for {1} (production runs {2} now): it redeploys {1} to staging at once, then waits for approvals — hold-production rolls production back, hold-production-db restores the database.',
                slug,
                tag,
                production,
              )
            : vscode.l10n.t(
                'Triggers the rollback pipeline of {0} for {1}: it redeploys {1} to staging at once, then waits for approvals — hold-production rolls production back, hold-production-db restores the database.',
                slug,
                tag,
              ),
          actions: [vscode.l10n.t('Start rollback')],
        }),
        mutation: ({ request }) => ({
          service: 'circleci',
          what: `${slug}: rollback to ${request.tag}`,
          progress: vscode.l10n.t('Starting the rollback of {0} to {1}…', site, request.tag),
          // Explained by triggerRollback, which remembers the attempt.
          send: (circleci) => triggerRollback(circleci, recent, request),
          logged: (triggered) =>
            `${slug}: POST pipeline ${JSON.stringify({ tag: request.tag, parameters: { rollback: true } })} → pipeline ${triggered.number}`,
          changes: 'pipeline',
          watchUntil: (triggered) => (s) =>
            s.pipeline?.number === triggered.number && s.workflow?.kind === 'rollback' && s.state !== 'running',
        }),
        result: (triggered, { request: { tag } }) => ({ site, tag, pipelineNumber: triggered.number }),
        announce: ({ tag, pipelineNumber }) =>
          vscode.l10n.t(
            '{0}: rollback to {1} started (pipeline {2}). Approve hold-production to roll production back.',
            site,
            tag,
            pipelineNumber,
          ),
      });
    }),
  ];
}

/** From the palette: which release to roll back to, newest first, the one in production now last. */
async function pickRelease(
  site: string,
  releases: string[],
  production: string | undefined,
  history: ReleaseHistoryEntry[],
): Promise<string | undefined> {
  const built = new Map(history.map((h) => [h.tag, h.createdAt]));
  const pick = await vscode.window.showQuickPick(
    releases
      .map((t) => ({
        label: t,
        description: t === production ? vscode.l10n.t('$(rocket) in production now') : undefined,
        detail: built.has(t)
          ? vscode.l10n.t('built {0} ({1})', timeAgo(built.get(t)), new Date(built.get(t) ?? '').toUTCString())
          : undefined,
        tag: t,
      }))
      .filter((i) => i.tag !== production)
      .concat(
        production
          ? [
              {
                label: production,
                description: vscode.l10n.t('$(rocket) in production now — redeploys the same release'),
                detail: undefined,
                tag: production,
              },
            ]
          : [],
      ),
    {
      title: vscode.l10n.t('Roll {0} back to…', site),
      placeHolder: vscode.l10n.t('In production now: {0}', production ?? vscode.l10n.t('unknown')),
      matchOnDescription: true,
    },
  );
  return pick?.tag;
}
