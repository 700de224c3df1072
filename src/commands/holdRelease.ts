import * as vscode from 'vscode';
import type { CommitInfo } from '../core/api/github/client';
import { explainGitHubFailure, explainGitHubMutationFailure, unanswered } from '../core/release/failures';
import { carriesHold } from '../core/release/hold';
import { commitOnMain, holdMessage, releaseHoldMessage } from '../core/release/tagging';
import type { Services } from '../services';
import { registerCommand } from './command';
import { runReleaseAction } from './releaseAction';
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
    const hold = mode === 'hold';
    const site = await siteFor(
      services,
      arg,
      hold ? vscode.l10n.t('Hold the next release of…') : vscode.l10n.t('Release the [HOLD] of…'),
    );
    if (!site) return undefined;
    const org = services.organization();
    const repo = `planet4-${site}`;
    const action = hold ? 'hold the next release' : 'release the hold';
    return runReleaseAction(services, site, {
      guard: {
        action: hold ? 'holdRelease' : 'releaseHold',
        inFlight: hold ? vscode.l10n.t('Holding the release') : vscode.l10n.t('Releasing the hold'),
      },
      read: async () => {
        const github = await services.github();
        const head = await github.branchHead(org, repo).catch((e: unknown) => {
          throw explainGitHubFailure(e, org, repo, 'read main');
        });
        const held = carriesHold(head.message);
        if (hold && held)
          throw new Error(
            vscode.l10n.t(
              '{0}: main HEAD {1} already carries [HOLD] — nothing to do, the next tag will wait for approval.',
              site,
              head.sha.slice(0, 7),
            ),
          );
        if (!hold && !held)
          throw new Error(
            vscode.l10n.t('{0}: main HEAD {1} carries no [HOLD] — nothing to release.', site, head.sha.slice(0, 7)),
          );
        return { head, message: hold ? holdMessage(head) : releaseHoldMessage(head) };
      },
      confirm: ({ head, message }) => ({
        message: hold
          ? vscode.l10n.t('Hold the next release of {0}?', site)
          : vscode.l10n.t('Release the hold on {0}?', site),
        detail:
          vscode.l10n.t(
            'Adds a commit "{0}" on top of main ({1} "{2}") in {3}/{4}, without rewriting history or forcing.',
            message.split('\n')[0] ?? '',
            head.sha.slice(0, 7),
            head.subject,
            org,
            repo,
          ) +
          '\n\n' +
          (hold
            ? vscode.l10n.t('The next release tag made on main will wait for a person to approve hold-production.')
            : vscode.l10n.t(
                'The next release tag made on main deploys to production automatically (unless the visual tests fail).',
              )),
        actions: [hold ? vscode.l10n.t('Hold') : vscode.l10n.t('Release hold')],
      }),
      mutation: ({ head, message }) => ({
        service: 'github',
        what: `${org}/${repo}: ${action}`,
        progress: hold
          ? vscode.l10n.t('{0}: hold the next release…', site)
          : vscode.l10n.t('{0}: release the hold…', site),
        send: (github): Promise<CommitInfo> => commitOnMain(github, org, repo, head, message),
        explain: (e) => explainGitHubMutationFailure(e, unanswered.holdCommit(org, repo, mode), org, repo, action),
        logged: (commit) =>
          `${org}/${repo}: commit ${commit.sha.slice(0, 7)} "${commit.subject}" on main (PATCH refs/heads/main, no force) → ok`,
        changes: 'github',
        // Until the tree reads main with (or without) [HOLD] on HEAD.
        watchUntil: () => (s) => s.next?.headHold === hold,
      }),
      result: (commit) => ({ site, sha: commit.sha }),
      announce: () =>
        hold
          ? vscode.l10n.t('{0}: the next release is held ([HOLD] on main).', site)
          : vscode.l10n.t('{0}: hold released.', site),
    });
  };
  return [
    registerCommand(services, 'planet4.holdRelease', (arg) => run(arg, 'hold')),
    registerCommand(services, 'planet4.releaseHold', (arg) => run(arg, 'release')),
  ];
}
