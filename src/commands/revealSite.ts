import * as vscode from 'vscode';
import type { Services } from '../services';
import { registerCommand } from './command';
import { requireSite } from './siteArgs';

/** `planet4.revealSite` `{site}`: shows the Production Pipelines view with the site selected and expanded. */
export function registerRevealSite(services: Services): vscode.Disposable[] {
  return [
    registerCommand(services, 'planet4.revealSite', async (arg) => {
      const site = await requireSite(services, arg, { snapshot: false });
      await vscode.commands.executeCommand('planet4.pipelines.focus');
      await services.treeView.reveal(services.tree.nodeFor(site), { select: true, focus: true, expand: true });
      return { site };
    }),
  ];
}
