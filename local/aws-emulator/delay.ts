/**
 * How long a change takes to show: a fixed time, or a time drawn per change from a spread. AWS's own
 * timing is a spread, not a constant: a test that needs an exact answer sets a number (0 for "at once"),
 * and `npm start` and the benches draw from a spread so that a fast result has to be earned.
 *
 * Draws come from a small seeded generator (mulberry32), not Math.random: a run can be replayed, and a
 * bench over the same seed measures the same multiset of delays every time. It is eight lines, so a
 * dependency would cost more than it saves.
 */

export interface DelaySpread {
  /** Most changes take between minMs and maxMs (uniform). */
  minMs: number;
  maxMs: number;
  /** A `fraction` of changes instead take between maxMs and tail.maxMs (uniform): the slow ones. */
  tail?: { fraction: number; maxMs: number };
  /** The generator's seed; 1 unless given. */
  seed?: number;
  /**
   * Stratified draws, for benches: each run of `strata` changes takes one delay from each of `strata`
   * equal slices of the spread (in a shuffled order), so a sample of that size has the spread's shape
   * (exactly its tail fraction, say) instead of a random sample's luck. Plain random draws unless given.
   */
  strata?: number;
}

/** A fixed delay in ms, or a spread to draw each change's delay from. */
export type DelaySpec = number | DelaySpread;

/**
 * EC2's eventual consistency, as modelled for `npm start`: a new or removed security group rule shows in
 * the Describe calls 0–2 s after the change, and 2% of changes take up to 10 s. AWS documents that the
 * API is eventually consistent and rule changes apply "as quickly as possible" with "a small delay"; it
 * publishes no figure, so these are assumptions, stated where they are used.
 */
export const EC2_VISIBILITY_SPREAD: DelaySpread = { minMs: 0, maxMs: 2_000, tail: { fraction: 0.02, maxMs: 10_000 } };

/**
 * The classic API's propagation, as the workflow-latency bench models it: AWS says "about a minute";
 * uniform 40–80 s, and 5% of authorizations take up to 180 s.
 */
export const CLASSIC_PROPAGATION_SPREAD: DelaySpread = { minMs: 40_000, maxMs: 80_000, tail: { fraction: 0.05, maxMs: 180_000 } };

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Throws a RangeError naming `name` unless `spec` is a usable delay. */
export function validateDelay(name: string, spec: DelaySpec): DelaySpec {
  const ok = (ms: unknown): boolean => typeof ms === 'number' && Number.isFinite(ms) && ms >= 0;
  if (typeof spec === 'number') {
    if (!ok(spec)) throw new RangeError(`${name} must be a non-negative number of ms, got ${spec}`);
    return spec;
  }
  if (!ok(spec.minMs) || !ok(spec.maxMs) || spec.minMs > spec.maxMs) throw new RangeError(`${name} needs 0 ≤ minMs ≤ maxMs, got ${JSON.stringify(spec)}`);
  if (spec.tail && (!(spec.tail.fraction >= 0 && spec.tail.fraction <= 1) || !ok(spec.tail.maxMs) || spec.tail.maxMs < spec.maxMs)) {
    throw new RangeError(`${name}.tail needs a fraction in [0, 1] and maxMs ≥ ${spec.maxMs}, got ${JSON.stringify(spec.tail)}`);
  }
  if (spec.strata !== undefined && !(Number.isInteger(spec.strata) && spec.strata >= 1)) throw new RangeError(`${name}.strata must be a whole number ≥ 1, got ${spec.strata}`);
  return spec;
}

/** The delay at quantile `u` (0 ≤ u < 1) of the spread: the body below 1 − tail fraction, the tail above. */
function quantile(spec: DelaySpread, u: number): number {
  const { minMs, maxMs, tail } = spec;
  const body = 1 - (tail?.fraction ?? 0);
  if (tail && u >= body) return maxMs + ((u - body) / tail.fraction) * (tail.maxMs - maxMs);
  return minMs + (u / body) * (maxMs - minMs);
}

/** A function that returns each next change's delay under `spec`. */
export function delaySampler(spec: DelaySpec): () => number {
  if (typeof spec === 'number') return () => spec;
  const random = mulberry32(spec.seed ?? 1);
  const strata = spec.strata;
  if (strata === undefined) return () => quantile(spec, random());
  let batch: number[] = [];
  return () => {
    if (batch.length === 0) {
      batch = Array.from({ length: strata }, (_, i) => (i + random()) / strata);
      // Fisher–Yates, so the slices come in no particular order.
      for (let i = batch.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [batch[i], batch[j]] = [batch[j] as number, batch[i] as number];
      }
    }
    return quantile(spec, batch.pop() as number);
  };
}
