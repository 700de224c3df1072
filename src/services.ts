import * as vscode from 'vscode';
import { Attention } from './attention';
import { Credentials } from './auth/credentials';
import { settings } from './config';
import { Connection } from './connection';
import type { CircleCiClient } from './core/api/circleci/client';
import type { GitHubClient } from './core/api/github/client';
import { Fleet } from './core/fleet/fleet';
import { Poller } from './core/fleet/poller';
import { PlatformReader } from './core/platform/reader';
import { PlatformStore } from './core/platform/store';
import { followWave } from './core/platform/wave';
import { ActionGuard } from './core/release/guard';
import { FleetStateStore } from './store/fleetState';
import { FleetView } from './treeViews/fleetView';
import type { PipelineNode } from './treeViews/nodes';
import { PipelinesTreeProvider } from './treeViews/pipelinesTree';

/**
 * What the VS Code shell's parts (commands, tree, webviews) share. Built once in `activate()`; clients are
 * re-created when the endpoints or credentials change, so always ask for them at the time of use.
 */
export interface Services {
  readonly context: vscode.ExtensionContext;
  readonly log: vscode.LogOutputChannel;
  readonly fleet: Fleet;
  readonly poller: Poller;
  readonly credentials: Credentials;
  readonly connection: Connection;
  readonly tree: PipelinesTreeProvider;
  readonly treeView: vscode.TreeView<PipelineNode>;
  /** Refuses a second run of the same action on the same site while one is in flight. */
  readonly guard: ActionGuard;
  /** The platform release (planet4-base's release wave), as last read. */
  readonly platform: PlatformStore;
  /** Reads planet4-base into `platform` (the poller calls it with the fleet; commands after an approval). */
  readonly platformReader: PlatformReader;
  /** The CircleCI client for the current endpoint and token; throws a user-facing Error when there is no token. */
  circleci(): CircleCiClient;
  /** The GitHub client for the current endpoint and session; throws a user-facing Error when not signed in. */
  github(): Promise<GitHubClient>;
  /** `planet4.organization`. */
  organization(): string;
  /** `planet4.confirmActions`. */
  confirmActions(): boolean;
  /**
   * Resolves once the site list is loaded (starting the first load when it has not started: a command may run right
   * after activation, before the view was ever shown) and, with `site`, once that site has a fresh snapshot (loading
   * it when it has none or only the restored one). Rejects with the reason when no site list can be loaded.
   */
  whenReady(site?: string): Promise<void>;
}

/** The shell's parts as `createServices` builds them: what commands share, the view's life, the status bar. */
export interface Parts {
  readonly services: Services;
  readonly view: FleetView;
  readonly attention: Attention;
}

/**
 * The composition: the credentials, the clients, the fleet and its poller, the tree and its view, the saved state and
 * the attention surface, built once and wired to each other (nothing is loaded yet: `FleetView.show()` starts).
 */
export async function createServices(context: vscode.ExtensionContext): Promise<Parts> {
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
  const platform = new PlatformStore((e) => {
    log.error(`platform listener failed: ${String(e)}`);
  });
  const platformReader = new PlatformReader({
    circleci: () => connection.circleci(),
    organization,
    fleet,
    store: platform,
    log,
  });
  context.subscriptions.push(platformReader);
  const poller = new Poller({
    fleet,
    fastMs: () => settings.fastPollMs(),
    slowMs: () => settings.slowPollMs(),
    log,
    platform: platformReader,
  });
  context.subscriptions.push(followWave(platform, poller)); // the sites release-sites tags next, watched
  const tree = new PipelinesTreeProvider(fleet, organization, platform);
  const treeView = vscode.window.createTreeView('planet4.pipelines', {
    treeDataProvider: tree,
    showCollapseAll: true,
    canSelectMany: true,
  });
  const store = new FleetStateStore(context.globalState, fleet, log);
  const attention = new Attention(fleet, organization);
  const view: FleetView = new FleetView({
    credentials,
    fleet,
    poller,
    tree,
    treeView,
    store,
    attention,
    connection,
    log,
    platform,
  });
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
    platform,
    platformReader,
    circleci: () => connection.circleci(),
    github: () => connection.github(),
    confirmActions: () => settings.confirmActions(),
    whenReady: (site) => view.whenReady(site),
  };
  return { services, view, attention };
}
