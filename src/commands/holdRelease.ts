import * as vscode from 'vscode';
import { commitOnMain, explainGitHubFailure, holdMessage, releaseHoldMessage } from '../core/release/actions';
import { carriesHold } from '../core/release/hold';
import { explainGitHubMutationFailure, unanswered } from '../core/release/outcome';
import type { Services } from '../services';
import { confirm, mutationFailed, registerCommand } from './command';
import { siteFor } from './siteArgs';

export interface HoldResult {
  site: string;
  /** The new commit on main. */
  sha: string;
}

/**
 * `planet4.holdRelease`: a `[HOLD]` commit on top of main (no history rewrite, no force) so the next tag waits for a
 * person. `planet4.releaseHold`: a commit without `[HOLD]` on top, so the next tag deploys automatically again.
 */
export function registerHoldRelease(services: Services): vscode.Disposable[] {
  const run = async (arg: unknown, mode: 'hold' | 'release'): Promise<HoldResult | undefined> => {
    const site = await siteFor(services, arg, mode === 'hold' ? 'Hold the next release of…' : 'Release the [HOLD] of…');
    if (!site) return undefined;
    const org = services.organization();
    const repo = `planet4-${site}`;
    const action = mode === 'hold' ? 'hold the next release' : 'release the hold';
    return services.guard.run(
      mode === 'hold' ? 'holdRelease' : 'releaseHold',
      site,
      mode === 'hold' ? 'Holding the release' : 'Releasing the hold',
      async () => {
        const github = await services.github();
        const head = await github.branchHead(org, repo).catch((e: unknown) => {
          throw explainGitHubFailure(e, org, repo, 'read main');
        });
        const held = carriesHold(head.message);
        if (mode === 'hold' && held)
          throw new Error(
            `${site}: main HEAD ${head.sha.slice(0, 7)} already carries [HOLD] — nothing to do, the next tag will wait for approval.`,
          );
        if (mode === 'release' && !held)
          throw new Error(`${site}: main HEAD ${head.sha.slice(0, 7)} carries no [HOLD] — nothing to release.`);
        const message = mode === 'hold' ? holdMessage(head) : releaseHoldMessage(head);
        const ok = await confirm(
          services,
          mode === 'hold' ? `Hold the next release of ${site}?` : `Release the hold on ${site}?`,
          `Adds a commit "${message.split('\n')[0] ?? ''}" on top of main (${head.sha.slice(0, 7)} "${head.subject}") in ${org}/${repo}, without rewriting history or forcing.\n\n${
            mode === 'hold'
              ? 'The next release tag made on main will wait for a person to approve hold-production.'
              : 'The next release tag made on main deploys to production automatically (unless the visual tests fail).'
          }`,
          mode === 'hold' ? 'Hold' : 'Release hold',
        );
        if (!ok) return undefined;
        const commit = await vscode.window.withProgress(
          { location: vscode.ProgressLocation.Notification, title: `${site}: ${action}…` },
          () =>
            commitOnMain(github, org, repo, head, message).catch((e: unknown) => {
              const err = explainGitHubMutationFailure(e, unanswered.holdCommit(org, repo, mode), org, repo, action);
              throw mutationFailed(services, site, `${org}/${repo}: ${action}`, err);
            }),
        );
        services.log.info(
          `[mutation] ${org}/${repo}: commit ${commit.sha.slice(0, 7)} "${commit.subject}" on main (PATCH refs/heads/main, no force) → ok`,
        );
        services.fleet.invalidate(site, 'github');
        void services.fleet.refresh({ sites: [site], github: true });
        void vscode.window.showInformationMessage(
          mode === 'hold' ? `${site}: the next release is held ([HOLD] on main).` : `${site}: hold released.`,
        );
        return { site, sha: commit.sha };
      },
    );
  };
  return [
    registerCommand(services, 'planet4.holdRelease', (arg) => run(arg, 'hold')),
    registerCommand(services, 'planet4.releaseHold', (arg) => run(arg, 'release')),
  ];
}
