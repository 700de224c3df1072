import * as vscode from 'vscode';
import { projectSlug } from '../core/api/circleci/types';
import { explainCircleciFailure, explainGitHubFailure } from '../core/release/failures';
import { readReleaseHistory, ReleaseHistoryCache, type ReleaseHistory } from '../core/release/history';
import { earlierRollbackPipeline, RecentRollbacks, triggerRollback } from '../core/release/rollback';
import { isSuffixedTag, sortVersionTags } from '../core/release/version';
import type { Services } from '../services';
import { registerCommand } from './command';
import { runReleaseAction } from './releaseAction';
import { confirmationDetail, noBuildRefusal, pickRelease } from './rollbackPick';
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
 * that may have started it already (see `core/release/rollback.ts`). Only to a tag with a known successful production
 * `build` (`core/release/history.ts`): a rollback redeploys the images of its tag, which only that build pushed; any
 * other tag is refused with the reason, and nothing is sent.
 */
export function registerRollback(services: Services): vscode.Disposable[] {
  const recent = new RecentRollbacks();
  /** What never changes in the sites' release histories (built tags, finished workflows), for the next rollback. */
  const histories = new ReleaseHistoryCache();
  return [
    registerCommand(services, 'planet4.rollback', async (arg, inv): Promise<RollbackResult | undefined> => {
      // Every argument is checked before any request.
      if (arg !== undefined) siteArgument(arg);
      let wanted = optionalString(arg, 'tag');
      // a suffixed tag (`v1.2.3-x`) was built and deployed like a release: it can be rolled back to
      if (inv.scripted && !isSuffixedTag(wanted)) wanted = requireTag(wanted);
      else if (wanted !== undefined && !isSuffixedTag(wanted)) requireTag(wanted);
      const site = await siteFor(services, arg, vscode.l10n.t('Roll back…'), (s) => s.state !== 'no-project');
      if (!site) return undefined;
      const org = services.organization();
      const slug = projectSlug(org, site);
      return runReleaseAction(services, site, {
        guard: { action: 'rollback', inFlight: vscode.l10n.t('A rollback') },
        read: async () => {
          const github = await services.github();
          const circleci = services.circleci();
          const repo = `planet4-${site}`;
          // names only, in one request (git/matching-refs/tags/v); suffixed tags included, in the bot's order
          const listTags = async (): Promise<string[]> =>
            sortVersionTags(
              (
                await github.matchingTags(org, repo).catch((e: unknown) => {
                  throw explainGitHubFailure(e, org, repo, 'list the tags');
                })
              ).map((t) => t.name),
            );
          const readHistory = (want?: string): Promise<ReleaseHistory> =>
            readReleaseHistory(circleci, histories, slug, want === undefined ? {} : { want }).catch((e: unknown) => {
              throw explainCircleciFailure(e, slug, 'read the pipelines');
            });
          const reading = <T>(task: () => Promise<T>): Thenable<T> =>
            vscode.window.withProgress(
              {
                location: vscode.ProgressLocation.Notification,
                title: vscode.l10n.t('Reading the releases of {0}…', site),
              },
              task,
            );
          // A named tag is checked against the tags first: the history is then read as far back as its build.
          const [releases, read] = await reading(async (): Promise<[string[], ReleaseHistory | undefined]> => {
            if (wanted === undefined) return Promise.all([listTags(), readHistory()]);
            const tags = await listTags();
            return [tags, tags.includes(wanted) ? await readHistory(wanted) : undefined];
          });
          const tag = wanted ?? (read ? await pickRelease(site, slug, releases, read) : undefined);
          if (tag === undefined) return undefined;
          if (!releases.includes(tag) || read === undefined) {
            throw new Error(vscode.l10n.t('{0} is not a release tag of {1}/planet4-{2}.', tag, org, site));
          }
          // Picked among all tags: look as far back as its build before refusing.
          const history =
            read.built.has(tag) || read.complete || wanted !== undefined ? read : await reading(() => readHistory(tag));
          const build = history.built.get(tag);
          if (!build) throw new Error(noBuildRefusal(site, slug, tag, history));
          return {
            history,
            build,
            request: { site, slug, tag, newestPipelineBefore: history.newestPipelineNumber },
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
        confirm: ({ history, build, request: { tag } }) => ({
          message: vscode.l10n.t('Roll {0} back to {1}?', site, tag),
          detail: confirmationDetail(slug, build, history),
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
