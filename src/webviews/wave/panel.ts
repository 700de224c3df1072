/**
 * The wave report: one panel listing every site of the platform release with its new tag and outcome, links to its
 * pipeline and visual report, a "next waiting site" walk through the visual reports and Copy as Markdown for the
 * release channel. Live: it is posted again whenever the platform store changes. The webview gets data by
 * postMessage only and asks for every action by message; the panel checks each message's site against the wave.
 */
import * as vscode from 'vscode';
import type { PlatformSource, Wave } from '../../core/platform/types';
import { needsPerson, OUTCOME_ORDER, sitesNeedingPerson, waveMarkdown } from '../../core/platform/waveView';
import { circleciPipelineUrl } from '../../links';
import { needWords, outcomeWords, platformLabel, waveProgress } from '../../treeViews/platformTree';
import { makeNonce } from '../report/html';
import { waveHtml } from './html';
import { isWaveWebviewMessage, type WaveHostMessage, type WaveWebviewMessage } from './protocol';

export const WAVE_VIEW_TYPE = 'planet4.waveReport';

export interface WaveReportParts {
  context: vscode.ExtensionContext;
  platform: PlatformSource;
  organization: () => string;
  log: vscode.LogOutputChannel;
}

export interface WaveReportResult {
  /** The base tag of the wave shown; undefined when there is no wave yet. */
  baseTag?: string;
  sites: number;
  needPerson: number;
}

export class WaveReport implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private readonly subscription: { dispose(): void };
  /** The last site the "next waiting site" walk opened (per wave). */
  private walked: { baseTag: string; site: string } | undefined;
  /** The messages posted to the webview, newest last (the last 20): for tests. */
  readonly posted: WaveHostMessage[] = [];

  constructor(private readonly parts: WaveReportParts) {
    this.subscription = parts.platform.onDidChange(() => {
      if (this.panel) this.post();
    });
  }

  get isOpen(): boolean {
    return this.panel !== undefined;
  }

  /** Opens (or reveals) the report. */
  open(): WaveReportResult {
    if (this.panel) this.panel.reveal();
    else this.create();
    this.post();
    const wave = this.parts.platform.wave();
    return wave
      ? { baseTag: wave.baseTag, sites: wave.sites.length, needPerson: wave.needPerson }
      : { sites: 0, needPerson: 0 };
  }

  /** The wave as a Markdown table; undefined without a wave. */
  markdown(): string | undefined {
    const wave = this.parts.platform.wave();
    const org = this.parts.organization();
    return wave && waveMarkdown(wave, { pipelineUrl: (site, n) => circleciPipelineUrl(org, site, n) });
  }

  /** Puts the Markdown on the clipboard; returns it. */
  async copyMarkdown(): Promise<string> {
    const md = this.markdown();
    if (md === undefined) throw new Error(vscode.l10n.t('There is no platform release wave to copy yet.'));
    await vscode.env.clipboard.writeText(md);
    this.send({ type: 'copied', message: vscode.l10n.t('Copied as Markdown.') });
    return md;
  }

  /** The next site needing a person after the last one walked (from the start at the end); undefined when none. */
  nextSite(): string | undefined {
    const wave = this.parts.platform.wave();
    if (!wave) return undefined;
    const need = sitesNeedingPerson(wave);
    if (need.length === 0) return undefined;
    const last = this.walked?.baseTag === wave.baseTag ? this.walked.site : undefined;
    const order = (site: string): number => wave.sites.find((s) => s.site === site)?.order ?? -1;
    const after = last === undefined ? -1 : order(last);
    return need.find((s) => order(s) > after) ?? need[0];
  }

  /** Opens the visual report of the next site needing a person; returns that site. */
  async openNext(): Promise<string | undefined> {
    const wave = this.parts.platform.wave();
    const site = this.nextSite();
    if (!wave || site === undefined) {
      void vscode.window.showInformationMessage(vscode.l10n.t('No site of this wave needs a person.'));
      return undefined;
    }
    this.walked = { baseTag: wave.baseTag, site };
    this.post();
    await this.openReport(site);
    return site;
  }

  private async openReport(site: string): Promise<void> {
    try {
      await vscode.commands.executeCommand('planet4.openVisualReport', { site });
    } catch (e) {
      // the command has shown and logged why
      this.parts.log.warn(`wave report: visual report of ${site}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private create(): void {
    const ext = this.parts.context.extensionUri;
    const panel = vscode.window.createWebviewPanel(
      WAVE_VIEW_TYPE,
      vscode.l10n.t('Wave report'),
      vscode.ViewColumn.Active,
      { enableScripts: true, enableFindWidget: true, retainContextWhenHidden: false },
    );
    const webview = panel.webview;
    webview.options = {
      enableScripts: true,
      enableCommandUris: false,
      localResourceRoots: [vscode.Uri.joinPath(ext, 'media'), vscode.Uri.joinPath(ext, 'dist', 'webview')],
    };
    webview.html = waveHtml({
      cspSource: webview.cspSource,
      nonce: makeNonce(),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(ext, 'dist', 'webview', 'wave.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(ext, 'media', 'wave.css')).toString(),
      codiconsUri: webview
        .asWebviewUri(vscode.Uri.joinPath(ext, 'media', 'vendor', 'codicons', 'codicon.css'))
        .toString(),
      title: vscode.l10n.t('Wave report'),
    });
    panel.iconPath = new vscode.ThemeIcon('rocket');
    const listener = webview.onDidReceiveMessage((m: unknown) => {
      if (isWaveWebviewMessage(m)) void this.onMessage(m);
    });
    panel.onDidDispose(() => {
      listener.dispose();
      this.panel = undefined;
    });
    this.panel = panel;
  }

  private async onMessage(m: WaveWebviewMessage): Promise<void> {
    const wave = this.parts.platform.wave();
    try {
      switch (m.type) {
        case 'ready':
          this.post();
          return;
        case 'next':
          await this.openNext();
          return;
        case 'copyMarkdown':
          await this.copyMarkdown();
          return;
        case 'openPipeline': {
          const s = wave?.sites.find((x) => x.site === m.site);
          if (s?.pipelineNumber === undefined) return;
          await vscode.env.openExternal(
            vscode.Uri.parse(circleciPipelineUrl(this.parts.organization(), s.site, s.pipelineNumber)),
          );
          return;
        }
        case 'openReport':
          if (wave?.sites.some((x) => x.site === m.site)) await this.openReport(m.site);
          return;
      }
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      this.parts.log.error(`wave report: ${message}`);
      void vscode.window.showErrorMessage(message);
    }
  }

  private post(): void {
    const snapshot = this.parts.platform.snapshot();
    const wave = this.parts.platform.wave();
    if (this.panel) this.panel.title = wave ? vscode.l10n.t('Wave {0}', wave.baseTag) : vscode.l10n.t('Wave report');
    this.send(
      wave
        ? waveMessage(wave, platformLabel(snapshot), this.nextSite())
        : {
            type: 'empty',
            message: vscode.l10n.t(
              'No platform release wave yet: it starts when hold-release of a planet4-base release tag is approved.',
            ),
          },
    );
  }

  private send(message: WaveHostMessage): void {
    this.posted.push(message);
    if (this.posted.length > 20) this.posted.shift();
    void this.panel?.webview.postMessage(message);
  }

  dispose(): void {
    this.subscription.dispose();
    this.panel?.dispose();
  }
}

/** What the webview shows of the wave (texts translated here). */
function waveMessage(wave: Wave, title: string, nextSite: string | undefined): WaveHostMessage {
  const label = waveProgress(wave);
  return {
    type: 'update',
    title: wave.finishedAt ? title : `${title} · ${vscode.l10n.t('live')}`,
    summary: wave.remaining > 0 ? `${label} · ${needWords(wave.needPerson)}` : label,
    counts: OUTCOME_ORDER.filter((o) => wave.counts[o] > 0)
      .map((o) => `${wave.counts[o]} ${outcomeWords(o)}`)
      .join(' · '),
    rows: [...wave.sites]
      .sort((a, b) => a.order - b.order)
      .map((s) => ({
        site: s.site,
        ...(s.tag === undefined ? {} : { tag: s.tag }),
        outcome: s.outcome,
        outcomeWords: outcomeWords(s.outcome),
        needsPerson: needsPerson(s.outcome),
        hasPipeline: s.pipelineNumber !== undefined,
      })),
    ...(nextSite === undefined ? {} : { nextSite }),
    labels: {
      site: vscode.l10n.t('Site'),
      tag: vscode.l10n.t('New tag'),
      outcome: vscode.l10n.t('Outcome'),
      pipeline: vscode.l10n.t('Pipeline'),
      report: vscode.l10n.t('Visual report'),
      next: nextSite ? vscode.l10n.t('Next waiting site: {0}', nextSite) : vscode.l10n.t('Next waiting site'),
      copy: vscode.l10n.t('Copy as Markdown'),
      none: vscode.l10n.t('No site has been tagged yet.'),
    },
  };
}
