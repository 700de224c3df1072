import type * as vscode from 'vscode';
import type { Fleet, PersistedFleet } from '../core/fleet/fleet';

const KEY = 'planet4.fleet.v1';

/** The last known state of the fleet, in globalState, so the first paint after a reload needs no network. */
export class FleetStateStore {
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly state: vscode.Memento,
    private readonly fleet: Fleet,
  ) {}

  restore(scope: string): boolean {
    const saved = this.state.get<PersistedFleet & { scope?: string }>(KEY);
    if (saved?.scope !== scope) return false;
    return this.fleet.restore(saved);
  }

  /** Saves soon (coalesces bursts of changes). */
  scheduleSave(scope: string): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.state.update(KEY, { ...this.fleet.persist(), scope });
    }, 1000);
  }

  async flush(scope: string): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.state.update(KEY, { ...this.fleet.persist(), scope });
  }
}
