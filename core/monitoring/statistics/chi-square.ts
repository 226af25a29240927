import { InvalidSampleError } from '../errors.js';
import { chiSquareSurvival } from './special-functions.js';

/** Smallest expected share of a category; rarer categories are raised to it so one stray count cannot dominate. */
export const MIN_EXPECTED_SHARE = 1e-3;

/** Result of {@link chiSquareGoodnessOfFit}. */
export interface ChiSquareResult {
  statistic: number;
  degreesOfFreedom: number;
  pValue: number;
}

/**
 * Runs Pearson's chi-square goodness-of-fit test of observed counts against expected shares:
 * Σ (O - E)² / E with E = n * share, k - 1 degrees of freedom. Shares are raised to
 * {@link MIN_EXPECTED_SHARE} and renormalised first. The chi-square approximation is rough when
 * an expected count is below about 5.
 *
 * @throws InvalidSampleError when the lists differ in length, have fewer than 2 categories, a
 *   count is negative or not whole, or there are no observations.
 */
export function chiSquareGoodnessOfFit(observed: readonly number[], expectedShares: readonly number[]): ChiSquareResult {
  if (observed.length !== expectedShares.length || observed.length < 2) {
    throw new InvalidSampleError(`A chi-square test needs counts and shares for the same 2 or more categories, received ${observed.length} and ${expectedShares.length}.`);
  }
  if (observed.some((count) => !Number.isInteger(count) || count < 0)) {
    throw new InvalidSampleError(`Chi-square counts must be whole numbers of 0 or more, received [${observed.join(', ')}].`);
  }
  const total = observed.reduce((sum, count) => sum + count, 0);
  if (total === 0) throw new InvalidSampleError('A chi-square test needs at least one observation.');

  const raised = expectedShares.map((share) => Math.max(share, MIN_EXPECTED_SHARE));
  const shareSum = raised.reduce((sum, share) => sum + share, 0);
  let statistic = 0;
  observed.forEach((count, category) => {
    const expected = (total * (raised[category] as number)) / shareSum;
    statistic += (count - expected) ** 2 / expected;
  });
  const degreesOfFreedom = observed.length - 1;
  return { statistic, degreesOfFreedom, pValue: chiSquareSurvival(statistic, degreesOfFreedom) };
}
