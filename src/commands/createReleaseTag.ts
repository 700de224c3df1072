import * as vscode from 'vscode';
import { explainGitHubFailure } from '../core/release/failures';
import { sendReleaseTag, type TagStep } from '../core/release/tagRelease';
import { planRelease, type ReleasePlan } from '../core/release/tagging';
import { validateNewTag } from '../core/release/version';
import type { Services } from '../services';
import { registerCommand } from './command';
import { runReleaseAction, type Mutation } from './releaseAction';
import { tagBatch, type TagBatchOutcome } from './tagBatch';
import { optionalBoolean, optionalString, requireSite, requireTag, siteArgument, siteFor } from './siteArgs';

export interface CreateReleaseTagResult {
  site: string;
  tag: string;
  /** The commit the tag points to. */
  sha: string;
  held: boolean;
}

/**
 * Tags `main` (on a [HOLD] commit for tag-with-hold, on an empty commit when HEAD carries a skip marker) with an
 * annotated release tag: each mutation sent once (`core/release/tagRelease.ts`). The site is then watched until
 * CircleCI shows the new pipeline.
 */
export function tagging(
  services: Services,
  plan: ReleasePlan,
  tag: string,
  step: TagStep,
  progress?: string,
): Mutation<CreateReleaseTagResult> {
  const org = services.organization();
  const where = `${org}/${plan.repo}`;
  return {
    service: 'github',
    what: `${where}: tag ${tag}`,
    ...(progress !== undefined ? { progress } : {}),
    send: async (github, log) => {
      const tagged = await sendReleaseTag(github, org, plan, tag, step, log);
      return { site: plan.site, tag, ...tagged };
    },
    logged: (r) => `${where}: annotated tag ${tag} on ${r.sha.slice(0, 7)} (POST git/tags, POST git/refs) → ok`,
    changes: 'all',
    // The site polls fast until CircleCI shows the new pipeline.
    watchUntil: () => (s) => s.pipeline?.tag === tag,
  };
}

/** The confirmation's buttons (tag-with-hold, the recommended way to hold a release, first). */
const TAG_WITH_HOLD = (): string => vscode.l10n.t('Tag with [HOLD]');
const TAG = (): string => vscode.l10n.t('Tag');
const EMPTY_COMMIT_THEN_TAG = (): string => vscode.l10n.t('Empty commit, then tag');

/** What the confirmation offers for a plan: the buttons, the choice when confirmations are off, and the step each sends. */
export function tagChoices(
  plan: ReleasePlan,
  holdArg: boolean,
): { actions: string[]; default: string; step: (choice: string) => TagStep } {
  const step = (choice: string): TagStep =>
    choice === EMPTY_COMMIT_THEN_TAG()
      ? 'emptyCommit'
      : choice === TAG_WITH_HOLD() && (plan.headSkip !== undefined || !plan.headHold)
        ? 'hold'
        : 'tag';
  if (plan.headSkip !== undefined) {
    // A tag on HEAD would get no pipeline: only choices that add a commit without the marker.
    const actions = holdArg ? [TAG_WITH_HOLD()] : [EMPTY_COMMIT_THEN_TAG(), TAG_WITH_HOLD()];
    return { actions, default: actions[0] ?? TAG_WITH_HOLD(), step };
  }
  if (plan.headHold) return { actions: [TAG()], default: TAG(), step };
  return holdArg
    ? { actions: [TAG_WITH_HOLD()], default: TAG_WITH_HOLD(), step }
    : { actions: [TAG_WITH_HOLD(), TAG()], default: TAG(), step };
}

/** The confirmation's words on skip markers and on holding: what a tag on HEAD would (not) do. */
function tagNotes(plan: ReleasePlan, offersHold: boolean): string {
  const notes: string[] = [];
  if (plan.headSkip !== undefined)
    notes.push(
      vscode.l10n.t(
        'Warning: main HEAD carries "{0}": CircleCI runs no pipeline for a tag on such a commit — nothing would be built or deployed. "Empty commit, then tag" first adds an empty commit without the marker on main, and tags it.',
        plan.headSkip,
      ),
    );
  if (offersHold)
    notes.push(
      vscode.l10n.t(
        '"Tag with [HOLD]" (the way to hold a release) adds a [HOLD] commit on main and tags that commit: production waits for a person whatever is pushed on main later. A [HOLD] commit on main alone holds only while it is HEAD — the bot\'s weekday ":robot: Trigger build #N" commit buries it, and the next tag then deploys automatically.',
      ),
    );
  return notes.length ? `\n\n${notes.join('\n\n')}` : '';
}

/** A site row of the tree (or anything shaped like one, checked by `requireSite` like any other site argument). */
function isSiteNode(n: unknown): boolean {
  return typeof n === 'object' && n !== null && (n as { kind?: unknown }).kind === 'site';
}

function describeCommit(plan: ReleasePlan): string {
  const hold = plan.headHold ? vscode.l10n.t(' — carries [HOLD]: production will wait for approval') : '';
  const again = plan.headTags.length
    ? vscode.l10n.t(
        ' — already released as {0}: no new commit since, the same code would be deployed again',
        plan.headTags.join(', '),
      )
    : '';
  return vscode.l10n.t('main HEAD {0} "{1}"', plan.head.sha.slice(0, 7), plan.head.subject) + hold + again;
}

export function registerCreateReleaseTag(services: Services): vscode.Disposable[] {
  const run = async (
    arg: unknown,
    scripted: boolean,
    selection: unknown,
  ): Promise<CreateReleaseTagResult | TagBatchOutcome[] | undefined> => {
    const selected = Array.isArray(selection) ? selection.filter((n) => isSiteNode(n)) : [];
    if (!scripted && selected.length > 1) {
      // Each selected site passes the same check as a single one (its name first, for all, before any request).
      selected.forEach((n) => siteArgument(n));
      return tagBatch(services, await Promise.all(selected.map((n) => requireSite(services, n))), (plan, hold) =>
        tagging(
          services,
          plan,
          plan.next ?? '',
          tagChoices(plan, hold).step(hold ? TAG_WITH_HOLD() : plan.headSkip ? EMPTY_COMMIT_THEN_TAG() : TAG()),
        ),
      );
    }
    // Every argument is checked before any request.
    if (arg !== undefined) siteArgument(arg);
    const wantedTag = optionalString(arg, 'tag');
    if (wantedTag !== undefined) requireTag(wantedTag);
    const holdArg = optionalBoolean(arg, 'hold') ?? false;
    const site = await siteFor(services, arg, vscode.l10n.t('Create a release tag for…'));
    if (!site) return undefined;
    const org = services.organization();

    return runReleaseAction(services, site, {
      guard: { action: 'createReleaseTag', inFlight: vscode.l10n.t('Creating a release tag') },
      read: async () => {
        const github = await services.github();
        const plan = await vscode.window.withProgress(
          { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Reading planet4-{0}…', site) },
          () =>
            planRelease(github, org, site).catch((e: unknown) => {
              throw explainGitHubFailure(e, org, `planet4-${site}`, 'read the tags');
            }),
        );
        let tag = wantedTag ?? plan.next;
        if (scripted && tag === undefined)
          throw new Error(
            vscode.l10n.t('{0} has no release tag yet: pass the first one, e.g. {site, tag: "v0.0.1"}.', site),
          );
        if (!scripted) tag = await askTag(site, tag, plan);
        if (tag === undefined) return undefined;
        tag = tag.trim();
        const v = validateNewTag(tag, plan.tags);
        if (v.error) throw new Error(`${site}: ${v.error}`);
        if (plan.headSkip !== undefined && scripted && !holdArg)
          throw new Error(
            vscode.l10n.t(
              '{0}: main HEAD {1} "{2}" carries "{3}": CircleCI runs no pipeline for a tag on such a commit, so nothing would be built or deployed — no tag was created. Pass {site, hold: true} to tag a [HOLD] commit made on top of it (without the marker), or tag it from the tree, which offers an empty commit first.',
              site,
              plan.head.sha.slice(0, 7),
              plan.head.subject,
              plan.headSkip,
            ),
          );
        return { plan, tag, warning: v.warning };
      },
      confirm: ({ plan, tag, warning }) => {
        const choices = tagChoices(plan, holdArg);
        return {
          message: vscode.l10n.t('Tag {0} {1}?', site, tag),
          detail:
            vscode.l10n.t(
              'Creates the annotated tag {0} in {1}/planet4-{2} on {3}.',
              tag,
              org,
              site,
              describeCommit(plan),
            ) +
            '\n\n' +
            (plan.headHold || holdArg
              ? vscode.l10n.t(
                  'CircleCI then builds it, deploys it to staging, runs the visual tests and deploys it to production after a person approves hold-production.',
                )
              : vscode.l10n.t(
                  'CircleCI then builds it, deploys it to staging, runs the visual tests and deploys it to production automatically unless the visual tests fail.',
                )) +
            (warning ? '\n\n' + vscode.l10n.t('Warning: {0}', warning) : '') +
            tagNotes(plan, choices.actions.includes(TAG_WITH_HOLD())),
          actions: choices.actions,
          default: choices.default,
        };
      },
      mutation: ({ plan, tag }, choice) =>
        tagging(
          services,
          plan,
          tag,
          tagChoices(plan, holdArg).step(holdArg ? TAG_WITH_HOLD() : choice),
          `Tagging ${site} ${tag}…`,
        ),
      result: (tagged) => tagged,
      announce: (r) =>
        r.held
          ? vscode.l10n.t(
              '{0}: tagged {1} on {2} with [HOLD]. CircleCI will start the production pipeline.',
              site,
              r.tag,
              r.sha.slice(0, 7),
            )
          : vscode.l10n.t(
              '{0}: tagged {1} on {2}. CircleCI will start the production pipeline.',
              site,
              r.tag,
              r.sha.slice(0, 7),
            ),
    });
  };

  return [registerCommand(services, 'planet4.createReleaseTag', (arg, inv, all) => run(arg, inv.scripted, all[1]))];
}

/** From the palette: the new tag, proposed and checked as it is typed (undefined when dismissed). */
function askTag(site: string, proposed: string | undefined, plan: ReleasePlan): Thenable<string | undefined> {
  return vscode.window.showInputBox({
    title: vscode.l10n.t('New release tag for {0}', site),
    value: proposed ?? 'v0.0.1',
    prompt: vscode.l10n.t(
      'Latest release: {0}. The tag goes on {1}.',
      plan.latest ?? vscode.l10n.t('none'),
      describeCommit(plan),
    ),
    ignoreFocusOut: true,
    validateInput: (v) => {
      const r = validateNewTag(v, plan.tags);
      if (r.error) return { message: r.error, severity: vscode.InputBoxValidationSeverity.Error };
      if (r.warning) return { message: r.warning, severity: vscode.InputBoxValidationSeverity.Warning };
      return undefined;
    },
  });
}
