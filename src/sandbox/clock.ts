/** Simulated time: manual (moves only by advance) or realtime (runs at `speed` x real time, plus advances). */
export const DEFAULT_START = Date.UTC(2026, 10, 20, 9, 0, 0);

export class SimClock {
  private offset = 0;
  private readonly realStart = Date.now();

  constructor(
    readonly mode: 'manual' | 'realtime',
    readonly speed: number,
    readonly start: number,
  ) {}

  now(): number {
    const running = this.mode === 'realtime' ? (Date.now() - this.realStart) * this.speed : 0;
    return Math.floor(this.start + running + this.offset);
  }

  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) {
      throw new Error(`clock.advance: invalid duration ${ms}`);
    }
    this.offset += ms;
  }
}
