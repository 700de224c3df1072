import * as vscode from 'vscode';
import type { Fleet } from './core/fleet/fleet';
import type { SiteSnapshot } from './core/fleet/types';
import { HOLD_REASON_TEXT } from './core/release/hold';
import { circleciPipelineUrl } from './links';
import { settings } from './config';

/** The notifications' buttons; the chosen label is compared with these. */
const SHOW = (): string => vscode.l10n.t('Show');
const OPEN_IN_CIRCLECI = (): string => vscode.l10n.t('Open in CircleCI');

/**
 * The status bar count of sites waiting for approval or failed (click: focus the view), and a notification when a
 * site newly needs approval or its production deploy fails.
 */
export class Attention implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('planet4.attention', vscode.StatusBarAlignment.Left, 50);
  private readonly known = new Map<string, string>();
  private readonly subscription: { dispose(): void };
  private primed = false;
  /** The notifications shown, newest last (the last 20): for tests and other extensions. */
  readonly shown: { site: string; message: string; kind: 'waiting' | 'failed' | 'buried' }[] = [];
  /** The buried `[HOLD]` commit already told of, per site. */
  private readonly buried = new Map<string, string>();

  constructor(
    private readonly fleet: Fleet,
    private readonly organization: () => string,
  ) {
    this.item.name = vscode.l10n.t('Planet 4: sites needing attention');
    this.item.command = 'planet4.pipelines.focus';
    this.subscription = fleet.onDidChange((sites) => {
      this.update(sites);
    });
  }

  /** Another fleet (new endpoints or credentials): nothing is news until its first full refresh. */
  unprime(): void {
    this.primed = false;
    this.known.clear();
    this.buried.clear();
  }

  /** After the first full refresh, changes are news; before it (restored state) they are not. */
  prime(): void {
    for (const s of this.fleet.all()) {
      this.known.set(s.site, this.key(s));
      this.buried.set(s.site, s.next?.buriedHold?.sha ?? '');
    }
    this.primed = true;
  }

  private key(s: SiteSnapshot): string {
    return `${s.state}:${s.pipeline?.id ?? ''}`;
  }

  private update(changed: string[]): void {
    const all = this.fleet.all();
    const waiting = all.filter((s) => s.state === 'waiting').length;
    const failed = all.filter((s) => s.state === 'failed').length;
    if (waiting + failed === 0) {
      this.item.hide();
    } else {
      this.item.text = `$(debug-pause) ${waiting} $(error) ${failed}`;
      this.item.tooltip =
        waiting === 1
          ? vscode.l10n.t('Planet 4: {0} site waiting for approval, {1} failed', waiting, failed)
          : vscode.l10n.t('Planet 4: {0} sites waiting for approval, {1} failed', waiting, failed);
      this.item.backgroundColor =
        failed > 0
          ? new vscode.ThemeColor('statusBarItem.errorBackground')
          : new vscode.ThemeColor('statusBarItem.warningBackground');
      this.item.accessibilityInformation = { label: this.item.tooltip };
      this.item.show();
    }
    if (!this.primed) return;
    for (const site of changed) {
      const s = this.fleet.get(site);
      if (!s || s.stale) continue;
      this.tellBuried(s);
      const key = this.key(s);
      const before = this.known.get(site);
      this.known.set(site, key);
      if (before === key) continue;
      const release = s.pipeline?.tag ?? vscode.l10n.t('the release');
      if (s.state === 'waiting')
        this.notify(
          s,
          s.hold
            ? vscode.l10n.t('{0}: {1} is waiting for approval ({2}).', s.site, release, HOLD_REASON_TEXT[s.hold])
            : vscode.l10n.t('{0}: {1} is waiting for approval.', s.site, release),
          false,
        );
      else if (s.state === 'failed') this.notify(s, failedMessage(s, release), true);
    }
  }

  /** A `[HOLD]` commit on main newly buried (e.g. by the bot's trigger commit): the next tag will not wait. */
  private tellBuried(s: SiteSnapshot): void {
    const b = s.next?.buriedHold;
    const before = this.buried.get(s.site) ?? '';
    this.buried.set(s.site, b?.sha ?? '');
    if (!b || b.sha === before || !settings.notifications()) return;
    const message = vscode.l10n.t(
      '{0}: the [HOLD] commit {1} on main is no longer HEAD — buried by "{2}". The next release tag will not wait: it deploys to production automatically. Tag with [HOLD] to hold a release.',
      s.site,
      b.sha.slice(0, 7),
      b.buriedBy,
    );
    this.shown.push({ site: s.site, message, kind: 'buried' });
    if (this.shown.length > 20) this.shown.shift();
    const show = vscode.l10n.t('Show');
    void vscode.window.showWarningMessage(message, show).then(async (choice) => {
      if (choice === show) await vscode.commands.executeCommand('planet4.revealSite', { site: s.site });
    });
  }

  /** The status bar item's text, or undefined while hidden (nothing needs a person). */
  get statusText(): string | undefined {
    const all = this.fleet.all();
    return all.some((s) => s.state === 'waiting' || s.state === 'failed') ? this.item.text : undefined;
  }

  private notify(s: SiteSnapshot, message: string, error: boolean): void {
    if (!settings.notifications()) return;
    this.shown.push({ site: s.site, message, kind: error ? 'failed' : 'waiting' });
    if (this.shown.length > 20) this.shown.shift();
    const show = error ? vscode.window.showErrorMessage : vscode.window.showWarningMessage;
    void show(message, SHOW(), OPEN_IN_CIRCLECI()).then(async (choice) => {
      if (choice === SHOW()) await vscode.commands.executeCommand('planet4.revealSite', { site: s.site });
      if (choice === OPEN_IN_CIRCLECI() && s.pipeline) {
        await vscode.env.openExternal(
          vscode.Uri.parse(circleciPipelineUrl(this.organization(), s.site, s.pipeline.number)),
        );
      }
    });
  }

  dispose(): void {
    this.subscription.dispose();
    this.item.dispose();
  }
}

/** `africa: v1.2.3 failed in deploy-production.` */
function failedMessage(s: SiteSnapshot, release: string): string {
  const f = s.stages.find((st) => st.status === 'failed');
  return f
    ? vscode.l10n.t('{0}: {1} failed in {2}.', s.site, release, f.name)
    : vscode.l10n.t('{0}: {1} failed.', s.site, release);
}
