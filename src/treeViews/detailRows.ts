import * as vscode from 'vscode';
import type { OlderRelease, SiteSnapshot } from '../core/fleet/types';
import { HOLD_REASON_DETAIL, HOLD_REASON_TEXT, UNAUTHORIZED_DETAIL } from '../core/release/hold';
import { REJECTION_DETAIL, rejectionWords } from '../core/release/rejection';
import { STATE_WORDS, unauthorizedJobs } from '../core/pipeline/stages';
import { timeAgo } from '../core/util/time';
import { githubCommitUrl } from '../links';
import { icon } from './icons';
import { buriedWords, esc, mainSince, suffixedWords } from './labels';
import type { DetailNode } from './nodes';

/**
 * The detail rows below a site in the Production Pipelines tree: the hold explanation, a release a person stopped,
 * older releases still on hold, the next release, and the problem row (error, project not found, no release
 * pipeline or not searched far enough, unauthorized jobs, pipeline errored, no workflows).
 */
export function detailItem(node: DetailNode, s: SiteSnapshot, org: string): vscode.TreeItem {
  const item = new vscode.TreeItem('', vscode.TreeItemCollapsibleState.None);
  item.id = node.id;
  switch (node.detail) {
    case 'hold': {
      const reason = s.hold ?? 'comparing';
      item.label = vscode.l10n.t('On hold: {0}', HOLD_REASON_TEXT[reason]);
      item.tooltip = HOLD_REASON_DETAIL[reason];
      item.iconPath = icon(
        reason === 'visual-differences'
          ? ['diff', 'charts.yellow']
          : reason === 'held'
            ? ['lock', 'charts.yellow']
            : ['info', undefined],
      );
      item.contextValue = `hold;reason=${reason};`;
      if (reason === 'visual-differences') {
        item.command = {
          command: 'planet4.openVisualReport',
          title: vscode.l10n.t('Open Visual Report'),
          arguments: [{ site: s.site }],
        };
      }
      break;
    }
    case 'rejection': {
      if (!s.rejection) break;
      item.label = rejectionWords(s.rejection, s.rejectedBy);
      item.tooltip = REJECTION_DETAIL[s.rejection];
      item.iconPath = icon(s.rejection === 'may-still-deploy' ? ['warning', 'charts.yellow'] : ['discard', undefined]);
      item.contextValue = `rejection;rejection=${s.rejection};`;
      break;
    }
    case 'older': {
      const older = s.olderOnHold?.find((o) => o.workflowId === node.workflowId);
      if (!older) break;
      item.label = olderLabel(older);
      item.description = timeAgo(older.createdAt);
      item.tooltip = olderDetail();
      item.iconPath = icon(['warning', 'problemsWarningIcon.foreground']);
      item.contextValue = `older;kind=${older.kind};`;
      break;
    }
    case 'next': {
      const n = s.next;
      if (!n) break;
      item.label = n.nextTag
        ? n.latestSuffixed && n.latestTag !== undefined
          ? vscode.l10n.t('Next release {0} (after suffixed tag {1})', n.nextTag, n.latestTag)
          : vscode.l10n.t('Next release {0}', n.nextTag)
        : vscode.l10n.t('Next release');
      const suffixed = suffixedWords(n);
      item.description = mainSince(n);
      item.tooltip = new vscode.MarkdownString(
        vscode.l10n.t('main HEAD `{0}` {1}', n.headSha.slice(0, 7), esc(n.headSubject)) +
          '\n\n' +
          vscode.l10n.t('[Open commit]({0})', githubCommitUrl(org, s.site, n.headSha)) +
          (n.buriedHold ? `\n\n$(warning) ${esc(buriedWords(n.buriedHold))}` : '') +
          (suffixed !== undefined ? `\n\n$(warning) ${esc(suffixed)}` : ''),
        true,
      );
      item.iconPath = icon(
        n.headHold
          ? ['lock', 'charts.yellow']
          : n.buriedHold
            ? ['unlock', 'problemsWarningIcon.foreground']
            : suffixed !== undefined
              ? ['tag', 'problemsWarningIcon.foreground']
              : ['git-commit', undefined],
      );
      item.contextValue = `next;hold=${n.headHold ? 'yes' : 'no'};ahead=${n.ahead > 0 ? 'yes' : 'no'};buried=${n.buriedHold ? 'yes' : 'no'};changed=${n.unchanged ? 'no' : 'yes'};suffixed=${n.latestSuffixed ? 'yes' : 'no'};`;
      break;
    }
    case 'problem': {
      item.label = s.error?.message ?? STATE_WORDS[s.state];
      if (s.state === 'no-project') {
        item.label = vscode.l10n.t('CircleCI project not found, not followed, or the token has no access');
      } else if (s.state === 'no-release') {
        item.label =
          s.searched && !s.searched.all
            ? vscode.l10n.t(
                'No release pipeline in the newest {0} pipelines: an older release was not looked for',
                s.searched.pipelines,
              )
            : vscode.l10n.t('No release pipeline: no v… tag has been built yet');
      } else if (s.state === 'failed') {
        item.label = vscode.l10n.t('Unauthorized: {0}', unauthorizedJobs(s.workflow, s.stages).join(', '));
        item.tooltip = UNAUTHORIZED_DETAIL;
      } else if (s.state === 'pipeline-error') {
        item.label = vscode.l10n.t(
          'Pipeline {0} for {1} errored: {2}',
          s.pipeline?.number ?? '',
          s.pipeline?.tag ?? vscode.l10n.t('the tag'),
          (s.pipeline?.errors ?? []).join(' · ') || vscode.l10n.t('no message'),
        );
      } else if (s.state === 'no-workflows') {
        item.label = vscode.l10n.t(
          'Pipeline {0} for {1} has no workflows',
          s.pipeline?.number ?? '',
          s.pipeline?.tag ?? vscode.l10n.t('the tag'),
        );
      }
      item.tooltip ??= s.error?.message ?? item.label;
      item.iconPath = icon(['warning', 'problemsWarningIcon.foreground']);
      item.contextValue = `problem;state=${s.state};`;
      if (s.state === 'error')
        item.command = {
          command: 'planet4.refreshSite',
          title: vscode.l10n.t('Retry'),
          arguments: [{ site: s.site }],
        };
      break;
    }
  }
  return item;
}

/** `older release v1.2.3 still waiting in CircleCI` (or `older rollback to v1.2.3 …`). */
function olderLabel(o: OlderRelease): string {
  return o.kind === 'rollback'
    ? vscode.l10n.t('older rollback to {0} still waiting in CircleCI', o.tag)
    : vscode.l10n.t('older release {0} still waiting in CircleCI', o.tag);
}

/** The site row's mention of its older releases still on hold. */
export function olderWords(s: SiteSnapshot): string {
  const older = s.olderOnHold ?? [];
  if (older.length === 1 && older[0]) return olderLabel(older[0]);
  return vscode.l10n.t('{0} older releases still waiting in CircleCI', older.length);
}

export function olderDetail(): string {
  return vscode.l10n.t(
    'Its workflow is still on hold in CircleCI, where anyone can approve it: that would deploy an older release over a newer one. Stop it (Planet 4: Stop This Release) unless you mean to deploy it.',
  );
}
