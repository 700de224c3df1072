import * as vscode from 'vscode';
import { projectSlug } from '../core/api/circleci/types';
import { explainCircleciFailure, explainGitHubFailure, findProductionTag } from '../core/release/actions';
import { sortReleaseTags } from '../core/release/version';
import type { Services } from '../services';
import { timeAgo } from '../treeViews/pipelinesTree';
import { confirm, registerCommand } from './command';
import { optionalString, requireTag, siteFor } from './siteArgs';

export interface RollbackResult {
  site: string;
  tag: string;
  pipelineNumber: number;
}

/**
 * `planet4.rollback` `{site, tag}`: triggers the parameterised rollback pipeline with exactly
 * `{"tag": "<tag>", "parameters": {"rollback": true}}` — never without a tag.
 */
export function registerRollback(services: Services): vscode.Disposable[] {
  return [
    registerCommand(services, 'planet4.rollback', async (arg, inv): Promise<RollbackResult | undefined> => {
      const site = await siteFor(services, arg, 'Roll back…', (s) => s.state !== 'no-project');
      if (!site) return undefined;
      const org = services.organization();
      const slug = projectSlug(org, site);
      let tag = optionalString(arg, 'tag');
      if (inv.scripted) tag = requireTag(tag);
      else if (tag !== undefined) requireTag(tag);
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
        const ok = await confirm(
          services,
          `Roll ${site} back to ${tag}?`,
          `Triggers the rollback pipeline of ${slug} for ${tag}${prod.production ? ` (production runs ${prod.production} now)` : ''}: it redeploys ${tag} to staging at once, then waits for approvals — hold-production rolls production back, hold-production-db restores the database.`,
          'Start rollback',
        );
        if (!ok) return undefined;
        const body = { tag, parameters: { rollback: true } };
        const rollbackTag = tag;
        const triggered = await vscode.window.withProgress(
          { location: vscode.ProgressLocation.Notification, title: `Starting the rollback of ${site} to ${tag}…` },
          () =>
            services
              .circleci()
              .triggerPipeline(slug, body)
              .catch((e: unknown) => {
                const err = explainCircleciFailure(e, slug, `roll back to ${rollbackTag}`);
                services.log.error(`[mutation] ${slug}: rollback to ${rollbackTag} → failed: ${err.message}`);
                throw err;
              }),
        );
        services.log.info(`[mutation] ${slug}: POST pipeline ${JSON.stringify(body)} → pipeline ${triggered.number}`);
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
