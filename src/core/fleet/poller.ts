import type { Fleet } from './fleet';
import type { SiteSnapshot } from './types';
import { silentLogger, type Logger } from '../util/logger';
import { NO_VERDICT_HOLDS } from '../release/hold';

export interface PollerOptions {
  fleet: Fleet;
  /** Interval while a site has a running or on-hold pipeline (default 10 s). */
  fastMs: () => number;
  /** Interval for every site when all are finished (default 5 min). */
  slowMs: () => number;
  log?: Logger;
  now?: () => number;
}

/**
 * Sites whose pipeline can still change by itself, or that wait on a person. A rejected release (staging rolled
 * back) waits for nobody: its hold-production stays on hold for ever, so it is read on the slow cycle only. Nor
 * does a release whose visualtests-compare ended without a verdict (broken, canceled, unauthorized): only a person
 * moves it on.
 */
export function isLive(s: SiteSnapshot): boolean {
  if (s.state === 'waiting' && s.hold !== undefined && NO_VERDICT_HOLDS.has(s.hold)) return false;
  return s.state === 'running' || s.state === 'waiting' || s.state === 'loading' || s.state === 'setting-up';
}

/**
 * Adaptive polling: live sites every `fastMs`, everything every `slowMs` (with GitHub's next-release facts),
 * sites being watched after an action every `fastMs` until the watch is satisfied. Paused while inactive (view
 * hidden, window unfocused); resuming refreshes what became due meanwhile.
 */
export class Poller {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private active = false;
  private running = false;
  private lastFull = 0;
  private readonly lastSite = new Map<string, number>();
  private readonly watches = new Map<string, { until: number; done: (s: SiteSnapshot) => boolean }>();
  private readonly log: Logger;
  private readonly now: () => number;
  /** Completed polling cycles (for tests and benchmarks). */
  cycles = 0;

  constructor(private readonly options: PollerOptions) {
    this.log = options.log ?? silentLogger;
    this.now = options.now ?? Date.now;
  }

  get isActive(): boolean {
    return this.active;
  }

  setActive(active: boolean): void {
    if (active === this.active) return;
    this.active = active;
    this.log.debug(`polling ${active ? 'resumed' : 'paused'}`);
    if (active) this.schedule(0);
    else this.clear();
  }

  /** Records a full refresh made elsewhere (e.g. the Refresh command) so the next slow cycle counts from it. */
  markFullRefresh(): void {
    this.lastFull = this.now();
    for (const s of this.options.fleet.sites) this.lastSite.set(s, this.lastFull);
    if (this.active) this.schedule();
  }

  /** Polls a site fast until `done` holds for its snapshot, or `forMs` passed (e.g. until a new tag's pipeline shows). */
  watch(site: string, done: (s: SiteSnapshot) => boolean, forMs = 10 * 60_000): void {
    this.watches.set(site, { until: this.now() + forMs, done });
    if (this.active) this.schedule(Math.min(2000, this.options.fastMs()));
  }

  dispose(): void {
    this.active = false;
    this.clear();
  }

  /** One polling cycle: refreshes what is due. Public for tests and benchmarks. */
  async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const fleet = this.options.fleet;
      const now = this.now();
      if (now - this.lastFull >= this.options.slowMs()) {
        this.lastFull = now;
        await fleet.refresh();
        for (const s of fleet.sites) this.lastSite.set(s, now);
      } else {
        const due = fleet.all().filter((s) => {
          const watched = this.watches.get(s.site);
          if (watched) {
            if (watched.until < now || watched.done(s)) this.watches.delete(s.site);
            else return true;
          }
          return isLive(s) && now - (this.lastSite.get(s.site) ?? 0) >= this.options.fastMs() - 50;
        });
        if (due.length > 0) {
          await fleet.refresh({ sites: due.map((s) => s.site), github: false });
          for (const s of due) this.lastSite.set(s.site, now);
        }
      }
      for (const [site, w] of this.watches) {
        const snap = fleet.get(site);
        if (w.until < this.now() || (snap && w.done(snap))) this.watches.delete(site);
      }
      this.cycles++;
    } catch (e) {
      this.log.error(`polling failed: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      this.running = false;
      if (this.active) this.schedule();
    }
  }

  private schedule(delay?: number): void {
    this.clear();
    const fleet = this.options.fleet;
    const live = this.watches.size > 0 || fleet.all().some(isLive);
    const wait =
      delay ?? (live ? this.options.fastMs() : Math.max(0, this.lastFull + this.options.slowMs() - this.now()));
    this.timer = setTimeout(() => void this.tick(), wait);
  }

  private clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
