import type { CircleCiClient } from '../api/circleci/client';
import { ApiError } from '../api/errors';
import type { Fleet } from '../fleet/fleet';
import { silentLogger, type Logger } from '../util/logger';
import { PlatformLoader } from './loader';
import type { PlatformStore } from './store';
import type { PlatformSnapshot } from './types';
import { computeWave, platformLive, WAVE_CATCH_UP_MS } from './wave';

export interface PlatformReaderOptions {
  circleci: () => CircleCiClient;
  organization: () => string;
  fleet: Pick<Fleet, 'all' | 'sites' | 'onDidChange'>;
  store: PlatformStore;
  log?: Logger;
  now?: () => number;
}

/**
 * Feeds the platform store: reads planet4-base with the fleet (the poller calls `refresh` on its cycles: every fast
 * cycle while `live()`, every slow cycle otherwise) and recomputes the wave, without a request, whenever a site's
 * snapshot changes. planet4-base is never one of the fleet's sites.
 */
export class PlatformReader {
  private readonly loader: PlatformLoader;
  private readonly log: Logger;
  private readonly now: () => number;
  private inFlight: Promise<void> | undefined;
  private readonly subscription: { dispose(): void };

  constructor(private readonly options: PlatformReaderOptions) {
    this.log = options.log ?? silentLogger;
    this.now = options.now ?? Date.now;
    this.loader = new PlatformLoader({
      circleci: options.circleci,
      organization: options.organization,
      log: this.log,
      now: this.now,
    });
    this.subscription = options.fleet.onDidChange((sites) => {
      // a new site list (first load, another endpoint or organization): base is read with it
      if (sites.length === 0 && options.fleet.sites.length > 0) void this.refresh({ full: true });
      else this.publish(options.store.snapshot());
    });
  }

  /** Base's release is live: the poller reads it on the fast cycle. */
  live(): boolean {
    return platformLive(this.options.store.snapshot());
  }

  /** Reads base again (a read in flight is shared); `full` on the slow cycle. A failure is kept in the snapshot. */
  refresh(options: { full?: boolean } = {}): Promise<void> {
    this.inFlight ??= this.read(options).finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  /** After an approval sent from here: the next read reads the workflows' jobs again. */
  invalidate(): void {
    this.loader.invalidate();
  }

  dispose(): void {
    this.subscription.dispose();
  }

  private async read(options: { full?: boolean }): Promise<void> {
    let snapshot: PlatformSnapshot;
    try {
      snapshot = await this.loader.load(options);
    } catch (e) {
      const previous = this.options.store.snapshot();
      const kind = e instanceof ApiError ? e.kind : 'unknown';
      const message = e instanceof Error ? e.message : String(e);
      if (!(e instanceof ApiError)) this.log.error(`planet4-base: unexpected failure: ${message}`);
      else this.log.warn(`planet4-base: ${message}`);
      snapshot = { ...previous, state: 'error', error: { kind, message } };
      delete snapshot.waitingFor;
    }
    this.publish(snapshot);
  }

  private publish(snapshot: PlatformSnapshot): void {
    const { fleet, store } = this.options;
    const wave = computeWave(snapshot, fleet.all(), fleet.sites, this.now());
    if (wave && wave.finishedAt === undefined) this.seenRunning.add(wave.baseTag);
    if (wave?.finishedAt !== undefined) {
      // A wave this window saw running is caught up (its sites not seen tagged are looked at once more), counted on
      // this window's clock from when it saw release-sites stopped (CircleCI's clock may differ). A wave that ended
      // before this window saw it is settled as read: the slow cycle reads every site anyway.
      const seen = this.stoppedSeen.get(wave.baseTag) ?? this.now();
      this.stoppedSeen.set(wave.baseTag, seen);
      wave.settled =
        !this.seenRunning.has(wave.baseTag) || wave.counts['not-tagged'] === 0 || this.now() - seen >= WAVE_CATCH_UP_MS;
    }
    store.set(snapshot, wave);
  }

  /** Base tag → when this window first saw its release-sites stopped. */
  private readonly stoppedSeen = new Map<string, number>();
  /** Base tags whose release-sites this window saw running. */
  private readonly seenRunning = new Set<string>();
}
