import * as vscode from 'vscode';
import type { CircleCiClient } from '../core/api/circleci/client';
import type { SiteSnapshot, StageInfo } from '../core/fleet/types';
import { approvalMeaning, skippedVisualTests, workflowSeen } from '../core/release/approvals';
import { explainCircleciMutationFailure, unanswered } from '../core/release/failures';
import { REJECTION_DETAIL, rejectionWords, unfinished } from '../core/release/rejection';
import { readCachedReport } from '../core/report/cache';
import type { Services } from '../services';
import { loadedReportSummary, reportCacheRoot } from '../webviews/report/panels';
import { approveBase, namesBase } from './approveBase';
import { registerCommand } from './command';
import { runReleaseAction, type Mutation } from './releaseAction';
import { optionalString, siteArgument, siteFor } from './siteArgs';
import { optionalWorkflowId, stopMutation } from './stopRelease';

export interface ApproveResult {
  site: string;
  job: string;
  workflowId: string;
  /** The person chose "Stop this release" instead (approving rollback-staging while the comparison runs). */
  stopped?: true;
}

/**
 * The approval jobs of the site's release workflow that wait for a person: not hold-production of a release a
 * person stopped (staging rolled back): it waits in CircleCI for ever, but approving it would deploy that release.
 */
export const approvable = (s: SiteSnapshot): StageInfo[] =>
  s.stages.filter(
    (st) => st.type === 'approval' && st.status === 'on_hold' && !(st.name === 'hold-production' && s.rejection),
  );

/**
 * `planet4.approveJob` `{site, job, workflowId?}`: approves an on-hold approval job of the site's latest release
 * workflow, once. With `workflowId` (the workflow the caller looked at, e.g. the visual report's), it refuses when the
 * latest release is no longer that one.
 */
export function registerApproveJob(services: Services): vscode.Disposable[] {
  return [
    registerCommand(services, 'planet4.approveJob', async (arg): Promise<ApproveResult | undefined> => {
      // planet4-base's approvals (hold-release, hold-changelog, hold-dev-sites): base is not a site
      if (namesBase(arg)) return approveBase(services, arg);
      // Every argument is checked before any request.
      if (arg !== undefined) siteArgument(arg);
      let job = optionalString(arg, 'job');
      const seenWorkflow = optionalWorkflowId(arg);
      const site = await siteFor(services, arg, vscode.l10n.t('Approve a job of…'), (s) => approvable(s).length > 0);
      if (!site) return undefined;
      if (!job && arg === undefined) {
        job = await pickJob(services, site);
        if (!job) return undefined;
      }
      if (!job) throw new Error(vscode.l10n.t('Which job? Pass {site, job: "hold-production"}.'));
      const name = job;
      return runReleaseAction(services, site, {
        guard: { action: `approveJob:${name}`, inFlight: vscode.l10n.t('Approving {0}', name) },
        // Read the current state first: approving what is no longer on hold must not be sent.
        read: async () => {
          await services.fleet.refresh({ sites: [site], github: false });
          const s = services.fleet.get(site);
          if (s?.error) throw new Error(`${site}: ${s.error.message}`);
          if (s && seenWorkflow !== undefined) refuseUnseen(s, seenWorkflow);
          const stage = s?.stages.find((st) => st.name === name);
          if (!s?.workflow || !s.pipeline || !stage)
            throw new Error(vscode.l10n.t('{0} has no job {1} in its latest release pipeline.', site, name));
          if (stage.type !== 'approval')
            throw new Error(vscode.l10n.t('{0} of {1} is not an approval job.', name, site));
          if (name === 'hold-production' && s.rejection) {
            throw new Error(
              vscode.l10n.t(
                '{0} of {1} ({2}) is not waiting for approval: {3}. {4}',
                name,
                site,
                s.pipeline.tag,
                rejectionWords(s.rejection, s.rejectedBy),
                REJECTION_DETAIL[s.rejection],
              ),
            );
          }
          if (stage.status !== 'on_hold' || !stage.approvalRequestId) {
            throw new Error(
              vscode.l10n.t(
                '{0} of {1} is not waiting for approval (it is {2}).',
                name,
                site,
                stage.status.replace(/_/g, ' '),
              ),
            );
          }
          const meaning = approvalMeaning(s.workflow.name, name, s.pipeline.tag);
          const skipping = name === 'hold-production' ? await skippingWords(services, s) : undefined;
          // rolling staging back while the comparison runs does not stop the release: if it passes, production deploys
          const mayStillDeploy =
            name === 'rollback-staging' &&
            s.workflow.kind === 'production' &&
            unfinished(s.stages.find((st) => st.name === 'visualtests-compare'));
          return {
            s,
            pipeline: s.pipeline,
            workflow: s.workflow,
            approvalId: stage.approvalRequestId,
            meaning,
            skipping,
            mayStillDeploy,
          };
        },
        confirm: ({ pipeline, workflow, meaning, skipping, mayStillDeploy }) => {
          const notes = [
            meaning.warning,
            skipping && vscode.l10n.t('You are skipping the visual tests: {0}.', skipping),
            mayStillDeploy &&
              vscode.l10n.t(
                'visualtests-compare is still running: if it passes, the pipeline approves hold-production itself and {0} deploys to production anyway. Rolling staging back does not stop the release: only Stop this release (which cancels the workflow) does.',
                pipeline.tag,
              ),
          ].filter((n): n is string => Boolean(n));
          const careful = meaning.warning !== undefined || notes.length > 0;
          return {
            message: careful
              ? vscode.l10n.t('Careful: Approve {0} of {1}?', name, site)
              : vscode.l10n.t('Approve {0} of {1}?', name, site),
            detail:
              vscode.l10n.t(
                'This will {0} for {1} ({2}, {3} workflow, pipeline {4}, commit {5}).',
                meaning.action,
                site,
                pipeline.tag,
                workflow.name,
                pipeline.number,
                pipeline.revision.slice(0, 7),
              ) + notes.map((n) => `\n\n${n}`).join(''),
            actions: mayStillDeploy
              ? [vscode.l10n.t('Roll Staging Back'), STOP_INSTEAD()]
              : [meaning.warning ? vscode.l10n.t('Yes, {0}', meaning.action) : vscode.l10n.t('Approve')],
          };
        },
        mutation: ({ s, pipeline, workflow, approvalId, meaning }, choice): Mutation<'approved' | 'stopped'> =>
          choice === STOP_INSTEAD()
            ? {
                ...stopMutation(s, { workflowId: workflow.id, tag: pipeline.tag, latest: true }),
                send: async (circleci: CircleCiClient) => {
                  await circleci.cancelWorkflow(workflow.id);
                  return 'stopped' as const;
                },
              }
            : {
                service: 'circleci',
                what: `${s.slug}: approve ${name} (workflow ${workflow.id})`,
                progress: vscode.l10n.t('Approving {0} of {1}…', name, site),
                send: async (circleci) => {
                  await circleci.approveJob(workflow.id, approvalId);
                  return 'approved' as const;
                },
                explain: (e) =>
                  explainCircleciMutationFailure(
                    e,
                    unanswered.approval(site, name, workflow.id),
                    s.slug,
                    `approve ${name}`,
                  ),
                logged: () =>
                  `${s.slug}: approved ${name} (POST /workflow/${workflow.id}/approve/${approvalId}) → ok: ${meaning.action}`,
                changes: 'pipeline',
                watchUntil: () => (x) => x.stages.find((st) => st.name === name)?.status !== 'on_hold',
              },
        result: (sent, { workflow }) => ({
          site,
          job: name,
          workflowId: workflow.id,
          ...(sent === 'stopped' ? { stopped: true as const } : {}),
        }),
        announce: (result, { meaning, pipeline, mayStillDeploy }) =>
          result.stopped
            ? vscode.l10n.t('{0}: stopped the release {1}: its workflow was canceled in CircleCI.', site, pipeline.tag)
            : mayStillDeploy
              ? vscode.l10n.t(
                  '{0}: approved {1}: CircleCI will {2}. The visual tests still run: if they pass, {3} deploys to production anyway (Planet 4: Stop This Release prevents it).',
                  site,
                  name,
                  meaning.action,
                  pipeline.tag,
                )
              : vscode.l10n.t('{0}: approved {1} — CircleCI will {2}.', site, name, meaning.action),
      });
    }),
  ];
}

/** The confirmation's button that stops the release instead of rolling staging back. */
const STOP_INSTEAD = (): string => vscode.l10n.t('Stop This Release');

/** Refuses to approve when the workflow the caller looked at is no longer the site's latest release. */
function refuseUnseen(s: SiteSnapshot, workflowId: string): void {
  const seen = workflowSeen(s, workflowId);
  if (seen === 'latest') return;
  const now = s.pipeline
    ? vscode.l10n.t('{0} (workflow {1})', s.pipeline.tag, s.workflow?.id ?? '-')
    : vscode.l10n.t('no release');
  if (seen === 'changed') {
    throw new Error(
      vscode.l10n.t(
        'The latest release of {0} changed since you looked: it is now {1}, not workflow {2}. Nothing was approved: look at it again.',
        s.site,
        now,
        workflowId,
      ),
    );
  }
  throw new Error(
    vscode.l10n.t(
      'Workflow {0} is the older release {1} of {2}, not its latest release {3}: approving it would deploy an older release over a newer one. Nothing was approved.',
      workflowId,
      seen.tag,
      s.site,
      now,
    ),
  );
}

/**
 * What approving hold-production skips, in words: the visual tests still running, or how many failed (from the
 * report when an open panel or the cache has it, without a request), or undefined when they passed.
 */
async function skippingWords(services: Services, s: SiteSnapshot): Promise<string | undefined> {
  const skipped = skippedVisualTests(s.stages);
  if (skipped === 'running') return vscode.l10n.t('visual tests still running');
  if (skipped !== 'failed') return undefined;
  const jobNumber = s.stages.find((st) => st.name === 'visualtests-compare')?.jobNumber;
  let summary = jobNumber === undefined ? undefined : loadedReportSummary(s.site, jobNumber);
  if (!summary && jobNumber !== undefined) {
    summary = (await readCachedReport(reportCacheRoot(services.context), s.slug, jobNumber).catch(() => undefined))
      ?.summary;
  }
  return summary && summary.total > 0
    ? vscode.l10n.t('{0} of {1} visual tests failed — open the report', summary.failed, summary.total)
    : vscode.l10n.t('the visual tests failed — open the report');
}

/** From the palette: which on-hold approval job of the site, each with what approving it does. */
async function pickJob(services: Services, site: string): Promise<string | undefined> {
  const s = services.fleet.get(site);
  const pick = await vscode.window.showQuickPick(
    (s ? approvable(s) : []).map((st) => ({
      label: st.name,
      description: approvalMeaning(s?.workflow?.name ?? '', st.name, s?.pipeline?.tag ?? '').action,
    })),
    { title: vscode.l10n.t('Approve which job of {0}?', site) },
  );
  return pick?.label;
}
