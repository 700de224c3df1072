import type * as vscode from 'vscode';
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
    const site = await siteFor(services, arg, hold ? 'Hold the next release of…' : 'Release the [HOLD] of…');
    if (!site) return undefined;
    const org = services.organization();
    const repo = `planet4-${site}`;
    const action = hold ? 'hold the next release' : 'release the hold';
    return runReleaseAction(services, site, {
      guard: {
        action: hold ? 'holdRelease' : 'releaseHold',
        inFlight: hold ? 'Holding the release' : 'Releasing the hold',
      },
      read: async () => {
        const github = await services.github();
        const head = await github.branchHead(org, repo).catch((e: unknown) => {
          throw explainGitHubFailure(e, org, repo, 'read main');
        });
        const held = carriesHold(head.message);
        if (hold && held)
          throw new Error(
            `${site}: main HEAD ${head.sha.slice(0, 7)} already carries [HOLD] — nothing to do, the next tag will wait for approval.`,
          );
        if (!hold && !held)
          throw new Error(`${site}: main HEAD ${head.sha.slice(0, 7)} carries no [HOLD] — nothing to release.`);
        return { head, message: hold ? holdMessage(head) : releaseHoldMessage(head) };
      },
      confirm: ({ head, message }) => ({
        message: hold ? `Hold the next release of ${site}?` : `Release the hold on ${site}?`,
        detail: `Adds a commit "${message.split('\n')[0] ?? ''}" on top of main (${head.sha.slice(0, 7)} "${head.subject}") in ${org}/${repo}, without rewriting history or forcing.\n\n${
          hold
            ? 'The next release tag made on main will wait for a person to approve hold-production.'
            : 'The next release tag made on main deploys to production automatically (unless the visual tests fail).'
        }`,
        actions: [hold ? 'Hold' : 'Release hold'],
      }),
      mutation: ({ head, message }) => ({
        service: 'github',
        what: `${org}/${repo}: ${action}`,
        progress: `${site}: ${action}…`,
        send: (github): Promise<CommitInfo> => commitOnMain(github, org, repo, head, message),
        explain: (e) => explainGitHubMutationFailure(e, unanswered.holdCommit(org, repo, mode), org, repo, action),
        logged: (commit) =>
          `${org}/${repo}: commit ${commit.sha.slice(0, 7)} "${commit.subject}" on main (PATCH refs/heads/main, no force) → ok`,
        changes: 'github',
        // Until the tree reads main with (or without) [HOLD] on HEAD.
        watchUntil: () => (s) => s.next?.headHold === hold,
      }),
      result: (commit) => ({ site, sha: commit.sha }),
      announce: () => (hold ? `${site}: the next release is held ([HOLD] on main).` : `${site}: hold released.`),
    });
  };
  return [
    registerCommand(services, 'planet4.holdRelease', (arg) => run(arg, 'hold')),
    registerCommand(services, 'planet4.releaseHold', (arg) => run(arg, 'release')),
  ];
}
