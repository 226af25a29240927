import { describe, expect, it } from 'vitest';
import { createRandom } from '../../../core/random.js';
import { chiSquareGoodnessOfFit } from '../../../core/monitoring/statistics/chi-square.js';
import { kolmogorovSmirnovTest, kolmogorovSurvival } from '../../../core/monitoring/statistics/kolmogorov-smirnov.js';
import { medianPairwiseDistance, mmdPermutationTest } from '../../../core/monitoring/statistics/maximum-mean-discrepancy.js';
import { binShares, mergeSparseBins, populationStabilityIndex } from '../../../core/monitoring/statistics/population-stability-index.js';
import { binomialCdf, chiSquareSurvival, regularizedUpperGamma } from '../../../core/monitoring/statistics/special-functions.js';

// Reference values marked "SciPy" come from SciPy 1.17.1 on this machine, with the call in the comment.

describe('kolmogorovSmirnovTest', () => {
  it('matches hand count for separated samples', () => {
    // Every value of the first sample is below the second: D = 1, and only 2 of the
    // C(11, 5) = 462 orderings are that extreme (all below, all above).
    const result = kolmogorovSmirnovTest([1, 2, 3, 4, 5], [6, 7, 8, 9, 10, 11]);
    expect(result.statistic).toBe(1);
    expect(result.method).toBe('exact');
    expect(result.pValue).toBeCloseTo(2 / 462, 12);
  });

  it('matches SciPy exact for tiny samples', () => {
    // ks_2samp([0.1, 0.4, 0.7], [0.2, 0.3, 0.5, 0.8, 0.9], method='exact') -> 0.4, 0.8571428571428572
    const small = kolmogorovSmirnovTest([0.1, 0.4, 0.7], [0.2, 0.3, 0.5, 0.8, 0.9]);
    expect(small.statistic).toBeCloseTo(0.4, 12);
    expect(small.pValue).toBeCloseTo(0.8571428571428572, 12);

    // ks_2samp([0.5, ..., 7.5], [2, ..., 11], method='exact') -> 0.4, 0.39174550939256825
    const shifted = kolmogorovSmirnovTest([0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5], [2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(shifted.statistic).toBeCloseTo(0.4, 12);
    expect(shifted.pValue).toBeCloseTo(0.39174550939256825, 12);
  });

  it('evaluates ties after all tied values', () => {
    // Both samples equal: the empirical functions agree at every distinct value.
    expect(kolmogorovSmirnovTest([1, 1, 2], [1, 2, 1])).toEqual({ statistic: 0, pValue: 1, method: 'exact' });
    // After the shared 1s: 2/3 versus 1/4; D = 5/12.
    expect(kolmogorovSmirnovTest([1, 1, 3], [1, 2, 2, 2]).statistic).toBeCloseTo(5 / 12, 12);
  });

  it('approximates SciPy on large samples', () => {
    const a = Array.from({ length: 300 }, (_, i) => (i + 0.5) / 300);
    const strong = Array.from({ length: 400 }, (_, j) => ((j + 0.5) / 400) ** 1.5);
    const weak = Array.from({ length: 400 }, (_, j) => ((j + 0.5) / 400) ** 1.2);

    // ks_2samp(a, b, method='exact') -> 0.15083333333333335, 0.0007359148095716684
    const strongResult = kolmogorovSmirnovTest(a, strong);
    expect(strongResult.method).toBe('asymptotic');
    expect(strongResult.statistic).toBeCloseTo(0.15083333333333335, 12);
    expect(Math.abs(strongResult.pValue / 0.0007359148095716684 - 1)).toBeLessThan(0.05);

    // ks_2samp(a, b, method='exact') -> 0.06916666666666667, 0.3704466385193764
    const weakResult = kolmogorovSmirnovTest(a, weak);
    expect(weakResult.statistic).toBeCloseTo(0.06916666666666667, 12);
    expect(weakResult.pValue).toBeCloseTo(0.3704466385193764, 2);
  });

  it('rejects empty and non-finite samples', () => {
    expect(() => kolmogorovSmirnovTest([], [1])).toThrow(/non-empty sample/);
    expect(() => kolmogorovSmirnovTest([1, Number.NaN], [1])).toThrow(/NaN at index 1/);
  });

  it('sums the Kolmogorov series', () => {
    // Q(1) = 2 (e^-2 - e^-8 + e^-18 - ...), kept to the terms above 1e-16.
    expect(kolmogorovSurvival(1)).toBeCloseTo(2 * (Math.exp(-2) - Math.exp(-8) + Math.exp(-18) - Math.exp(-32)), 14);
    expect(kolmogorovSurvival(0.1)).toBe(1);
  });
});

describe('populationStabilityIndex', () => {
  it('matches hand computation', () => {
    // (0.3-0.25) ln(0.3/0.25) + (0.2-0.25) ln(0.2/0.25) + 0 + 0
    const expected = 0.05 * Math.log(1.2) + -0.05 * Math.log(0.8);
    expect(populationStabilityIndex([0.25, 0.25, 0.25, 0.25], [0.3, 0.2, 0.25, 0.25])).toBeCloseTo(expected, 14);
    expect(populationStabilityIndex([0.5, 0.5], [0.5, 0.5])).toBe(0);
  });

  it('raises empty bins before the logarithm', () => {
    // The empty actual bin counts as 1e-4: (1e-4 - 0.5) ln(1e-4 / 0.5) + (1 - 0.5) ln(1 / 0.5).
    const expected = (1e-4 - 0.5) * Math.log(1e-4 / 0.5) + 0.5 * Math.log(2);
    expect(populationStabilityIndex([0.5, 0.5], [0, 1])).toBeCloseTo(expected, 12);
  });

  it('merges sparse histogram bins', () => {
    const merged = mergeSparseBins([0, 0.02, 0.04, 0.5, 0.4, 0.03, 0.01, 0], 0.05);
    // [0, 0.375): 0.06; [0.375, 0.5): 0.5; [0.5, 1]: 0.4 + 0.03 + 0.01, the short tail joined to its neighbour.
    expect(merged.edges).toEqual([0, 0.375, 0.5]);
    expect(merged.shares[0]).toBeCloseTo(0.06, 12);
    expect(merged.shares[1]).toBeCloseTo(0.5, 12);
    expect(merged.shares[2]).toBeCloseTo(0.44, 12);
    expect(binShares([0.1, 0.4, 0.45, 0.9, 1, 1.2], merged.edges)).toEqual([1 / 6, 2 / 6, 3 / 6]);
  });

  it('rejects mismatched bins', () => {
    expect(() => populationStabilityIndex([0.5, 0.5], [1])).toThrow(/one length/);
  });
});

describe('chiSquareGoodnessOfFit', () => {
  it('matches hand computation', () => {
    // E = 20 each: (10-20)²/20 + 0 + (30-20)²/20 = 10; with 2 degrees of freedom P(X >= 10) = e^-5.
    const result = chiSquareGoodnessOfFit([10, 20, 30], [1 / 3, 1 / 3, 1 / 3]);
    expect(result.statistic).toBeCloseTo(10, 12);
    expect(result.degreesOfFreedom).toBe(2);
    expect(result.pValue).toBeCloseTo(Math.exp(-5), 13);
  });

  it('rejects negative counts', () => {
    expect(() => chiSquareGoodnessOfFit([1, -1], [0.5, 0.5])).toThrow(/whole numbers/);
    expect(() => chiSquareGoodnessOfFit([0, 0], [0.5, 0.5])).toThrow(/at least one observation/);
  });
});

describe('special functions', () => {
  it('match SciPy gammaincc and chi2.sf', () => {
    // gammaincc(2.5, 1.2), gammaincc(10, 25), gammaincc(0.5, 0.01)
    expect(regularizedUpperGamma(2.5, 1.2)).toBeCloseTo(0.7914741205943246, 12);
    expect(regularizedUpperGamma(10, 25) / 0.0002214766382487835).toBeCloseTo(1, 10);
    expect(regularizedUpperGamma(0.5, 0.01)).toBeCloseTo(0.887537083981715, 12);
    // chi2.sf(30.5, 9)
    expect(chiSquareSurvival(30.5, 9) / 0.00036052728420356896).toBeCloseTo(1, 10);
  });

  it('match SciPy binom.cdf', () => {
    // binom.cdf(3, 10, 0.5) = 176 / 1024 by hand; binom.cdf(40, 60, 0.856)
    expect(binomialCdf(3, 10, 0.5)).toBeCloseTo(0.171875, 13);
    expect(binomialCdf(40, 60, 0.856) / 0.00017801039448951943).toBeCloseTo(1, 9);
    expect(binomialCdf(10, 10, 0.3)).toBeCloseTo(1, 13);
  });
});

describe('mmdPermutationTest', () => {
  it('matches hand computation of the statistic', async () => {
    const e = Math.exp;
    // Within each set one pair at distance 1; between sets distances 3, 4, 2, 3; bandwidth 1.
    const between = (e(-4.5) + e(-8) + e(-2) + e(-4.5)) / 4;
    const result = await mmdPermutationTest([[0], [1]], [[3], [4]], { bandwidth: 1, permutations: 10, random: createRandom(1) });
    expect(result.statistic).toBeCloseTo(e(-0.5) + e(-0.5) - 2 * between, 14);
  });

  it('separates shifted clouds and keeps equal ones', async () => {
    const random = createRandom(3);
    const cloud = (shift: number, count: number) => Array.from({ length: count }, () => [random() + shift, random()]);
    const reference = cloud(0, 40);
    const shifted = await mmdPermutationTest(cloud(0.5, 40), reference, { bandwidth: 0.5, permutations: 500, random });
    expect(shifted.permutations).toBe(500);
    expect(shifted.pValue).toBeCloseTo(1 / 501, 12);

    const same = await mmdPermutationTest(cloud(0, 40), reference, { bandwidth: 0.5, permutations: 500, random });
    expect(same.pValue).toBeGreaterThan(0.05);
    // Stopped early once 20 permutations reached the observed statistic.
    expect(same.permutations).toBeLessThan(500);
  });

  it('computes the median pairwise distance', () => {
    // Distances 1, 2, 3 between points 0, 1 and 3 on a line: median 2.
    expect(medianPairwiseDistance([[0], [1], [3]], createRandom(1))).toBe(2);
  });

  it('rejects vectors of different dimensions', async () => {
    await expect(mmdPermutationTest([[0, 1], [1]], [[0], [1]], { bandwidth: 1, random: createRandom(1) })).rejects.toThrow(/vector 1 has 1/);
  });
});
