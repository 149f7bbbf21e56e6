import { backoffDelayMs, writeUntilProcessed, type BatchRetryOptions } from '../../functions/adapters/batch-retry.js';

function options(sleeps: number[], random = () => 0.999): BatchRetryOptions {
  return { attempts: 6, baseDelayMs: 50, maxDelayMs: 2000, random, sleep: async (ms) => void sleeps.push(ms) };
}

describe('writeUntilProcessed: UnprocessedItems are retried with exponential backoff', () => {
  it('writes once, without waiting, when everything is processed', async () => {
    const sleeps: number[] = [];
    const batches: string[][] = [];
    await writeUntilProcessed(['a', 'b'], async (batch) => void batches.push(batch), options(sleeps));
    expect(batches).toEqual([['a', 'b']]);
    expect(sleeps).toEqual([]);
  });

  it('retries only what was left, waiting longer before each retry', async () => {
    const sleeps: number[] = [];
    const batches: string[][] = [];
    const leftovers = [['b', 'c'], ['c'], ['c']];
    await writeUntilProcessed(['a', 'b', 'c'], async (batch) => {
      batches.push(batch);
      return leftovers.shift();
    }, options(sleeps));
    expect(batches).toEqual([['a', 'b', 'c'], ['b', 'c'], ['c'], ['c']]);
    expect(sleeps).toEqual([99, 199, 399]);
  });

  it('gives up after the last attempt, saying how many items are left', async () => {
    const sleeps: number[] = [];
    await expect(writeUntilProcessed(['a'], async (batch) => batch, options(sleeps))).rejects.toThrow('DynamoDB left 1 item(s) unprocessed after 6 tries');
    expect(sleeps).toHaveLength(5);
  });
});

describe('backoffDelayMs', () => {
  it('is a random wait below a cap that doubles per retry, up to the maximum (full jitter)', () => {
    const top = { baseDelayMs: 50, maxDelayMs: 2000, random: () => 0.999999 };
    expect([1, 2, 3, 4, 5, 6, 7].map((retry) => backoffDelayMs(retry, top))).toEqual([99, 199, 399, 799, 1599, 1999, 1999]);
    expect(backoffDelayMs(3, { ...top, random: () => 0 })).toBe(0);
  });
});
