import { describe, expect, it } from 'vitest';

import { abortExchange, createExchangeBuffers, ExchangeAbortedError, GradientExchange } from '../../../core/training/parallel/gradient-exchange.js';

describe('GradientExchange', () => {
  it('returns the weighted mean for one participant', () => {
    const exchange = new GradientExchange(createExchangeBuffers(1, 4), 0);

    const result = exchange.allReduceMean(Float32Array.from([1, -2, 3]), 5, 1234);

    expect(Array.from(result.mean)).toEqual([1, -2, 3]);
    expect(result.leaderElapsedMs).toBe(1234);
  });

  it('times out without the other participants', () => {
    const exchange = new GradientExchange(createExchangeBuffers(2, 4), 0, 50);

    expect(() => exchange.allReduceMean(Float32Array.from([1]), 1, 0)).toThrow(ExchangeAbortedError);
  });

  it('throws at once after an abort', () => {
    const buffers = createExchangeBuffers(2, 4);
    const exchange = new GradientExchange(buffers, 1, 60_000);
    abortExchange(buffers);
    const started = performance.now();

    expect(() => exchange.allReduceMean(Float32Array.from([1]), 1, 0)).toThrow('Training worker 1 stopped because another training worker failed.');
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('rejects arrays above its capacity', () => {
    const exchange = new GradientExchange(createExchangeBuffers(1, 2), 0);

    expect(() => exchange.allReduceMean(new Float32Array(3), 1, 0)).toThrow('Cannot reduce 3 values: the exchange has room for 2.');
  });

  it('rejects an index outside the participants', () => {
    expect(() => new GradientExchange(createExchangeBuffers(2, 2), 2)).toThrow('Participant index 2 is outside 0 to 1.');
  });
});
