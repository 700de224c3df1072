import * as vscode from 'vscode';
import type { CommitInfo } from '../core/api/github/client';
import { explainGitHubFailure, explainGitHubMutationFailure, unanswered } from '../core/release/failures';
import { carriesHold } from '../core/release/hold';
import { commitOnMain, holdMessage, planRelease, releaseHoldMessage, type ReleasePlan } from '../core/release/tagging';
import type { Services } from '../services';
import { registerCommand } from './command';
import { tagging } from './createReleaseTag';
import { runReleaseAction, type Mutation } from './releaseAction';
import { siteFor } from './siteArgs';

export interface HoldResult {
  site: string;
  /** The new commit on main. */
  sha: string;
  /** The release tag made on it, when the confirmation's tag-with-hold was chosen. */
  tag?: string;
}

interface HoldState {
  head: CommitInfo;
  message: string;
  /** Main and the tags (to hold: tag-with-hold is offered first). */
  plan: ReleasePlan | undefined;
}

interface HoldSent {
  sha: string;
  subject?: string;
  tag?: string;
}

/** Tag-with-hold from the hold command: the [HOLD] commit and the tag on it, as `createReleaseTag` sends them. */
function tagWithHold(services: Services, plan: ReleasePlan, tag: string): Mutation<HoldSent> {
  const t = tagging(services, plan, tag, 'hold', `${plan.site}: tagging ${tag} with [HOLD]…`);
  if (t.service !== 'github') throw new Error(vscode.l10n.t('Tagging is a GitHub mutation.'));
  const lines = new Map<string, string>();
  return {
    service: 'github',
    what: t.what,
    ...(t.progress !== undefined ? { progress: t.progress } : {}),
    send: async (github, log) => {
      const r = await t.send(github, log);
      lines.set(r.sha, t.logged(r));
      return { sha: r.sha, tag: r.tag };
    },
    logged: (r) => lines.get(r.sha) ?? '',
    changes: 'all',
    watchUntil: () => (s) => s.pipeline?.tag === tag,
  };
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
    const holdOnly = vscode.l10n.t('Hold main only');
    const releaseHold = vscode.l10n.t('Release hold');
    return runReleaseAction<HoldState, HoldSent, HoldResult>(services, site, {
      guard: {
        action: hold ? 'holdRelease' : 'releaseHold',
        inFlight: hold ? vscode.l10n.t('Holding the release') : vscode.l10n.t('Releasing the hold'),
      },
      read: async () => {
        const github = await services.github();
        // To hold: the tags too, so that tag-with-hold (the next version) can be offered first.
        const plan = hold
          ? await planRelease(github, org, site).catch((e: unknown) => {
              throw explainGitHubFailure(e, org, repo, 'read main and the tags');
            })
          : undefined;
        const head =
          plan?.head ??
          (await github.branchHead(org, repo).catch((e: unknown) => {
            throw explainGitHubFailure(e, org, repo, 'read main');
          }));
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
        return { head, message: hold ? holdMessage(head) : releaseHoldMessage(head), plan };
      },
      confirm: ({ head, message, plan }) => {
        const tagNow = plan?.next !== undefined ? vscode.l10n.t('Tag {0} with [HOLD]', plan.next) : undefined;
        const lasting = vscode.l10n.t(
          "A [HOLD] commit on main holds only while it is HEAD: on weekday mornings the bot pushes \":robot: Trigger build #N\" on top of every site's main, and the next release tag (the bot's or anyone's) then lands on a commit without [HOLD] and deploys to production automatically. The tree says when the hold is buried.",
        );
        const recommended =
          tagNow !== undefined
            ? `\n\n${vscode.l10n.t('Recommended: "{0}" adds the [HOLD] commit and tags it {1} in one step — the hold is then on the tagged commit itself, and no later push can bury it.', tagNow, plan?.next ?? '')}`
            : '';
        return {
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
              ? vscode.l10n.t(
                  'The next release tag made on main while this commit is HEAD will wait for a person to approve hold-production.',
                ) +
                '\n\n' +
                lasting +
                recommended
              : vscode.l10n.t(
                  'The next release tag made on main deploys to production automatically (unless the visual tests fail).',
                )),
          actions: hold ? (tagNow !== undefined ? [tagNow, holdOnly] : [holdOnly]) : [releaseHold],
          // Scripted (or with confirmations off) the command does what its name says: the [HOLD] commit alone.
          default: hold ? holdOnly : releaseHold,
        };
      },
      mutation: ({ head, message, plan }, choice): Mutation<HoldSent> => {
        if (hold && plan?.next !== undefined && choice !== holdOnly) return tagWithHold(services, plan, plan.next);
        return {
          service: 'github',
          what: `${org}/${repo}: ${action}`,
          progress: hold
            ? vscode.l10n.t('{0}: hold the next release…', site)
            : vscode.l10n.t('{0}: release the hold…', site),
          send: async (github): Promise<HoldSent> => {
            const commit = await commitOnMain(github, org, repo, head, message);
            return { sha: commit.sha, subject: commit.subject };
          },
          explain: (e) => explainGitHubMutationFailure(e, unanswered.holdCommit(org, repo, mode), org, repo, action),
          logged: (commit) =>
            `${org}/${repo}: commit ${commit.sha.slice(0, 7)} "${commit.subject}" on main (PATCH refs/heads/main, no force) → ok`,
          changes: 'github',
          // Until the tree reads main with (or without) [HOLD] on HEAD.
          watchUntil: () => (s) => s.next?.headHold === hold,
        };
      },
      result: (sent) => ({ site, sha: sent.sha, ...(sent.tag !== undefined ? { tag: sent.tag } : {}) }),
      announce: (r) =>
        r.tag !== undefined
          ? vscode.l10n.t(
              '{0}: tagged {1} with [HOLD] on {2}: production will wait for a person.',
              site,
              r.tag,
              r.sha.slice(0, 7),
            )
          : hold
            ? vscode.l10n.t('{0}: the next release is held ([HOLD] on main) — while it stays HEAD.', site)
            : vscode.l10n.t('{0}: hold released.', site),
    });
  };
  return [
    registerCommand(services, 'planet4.holdRelease', (arg) => run(arg, 'hold')),
    registerCommand(services, 'planet4.releaseHold', (arg) => run(arg, 'release')),
  ];
}
