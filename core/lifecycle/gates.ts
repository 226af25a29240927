import { errorRate, type ArmStats } from './arm-stats.js';
import type { GateSettings } from './gate-settings.js';
import { nonInferiorityTest } from './proportion-tests.js';

/** Outcome of one gate: `pending` while its data is short of the minimum. */
export type GateStatus = 'pass' | 'fail' | 'pending';

/** One gate's outcome with the numbers behind it. */
export interface GateCheck {
  gate: 'accuracy' | 'error_rate' | 'p99_latency';
  status: GateStatus;
  /** The measured value: accuracy difference, error rate, or candidate p99 in milliseconds. */
  value: number | null;
  /** The limit the value was held against. */
  threshold: number | null;
  /** One sentence with the numbers, for logs and `npm run models -- status`. */
  reason: string;
  /** Test statistics, counts and percentiles behind the outcome. */
  details: Record<string, number | null>;
}

/** Decision of the gates: promote when every gate passes, roll back when any fails, else wait. */
export interface GateDecision {
  decision: 'promote' | 'rollback' | 'wait';
  checks: GateCheck[];
  candidate: ArmStats;
  production: ArmStats;
}

/**
 * Evaluates the canary gates on the two arms of a rollout.
 *
 * - Accuracy: the one-sided two-proportion z-test for non-inferiority on feedback accuracy
 *   (see {@link nonInferiorityTest}) with `accuracyMargin`. It passes when non-inferiority is
 *   shown at `alpha`, and fails when the opposite one-sided test shows the candidate worse by
 *   more than the margin at `alpha`, or when both arms reach `maxLabelled` without a result.
 *   It is pending until both arms have `minLabelled` labelled predictions.
 * - Error rate: fails when the candidate's share of failed requests is above `maxErrorRate`.
 * - p99 latency: fails when the candidate's p99 is above `maxP99LatencyRatio` times
 *   production's, or above `maxP99LatencyMs` when that is set.
 *
 * The error-rate and latency gates are pending until both arms have `minRequests` requests,
 * except that errors above the limit fail at once when the candidate has that many requests.
 */
export function evaluateGates(candidate: ArmStats, production: ArmStats, settings: GateSettings): GateDecision {
  const checks = [checkAccuracy(candidate, production, settings), checkErrorRate(candidate, settings), checkLatency(candidate, production, settings)];
  let decision: GateDecision['decision'] = 'wait';
  if (checks.some((check) => check.status === 'fail')) decision = 'rollback';
  else if (checks.every((check) => check.status === 'pass')) decision = 'promote';
  return { decision, checks, candidate, production };
}

function checkAccuracy(candidate: ArmStats, production: ArmStats, settings: GateSettings): GateCheck {
  const test = nonInferiorityTest(
    { successes: candidate.correct, trials: candidate.labelled },
    { successes: production.correct, trials: production.labelled },
    settings.accuracyMargin,
  );
  const details = {
    candidateLabelled: candidate.labelled,
    candidateCorrect: candidate.correct,
    productionLabelled: production.labelled,
    productionCorrect: production.correct,
    margin: settings.accuracyMargin,
    alpha: settings.alpha,
    z: Number.isFinite(test.z) ? test.z : null,
    pValueNonInferior: test.pValueNonInferior,
    pValueInferior: test.pValueInferior,
  };
  const base = { gate: 'accuracy' as const, value: candidate.labelled && production.labelled ? test.difference : null, threshold: -settings.accuracyMargin, details };
  const summary = `accuracy ${formatShare(candidate.correct, candidate.labelled)} vs production ${formatShare(production.correct, production.labelled)}`;

  const shortest = Math.min(candidate.labelled, production.labelled);
  if (shortest < settings.minLabelled) {
    return { ...base, status: 'pending', reason: `${summary}: waiting for ${settings.minLabelled} labelled predictions per arm (have ${shortest})` };
  }
  if (test.pValueNonInferior < settings.alpha) {
    return { ...base, status: 'pass', reason: `${summary}: not worse by more than ${settings.accuracyMargin} (one-sided z-test p = ${formatP(test.pValueNonInferior)} < ${settings.alpha})` };
  }
  if (test.pValueInferior < settings.alpha) {
    return { ...base, status: 'fail', reason: `${summary}: worse by more than ${settings.accuracyMargin} (one-sided z-test p = ${formatP(test.pValueInferior)} < ${settings.alpha})` };
  }
  if (shortest >= settings.maxLabelled) {
    return { ...base, status: 'fail', reason: `${summary}: non-inferiority not shown after ${settings.maxLabelled} labelled predictions per arm (p = ${formatP(test.pValueNonInferior)})` };
  }
  return { ...base, status: 'pending', reason: `${summary}: no conclusion yet (non-inferiority p = ${formatP(test.pValueNonInferior)})` };
}

function checkErrorRate(candidate: ArmStats, settings: GateSettings): GateCheck {
  const rate = errorRate(candidate);
  const total = candidate.requests + candidate.errors;
  const base = {
    gate: 'error_rate' as const,
    value: total === 0 ? null : rate,
    threshold: settings.maxErrorRate,
    details: { requests: candidate.requests, errors: candidate.errors, minRequests: settings.minRequests },
  };
  const summary = `error rate ${formatShare(candidate.errors, total)}`;
  if (total < settings.minRequests) return { ...base, status: 'pending', reason: `${summary}: waiting for ${settings.minRequests} requests (have ${total})` };
  if (rate > settings.maxErrorRate) return { ...base, status: 'fail', reason: `${summary} is above the limit ${settings.maxErrorRate}` };
  return { ...base, status: 'pass', reason: `${summary} is within the limit ${settings.maxErrorRate}` };
}

function checkLatency(candidate: ArmStats, production: ArmStats, settings: GateSettings): GateCheck {
  const candidateP99 = candidate.p99LatencyMs;
  const productionP99 = production.p99LatencyMs;
  const relativeLimit = productionP99 === null ? null : productionP99 * settings.maxP99LatencyRatio;
  const threshold = relativeLimit === null ? (settings.maxP99LatencyMs ?? null) : Math.min(relativeLimit, settings.maxP99LatencyMs ?? Infinity);
  const base = {
    gate: 'p99_latency' as const,
    value: candidateP99,
    threshold,
    details: { candidateP99LatencyMs: candidateP99, productionP99LatencyMs: productionP99, maxP99LatencyRatio: settings.maxP99LatencyRatio, maxP99LatencyMs: settings.maxP99LatencyMs ?? null },
  };
  const shortest = Math.min(candidate.requests, production.requests);
  if (shortest < settings.minRequests || candidateP99 === null || threshold === null) {
    return { ...base, status: 'pending', reason: `p99 latency: waiting for ${settings.minRequests} requests per arm (have ${shortest})` };
  }
  const summary = `p99 latency ${candidateP99.toFixed(1)} ms vs production ${productionP99?.toFixed(1)} ms`;
  if (candidateP99 > threshold) return { ...base, status: 'fail', reason: `${summary} is above the limit ${threshold.toFixed(1)} ms` };
  return { ...base, status: 'pass', reason: `${summary} is within the limit ${threshold.toFixed(1)} ms` };
}

function formatShare(part: number, whole: number): string {
  return whole === 0 ? `-/0` : `${(part / whole).toFixed(4)} (${part}/${whole})`;
}

function formatP(p: number): string {
  return p < 0.0001 ? p.toExponential(2) : p.toFixed(4);
}
