import { errorFunction } from 'simple-statistics';
import { InvalidQualityOptionError } from './errors.js';

/** z for a two-sided 95% normal interval, the 0.975 quantile of the standard normal. */
export const Z_95 = 1.959963984540054;

/** A confidence interval of a proportion, both ends in [0, 1]. */
export interface ProportionInterval {
  lower: number;
  upper: number;
}

/**
 * Computes the Wilson score interval of a binomial proportion `successes / trials`. Unlike the
 * normal (Wald) interval, it stays inside [0, 1] and keeps close to its nominal coverage for
 * small slices and for accuracies near 0 or 1. `z` defaults to {@link Z_95}. Zero trials give
 * the uninformative interval [0, 1].
 *
 * @throws InvalidQualityOptionError when the counts are negative, not integers, or
 *   `successes > trials`.
 */
export function wilsonInterval(successes: number, trials: number, z = Z_95): ProportionInterval {
  checkCounts(successes, trials);
  if (trials === 0) return { lower: 0, upper: 1 };

  const p = successes / trials;
  const z2 = z * z;
  const denominator = 1 + z2 / trials;
  const center = (p + z2 / (2 * trials)) / denominator;
  const halfWidth = (z / denominator) * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials));
  return { lower: Math.max(0, center - halfWidth), upper: Math.min(1, center + halfWidth) };
}

/** Returns P(Z <= z) for a standard normal Z, accurate to about 1e-7 (simple-statistics' erf). */
export function standardNormalCdf(z: number): number {
  return 0.5 * (1 + errorFunction(z / Math.SQRT2));
}

/** Result of {@link twoProportionZTest}. */
export interface TwoProportionTest {
  /** (p1 - p2) divided by the pooled standard error; 0 when the pooled variance is 0. */
  z: number;
  /** One-sided p-value of the alternative p1 < p2. */
  pValue: number;
}

/**
 * Tests whether the proportion of group 1 is lower than that of group 2 with the pooled
 * two-proportion z-test (one-sided). When either group is empty, or both proportions are 0 or
 * both 1, there is no evidence either way, so z is 0 and the p-value 0.5 or 1 (empty group).
 * The normal approximation is rough when a group has fewer than about 10 successes or failures.
 *
 * @throws InvalidQualityOptionError for invalid counts.
 */
export function twoProportionZTest(
  successes1: number,
  trials1: number,
  successes2: number,
  trials2: number,
): TwoProportionTest {
  checkCounts(successes1, trials1);
  checkCounts(successes2, trials2);
  if (trials1 === 0 || trials2 === 0) return { z: 0, pValue: 1 };

  const pooled = (successes1 + successes2) / (trials1 + trials2);
  const variance = pooled * (1 - pooled) * (1 / trials1 + 1 / trials2);
  if (variance === 0) return { z: 0, pValue: 0.5 };

  const z = (successes1 / trials1 - successes2 / trials2) / Math.sqrt(variance);
  return { z, pValue: standardNormalCdf(z) };
}

/**
 * Adjusts p-values for multiple tests with Holm's step-down method, which controls the
 * family-wise error rate without assuming independence. Returns the adjusted values in the
 * input order, each capped at 1.
 */
export function holmAdjust(pValues: readonly number[]): number[] {
  const order = pValues.map((p, index) => ({ p, index })).sort((a, b) => a.p - b.p);
  const adjusted = new Array<number>(pValues.length).fill(1);
  let running = 0;
  order.forEach(({ p, index }, rank) => {
    running = Math.max(running, Math.min(1, (pValues.length - rank) * p));
    adjusted[index] = running;
  });
  return adjusted;
}

function checkCounts(successes: number, trials: number): void {
  if (!Number.isInteger(successes) || !Number.isInteger(trials) || successes < 0 || successes > trials) {
    throw new InvalidQualityOptionError(
      `Invalid proportion ${successes}/${trials}: the counts must be integers with 0 <= successes <= trials.`,
    );
  }
}
