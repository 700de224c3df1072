import * as vscode from 'vscode';
import { Attention } from './attention';
import { Credentials } from './auth/credentials';
import { registerCircleciToken } from './commands/circleciToken';
import { registerFilter } from './commands/filter';
import { registerOpenInBrowser } from './commands/openInBrowser';
import { registerRefresh } from './commands/refresh';
import { SandboxController } from './commands/sandbox';
import { registerReleaseCommands } from './commands/release';
import { settings, SettingsError } from './config';
import { Connection, NotSignedInError } from './connection';
import { ApiError } from './core/api/errors';
import { Fleet } from './core/fleet/fleet';
import { Poller } from './core/fleet/poller';
import { ActionGuard } from './core/release/guard';
import type { Sandbox, SandboxOptions } from './sandbox';
import type { Services } from './services';
import { FleetStateStore } from './store/fleetState';
import { fleetSummary, PipelinesTreeProvider } from './treeViews/pipelinesTree';
import { siteOf, type PipelineNode } from './treeViews/nodes';
import { registerOpenVisualReport } from './commands/openVisualReport';

/** Why the view shows a welcome message instead of sites (`planet4.state` context key). */
export type ViewState =
  | 'loading'
  | 'ready'
  | 'noGitHub'
  | 'noCircleToken'
  | 'circleciUnauthorized'
  | 'githubUnauthorized'
  | 'unreachable'
  | 'noSites'
  | 'invalidSettings';

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

/** A load that a restart replaced: it ends without touching the view. */
class Superseded extends Error {
  constructor() {
    super('A newer load of the site list replaced this one.');
  }
}

export async function activate(context: vscode.ExtensionContext): Promise<Planet4Api> {
  const t0 = Date.now();
  const log = vscode.window.createOutputChannel('Planet 4', { log: true });
  const credentials = new Credentials(context.secrets);
  await credentials.init();
  const connection = new Connection(credentials, log);
  /** The organization of the sites shown: the setting's value when it was last checked and found valid. */
  let organization = 'greenpeace';
  const currentOrganization = (): string => organization;
  const fleet = new Fleet({
    circleci: () => connection.circleci(),
    github: () => connection.github(),
    organization: currentOrganization,
    log,
  });
  const poller = new Poller({ fleet, fastMs: () => settings.fastPollMs(), slowMs: () => settings.slowPollMs(), log });
  const tree = new PipelinesTreeProvider(fleet, currentOrganization);
  const treeView = vscode.window.createTreeView('planet4.pipelines', {
    treeDataProvider: tree,
    showCollapseAll: true,
    canSelectMany: true,
  });
  const store = new FleetStateStore(context.globalState, fleet, log);
  const attention = new Attention(fleet, currentOrganization);
  const services: Services = {
    context,
    log,
    fleet,
    poller,
    credentials,
    connection,
    tree,
    treeView,
    guard: new ActionGuard(),
    circleci: () => connection.circleci(),
    github: () => connection.github(),
    organization: currentOrganization,
    confirmActions: () => settings.confirmActions(),
    whenReady: (site) => whenReady(site),
  };
  const sandbox = new SandboxController(services);
  context.subscriptions.push(log, credentials, tree, treeView, attention, sandbox, {
    dispose: () => {
      poller.dispose();
    },
  });

  // ---------------------------------------------------------------- view state
  let viewState: ViewState = 'loading';
  /** Why the settings cannot be used (state `invalidSettings`). */
  let settingsProblem: string | undefined;
  /** The endpoints and organization the saved state belongs to; undefined while a setting is invalid. */
  const scope = (): string | undefined => {
    try {
      return `${connection.githubApiUrl()}|${connection.circleciApiUrl()}|${settings.organization()}`;
    } catch {
      return undefined;
    }
  };
  /** Restores the last known state of this scope; a state that cannot be read is dropped, never thrown. */
  const restoreState = (): boolean => {
    const s = scope();
    if (s === undefined) return false;
    try {
      return store.restore(s);
    } catch (e) {
      log.warn(`The saved state could not be read and was dropped: ${e instanceof Error ? e.message : String(e)}`);
      store.clear();
      fleet.setSites([]);
      return false;
    }
  };
  const setViewState = (state: ViewState): void => {
    viewState = state;
    void vscode.commands.executeCommand('setContext', 'planet4.state', state);
    tree.setReady(state === 'ready' || state === 'loading');
    updateMessage();
    updatePolling();
  };
  const updateMessage = (): void => {
    const all = fleet.all();
    const summary = fleetSummary(all);
    const filtered =
      tree.filter === 'all' ? '' : ` — showing: ${tree.filter === 'attention' ? 'needs attention' : tree.filter}`;
    treeView.message =
      viewState === 'ready' || viewState === 'loading'
        ? `${summary}${filtered}` || undefined
        : viewState === 'invalidSettings'
          ? settingsProblem
          : undefined;
    const waiting = all.filter((s) => s.state === 'waiting').length;
    treeView.badge =
      waiting > 0
        ? { value: waiting, tooltip: `${waiting} site${waiting === 1 ? '' : 's'} waiting for approval` }
        : undefined;
  };
  context.subscriptions.push(
    fleet.onDidChange(() => {
      updateMessage();
      const s = scope();
      if (s !== undefined) store.scheduleSave(s);
    }),
  );
  context.subscriptions.push(
    fleet.onDidChangeConnection((c) => {
      if (c === 'circleci-unauthorized') setViewState('circleciUnauthorized');
      else if (c === 'github-unauthorized' && settings.sites().length === 0 && fleet.sites.length === 0)
        setViewState('githubUnauthorized');
      else if (c === 'unreachable') setViewState('unreachable');
      else if (c === 'ok' && viewState !== 'ready') setViewState(fleet.sites.length === 0 ? 'noSites' : 'ready');
    }),
  );

  /**
   * Each restart (new credentials, endpoints or organization) begins a new generation: what a load of an older
   * generation learns afterwards (a late 401 for the previous token…) must not change the view state.
   */
  let generation = 0;

  /** Reads the site list (settings, else sites.txt); sets the view state when that is not possible. */
  const reloadSites = async (): Promise<void> => {
    const gen = generation;
    try {
      connection.githubApiUrl();
      connection.circleciApiUrl();
      organization = settings.organization();
      settingsProblem = undefined;
    } catch (e) {
      if (e instanceof SettingsError) {
        settingsProblem = e.message;
        fleet.setSites([]);
        setViewState('invalidSettings');
      }
      throw e;
    }
    const invalid = settings.invalidSites();
    if (invalid.length > 0) {
      log.warn(`planet4.sites: not site names, left out: ${invalid.map((s) => JSON.stringify(s)).join(', ')}`);
    }
    if (!connection.hasCircleciToken()) {
      setViewState('noCircleToken');
      throw new NotSignedInError('circleci', 'No CircleCI token: run "Planet 4: Set CircleCI Token".');
    }
    try {
      const sites = await fleet.resolveSites(settings.sites());
      if (gen !== generation) throw new Superseded();
      fleet.setSites(sites);
      // A persistent 401 or outage keeps its welcome view; the next successful refresh moves the connection to 'ok'.
      const c = fleet.connection;
      setViewState(
        sites.length === 0
          ? 'noSites'
          : c === 'circleci-unauthorized'
            ? 'circleciUnauthorized'
            : c === 'unreachable'
              ? 'unreachable'
              : 'ready',
      );
    } catch (e) {
      if (e instanceof Superseded || gen !== generation) throw new Superseded();
      if (e instanceof NotSignedInError) setViewState('noGitHub');
      else if (e instanceof ApiError && e.kind === 'unauthorized') setViewState('githubUnauthorized');
      else if (e instanceof ApiError && e.isConnectivity) setViewState('unreachable');
      else if (e instanceof ApiError && e.kind === 'notFound') setViewState('noSites');
      throw e;
    }
  };

  let started: Promise<void> | undefined;
  /** Why the last first-load attempt failed (for commands waiting on it). */
  let notLoaded: Error | undefined;
  /**
   * The first load: site list, then every site. Later loads come from polling and Refresh. The load itself runs in
   * a later microtask, so `started` is set before anything it calls (view state, polling) can ask for it again.
   */
  const start = (): Promise<void> => {
    if (started) return started;
    const gen = generation;
    const load: Promise<void> = Promise.resolve().then(async () => {
      try {
        await reloadSites();
        if (gen !== generation) return;
        notLoaded = undefined;
        await fleet.refresh();
        if (gen !== generation) return;
        poller.markFullRefresh();
        attention.prime();
      } catch (e) {
        if (e instanceof Superseded || gen !== generation) return; // a newer load owns the view
        notLoaded = e instanceof Error ? e : new Error(String(e));
        log.warn(`Not loaded: ${notLoaded.message}`);
        if (started === load) started = undefined;
      }
    });
    started = load;
    return load;
  };
  const restart = (): void => {
    generation++;
    started = undefined;
    attention.unprime();
    fleet.setConnection('unknown');
    if (!restoreState()) fleet.setSites([]);
    setViewState('loading');
    void start();
  };

  /** See `Services.whenReady`. */
  const whenReady = async (site?: string): Promise<void> => {
    if (fleet.sites.length === 0 || viewState === 'loading') await start();
    if (fleet.sites.length === 0) {
      throw new Error(
        notLoaded?.message ?? 'No Planet 4 site is known yet: the site list could not be read (see the log).',
      );
    }
    if (site !== undefined && fleet.sites.includes(site)) {
      const snapshot = fleet.get(site);
      if (!snapshot || snapshot.stale === true || snapshot.state === 'loading') {
        await fleet.refresh({ sites: [site], github: false });
      }
    }
  };

  /** Polls only while the view is visible, the window focused and the view ready. */
  function updatePolling(): void {
    poller.setActive(treeView.visible && vscode.window.state.focused && viewState === 'ready');
  }
  /** …and loads on first sight. */
  function updateActivity(): void {
    updatePolling();
    if (treeView.visible) void start();
  }
  context.subscriptions.push(
    treeView.onDidChangeVisibility(updateActivity),
    vscode.window.onDidChangeWindowState(updateActivity),
    credentials.onDidChange(restart),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (
        e.affectsConfiguration('planet4.organization') ||
        e.affectsConfiguration('planet4.sites') ||
        e.affectsConfiguration('planet4.github.apiUrl') ||
        e.affectsConfiguration('planet4.circleci.apiUrl')
      ) {
        restart();
      }
    }),
  );

  // ---------------------------------------------------------------- commands
  const visualReport = registerOpenVisualReport(services);
  context.subscriptions.push(
    ...registerRefresh(services, async () => {
      await reloadSites();
    }),
    ...registerCircleciToken(services),
    ...registerFilter(services, updateMessage),
    ...registerOpenInBrowser(services),
    ...registerReleaseCommands(services),
    ...visualReport.disposables,
    ...sandbox.register(),
    vscode.commands.registerCommand('planet4.revealSite', async (arg: unknown) => {
      const site = siteOf(arg);
      if (!site) return;
      await vscode.commands.executeCommand('planet4.pipelines.focus');
      await treeView.reveal(tree.nodeFor(site), { select: true, focus: true, expand: true });
    }),
    vscode.commands.registerCommand('planet4.showLog', () => {
      log.show();
    }),
  );

  // ---------------------------------------------------------------- first paint from the last known state
  if (restoreState()) setViewState('ready');
  else setViewState('loading');
  updateActivity();

  if (process.env.PLANET4_SANDBOX === '1') {
    void sandbox
      .start({ scenario: (process.env.PLANET4_SANDBOX_SCENARIO as SandboxOptions['scenario']) ?? 'mixed' })
      .catch((e: unknown) => {
        log.error(`Sandbox: ${e instanceof Error ? e.message : String(e)}`);
      });
  }
  log.info(
    `Planet 4 Pipelines ${String((context.extension.packageJSON as { version?: string }).version)} activated in ${Date.now() - t0} ms`,
  );

  return {
    version: String((context.extension.packageJSON as { version?: string }).version),
    pipelines: tree,
    treeView,
    fleet,
    poller,
    connection,
    attention,
    reportPanels: visualReport.panels,
    viewState: () => viewState,
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
