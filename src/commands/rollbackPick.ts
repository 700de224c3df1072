import * as vscode from 'vscode';
import type { ReleaseHistory, TagBuild } from '../core/release/history';
import { timeAgo } from '../core/util/time';

/**
 * The words of a rollback: which releases can be rolled back to (those with a successful production build, REALITY.md
 * "Tags"), what is in production now, and why a tag cannot be chosen.
 */

/** What is in production now, in words: the tag, or how far it was looked for. */
export function productionWords(history: ReleaseHistory): string {
  if (history.production) return history.production.tag;
  return history.complete
    ? vscode.l10n.t('unknown (none of its {0} pipelines deployed a release)', history.pipelinesRead)
    : vscode.l10n.t('not found in the newest {0} pipelines', history.pipelinesRead);
}

/** Why `tag` has no known successful production build. */
export function noBuildReason(history: ReleaseHistory, slug: string, tag: string): string {
  const seen = history.withoutBuild.get(tag);
  if (seen?.build === 'failed') return vscode.l10n.t('its build job failed in pipeline {0}', seen.pipelineNumber);
  if (seen) return vscode.l10n.t('its build job has not succeeded in pipeline {0}', seen.pipelineNumber);
  return history.complete
    ? vscode.l10n.t('none of the {0} pipelines of {1} built it', history.pipelinesRead, slug)
    : vscode.l10n.t('no production pipeline of it in the newest {0} pipelines of {1}', history.pipelinesRead, slug);
}

/** The refusal of a rollback to a tag without a known successful build: nothing is sent. */
export function noBuildRefusal(site: string, slug: string, tag: string, history: ReleaseHistory): string {
  return vscode.l10n.t(
    '{0} cannot be rolled back to {1}: no successful production build of {1} is known ({2}). A rollback redeploys the images that only the build job of the tag’s own production pipeline pushes, so it would fail in rollback-staging. Nothing was sent.',
    site,
    tag,
    noBuildReason(history, slug, tag),
  );
}

/** The commit a release was built from: `abc1234 "subject"`. */
export function commitWords(build: TagBuild): string {
  if (!build.revision) return vscode.l10n.t('an unknown commit');
  const sha = build.revision.slice(0, 7);
  return build.subject ? `${sha} "${build.subject}"` : sha;
}

/** The modal confirmation's detail: the site's pipeline, the tag, its commit, production now and the effect. */
export function confirmationDetail(slug: string, build: TagBuild, history: ReleaseHistory): string {
  return vscode.l10n.t(
    'Triggers the rollback pipeline of {0} for {1}: commit {2}, built by pipeline {3}. In production now: {4}. It redeploys the images of {1} to staging at once, then waits for approvals — hold-production rolls production back, hold-production-db restores the database.',
    slug,
    build.tag,
    commitWords(build),
    build.pipelineNumber,
    productionWords(history),
  );
}

interface TagItem extends vscode.QuickPickItem {
  tag?: string;
  showAll?: true;
}

/**
 * From the palette: which release to roll back to. First only the releases with a known successful build, newest
 * first, the one in production now last; "Show all release tags…" lists every release tag, the others marked
 * "no successful build known" with the reason.
 */
export async function pickRelease(
  site: string,
  slug: string,
  releases: readonly string[],
  history: ReleaseHistory,
): Promise<string | undefined> {
  const production = history.production?.tag;
  const options: vscode.QuickPickOptions = {
    title: vscode.l10n.t('Roll {0} back to…', site),
    placeHolder: vscode.l10n.t('In production now: {0}', productionWords(history)),
    matchOnDescription: true,
  };
  const builtItem = (build: TagBuild): TagItem => ({
    label: build.tag,
    description:
      build.tag === production
        ? `$(rocket) ${vscode.l10n.t('in production now — redeploys the same release')}`
        : vscode.l10n.t('built {0}', timeAgo(build.createdAt)),
    detail: vscode.l10n.t('commit {0} · pipeline {1}', commitWords(build), build.pipelineNumber),
    tag: build.tag,
  });
  const built = releases.flatMap((t) => {
    const b = history.built.get(t);
    return b ? [b] : [];
  });
  const unbuilt = releases.length - built.length;
  const first: TagItem[] = [
    ...built.filter((b) => b.tag !== production).map(builtItem),
    ...built.filter((b) => b.tag === production).map(builtItem),
    // deployed by a rollback whose own production build is further back than the pipelines read
    ...(production !== undefined && releases.includes(production) && !history.built.has(production)
      ? [
          {
            label: production,
            description: `$(rocket) ${vscode.l10n.t('in production now — redeploys the same release')}`,
            tag: production,
          },
        ]
      : []),
    {
      label: `$(list-flat) ${vscode.l10n.t('Show all {0} release tags…', releases.length)}`,
      description: vscode.l10n.t('{0} with no successful build known', unbuilt),
      showAll: true,
    },
  ];
  const pick = await vscode.window.showQuickPick(first, options);
  if (!pick?.showAll) return pick?.tag;
  const all = await vscode.window.showQuickPick(
    releases.map((t): TagItem => {
      const b = history.built.get(t);
      if (b) return builtItem(b);
      return {
        label: t,
        description: `$(circle-slash) ${vscode.l10n.t('no successful build known')}`,
        detail: noBuildReason(history, slug, t),
        tag: t,
      };
    }),
    options,
  );
  return all?.tag;
}
