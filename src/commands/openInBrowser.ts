import * as vscode from 'vscode';
import type { Services } from '../services';
import {
  circleciJobUrl,
  circleciPipelineUrl,
  circleciProjectUrl,
  circleciWorkflowUrl,
  githubCommitUrl,
  githubTagUrl,
} from '../links';
import type { PipelineNode } from '../treeViews/nodes';
import { registerCommand } from './command';
import { siteFor } from './siteArgs';

type Target = 'pipeline' | 'workflow' | 'job' | 'tag' | 'commit';

/** The pick list's title, per target. */
function openTitle(target: Target): string {
  switch (target) {
    case 'pipeline':
      return vscode.l10n.t('Open the pipeline of…');
    case 'workflow':
      return vscode.l10n.t('Open the workflow of…');
    case 'job':
      return vscode.l10n.t('Open the job of…');
    case 'tag':
      return vscode.l10n.t('Open the tag of…');
    case 'commit':
      return vscode.l10n.t('Open the commit of…');
  }
}

/** The refusal when the site has nothing of that kind to open yet. */
function nothingToOpen(target: Target, site: string): string {
  switch (target) {
    case 'pipeline':
      return vscode.l10n.t('{0} has no pipeline to open yet.', site);
    case 'workflow':
      return vscode.l10n.t('{0} has no workflow to open yet.', site);
    case 'job':
      return vscode.l10n.t('{0} has no job to open yet.', site);
    case 'tag':
      return vscode.l10n.t('{0} has no tag to open yet.', site);
    case 'commit':
      return vscode.l10n.t('{0} has no commit to open yet.', site);
  }
}

/** Open the CircleCI pipeline, workflow or job page, or the GitHub tag or commit, in the browser. */
export function registerOpenInBrowser(services: Services): vscode.Disposable[] {
  const open = (target: Target) => async (arg: unknown) => {
    const site = await siteFor(services, arg, openTitle(target));
    if (!site) return undefined;
    const s = services.fleet.get(site);
    const org = services.organization();
    const job = (arg as (Partial<PipelineNode> & { job?: string }) | undefined)?.job;
    let url: string | undefined;
    if (s?.pipeline) {
      const p = s.pipeline;
      const stage = job ? s.stages.find((x) => x.name === job) : undefined;
      switch (target) {
        case 'pipeline':
          url = circleciPipelineUrl(org, site, p.number);
          break;
        case 'workflow':
          url = s.workflow ? circleciWorkflowUrl(org, site, p.number, s.workflow.id) : undefined;
          break;
        case 'job':
          url =
            s.workflow && stage?.jobNumber !== undefined
              ? circleciJobUrl(org, site, p.number, s.workflow.id, stage.jobNumber)
              : s.workflow
                ? circleciWorkflowUrl(org, site, p.number, s.workflow.id)
                : undefined;
          break;
        case 'tag':
          url = githubTagUrl(org, site, p.tag);
          break;
        case 'commit':
          url = githubCommitUrl(org, site, p.revision);
          break;
      }
    } else if (target === 'pipeline') {
      url = circleciProjectUrl(org, site);
    }
    if (!url) throw new Error(nothingToOpen(target, site));
    await vscode.env.openExternal(vscode.Uri.parse(url));
    return { url };
  };
  return [
    registerCommand(services, 'planet4.openPipeline', open('pipeline')),
    registerCommand(services, 'planet4.openWorkflow', open('workflow')),
    registerCommand(services, 'planet4.openJob', open('job')),
    registerCommand(services, 'planet4.openTag', open('tag')),
    registerCommand(services, 'planet4.openCommit', open('commit')),
  ];
}
