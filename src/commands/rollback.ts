import * as vscode from 'vscode';
import { projectSlug } from '../core/api/circleci/types';
import { explainCircleciFailure, explainGitHubFailure, findProductionTag } from '../core/release/actions';
import { earlierRollbackPipeline, RecentRollbacks, triggerRollback } from '../core/release/rollback';
import { sortReleaseTags } from '../core/release/version';
import type { Services } from '../services';
import { timeAgo } from '../core/util/time';
import { confirm, mutationFailed, registerCommand } from './command';
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
      let tag = optionalString(arg, 'tag');
      if (inv.scripted) tag = requireTag(tag);
      else if (tag !== undefined) requireTag(tag);
      const site = await siteFor(services, arg, 'Roll back…', (s) => s.state !== 'no-project');
      if (!site) return undefined;
      const org = services.organization();
      const slug = projectSlug(org, site);
      return services.guard.run('rollback', site, 'A rollback', async () => {
        const github = await services.github();
        const [tags, prod] = await vscode.window.withProgress(
          { location: vscode.ProgressLocation.Notification, title: `Reading the releases of ${site}…` },
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
        if (tag === undefined) {
          const built = new Map(prod.history.map((h) => [h.tag, h.createdAt]));
          const pick = await vscode.window.showQuickPick(
            releases
              .map((t) => ({
                label: t,
                description: t === prod.production ? '$(rocket) in production now' : undefined,
                detail: built.has(t)
                  ? `built ${timeAgo(built.get(t))} (${new Date(built.get(t) ?? '').toUTCString()})`
                  : undefined,
                tag: t,
              }))
              .filter((i) => i.tag !== prod.production)
              .concat(
                prod.production
                  ? [
                      {
                        label: prod.production,
                        description: '$(rocket) in production now — redeploys the same release',
                        detail: undefined,
                        tag: prod.production,
                      },
                    ]
                  : [],
              ),
            {
              title: `Roll ${site} back to…`,
              placeHolder: `In production now: ${prod.production ?? 'unknown'}`,
              matchOnDescription: true,
            },
          );
          if (!pick) return undefined;
          tag = pick.tag;
        }
        if (!releases.includes(tag)) throw new Error(`${tag} is not a release tag of ${org}/planet4-${site}.`);
        const request = { site, slug, tag, newestPipelineBefore: prod.newestPipelineNumber };
        const existing = await earlierRollbackPipeline(services.circleci(), recent, request);
        if (existing !== undefined) {
          services.log.info(`${slug}: rollback to ${tag} already started as pipeline ${existing}: nothing sent`);
          void vscode.window.showInformationMessage(
            `${site}: the rollback to ${tag} was already started by the earlier attempt (pipeline ${existing}): nothing was sent again.`,
          );
          return { site, tag, pipelineNumber: existing, alreadyStarted: true };
        }
        const ok = await confirm(
          services,
          `Roll ${site} back to ${tag}?`,
          `Triggers the rollback pipeline of ${slug} for ${tag}${prod.production ? ` (production runs ${prod.production} now)` : ''}: it redeploys ${tag} to staging at once, then waits for approvals — hold-production rolls production back, hold-production-db restores the database.`,
          'Start rollback',
        );
        if (!ok) return undefined;
        const circleci = services.circleci();
        const triggered = await vscode.window.withProgress(
          { location: vscode.ProgressLocation.Notification, title: `Starting the rollback of ${site} to ${tag}…` },
          () =>
            triggerRollback(circleci, recent, request).catch((e: unknown) => {
              throw mutationFailed(services, site, `${slug}: rollback to ${request.tag}`, e);
            }),
        );
        services.log.info(
          `[mutation] ${slug}: POST pipeline ${JSON.stringify({ tag, parameters: { rollback: true } })} → pipeline ${triggered.number}`,
        );
        services.fleet.invalidate(site, 'pipeline');
        services.poller.watch(
          site,
          (s) => s.pipeline?.number === triggered.number && s.workflow?.kind === 'rollback' && s.state !== 'running',
        );
        void services.fleet.refresh({ sites: [site], github: false });
        void vscode.window.showInformationMessage(
          `${site}: rollback to ${tag} started (pipeline ${triggered.number}). Approve hold-production to roll production back.`,
        );
        return { site, tag, pipelineNumber: triggered.number };
      });
    }),
  ];
}
