import * as vscode from 'vscode';
import { Attention } from './attention';
import { Credentials } from './auth/credentials';
import { registerCircleciToken } from './commands/circleciToken';
import { registerFilter } from './commands/filter';
import { registerOpenInBrowser } from './commands/openInBrowser';
import { registerOpenVisualReport } from './commands/openVisualReport';
import { registerRefresh } from './commands/refresh';
import { registerReleaseCommands } from './commands/release';
import { registerRevealSite } from './commands/revealSite';
import { SandboxController } from './commands/sandbox';
import { registerShowLog } from './commands/showLog';
import { settings } from './config';
import { Connection } from './connection';
import { Fleet } from './core/fleet/fleet';
import { Poller } from './core/fleet/poller';
import { ActionGuard } from './core/release/guard';
import type { Sandbox, SandboxOptions } from './sandbox';
import type { Services } from './services';
import { FleetStateStore } from './store/fleetState';
import { FleetView, type ViewState } from './treeViews/fleetView';
import type { PipelineNode } from './treeViews/nodes';
import { PipelinesTreeProvider } from './treeViews/pipelinesTree';

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
  /** Why the view is empty, or 'ready'. */
  viewState(): ViewState;
  /** Starts the simulated Planet 4 in this extension host and points this window at it (no settings touched). */
  startSandbox(options?: SandboxOptions): Promise<Sandbox>;
  stopSandbox(): Promise<void>;
  readonly sandbox: Sandbox | undefined;
}

/** Settings whose change starts the view over (site list, endpoints, organization). */
const RESTARTING_SETTINGS = ['organization', 'sites', 'github.apiUrl', 'circleci.apiUrl'].map((k) => `planet4.${k}`);

/** The composition root: builds the parts, wires them and their commands, paints the last known state. */
export async function activate(context: vscode.ExtensionContext): Promise<Planet4Api> {
  const t0 = Date.now();
  const version = String((context.extension.packageJSON as { version?: string }).version);
  const log = vscode.window.createOutputChannel('Planet 4', { log: true });
  const credentials = new Credentials(context.secrets);
  await credentials.init();
  const connection = new Connection(credentials, log);
  const organization = (): string => view.organization();
  const fleet = new Fleet({
    circleci: () => connection.circleci(),
    github: () => connection.github(),
    organization,
    log,
  });
  const poller = new Poller({ fleet, fastMs: () => settings.fastPollMs(), slowMs: () => settings.slowPollMs(), log });
  const tree = new PipelinesTreeProvider(fleet, organization);
  const treeView = vscode.window.createTreeView('planet4.pipelines', {
    treeDataProvider: tree,
    showCollapseAll: true,
    canSelectMany: true,
  });
  const store = new FleetStateStore(context.globalState, fleet, log);
  const attention = new Attention(fleet, organization);
  const view: FleetView = new FleetView({ fleet, poller, tree, treeView, store, attention, connection, log });
  const services: Services = {
    context,
    log,
    fleet,
    poller,
    credentials,
    connection,
    tree,
    treeView,
    organization,
    guard: new ActionGuard(),
    circleci: () => connection.circleci(),
    github: () => connection.github(),
    confirmActions: () => settings.confirmActions(),
    whenReady: (site) => view.whenReady(site),
  };
  const sandbox = new SandboxController(services);
  const visualReport = registerOpenVisualReport(services);
  context.subscriptions.push(
    log,
    credentials,
    tree,
    treeView,
    attention,
    sandbox,
    view,
    poller,
    credentials.onDidChange(() => {
      view.restart();
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (RESTARTING_SETTINGS.some((k) => e.affectsConfiguration(k))) view.restart();
    }),
    ...registerRefresh(services, () => view.reloadSites()),
    ...registerCircleciToken(services),
    ...registerFilter(services, () => {
      view.updateMessage();
    }),
    ...registerOpenInBrowser(services),
    ...registerReleaseCommands(services),
    ...visualReport.disposables,
    ...sandbox.register(),
    ...registerRevealSite(services),
    ...registerShowLog(services),
  );
  view.show();
  if (process.env.PLANET4_SANDBOX === '1') {
    const scenario = (process.env.PLANET4_SANDBOX_SCENARIO as SandboxOptions['scenario']) ?? 'mixed';
    sandbox.start({ scenario }).catch((e: unknown) => {
      log.error(`Sandbox: ${e instanceof Error ? e.message : String(e)}`);
    });
  }
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
    viewState: () => view.viewState,
    startSandbox: (options) => sandbox.start(options),
    stopSandbox: () => sandbox.stop(),
    get sandbox() {
      return sandbox.sandbox;
    },
  };
}

export function deactivate(): void {
  // everything is in context.subscriptions
}
