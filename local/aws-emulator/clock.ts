/**
 * Time for the emulator. Authorization states are computed from timestamps when they are read, so
 * nothing runs on a timer: a test advances a ManualClock instead of sleeping, and local development
 * can run a ScaledClock to see a one-minute propagation pass in a second.
 */

export interface Clock {
  /** Milliseconds since the epoch, as the emulator sees it. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** Stands still until told to move; the clock for tests. */
export class ManualClock implements Clock {
  #now: number;

  constructor(start: number | Date = Date.UTC(2026, 10, 28, 10, 0, 0)) {
    this.#now = typeof start === 'number' ? start : start.getTime();
  }

  now(): number {
    return this.#now;
  }

  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`ManualClock.advance needs a finite, non-negative number of ms, got ${ms}`);
    this.#now += ms;
  }

  set(at: number | Date): void {
    this.#now = typeof at === 'number' ? at : at.getTime();
  }
}

/** Real time sped up by `factor` from the moment it is created (factor 60: a minute passes in a second). */
export class ScaledClock implements Clock {
  readonly #origin: number;
  readonly #base: () => number;

  constructor(
    readonly factor: number,
    base: () => number = () => Date.now(),
  ) {
    if (!Number.isFinite(factor) || factor <= 0) throw new RangeError(`ScaledClock needs a positive factor, got ${factor}`);
    this.#base = base;
    this.#origin = base();
  }

  now(): number {
    return this.#origin + (this.#base() - this.#origin) * this.factor;
  }
}
