import * as vscode from 'vscode';
import type { Services } from '../services';
import { siteOf } from '../treeViews/nodes';
import { registerCommand } from './command';

/** `planet4.refresh` (view title; resolves when every site is done) and `planet4.refreshSite` (retry one site). */
export function registerRefresh(services: Services, reloadSites: () => Promise<void>): vscode.Disposable[] {
  return [
    registerCommand(services, 'planet4.refresh', async () => {
      await vscode.window.withProgress({ location: { viewId: 'planet4.pipelines' } }, async () => {
        await reloadSites();
        await services.fleet.refresh();
        services.poller.markFullRefresh();
      });
      return { sites: services.fleet.sites.length };
    }),
    registerCommand(services, 'planet4.refreshSite', async (arg) => {
      const site = siteOf(arg);
      if (!site) throw new Error('Which site? Pass {site: "<name>"}.');
      services.fleet.invalidate(site);
      await services.fleet.refresh({ sites: [site], github: true });
      return services.fleet.get(site);
    }),
  ];
}
