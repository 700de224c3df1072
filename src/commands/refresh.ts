import * as vscode from 'vscode';
import type { Services } from '../services';
import { registerCommand } from './command';
import { requireSite } from './siteArgs';

/** `planet4.refresh` (view title; resolves when every site is done) and `planet4.refreshSite` (retry one site). */
export function registerRefresh(services: Services, reloadSites: () => Promise<void>): vscode.Disposable[] {
  return [
    registerCommand(services, 'planet4.refresh', async () => {
      await vscode.window.withProgress({ location: { viewId: 'planet4.pipelines' } }, async () => {
        await reloadSites();
        // the user asks for everything: GitHub's tags are listed again (the slow cycle reads them only when needed)
        for (const site of services.fleet.sites) services.fleet.invalidate(site, 'tags');
        await Promise.all([services.fleet.refresh(), services.platformReader.refresh({ full: true })]);
        services.poller.markFullRefresh();
      });
      return { sites: services.fleet.sites.length };
    }),
    registerCommand(services, 'planet4.refreshSite', async (arg) => {
      // It loads the site itself: no need to wait for its snapshot first.
      const site = await requireSite(services, arg, { snapshot: false });
      services.fleet.invalidate(site);
      await services.fleet.refresh({ sites: [site], github: true });
      return services.fleet.get(site);
    }),
  ];
}
