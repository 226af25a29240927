import { describe, expect, it } from 'vitest';
import { MicroBatcher } from '../../../core/serving/micro-batcher.js';

/** A batcher that doubles numbers and records each batch it was given. */
function doubling(maxBatchSize: number, maxWaitMs: number, delayMs = 0) {
  const batches: number[][] = [];
  let running = 0;
  let maxRunning = 0;
  const batcher = new MicroBatcher<number, number>({
    maxBatchSize,
    maxWaitMs,
    async processBatch(items) {
      batches.push([...items]);
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      running -= 1;
      return items.map((item) => item * 2);
    },
  });
  return { batcher, batches, maxRunning: () => maxRunning };
}

describe('MicroBatcher', () => {
  it('groups calls of one turn', async () => {
    const { batcher, batches } = doubling(8, 0);

    const outputs = await Promise.all([1, 2, 3].map((item) => batcher.run(item)));

    expect(outputs).toEqual([2, 4, 6]);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('splits at the maximum batch size', async () => {
    const { batcher, batches } = doubling(4, 1000);

    const started = performance.now();
    const outputs = await Promise.all([1, 2, 3, 4, 5, 6, 7, 8].map((item) => batcher.run(item)));

    expect(outputs).toEqual([2, 4, 6, 8, 10, 12, 14, 16]);
    expect(batches).toEqual([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
    ]);
    // Full batches start at once instead of waiting 1000 ms.
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('waits maxWaitMs for a partial batch', async () => {
    const { batcher, batches } = doubling(8, 300);

    const started = performance.now();
    const first = batcher.run(1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const second = batcher.run(2);

    expect(await Promise.all([first, second])).toEqual([2, 4]);
    expect(batches).toEqual([[1, 2]]);
    // Timers may fire a little early by the clock that performance.now() reads.
    expect(performance.now() - started).toBeGreaterThanOrEqual(295);
  });

  it('queues items behind a running batch', async () => {
    const { batcher, batches, maxRunning } = doubling(16, 0, 30);

    const first = batcher.run(1);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const later = [2, 3, 4].map((item) => batcher.run(item));

    expect(await Promise.all([first, ...later])).toEqual([2, 4, 6, 8]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
    expect(maxRunning()).toBe(1);
  });

  it('rejects every item of a failed batch', async () => {
    const batcher = new MicroBatcher<number, number>({
      maxBatchSize: 8,
      maxWaitMs: 0,
      processBatch: async () => {
        throw new Error('disk full');
      },
    });

    const results = await Promise.allSettled([1, 2].map((item) => batcher.run(item)));

    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    expect((results[0] as PromiseRejectedResult).reason.message).toBe('disk full');
  });

  it('rejects a batch with missing outputs', async () => {
    const batcher = new MicroBatcher<number, number>({ maxBatchSize: 8, maxWaitMs: 0, processBatch: async () => [1] });

    const results = await Promise.allSettled([1, 2].map((item) => batcher.run(item)));

    expect((results[1] as PromiseRejectedResult).reason.message).toBe('processBatch returned 1 outputs for 2 items.');
  });

  it('drains after the last batch', async () => {
    const { batcher } = doubling(2, 0, 20);
    const outputs: number[] = [];
    for (const item of [1, 2, 3]) void batcher.run(item).then((output) => outputs.push(output));

    await batcher.drain();

    expect(outputs.sort((a, b) => a - b)).toEqual([2, 4, 6]);
    expect(batcher.waiting).toBe(0);
  });

  it('rejects invalid settings', () => {
    const processBatch = async (items: number[]) => items;
    expect(() => new MicroBatcher({ maxBatchSize: 0, maxWaitMs: 1, processBatch })).toThrow('maxBatchSize is 0; it must be an integer of 1 or more.');
    expect(() => new MicroBatcher({ maxBatchSize: 2, maxWaitMs: -1, processBatch })).toThrow('maxWaitMs is -1; it must be 0 or more.');
  });
});
