import * as vscode from 'vscode';
import { explainCircleciMutationFailure, unanswered } from '../core/release/failures';
import { baseSlug } from '../core/platform/loader';
import {
  PLATFORM_APPROVALS,
  PLATFORM_SITE,
  WAVE_SPACING_MS,
  type PlatformApproval,
  type PlatformWorkflow,
} from '../core/platform/types';
import type { Services } from '../services';
import { runReleaseAction } from './releaseAction';
import { optionalString } from './siteArgs';
import { optionalWorkflowId } from './stopRelease';

export interface ApproveBaseResult {
  site: typeof PLATFORM_SITE;
  job: PlatformApproval;
  workflowId: string;
}

/** `{site: "base", …}`: the argument names planet4-base, which is not a site. */
export function namesBase(arg: unknown): boolean {
  if (typeof arg !== 'object' || arg === null) return false;
  const site = (arg as { site?: unknown }).site;
  return typeof site === 'string' && site.trim().toLowerCase() === PLATFORM_SITE;
}

const isPlatformApproval = (job: string): job is PlatformApproval =>
  (PLATFORM_APPROVALS as readonly string[]).includes(job);

/**
 * `planet4.approveJob({site: "base", job})`: approves `hold-release`, `hold-changelog` or `hold-dev-sites` of
 * planet4-base, once, through the release lifecycle: the job is checked before any request, base is read fresh, the
 * confirmation says what happens next, the approval is sent once and never retried.
 */
export async function approveBase(services: Services, arg: unknown): Promise<ApproveBaseResult | undefined> {
  const job = optionalString(arg, 'job');
  const seenWorkflow = optionalWorkflowId(arg);
  if (!job) {
    throw new Error(vscode.l10n.t('Which job of planet4-base? Pass {site: "base", job: "hold-release"}.'));
  }
  if (!isPlatformApproval(job)) {
    throw new Error(
      vscode.l10n.t(
        'planet4-base has no approval job "{0}" that can be approved here: hold-release, hold-changelog or hold-dev-sites. Nothing was approved.',
        job,
      ),
    );
  }
  const reader = services.platformReader;
  const slug = baseSlug(services.organization());
  const count = services.fleet.sites.length;
  const minutes = Math.round((count * WAVE_SPACING_MS) / 60_000);
  const what = (w: PlatformWorkflow): string => w.tag ?? vscode.l10n.t('develop (main)');
  return runReleaseAction(
    services,
    PLATFORM_SITE,
    {
      guard: { action: `approveJob:${job}`, inFlight: vscode.l10n.t('Approving {0}', job) },
      // Read base fresh first: approving what is no longer on hold must not be sent.
      read: async () => {
        await services.whenReady();
        reader.invalidate();
        await reader.refresh({ full: true });
        const snapshot = services.platform.snapshot();
        if (snapshot.error) throw new Error(vscode.l10n.t('planet4-base: {0}', snapshot.error.message));
        const workflow = job === 'hold-dev-sites' ? snapshot.developWaiting : snapshot.release;
        const stage = workflow?.stages.find((s) => s.name === job);
        if (!workflow || !stage) {
          throw new Error(
            vscode.l10n.t(
              'planet4-base has no {0} waiting in its latest release or develop run. Nothing was approved.',
              job,
            ),
          );
        }
        if (seenWorkflow !== undefined && seenWorkflow !== workflow.id) {
          throw new Error(
            vscode.l10n.t(
              'The platform release changed since you looked: it is now {0} (workflow {1}), not workflow {2}. Nothing was approved.',
              what(workflow),
              workflow.id,
              seenWorkflow,
            ),
          );
        }
        if (stage.status !== 'on_hold' || !stage.approvalRequestId) {
          throw new Error(
            vscode.l10n.t(
              '{0} of planet4-base {1} is not on hold (it is {2}). Nothing was approved.',
              job,
              what(workflow),
              stage.status,
            ),
          );
        }
        return { workflow, approvalId: stage.approvalRequestId, needPerson: services.platform.wave()?.needPerson };
      },
      confirm: ({ workflow, needPerson }) => {
        const where = vscode.l10n.t(
          'planet4-base {0} ({1} workflow, pipeline {2}, commit {3})',
          what(workflow),
          workflow.name,
          workflow.pipelineNumber,
          (workflow.revision ?? '').slice(0, 7) || '-',
        );
        if (job === 'hold-release') {
          return {
            message: vscode.l10n.t('Start the platform release {0}?', what(workflow)),
            detail: vscode.l10n.t(
              'Approving hold-release of {0} runs release-sites: it tags all {1} sites, 30 s apart, about {2} min; sites without visual differences or [HOLD] go to production automatically. The others wait for a person.',
              where,
              count,
              minutes,
            ),
            actions: [vscode.l10n.t('Approve hold-release')],
          };
        }
        if (job === 'hold-changelog') {
          const waiting =
            needPerson !== undefined && needPerson > 0
              ? `\n\n${vscode.l10n.t('{0} sites of the wave still need a person.', needPerson)}`
              : '';
          return {
            message: vscode.l10n.t('Publish the changelog of {0}?', what(workflow)),
            detail:
              vscode.l10n.t(
                'Approving hold-changelog of {0} runs changelog: it publishes the changelog of the platform release {1}.',
                where,
                what(workflow),
              ) + waiting,
            actions: [vscode.l10n.t('Approve hold-changelog')],
          };
        }
        return {
          message: vscode.l10n.t('Release the dev sites from planet4-base main?'),
          detail: vscode.l10n.t(
            "Approving hold-dev-sites of {0} runs release-sites with pipeline main: the bot pushes its empty trigger commit (:robot: Trigger build #N) to main of every one of the {1} sites, 30 s apart, about {2} min, and each site's develop workflow deploys its dev site. A [HOLD] commit at HEAD of a site's main is buried by it.",
            where,
            count,
            minutes,
          ),
          actions: [vscode.l10n.t('Approve hold-dev-sites')],
        };
      },
      mutation: ({ workflow, approvalId }) => ({
        service: 'circleci',
        what: `${slug}: approve ${job} (workflow ${workflow.id})`,
        progress: vscode.l10n.t('Approving {0} of planet4-base…', job),
        send: async (circleci) => {
          await circleci.approveJob(workflow.id, approvalId);
          return 'approved' as const;
        },
        explain: (e) =>
          explainCircleciMutationFailure(
            e,
            unanswered.approval('planet4-base', job, workflow.id),
            slug,
            `approve ${job}`,
          ),
        logged: () => `${slug}: approved ${job} (POST /workflow/${workflow.id}/approve/${approvalId}) → ok`,
        changes: 'pipeline',
        watchUntil: () => () => true,
      }),
      result: (_sent, { workflow }) => ({ site: PLATFORM_SITE, job, workflowId: workflow.id }),
      announce: (_result, { workflow }) =>
        job === 'hold-release'
          ? vscode.l10n.t(
              'planet4-base: approved hold-release of {0}: release-sites tags the {1} sites, 30 s apart (about {2} min).',
              what(workflow),
              count,
              minutes,
            )
          : job === 'hold-changelog'
            ? vscode.l10n.t('planet4-base: approved hold-changelog of {0}: the changelog is published.', what(workflow))
            : vscode.l10n.t(
                "planet4-base: approved hold-dev-sites: the bot pushes its trigger commit to every site's main.",
              ),
    },
    {
      // planet4-base is not a site: what is read again after the approval is the platform release
      fleet: {
        invalidate: () => {
          reader.invalidate();
        },
        refresh: () => reader.refresh({ full: true }),
      },
      poller: { watch: () => undefined },
    },
  );
}
