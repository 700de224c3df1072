import type * as vscode from 'vscode';
import type { CircleCiClient } from './core/api/circleci/client';
import type { GitHubClient } from './core/api/github/client';
import type { Fleet } from './core/fleet/fleet';
import type { Poller } from './core/fleet/poller';
import type { Credentials } from './auth/credentials';
import type { Connection } from './connection';
import type { PipelinesTreeProvider } from './treeViews/pipelinesTree';
import type { PipelineNode } from './treeViews/nodes';
import type { ActionGuard } from './core/release/guard';

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
