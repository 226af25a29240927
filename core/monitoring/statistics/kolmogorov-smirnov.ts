import { InvalidSampleError } from '../errors.js';

/** Largest product of the two sample sizes for which the p-value is computed exactly. */
export const EXACT_KS_MAX_PRODUCT = 10_000;

/** Result of {@link kolmogorovSmirnovTest}. */
export interface KolmogorovSmirnovResult {
  /** Largest distance between the two empirical distribution functions, in [0, 1]. */
  statistic: number;
  /** Two-sided p-value. */
  pValue: number;
  /** `exact` (lattice path count) or `asymptotic` (Kolmogorov distribution). */
  method: 'exact' | 'asymptotic';
}

/**
 * Runs the two-sample Kolmogorov-Smirnov test, two-sided. The p-value is exact when
 * `n * m <= 10,000` (the share of monotone lattice paths from (0, 0) to (n, m) that reach the
 * statistic, which assumes no ties, as SciPy's `ks_2samp(method='exact')` does) and otherwise
 * comes from the Kolmogorov distribution with Stephens' correction,
 * Q((sqrt(e) + 0.12 + 0.11 / sqrt(e)) D) for e = n m / (n + m). Ties make both conservative.
 *
 * @throws InvalidSampleError when a sample is empty or holds a value that is not a finite number.
 */
export function kolmogorovSmirnovTest(sample: ArrayLike<number>, reference: ArrayLike<number>): KolmogorovSmirnovResult {
  const a = sortedCopy(sample, 'sample');
  const b = sortedCopy(reference, 'reference');
  const n = a.length;
  const m = b.length;

  const scaledDistance = maxScaledDistance(a, b);
  const statistic = scaledDistance / (n * m);
  if (n * m <= EXACT_KS_MAX_PRODUCT) {
    return { statistic, pValue: exactPValue(n, m, scaledDistance), method: 'exact' };
  }
  return { statistic, pValue: asymptoticPValue(statistic, (n * m) / (n + m)), method: 'asymptotic' };
}

function sortedCopy(values: ArrayLike<number>, name: string): Float64Array {
  if (values.length === 0) throw new InvalidSampleError(`The Kolmogorov-Smirnov test needs a non-empty ${name}.`);
  const copy = Float64Array.from(values);
  for (let i = 0; i < copy.length; i++) {
    if (!Number.isFinite(copy[i])) throw new InvalidSampleError(`The ${name} of a Kolmogorov-Smirnov test has ${copy[i]} at index ${i}; every value must be finite.`);
  }
  return copy.sort();
}

/**
 * Returns max |i m - j n| over the points where both empirical distribution functions are
 * evaluated: after every distinct value, with all ties of that value consumed. This is
 * D * n * m as a whole number, so the exact p-value compares integers.
 */
function maxScaledDistance(a: Float64Array, b: Float64Array): number {
  const n = a.length;
  const m = b.length;
  let i = 0;
  let j = 0;
  let max = 0;
  while (i < n || j < m) {
    const value = Math.min(i < n ? (a[i] as number) : Infinity, j < m ? (b[j] as number) : Infinity);
    while (i < n && a[i] === value) i++;
    while (j < m && b[j] === value) j++;
    max = Math.max(max, Math.abs(i * m - j * n));
  }
  return max;
}

/**
 * P(D >= observed) under the null hypothesis: 1 minus the share of the C(n + m, n) lattice
 * paths that stay strictly inside |i m - j n| < observed at every point. Counts are doubles,
 * exact up to 2^53 and close beyond; C(200, 100) ~ 9e58 is the largest count reached here.
 */
function exactPValue(n: number, m: number, observed: number): number {
  if (observed === 0) return 1;
  // inside[j] holds the number of paths to (i, j) that stayed inside, for the current row i.
  const inside = new Float64Array(m + 1);
  for (let i = 0; i <= n; i++) {
    for (let j = 0; j <= m; j++) {
      if (Math.abs(i * m - j * n) >= observed) {
        inside[j] = 0;
        continue;
      }
      if (i === 0 && j === 0) inside[j] = 1;
      else inside[j] = (i > 0 ? (inside[j] as number) : 0) + (j > 0 ? (inside[j - 1] as number) : 0);
    }
  }
  const probabilityInside = (inside[m] as number) / binomialCoefficient(n + m, n);
  return Math.min(1, Math.max(0, 1 - probabilityInside));
}

function binomialCoefficient(total: number, chosen: number): number {
  const k = Math.min(chosen, total - chosen);
  let result = 1;
  for (let i = 1; i <= k; i++) result = (result * (total - k + i)) / i;
  return result;
}

/** Survival function of the Kolmogorov distribution at Stephens' corrected statistic. */
function asymptoticPValue(statistic: number, effectiveSize: number): number {
  const root = Math.sqrt(effectiveSize);
  const lambda = (root + 0.12 + 0.11 / root) * statistic;
  return kolmogorovSurvival(lambda);
}

/**
 * Q(λ) = 2 Σ_{k>=1} (-1)^(k-1) exp(-2 k² λ²). Below λ = 0.3 the series converges slowly
 * while Q(λ) > 0.99999, so 1 is returned there.
 */
export function kolmogorovSurvival(lambda: number): number {
  if (lambda < 0.3) return 1;
  let sum = 0;
  for (let k = 1; k <= 100; k++) {
    const term = Math.exp(-2 * k * k * lambda * lambda);
    sum += k % 2 === 1 ? term : -term;
    if (term < 1e-16 * Math.max(sum, 1e-300)) break;
  }
  return Math.min(1, Math.max(0, 2 * sum));
}
