import type { SiteSnapshot } from './types';

/** Whether the services answer: what the view's welcome states are made of. */
export type Connection = 'unknown' | 'ok' | 'unreachable' | 'circleci-unauthorized' | 'github-unauthorized';

/** The connection, and who listens to its changes. */
export class ConnectionState {
  private value: Connection = 'unknown';
  private readonly listeners = new Set<(c: Connection) => void>();

  get current(): Connection {
    return this.value;
  }

  set(c: Connection): void {
    if (c === this.value) return;
    this.value = c;
    for (const l of this.listeners) l(c);
  }

  onDidChange(listener: (c: Connection) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }
}

/**
 * The connection after a stage refresh of some sites (their snapshots), or undefined when it stays: a 401 from
 * CircleCI on any site, else no site reached, else 'ok' — except that a GitHub 401 is only cleared when every site
 * of the fleet was refreshed (`wholeFleet`).
 */
export function connectionAfterRefresh(
  snapshots: readonly SiteSnapshot[],
  current: Connection,
  wholeFleet: boolean,
): Connection | undefined {
  if (snapshots.length === 0) return undefined;
  if (snapshots.some((s) => s.error?.kind === 'unauthorized' && s.error.service === 'CircleCI')) {
    return 'circleci-unauthorized';
  }
  if (snapshots.every((s) => s.error?.kind === 'network' || s.error?.kind === 'timeout')) return 'unreachable';
  if (current !== 'github-unauthorized' || wholeFleet) return 'ok';
  return undefined;
}
