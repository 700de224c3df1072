import * as vscode from 'vscode';
import { approvalMeaning } from '../core/release/actions';
import { explainCircleciMutationFailure, unanswered } from '../core/release/outcome';
import type { Services } from '../services';
import { confirm, mutationFailed, registerCommand } from './command';
import { optionalString, siteArgument, siteFor } from './siteArgs';
import type { SiteSnapshot, StageInfo } from '../core/fleet/types';

export interface ApproveResult {
  site: string;
  job: string;
  workflowId: string;
}

/** `planet4.approveJob` `{site, job}`: approves an on-hold approval job of the site's release workflow, once. */
export function registerApproveJob(services: Services): vscode.Disposable[] {
  return [
    registerCommand(services, 'planet4.approveJob', async (arg): Promise<ApproveResult | undefined> => {
      const onHold = (s: SiteSnapshot): StageInfo[] =>
        s.stages.filter((st) => st.type === 'approval' && st.status === 'on_hold');
      // Every argument is checked before any request.
      if (arg !== undefined) siteArgument(arg);
      let job = optionalString(arg, 'job');
      const site = await siteFor(services, arg, 'Approve a job of…', (s) => onHold(s).length > 0);
      if (!site) return undefined;
      if (!job && arg === undefined) {
        const s = services.fleet.get(site);
        const pick = await vscode.window.showQuickPick(
          (s ? onHold(s) : []).map((st) => ({
            label: st.name,
            description: approvalMeaning(s?.workflow?.name ?? '', st.name, s?.pipeline?.tag ?? '').action,
          })),
          { title: `Approve which job of ${site}?` },
        );
        job = pick?.label;
        if (!job) return undefined;
      }
      if (!job) throw new Error('Which job? Pass {site, job: "hold-production"}.');
      return services.guard.run(`approveJob:${job}`, site, `Approving ${job}`, async () => {
        // Read the current state first: approving what is no longer on hold must not be sent.
        await services.fleet.refresh({ sites: [site], github: false });
        const s = services.fleet.get(site);
        if (s?.error) throw new Error(`${site}: ${s.error.message}`);
        const stage = s?.stages.find((st) => st.name === job);
        if (!s?.workflow || !s.pipeline || !stage)
          throw new Error(`${site} has no job ${job} in its latest release pipeline.`);
        if (stage.type !== 'approval') throw new Error(`${job} of ${site} is not an approval job.`);
        if (stage.status !== 'on_hold' || !stage.approvalRequestId) {
          throw new Error(`${job} of ${site} is not waiting for approval (it is ${stage.status.replace(/_/g, ' ')}).`);
        }
        const meaning = approvalMeaning(s.workflow.name, job, s.pipeline.tag);
        const ok = await confirm(
          services,
          `${meaning.warning ? 'Careful: ' : ''}Approve ${job} of ${site}?`,
          `This will ${meaning.action} for ${site} (${s.pipeline.tag}, ${s.workflow.name} workflow, pipeline ${s.pipeline.number}).${meaning.warning ? `\n\n${meaning.warning}` : ''}`,
          meaning.warning ? `Yes, ${meaning.action}` : 'Approve',
        );
        if (!ok) return undefined;
        const workflowId = s.workflow.id;
        const approvalId = stage.approvalRequestId;
        await vscode.window.withProgress(
          { location: vscode.ProgressLocation.Notification, title: `Approving ${job} of ${site}…` },
          () =>
            services
              .circleci()
              .approveJob(workflowId, approvalId)
              .catch((e: unknown) => {
                const err = explainCircleciMutationFailure(
                  e,
                  unanswered.approval(site, job, workflowId),
                  s.slug,
                  `approve ${job}`,
                );
                throw mutationFailed(services, site, `${s.slug}: approve ${job} (workflow ${workflowId})`, err);
              }),
        );
        services.log.info(
          `[mutation] ${s.slug}: approved ${job} (POST /workflow/${workflowId}/approve/${approvalId}) → ok: ${meaning.action}`,
        );
        services.fleet.invalidate(site, 'pipeline');
        services.poller.watch(site, (x) => x.stages.find((st) => st.name === job)?.status !== 'on_hold');
        void services.fleet.refresh({ sites: [site], github: false });
        void vscode.window.showInformationMessage(`${site}: approved ${job} — CircleCI will ${meaning.action}.`);
        return { site, job, workflowId };
      });
    }),
  ];
}
