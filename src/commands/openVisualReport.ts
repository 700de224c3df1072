/**
 * `planet4.openVisualReport`: opens the BackstopJS report of a site's `visualtests-compare` job in a webview.
 * Argument: a site name, `{ site }`, or a tree node carrying `site` (a name or a snapshot). Resolves to
 * `{ site, jobNumber, state, passed, failed, imagesPending, ... }` as soon as the report shows (its images download
 * in the background); `{ site, waitForImages: true }` resolves only when every image has been downloaded (or
 * failed). With an explicit argument it rejects with the user-facing message when it fails (the message is also
 * shown).
 */
import * as vscode from 'vscode';
import type { Services } from '../services';
import { ReportPanels, VIEW_TYPE, type OpenVisualReportResult } from '../webviews/report/panel';

export const OPEN_VISUAL_REPORT = 'planet4.openVisualReport';

export type { OpenVisualReportResult };

/** The site named by a command argument, if any. */
export function siteOfArgument(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg.trim() || undefined;
  if (typeof arg !== 'object' || arg === null) return undefined;
  const o = arg as { site?: unknown; snapshot?: unknown };
  if (typeof o.site === 'string') return o.site.trim() || undefined;
  if (typeof o.site === 'object' && o.site !== null) return siteOfArgument(o.site);
  if (typeof o.snapshot === 'object' && o.snapshot !== null) return siteOfArgument(o.snapshot);
  return undefined;
}

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
  const command = vscode.commands.registerCommand(
    OPEN_VISUAL_REPORT,
    async (arg?: unknown): Promise<OpenVisualReportResult | undefined> => {
      const explicit = arg !== undefined && arg !== null;
      let site = siteOfArgument(arg);
      if (!site && !explicit) {
        const sites = services.fleet.all().filter((x) => x.workflow?.kind === 'production');
        const pick = await vscode.window.showQuickPick(
          sites.map((x) => ({
            label: x.site,
            description: [x.pipeline?.tag, x.stages.find((st) => st.name === 'visualtests-compare')?.status]
              .filter(Boolean)
              .join(' · '),
            site: x.site,
          })),
          {
            title: 'Planet 4: Open Visual Report',
            placeHolder: 'Site whose latest visualtests-compare report to open',
          },
        );
        site = pick?.site;
        if (!site) return undefined;
      }
      try {
        if (!site) throw new Error('Planet 4: Open Visual Report needs a site.');
        return await panels.open(site, { waitForImages: waitsForImages(arg) });
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        services.log.error(`${OPEN_VISUAL_REPORT}: ${message}`);
        void vscode.window.showErrorMessage(message);
        if (explicit) throw e instanceof Error ? e : new Error(message);
        return undefined;
      }
    },
  );
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
