import * as vscode from 'vscode';
import { settings } from './config';
import type { PlatformSource } from './core/platform/types';
import { waveFinished } from './core/platform/waveView';

/** globalState key: the base tags whose wave was already told of (the last 20). */
const NOTIFIED_KEY = 'planet4.waveNotified';
/** A wave never seen running in this window is still news this long after release-sites stopped. */
const RECENT_MS = 60 * 60_000;

/**
 * The notification when a platform release wave is over: release-sites has stopped and no tagged site's release
 * still runs, so every outcome is one a person can act on — "Platform release v26.17.0: 53 sites tagged, 4 need a
 * person" with "Open Wave Report". Once per wave (its base tag is remembered across windows and reloads); a wave
 * that ended long before this window saw it is not news.
 */
export class WaveNotice implements vscode.Disposable {
  private readonly subscription: { dispose(): void };
  /** Base tags seen unfinished in this window. */
  private readonly seenLive = new Set<string>();
  /** The notifications shown, newest last: for tests. */
  readonly shown: { baseTag: string; message: string }[] = [];

  constructor(
    private readonly platform: PlatformSource,
    private readonly state: vscode.Memento,
    private readonly now: () => number = Date.now,
  ) {
    this.subscription = platform.onDidChange(() => {
      this.update();
    });
  }

  private update(): void {
    const snapshot = this.platform.snapshot();
    const wave = this.platform.wave();
    if (!wave) return;
    if (!waveFinished(snapshot, wave)) {
      this.seenLive.add(wave.baseTag);
      return;
    }
    const notified = this.state.get<string[]>(NOTIFIED_KEY, []);
    if (notified.includes(wave.baseTag)) return;
    const ended = Date.parse(wave.finishedAt ?? '');
    const recent = Number.isFinite(ended) && this.now() - ended < RECENT_MS;
    if (!this.seenLive.has(wave.baseTag) && !recent) return;
    void this.state.update(NOTIFIED_KEY, [...notified, wave.baseTag].slice(-20));
    if (!settings.notifications()) return;
    const message =
      wave.needPerson === 1
        ? vscode.l10n.t('Platform release {0}: {1} sites tagged, 1 needs a person.', wave.baseTag, wave.tagged)
        : vscode.l10n.t(
            'Platform release {0}: {1} sites tagged, {2} need a person.',
            wave.baseTag,
            wave.tagged,
            wave.needPerson,
          );
    this.shown.push({ baseTag: wave.baseTag, message });
    if (this.shown.length > 20) this.shown.shift();
    const open = vscode.l10n.t('Open Wave Report');
    const show = wave.needPerson > 0 ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    void show(message, open).then(async (choice) => {
      if (choice === open) await vscode.commands.executeCommand('planet4.openWaveReport');
    });
  }

  dispose(): void {
    this.subscription.dispose();
  }
}
