import { standardNormalCdf, twoProportionZTest, wilsonInterval, type ProportionInterval } from '../quality/proportion-statistics.js';

/** Successes out of trials, such as predictions that feedback calls correct out of those with feedback. */
export interface ProportionCount {
  successes: number;
  trials: number;
}

/** Result of {@link nonInferiorityTest}. */
export interface NonInferiorityTest {
  /** Candidate proportion minus baseline proportion. */
  difference: number;
  /** (difference + margin) divided by the unpooled standard error. */
  z: number;
  /** One-sided p-value of H0 "candidate is worse by at least margin"; small means non-inferior. */
  pValueNonInferior: number;
  /** One-sided p-value of H0 "candidate is worse by at most margin"; small means inferior. */
  pValueInferior: number;
}

/**
 * Runs the one-sided two-proportion z-test for non-inferiority with the unpooled (Wald)
 * standard error sqrt(p1(1-p1)/n1 + p2(1-p2)/n2). The statistic is
 * z = (p_candidate - p_baseline + margin) / SE. Non-inferiority is shown when
 * `pValueNonInferior = 1 - Phi(z)` is below the significance level, and inferiority beyond the
 * margin when `pValueInferior = Phi(z)` is. With a standard error of 0 (both proportions 0 or
 * 1) the sign of the numerator decides, with p-values of 0 and 1. Either group empty gives
 * z = 0 and both p-values 1, so nothing is shown.
 */
export function nonInferiorityTest(candidate: ProportionCount, baseline: ProportionCount, margin: number): NonInferiorityTest {
  if (candidate.trials === 0 || baseline.trials === 0) return { difference: 0, z: 0, pValueNonInferior: 1, pValueInferior: 1 };

  const p1 = candidate.successes / candidate.trials;
  const p2 = baseline.successes / baseline.trials;
  const difference = p1 - p2;
  const standardError = Math.sqrt((p1 * (1 - p1)) / candidate.trials + (p2 * (1 - p2)) / baseline.trials);
  const numerator = difference + margin;

  if (standardError === 0) {
    if (numerator > 0) return { difference, z: Infinity, pValueNonInferior: 0, pValueInferior: 1 };
    if (numerator < 0) return { difference, z: -Infinity, pValueNonInferior: 1, pValueInferior: 0 };
    return { difference, z: 0, pValueNonInferior: 0.5, pValueInferior: 0.5 };
  }
  const z = numerator / standardError;
  return { difference, z, pValueNonInferior: 1 - standardNormalCdf(z), pValueInferior: standardNormalCdf(z) };
}

/** Result of {@link compareProportions}. */
export interface ProportionComparison {
  /** Proportion of B minus proportion of A. */
  difference: number;
  /** Pooled two-proportion z statistic of B against A. */
  z: number;
  /** Two-sided p-value of H0 "the proportions are equal". */
  pValue: number;
  intervalA: ProportionInterval;
  intervalB: ProportionInterval;
}

/**
 * Compares two proportions with the pooled two-sided two-proportion z-test and gives each a
 * 95% Wilson interval. Empty groups give a p-value of 1.
 */
export function compareProportions(a: ProportionCount, b: ProportionCount): ProportionComparison {
  const test = twoProportionZTest(b.successes, b.trials, a.successes, a.trials);
  const pA = a.trials === 0 ? 0 : a.successes / a.trials;
  const pB = b.trials === 0 ? 0 : b.successes / b.trials;
  const pValue = a.trials === 0 || b.trials === 0 ? 1 : Math.min(1, 2 * Math.min(test.pValue, 1 - test.pValue));
  return {
    difference: pB - pA,
    z: test.z,
    pValue,
    intervalA: wilsonInterval(a.successes, a.trials),
    intervalB: wilsonInterval(b.successes, b.trials),
  };
}
