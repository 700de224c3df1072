/**
 * `planet4.openVisualReport`: opens the BackstopJS report of a site's `visualtests-compare` job in a webview.
 * Argument: `{ site }` or a tree node (from the palette: a pick among the sites with a production release). Resolves
 * to `{ site, jobNumber, state, passed, failed, imagesPending, ... }` as soon as the report shows (its images
 * download in the background); `{ site, waitForImages: true }` resolves only when every image has been downloaded
 * (or failed). Right after activation it waits for the site list and the site's first load. The site check and the
 * error contract are every command's (`requireSite`, `registerCommand`).
 */
import * as vscode from 'vscode';
import type { Services } from '../services';
import { ReportPanels, VIEW_TYPE, type OpenVisualReportResult } from '../webviews/report/panels';
import { registerCommand } from './command';
import { siteFor } from './siteArgs';

export const OPEN_VISUAL_REPORT = 'planet4.openVisualReport';

export type { OpenVisualReportResult };

/** `{ waitForImages: true }`: resolve after the background downloads. */
export function waitsForImages(arg: unknown): boolean {
  return typeof arg === 'object' && arg !== null && (arg as { waitForImages?: unknown }).waitForImages === true;
}

/** Registers the command and the panels' serializer; `panels` is the serializer (and the open panels). */
export function registerOpenVisualReport(services: Services): {
  panels: ReportPanels;
  disposables: vscode.Disposable[];
} {
  const panels = new ReportPanels(services);
  const command = registerCommand(services, OPEN_VISUAL_REPORT, async (arg) => {
    const site = await siteFor(
      services,
      arg,
      vscode.l10n.t('Planet 4: Open Visual Report'),
      (x) => x.workflow?.kind === 'production',
    );
    if (!site) return undefined;
    return panels.open(site, { waitForImages: waitsForImages(arg) });
  });
  return {
    panels,
    disposables: [
      command,
      vscode.window.registerWebviewPanelSerializer(VIEW_TYPE, panels),
      new vscode.Disposable(() => {
        panels.dispose();
      }),
    ],
  };
}
