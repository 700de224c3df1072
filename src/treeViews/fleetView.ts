import * as vscode from 'vscode';
import type { Attention } from '../attention';
import type { Credentials } from '../auth/credentials';
import { settings, SettingsError } from '../config';
import { NotSignedInError, type Connection } from '../connection';
import { ApiError } from '../core/api/errors';
import type { Fleet } from '../core/fleet/fleet';
import type { Poller } from '../core/fleet/poller';
import type { FleetStateStore } from '../store/fleetState';
import type { SiteFilter } from './filter';
import type { PipelineNode } from './nodes';
import { fleetSummary } from './labels';
import type { PipelinesTreeProvider } from './pipelinesTree';
import type { PlatformSource } from '../core/platform/types';
import { waveLive } from '../core/platform/waveView';
import { needWords } from './platformTree';

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

export interface FleetViewParts {
  credentials: Credentials;
  fleet: Fleet;
  poller: Poller;
  tree: PipelinesTreeProvider;
  treeView: vscode.TreeView<PipelineNode>;
  store: FleetStateStore;
  attention: Attention;
  connection: Connection;
  log: vscode.LogOutputChannel;
  /** The platform release: while its wave is live, the message counts the wave. */
  platform?: PlatformSource;
}

/** Settings whose change starts the view over (site list, endpoints, organization). */
const RESTARTING_SETTINGS = ['organization', 'sites', 'github.apiUrl', 'circleci.apiUrl'].map((k) => `planet4.${k}`);

/** The filter in the view message (`— showing: needs attention`). */
function filterWords(filter: SiteFilter): string {
  switch (filter) {
    case 'attention':
      return vscode.l10n.t('needs attention');
    case 'running':
      return vscode.l10n.t('running');
    case 'failed':
      return vscode.l10n.t('failed');
    case 'all':
      return vscode.l10n.t('all');
  }
}

/** A load that a restart replaced: it ends without touching the view. */
class Superseded extends Error {
  constructor() {
    super(vscode.l10n.t('A newer load of the site list replaced this one.'));
  }
}

/**
 * The Production Pipelines view's life: which welcome state it shows (`ViewState`), its message and badge, the first
 * load (site list, then every site) and every restart when the credentials, endpoints, organization or site list
 * change, and
 * when polling runs (view visible, window focused, view ready).
 */
export class FleetView implements vscode.Disposable {
  private state: ViewState = 'loading';
  /** Why the settings cannot be used (state `invalidSettings`). */
  private settingsProblem: string | undefined;
  /** The organization of the sites shown: the setting's value when it was last checked and found valid. */
  private org = 'greenpeace';
  /**
   * Each restart begins a new generation: what a load of an older generation learns afterwards (a late 401 for the
   * previous token…) must not change the view state.
   */
  private generation = 0;
  private started: Promise<void> | undefined;
  /** Why the last first-load attempt failed (for commands waiting on it). */
  private notLoaded: Error | undefined;
  private readonly disposables: { dispose(): unknown }[];

  constructor(private readonly parts: FleetViewParts) {
    const { credentials, fleet, treeView, store } = parts;
    this.disposables = [
      credentials.onDidChange(() => {
        this.restart();
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (RESTARTING_SETTINGS.some((k) => e.affectsConfiguration(k))) this.restart();
      }),
      fleet.onDidChange(() => {
        this.updateMessage();
        const s = this.scope();
        if (s !== undefined) store.scheduleSave(s);
      }),
      fleet.onDidChangeConnection((c) => {
        if (c === 'circleci-unauthorized') this.setState('circleciUnauthorized');
        else if (c === 'github-unauthorized' && settings.sites().length === 0 && fleet.sites.length === 0)
          this.setState('githubUnauthorized');
        else if (c === 'unreachable') this.setState('unreachable');
        else if (c === 'ok' && this.state !== 'ready') this.setState(fleet.sites.length === 0 ? 'noSites' : 'ready');
      }),
      parts.platform?.onDidChange(() => {
        this.updateMessage();
      }) ?? { dispose: () => undefined },
      treeView.onDidChangeVisibility(() => {
        this.updateActivity();
      }),
      vscode.window.onDidChangeWindowState(() => {
        this.updateActivity();
      }),
    ];
  }

  get viewState(): ViewState {
    return this.state;
  }

  /** The organization of the sites shown. */
  readonly organization = (): string => this.org;

  /** The first paint from the last known state, then the first load once the view is seen. */
  show(): void {
    this.setState(this.restoreState() ? 'ready' : 'loading');
    this.updateActivity();
  }

  /** Starts over: new credentials, endpoints, organization or site list. */
  restart(): void {
    this.generation++;
    this.started = undefined;
    this.parts.attention.unprime();
    this.parts.poller.forgetWatches();
    this.parts.fleet.setConnection('unknown');
    if (!this.restoreState()) this.parts.fleet.setSites([]);
    this.setState('loading');
    void this.start();
  }

  /** See `Services.whenReady`. */
  async whenReady(site?: string): Promise<void> {
    const { fleet } = this.parts;
    if (fleet.sites.length === 0 || this.state === 'loading') await this.start();
    if (fleet.sites.length === 0) {
      throw new Error(
        this.notLoaded?.message ??
          vscode.l10n.t('No Planet 4 site is known yet: the site list could not be read (see the log).'),
      );
    }
    if (site !== undefined && fleet.sites.includes(site)) {
      const snapshot = fleet.get(site);
      if (!snapshot || snapshot.stale === true || snapshot.state === 'loading') {
        await fleet.refresh({ sites: [site], github: false });
      }
    }
  }

  /** Reads the site list (settings, else sites.txt); sets the view state when that is not possible. */
  async reloadSites(): Promise<void> {
    const { fleet, connection, log } = this.parts;
    const gen = this.generation;
    try {
      connection.githubApiUrl();
      connection.circleciApiUrl();
      this.org = settings.organization();
      this.settingsProblem = undefined;
    } catch (e) {
      if (e instanceof SettingsError) {
        this.settingsProblem = e.message;
        fleet.setSites([]);
        this.setState('invalidSettings');
      }
      throw e;
    }
    const invalid = settings.invalidSites();
    if (invalid.length > 0) {
      log.warn(`planet4.sites: not site names, left out: ${invalid.map((s) => JSON.stringify(s)).join(', ')}`);
    }
    if (!connection.hasCircleciToken()) {
      this.setState('noCircleToken');
      throw new NotSignedInError('circleci', vscode.l10n.t('No CircleCI token: run "Planet 4: Set CircleCI Token".'));
    }
    try {
      const sites = await fleet.resolveSites(settings.sites());
      if (gen !== this.generation) throw new Superseded();
      fleet.setSites(sites);
      // A persistent 401 or outage keeps its welcome view; the next successful refresh moves the connection to 'ok'.
      const c = fleet.connection;
      this.setState(
        sites.length === 0
          ? 'noSites'
          : c === 'circleci-unauthorized'
            ? 'circleciUnauthorized'
            : c === 'unreachable'
              ? 'unreachable'
              : 'ready',
      );
    } catch (e) {
      if (e instanceof Superseded || gen !== this.generation) throw new Superseded();
      if (e instanceof NotSignedInError) this.setState('noGitHub');
      else if (e instanceof ApiError && e.kind === 'unauthorized') this.setState('githubUnauthorized');
      else if (e instanceof ApiError && e.isConnectivity) this.setState('unreachable');
      else if (e instanceof ApiError && e.kind === 'notFound') this.setState('noSites');
      throw e;
    }
  }

  /** The view message (fleet counts, the filter, or why a setting cannot be used) and the badge. */
  updateMessage(): void {
    const { fleet, tree, treeView } = this.parts;
    const all = fleet.all();
    const summary = this.waveSummary() ?? fleetSummary(all);
    const filtered = tree.filter === 'all' ? '' : ' — ' + vscode.l10n.t('showing: {0}', filterWords(tree.filter));
    treeView.message =
      this.state === 'ready' || this.state === 'loading'
        ? `${summary}${filtered}` || undefined
        : this.state === 'invalidSettings'
          ? this.settingsProblem
          : undefined;
    const waiting = all.filter((s) => s.state === 'waiting').length;
    treeView.badge =
      waiting > 0
        ? {
            value: waiting,
            tooltip:
              waiting === 1
                ? vscode.l10n.t('{0} site waiting for approval', waiting)
                : vscode.l10n.t('{0} sites waiting for approval', waiting),
          }
        : undefined;
  }

  /** `Wave v26.17.0: 4 sites need a person · 31 of 53 tagged` while a wave is live; undefined otherwise. */
  private waveSummary(): string | undefined {
    const platform = this.parts.platform;
    const wave = platform?.wave();
    if (!platform || !wave || !waveLive(platform.snapshot(), wave)) return undefined;
    return vscode.l10n.t(
      'Wave {0}: {1} · {2} of {3} tagged',
      wave.baseTag,
      needWords(wave.needPerson),
      wave.tagged,
      wave.total,
    );
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }

  /**
   * The first load: site list, then every site. Later loads come from polling and Refresh. The load itself runs in
   * a later microtask, so `started` is set before anything it calls (view state, polling) can ask for it again.
   */
  private start(): Promise<void> {
    if (this.started) return this.started;
    const { fleet, poller, attention, log } = this.parts;
    const gen = this.generation;
    const load: Promise<void> = Promise.resolve().then(async () => {
      try {
        await this.reloadSites();
        if (gen !== this.generation) return;
        this.notLoaded = undefined;
        await fleet.refresh();
        if (gen !== this.generation) return;
        poller.markFullRefresh();
        attention.prime();
      } catch (e) {
        if (e instanceof Superseded || gen !== this.generation) return; // a newer load owns the view
        this.notLoaded = e instanceof Error ? e : new Error(String(e));
        log.warn(`Not loaded: ${this.notLoaded.message}`);
        if (this.started === load) this.started = undefined;
      }
    });
    this.started = load;
    return load;
  }

  private setState(state: ViewState): void {
    this.state = state;
    void vscode.commands.executeCommand('setContext', 'planet4.state', state);
    this.parts.tree.setReady(state === 'ready' || state === 'loading');
    this.updateMessage();
    this.updatePolling();
  }

  /**
   * Polls while the view is visible in a focused window and ready; once loaded, keeps a slow watch on the live sites
   * while the window is unfocused or the view hidden (the attention notifications still fire).
   */
  private updatePolling(): void {
    const { poller, treeView } = this.parts;
    if (this.state !== 'ready') poller.setMode('paused');
    else if (treeView.visible && vscode.window.state.focused) poller.setMode('active');
    else poller.setMode(this.started && !this.notLoaded ? 'background' : 'paused');
  }

  /** …and loads on first sight. */
  private updateActivity(): void {
    this.updatePolling();
    if (this.parts.treeView.visible) void this.start();
  }

  /** The endpoints and organization the saved state belongs to; undefined while a setting is invalid. */
  private scope(): string | undefined {
    try {
      return `${this.parts.connection.githubApiUrl()}|${this.parts.connection.circleciApiUrl()}|${settings.organization()}`;
    } catch {
      return undefined;
    }
  }

  /** Restores the last known state of this scope; a state that cannot be read is dropped, never thrown. */
  private restoreState(): boolean {
    const s = this.scope();
    if (s === undefined) return false;
    try {
      return this.parts.store.restore(s);
    } catch (e) {
      this.parts.log.warn(
        `The saved state could not be read and was dropped: ${e instanceof Error ? e.message : String(e)}`,
      );
      this.parts.store.clear();
      this.parts.fleet.setSites([]);
      return false;
    }
  }
}
