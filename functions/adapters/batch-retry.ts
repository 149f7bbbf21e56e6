/**
 * Retrying what a DynamoDB batch call left unprocessed. DynamoDB returns UnprocessedItems when a partition
 * is throttled, and its guidance is to retry them with exponential backoff: retrying at once only hits the
 * same hot partition again. Full jitter (a random wait up to the doubling cap) keeps concurrent writers
 * from retrying in step.
 */

export interface BatchRetryOptions {
  /** Tries in all, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
}

export const DEFAULT_BATCH_RETRY: BatchRetryOptions = {
  attempts: 6,
  baseDelayMs: 50,
  maxDelayMs: 2000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

/** The wait before retry number `retry` (1 for the first retry). */
export function backoffDelayMs(retry: number, options: Pick<BatchRetryOptions, 'baseDelayMs' | 'maxDelayMs' | 'random'>): number {
  return Math.floor(options.random() * Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** retry));
}

/**
 * Calls `write` with `items`, then with whatever it reports unprocessed, waiting longer before each retry,
 * until nothing is left; throws when `attempts` tries still leave some.
 */
export async function writeUntilProcessed<T>(items: T[], write: (batch: T[]) => Promise<T[] | undefined>, options: BatchRetryOptions = DEFAULT_BATCH_RETRY): Promise<void> {
  let pending: T[] | undefined = items;
  for (let attempt = 0; pending && pending.length > 0; attempt++) {
    if (attempt === options.attempts) throw new Error(`DynamoDB left ${pending.length} item(s) unprocessed after ${options.attempts} tries`);
    if (attempt > 0) await options.sleep(backoffDelayMs(attempt, options));
    pending = await write(pending);
  }
}
