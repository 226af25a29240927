import { describe, expect, it } from 'vitest';
import {
  holmAdjust,
  standardNormalCdf,
  twoProportionZTest,
  wilsonInterval,
} from '../../../core/quality/proportion-statistics.js';

describe('wilsonInterval', () => {
  it('matches the Wilson formula for 8 of 10', () => {
    // SciPy 1.x binomtest(8, 10).proportion_ci(0.95, 'wilson') gives the same bounds.
    const interval = wilsonInterval(8, 10);
    expect(interval.lower).toBeCloseTo(0.4901624715, 9);
    expect(interval.upper).toBeCloseTo(0.9433178485, 9);
  });

  it('is symmetric around one half', () => {
    const interval = wilsonInterval(20, 40);
    expect(interval.lower).toBeCloseTo(0.3519952693, 9);
    expect(interval.upper).toBeCloseTo(0.6480047307, 9);
  });

  it('stays inside zero and one', () => {
    expect(wilsonInterval(0, 5).lower).toBe(0);
    expect(wilsonInterval(0, 5).upper).toBeCloseTo(0.4344824648, 9);
    expect(wilsonInterval(5, 5).upper).toBe(1);
    expect(wilsonInterval(5, 5).lower).toBeCloseTo(0.5655175352, 9);
  });

  it('returns zero to one without trials', () => {
    expect(wilsonInterval(0, 0)).toEqual({ lower: 0, upper: 1 });
  });

  it('rejects more successes than trials', () => {
    expect(() => wilsonInterval(6, 5)).toThrow(/6\/5/);
    expect(() => wilsonInterval(1.5, 5)).toThrow(/integers/);
  });
});

describe('twoProportionZTest', () => {
  it('computes the pooled z and lower-tail p-value', () => {
    // pooled = 130/150, se = sqrt(p(1-p)(1/50 + 1/100)), z = (0.8 - 0.9) / se.
    const test = twoProportionZTest(40, 50, 90, 100);
    expect(test.z).toBeCloseTo(-1.6984155512, 6);
    expect(test.pValue).toBeCloseTo(0.0447146795, 6);
  });

  it('gives large p-values when the first group is better', () => {
    expect(twoProportionZTest(90, 100, 40, 50).pValue).toBeCloseTo(1 - 0.0447146795, 6);
  });

  it('returns no evidence for empty or constant groups', () => {
    expect(twoProportionZTest(0, 0, 5, 10)).toEqual({ z: 0, pValue: 1 });
    expect(twoProportionZTest(10, 10, 30, 30)).toEqual({ z: 0, pValue: 0.5 });
  });
});

describe('standardNormalCdf', () => {
  it('matches tabulated values', () => {
    expect(standardNormalCdf(0)).toBeCloseTo(0.5, 7);
    expect(standardNormalCdf(1.959963984540054)).toBeCloseTo(0.975, 6);
    expect(standardNormalCdf(-3)).toBeCloseTo(0.0013498980, 6);
  });
});

describe('holmAdjust', () => {
  it('multiplies by the remaining test count and keeps order', () => {
    const adjusted = holmAdjust([0.01, 0.04, 0.03]);
    expect(adjusted[0]).toBeCloseTo(0.03, 12);
    expect(adjusted[1]).toBeCloseTo(0.06, 12);
    expect(adjusted[2]).toBeCloseTo(0.06, 12);
  });

  it('caps adjusted values at one', () => {
    expect(holmAdjust([0.6, 0.7])).toEqual([1, 1]);
  });
});
