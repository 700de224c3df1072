import * as vscode from 'vscode';
import type { SiteSnapshot, StageInfo } from '../core/fleet/types';
import { approvalMeaning } from '../core/release/approvals';
import { explainCircleciMutationFailure, unanswered } from '../core/release/failures';
import type { Services } from '../services';
import { registerCommand } from './command';
import { runReleaseAction } from './releaseAction';
import { optionalString, siteArgument, siteFor } from './siteArgs';

export interface ApproveResult {
  site: string;
  job: string;
  workflowId: string;
}

/** The approval jobs of the site's release workflow that wait for a person. */
const onHold = (s: SiteSnapshot): StageInfo[] =>
  s.stages.filter((st) => st.type === 'approval' && st.status === 'on_hold');

/** `planet4.approveJob` `{site, job}`: approves an on-hold approval job of the site's release workflow, once. */
export function registerApproveJob(services: Services): vscode.Disposable[] {
  return [
    registerCommand(services, 'planet4.approveJob', async (arg): Promise<ApproveResult | undefined> => {
      // Every argument is checked before any request.
      if (arg !== undefined) siteArgument(arg);
      let job = optionalString(arg, 'job');
      const site = await siteFor(services, arg, vscode.l10n.t('Approve a job of…'), (s) => onHold(s).length > 0);
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
          const stage = s?.stages.find((st) => st.name === name);
          if (!s?.workflow || !s.pipeline || !stage)
            throw new Error(vscode.l10n.t('{0} has no job {1} in its latest release pipeline.', site, name));
          if (stage.type !== 'approval')
            throw new Error(vscode.l10n.t('{0} of {1} is not an approval job.', name, site));
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
          return { s, pipeline: s.pipeline, workflow: s.workflow, approvalId: stage.approvalRequestId, meaning };
        },
        confirm: ({ pipeline, workflow, meaning }) => ({
          message: meaning.warning
            ? vscode.l10n.t('Careful: Approve {0} of {1}?', name, site)
            : vscode.l10n.t('Approve {0} of {1}?', name, site),
          detail:
            vscode.l10n.t(
              'This will {0} for {1} ({2}, {3} workflow, pipeline {4}).',
              meaning.action,
              site,
              pipeline.tag,
              workflow.name,
              pipeline.number,
            ) + (meaning.warning ? `\n\n${meaning.warning}` : ''),
          actions: [meaning.warning ? vscode.l10n.t('Yes, {0}', meaning.action) : vscode.l10n.t('Approve')],
        }),
        mutation: ({ s, workflow, approvalId, meaning }) => ({
          service: 'circleci',
          what: `${s.slug}: approve ${name} (workflow ${workflow.id})`,
          progress: vscode.l10n.t('Approving {0} of {1}…', name, site),
          send: (circleci) => circleci.approveJob(workflow.id, approvalId),
          explain: (e) =>
            explainCircleciMutationFailure(e, unanswered.approval(site, name, workflow.id), s.slug, `approve ${name}`),
          logged: () =>
            `${s.slug}: approved ${name} (POST /workflow/${workflow.id}/approve/${approvalId}) → ok: ${meaning.action}`,
          changes: 'pipeline',
          watchUntil: () => (x) => x.stages.find((st) => st.name === name)?.status !== 'on_hold',
        }),
        result: (_sent, { workflow }) => ({ site, job: name, workflowId: workflow.id }),
        announce: (_result, { meaning }) =>
          vscode.l10n.t('{0}: approved {1} — CircleCI will {2}.', site, name, meaning.action),
      });
    }),
  ];
}

/** From the palette: which on-hold approval job of the site, each with what approving it does. */
async function pickJob(services: Services, site: string): Promise<string | undefined> {
  const s = services.fleet.get(site);
  const pick = await vscode.window.showQuickPick(
    (s ? onHold(s) : []).map((st) => ({
      label: st.name,
      description: approvalMeaning(s?.workflow?.name ?? '', st.name, s?.pipeline?.tag ?? '').action,
    })),
    { title: vscode.l10n.t('Approve which job of {0}?', site) },
  );
  return pick?.label;
}
