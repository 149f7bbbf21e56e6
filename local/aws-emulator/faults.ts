/**
 * Fault injection, per emulator instance, changeable while it runs. Throttling is deterministic (call n
 * is throttled when ceil(n·rate) steps up), not random: a test with rate 0.5 knows that exactly every
 * other call fails, starting with the first, so it never flakes. A request-rate limit (`requestRate`)
 * throttles the way AWS does instead: a token bucket per action, refilled on the emulator's clock, so a
 * bench on a compressed clock meets AWS's rates in AWS time.
 */

export interface FailureSpec {
  /** Wire error code, e.g. "UnauthorizedOperation" or "InternalFailure". */
  code: string;
  /** HTTP status; 400 when not given. */
  status?: number;
  message?: string;
  /** Fail only this many calls, then behave normally again; every call when not given. */
  times?: number;
}

export interface Faults {
  /** 0..1: this fraction of calls answers Throttling (ElastiCache) / RequestLimitExceeded (EC2). */
  throttlingRate?: number;
  /** Authorizations made while this is on stay `authorizing` for ever. */
  neverAvailable?: boolean;
  /** A fixed error for a named operation (by Action). */
  failOperation?: Record<string, FailureSpec>;
  /** Extra real-time latency before every answer, in ms. */
  latencyMs?: number;
  /**
   * A token bucket per action (EC2 throttles each API separately): `capacity` calls at once, then
   * `refillPerSecond` more per second of emulator time. AWS's EC2 defaults: Describe* 100 / 20,
   * Authorize/RevokeSecurityGroupIngress 50 / 5.
   */
  requestRate?: RequestRate;
}

export interface RequestRate {
  capacity: number;
  refillPerSecond: number;
}

export class FaultController {
  #faults: Faults = {};
  #throttleCalls = 0;
  #failuresLeft = new Map<string, number>();
  #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(initial: Faults = {}) {
    this.set(initial);
  }

  /** Merges `faults` into the current set; a key set to undefined switches that fault off. */
  set(faults: Faults): void {
    const next: Faults = { ...this.#faults, ...faults };
    const rate = next.throttlingRate ?? 0;
    if (!(rate >= 0 && rate <= 1)) throw new RangeError(`throttlingRate must be between 0 and 1, got ${rate}`);
    const latency = next.latencyMs ?? 0;
    if (!(Number.isFinite(latency) && latency >= 0)) throw new RangeError(`latencyMs must be a non-negative number, got ${latency}`);
    const limit = next.requestRate;
    if (limit && !(limit.capacity >= 1 && Number.isFinite(limit.capacity) && limit.refillPerSecond > 0 && Number.isFinite(limit.refillPerSecond))) {
      throw new RangeError(`requestRate needs capacity ≥ 1 and refillPerSecond > 0, got ${JSON.stringify(limit)}`);
    }
    if ('throttlingRate' in faults) this.#throttleCalls = 0;
    if ('requestRate' in faults) this.#buckets.clear();
    if ('failOperation' in faults) {
      this.#failuresLeft = new Map(Object.entries(next.failOperation ?? {}).flatMap(([op, spec]) => (spec.times === undefined ? [] : [[op, spec.times]])));
    }
    this.#faults = next;
  }

  reset(): void {
    this.#faults = {};
    this.#throttleCalls = 0;
    this.#failuresLeft.clear();
    this.#buckets.clear();
  }

  get(): Faults {
    return structuredClone(this.#faults);
  }

  get neverAvailable(): boolean {
    return this.#faults.neverAvailable === true;
  }

  get latencyMs(): number {
    return this.#faults.latencyMs ?? 0;
  }

  /** Counts a call to `action` at emulator time `now` (ms) and says whether to throttle it. */
  shouldThrottle(action: string, now: number): boolean {
    return this.#overRequestRate(action, now) || this.#throttledByRate();
  }

  #throttledByRate(): boolean {
    const rate = this.#faults.throttlingRate ?? 0;
    if (rate <= 0) return false;
    const n = ++this.#throttleCalls;
    return Math.ceil(n * rate) > Math.ceil((n - 1) * rate);
  }

  #overRequestRate(action: string, now: number): boolean {
    const limit = this.#faults.requestRate;
    if (!limit) return false;
    const bucket = this.#buckets.get(action) ?? { tokens: limit.capacity, at: now };
    bucket.tokens = Math.min(limit.capacity, bucket.tokens + ((now - bucket.at) / 1000) * limit.refillPerSecond);
    bucket.at = now;
    this.#buckets.set(action, bucket);
    if (bucket.tokens < 1) return true;
    bucket.tokens -= 1;
    return false;
  }

  /** The failure to answer for `action`, if one is set (and uses up one of its `times`). */
  failureFor(action: string): FailureSpec | undefined {
    const spec = this.#faults.failOperation?.[action];
    if (!spec) return undefined;
    const left = this.#failuresLeft.get(action);
    if (left !== undefined) {
      if (left <= 0) return undefined;
      this.#failuresLeft.set(action, left - 1);
    }
    return spec;
  }
}
