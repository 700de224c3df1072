import type { PlatformSnapshot, PlatformSource, Wave } from './types';

/**
 * The platform release as last read: the loader sets it, the tree, the wave report and the notifications read it.
 * Listeners are told after every `set` that changes something; a failing listener never stops the others.
 */
export class PlatformStore implements PlatformSource {
  private current: PlatformSnapshot = { state: 'loading' };
  private currentWave: Wave | undefined;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly onListenerError: (e: unknown) => void = () => undefined) {}

  snapshot(): PlatformSnapshot {
    return this.current;
  }

  wave(): Wave | undefined {
    return this.currentWave;
  }

  set(snapshot: PlatformSnapshot, wave: Wave | undefined): void {
    const changed = JSON.stringify([snapshot, wave]) !== JSON.stringify([this.current, this.currentWave]);
    this.current = snapshot;
    this.currentWave = wave;
    if (!changed) return;
    for (const l of this.listeners) {
      try {
        l();
      } catch (e) {
        this.onListenerError(e);
      }
    }
  }

  onDidChange(listener: () => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }
}
