import * as vscode from 'vscode';
import type { Attention } from './attention';
import { registerCircleciToken } from './commands/circleciToken';
import { registerFilter } from './commands/filter';
import { registerOpenInBrowser } from './commands/openInBrowser';
import { registerOpenVisualReport } from './commands/openVisualReport';
import { registerOpenWaveReport } from './commands/openWaveReport';
import { registerRefresh } from './commands/refresh';
import { registerReleaseCommands } from './commands/release';
import { registerRevealSite } from './commands/revealSite';
import { SandboxController } from './commands/sandbox';
import { registerShowLog } from './commands/showLog';
import type { Connection } from './connection';
import type { Fleet } from './core/fleet/fleet';
import type { Poller } from './core/fleet/poller';
import type { Sandbox, SandboxOptions } from './sandbox';
import { createServices } from './services';
import type { ViewState } from './treeViews/fleetView';
import type { PipelineNode } from './treeViews/nodes';
import type { PipelinesTreeProvider } from './treeViews/pipelinesTree';
import type { PlatformStore } from './core/platform/store';
import type { WaveReport } from './webviews/wave/panel';
import { WaveNotice } from './waveNotice';

export type { ViewState };

/** What `activate()` returns: for tests and other extensions. */
export interface Planet4Api {
  /** The extension's version. */
  readonly version: string;
  /** The Production Pipelines tree's data provider. */
  readonly pipelines: PipelinesTreeProvider;
  readonly treeView: vscode.TreeView<PipelineNode>;
  readonly fleet: Fleet;
  readonly poller: Poller;
  readonly connection: Connection;
  /** The status bar count and the notifications shown. */
  readonly attention: Attention;
  /** The visual report panels' serializer, which restores a panel after a reload: for tests. */
  readonly reportPanels: vscode.WebviewPanelSerializer;
  /** The platform release as last read (the loader sets it; tests may too). */
  readonly platform: PlatformStore;
  /** The wave report panel (planet4.openWaveReport). */
  readonly waveReport: WaveReport;
  /** The notification when a platform release wave is over. */
  readonly waveNotice: WaveNotice;
  /** Why the view is empty, or 'ready'. */
  viewState(): ViewState;
  /** Starts the simulated Planet 4 in this extension host and points this window at it (no settings touched). */
  startSandbox(options?: SandboxOptions): Promise<Sandbox>;
  stopSandbox(): Promise<void>;
  readonly sandbox: Sandbox | undefined;
}

/** The composition root: builds the parts (`createServices`), registers the commands, paints the last known state. */
export async function activate(context: vscode.ExtensionContext): Promise<Planet4Api> {
  const t0 = Date.now();
  const version = String((context.extension.packageJSON as { version?: string }).version);
  const { services, view, attention } = await createServices(context);
  const { log, credentials, tree, treeView, fleet, poller, connection } = services;
  const sandbox = new SandboxController(services);
  const visualReport = registerOpenVisualReport(services);
  const waveReport = registerOpenWaveReport(services);
  const waveNotice = new WaveNotice(services.platform, context.globalState);
  context.subscriptions.push(
    log,
    credentials,
    tree,
    treeView,
    attention,
    sandbox,
    view,
    poller,
    ...registerRefresh(services, () => view.reloadSites()),
    ...registerCircleciToken(services),
    ...registerFilter(services, () => {
      view.updateMessage();
    }),
    ...registerOpenInBrowser(services),
    ...registerReleaseCommands(services),
    ...visualReport.disposables,
    ...waveReport.disposables,
    waveNotice,
    ...sandbox.register(),
    ...registerRevealSite(services),
    ...registerShowLog(services),
  );
  view.show();
  if (process.env.PLANET4_SANDBOX === '1') startSandboxFromEnvironment(sandbox, log);
  log.info(`Planet 4 Pipelines ${version} activated in ${Date.now() - t0} ms`);
  return {
    version,
    pipelines: tree,
    treeView,
    fleet,
    poller,
    connection,
    attention,
    reportPanels: visualReport.panels,
    platform: services.platform,
    waveReport: waveReport.report,
    waveNotice,
    viewState: () => view.viewState,
    startSandbox: (options) => sandbox.start(options),
    stopSandbox: () => sandbox.stop(),
    get sandbox() {
      return sandbox.sandbox;
    },
  };
}

/** `PLANET4_SANDBOX=1` (the "Try the Sandbox" launch): starts the sandbox in `PLANET4_SANDBOX_SCENARIO` (mixed). */
function startSandboxFromEnvironment(sandbox: SandboxController, log: vscode.LogOutputChannel): void {
  const scenario = (process.env.PLANET4_SANDBOX_SCENARIO as SandboxOptions['scenario']) ?? 'mixed';
  // the platform release waits on hold-release: approving it runs the whole wave on the sandbox's fast clock
  sandbox.start({ scenario, platformRelease: 'waiting' }).catch((e: unknown) => {
    log.error(`Sandbox: ${e instanceof Error ? e.message : String(e)}`);
  });
}

export function deactivate(): void {
  // everything is in context.subscriptions
}
