import type * as vscode from 'vscode';
import type { Fleet } from '../core/fleet/fleet';
import type { PersistedFleet } from '../core/fleet/persistence';

const KEY = 'planet4.fleet.v1';

/**
 * The last known state of the fleet, in globalState, so the first paint after a reload needs no network. What is
 * read back is checked by `Fleet.restore`; a write that fails is logged, never left unhandled.
 */
export class FleetStateStore {
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly state: vscode.Memento,
    private readonly fleet: Fleet,
    private readonly log: Pick<vscode.LogOutputChannel, 'warn'>,
  ) {}

  /** Restores the state saved for `scope`; throws when it exists but cannot be read (the caller drops it). */
  restore(scope: string): boolean {
    const saved = this.state.get<unknown>(KEY);
    if (typeof saved !== 'object' || saved === null || (saved as { scope?: unknown }).scope !== scope) return false;
    return this.fleet.restore(saved);
  }

  /** Forgets the saved state. */
  clear(): void {
    this.write(undefined);
  }

  /** Saves soon (coalesces bursts of changes). */
  scheduleSave(scope: string): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.write({ ...this.fleet.persist(), scope });
    }, 1000);
  }

  async flush(scope: string): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.state.update(KEY, { ...this.fleet.persist(), scope });
  }

  private write(value: (PersistedFleet & { scope: string }) | undefined): void {
    this.state.update(KEY, value).then(undefined, (e: unknown) => {
      this.log.warn(`The fleet state could not be saved: ${e instanceof Error ? e.message : String(e)}`);
    });
  }
}
