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
  /**
   * Interval for the live sites while the window is not focused or the view hidden (`background` mode, default 60 s):
   * the attention notifications still fire for a release manager working in another window.
   */
  backgroundMs?: () => number;
  log?: Logger;
  now?: () => number;
  /**
   * Another source read with the fleet on the same cycles (planet4-base's platform release): every fast cycle while
   * `live()`, every slow (full) cycle otherwise.
   */
  platform?: { live(): boolean; refresh(options: { full: boolean }): Promise<void> };
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

/** Job statuses of a job that runs (or is about to): its workflow changes by itself. */
const RUNNING_JOB: ReadonlySet<string> = new Set(['running', 'queued', 'not_running']);

/**
 * A waiting release whose jobs all wait for a person (on hold, nothing running): it changes only when someone acts,
 * so it is read on the slow cycle (or fast while watched after our own approval).
 */
export function waitsOnlyForPerson(s: SiteSnapshot): boolean {
  return s.state === 'waiting' && !s.stages.some((st) => RUNNING_JOB.has(st.status));
}

/** Sites read every fast cycle: live ones that can change by themselves. */
export function pollsFast(s: SiteSnapshot): boolean {
  return isLive(s) && !waitsOnlyForPerson(s);
}

/** How the poller runs: `active` (view visible in a focused window), `background` (slow watch), `paused`. */
export type PollingMode = 'active' | 'background' | 'paused';

/**
 * Adaptive polling: live sites every `fastMs`, everything every `slowMs` (with GitHub's next-release facts),
 * sites being watched after an action every `fastMs` until the watch is satisfied. A live site's fast read is its job
 * list alone when its workflow is known (`live.ts`); a release whose jobs all wait for a person is read slowly. In
 * `background` mode (window unfocused, view hidden) the live sites are read every `backgroundMs` instead, so the
 * attention notifications still fire; resuming refreshes what became due meanwhile.
 */
export class Poller {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private mode: PollingMode = 'paused';
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
    return this.mode === 'active';
  }

  get pollingMode(): PollingMode {
    return this.mode;
  }

  setActive(active: boolean): void {
    this.setMode(active ? 'active' : 'paused');
  }

  setMode(mode: PollingMode): void {
    if (mode === this.mode) return;
    const was = this.mode;
    this.mode = mode;
    this.log.debug(`polling ${mode}`);
    if (mode === 'paused') this.clear();
    else this.schedule(mode === 'active' || was === 'paused' ? 0 : undefined);
  }

  /** The interval of live sites in the current mode. */
  private liveMs(): number {
    if (this.mode !== 'background') return this.options.fastMs();
    return Math.max(this.options.fastMs(), this.options.backgroundMs?.() ?? 60_000);
  }

  private get polling(): boolean {
    return this.mode !== 'paused';
  }

  /** Records a full refresh made elsewhere (e.g. the Refresh command) so the next slow cycle counts from it. */
  markFullRefresh(): void {
    this.lastFull = this.now();
    for (const s of this.options.fleet.sites) this.lastSite.set(s, this.lastFull);
    if (this.polling) this.schedule();
  }

  /** Polls a site fast until `done` holds for its snapshot, or `forMs` passed (e.g. until a new tag's pipeline shows). */
  watch(site: string, done: (s: SiteSnapshot) => boolean, forMs = 10 * 60_000): void {
    this.watches.set(site, { until: this.now() + forMs, done });
    if (this.polling) this.schedule(Math.min(2000, this.options.fastMs()));
  }

  /** Whether a site is being watched (polled fast until its watch is satisfied or ends). */
  watching(site: string): boolean {
    return this.watches.has(site);
  }

  /**
   * Drops every watch: the view starts over (other credentials, endpoints, organization or site list), and a watch's
   * test is about the world it was set in; a same-named site of the new one would be read fast for up to 10 minutes.
   */
  forgetWatches(): void {
    this.watches.clear();
  }

  dispose(): void {
    this.mode = 'paused';
    this.clear();
  }

  /**
   * One polling cycle: refreshes what is due. Public for tests and benchmarks. Resolves false at once, running
   * nothing, while another cycle is in flight; true once this one ran.
   */
  async tick(): Promise<boolean> {
    if (this.running) return false;
    this.running = true;
    try {
      const fleet = this.options.fleet;
      const platform = this.options.platform;
      const now = this.now();
      if (now - this.lastFull >= this.options.slowMs()) {
        this.lastFull = now;
        await Promise.all([fleet.refresh(), platform?.refresh({ full: true })]);
        for (const s of fleet.sites) this.lastSite.set(s, now);
      } else {
        const base = platform?.live() ? platform.refresh({ full: false }) : undefined;
        // watched sites: the whole chain (a new pipeline may appear); other live sites: their job list
        const watched: string[] = [];
        const fast: string[] = [];
        const interval = this.liveMs();
        for (const s of fleet.all()) {
          const w = this.watches.get(s.site);
          if (w && (w.until < now || w.done(s))) this.watches.delete(s.site);
          const due = now - (this.lastSite.get(s.site) ?? 0) >= interval - 50;
          if (this.watches.has(s.site) && (due || this.mode === 'active')) watched.push(s.site);
          else if (pollsFast(s) && due) fast.push(s.site);
        }
        await Promise.all([
          watched.length > 0 ? fleet.refresh({ sites: watched, github: false }) : undefined,
          fast.length > 0 ? fleet.refresh({ sites: fast, github: false, fast: true }) : undefined,
        ]);
        for (const site of [...watched, ...fast]) this.lastSite.set(site, now);
        await base;
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
      if (this.polling) this.schedule();
    }
    return true;
  }

  private schedule(delay?: number): void {
    this.clear();
    const fleet = this.options.fleet;
    const live = this.watches.size > 0 || fleet.all().some(pollsFast) || this.options.platform?.live() === true;
    const untilFull = Math.max(0, this.lastFull + this.options.slowMs() - this.now());
    const wait = delay ?? (live ? Math.min(this.liveMs(), untilFull) : untilFull);
    this.timer = setTimeout(() => void this.tick(), wait);
  }

  private clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
