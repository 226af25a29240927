import { describe, expect, it } from 'vitest';
import { learningRateAt, learningRateScheduleSchema } from '../../../core/training/learning-rate-schedule.js';

describe('learningRateAt', () => {
  it('keeps a constant rate', () => {
    expect(learningRateAt(0.01, { kind: 'constant' }, 0.7)).toBe(0.01);
  });

  it('warms up then follows a cosine', () => {
    const schedule = learningRateScheduleSchema.parse({ kind: 'cosine', warmupFraction: 0.1, minFactor: 0 });

    expect(learningRateAt(0.01, schedule, 0)).toBe(0);
    expect(learningRateAt(0.01, schedule, 0.05)).toBeCloseTo(0.005, 12);
    expect(learningRateAt(0.01, schedule, 0.1)).toBeCloseTo(0.01, 12);
    expect(learningRateAt(0.01, schedule, 0.55)).toBeCloseTo(0.005, 12);
    expect(learningRateAt(0.01, schedule, 1)).toBeCloseTo(0, 12);
  });

  it('ends the cosine at the floor', () => {
    const schedule = learningRateScheduleSchema.parse({ kind: 'cosine', warmupFraction: 0, minFactor: 0.1 });

    expect(learningRateAt(0.02, schedule, 1)).toBeCloseTo(0.002, 12);
    expect(learningRateAt(0.02, schedule, 5)).toBeCloseTo(0.002, 12);
  });

  it('drops in steps', () => {
    const schedule = learningRateScheduleSchema.parse({ kind: 'step', stepEvery: 0.25, stepFactor: 0.5 });

    expect(learningRateAt(0.08, schedule, 0.2)).toBe(0.08);
    expect(learningRateAt(0.08, schedule, 0.25)).toBe(0.04);
    expect(learningRateAt(0.08, schedule, 0.99)).toBe(0.01);
  });

  it('rejects a warm-up over half', () => {
    expect(() => learningRateScheduleSchema.parse({ kind: 'cosine', warmupFraction: 0.8 })).toThrow();
  });
});
