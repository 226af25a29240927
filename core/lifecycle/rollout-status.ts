import { errorRate, feedbackAccuracy, type ArmStats } from './arm-stats.js';
import { evaluateGates, type GateDecision } from './gates.js';
import { compareProportions, type ProportionComparison } from './proportion-tests.js';
import type { Rollout } from './rollout.js';
import type { RolloutEvent, RolloutStore, ShadowSummary } from './rollout-store.js';

/** One arm of a rollout with its derived rates. */
export interface ArmReport extends ArmStats {
  role: 'production' | 'candidate' | 'A' | 'B';
  accuracy: number | null;
  errorRate: number;
}

/** Result of the A/B significance test on feedback accuracy. */
export interface ExperimentReport extends ProportionComparison {
  alpha: number;
  significant: boolean;
  /** The arm with the higher accuracy when the difference is significant, else null. */
  better: 'A' | 'B' | null;
}

/** Everything `GET /v1/rollout` and `npm run models -- status` show. */
export interface RolloutStatus {
  /** The registry's production version. */
  productionVersion: string | null;
  /** The active rollout, or else the most recent one, or null. */
  rollout: Rollout | null;
  arms: ArmReport[];
  /** Current gate outcome of a canary (computed now, not the last stored decision). */
  gates: GateDecision | null;
  experiment: ExperimentReport | null;
  shadow: ShadowSummary | null;
  /** The latest entries of the rollout log, newest first. */
  events: RolloutEvent[];
}

/**
 * Builds the status of the active rollout (or else the most recent one) from the stored
 * predictions, feedback, errors and shadow results, with the gates and the A/B test computed
 * on the current numbers.
 */
export function buildRolloutStatus(store: RolloutStore, productionVersion: string | null, eventLimit = 20): RolloutStatus {
  const rollout = store.active() ?? store.recent(1)[0] ?? null;
  const events = store.events({ limit: eventLimit });
  if (!rollout) return { productionVersion, rollout: null, arms: [], gates: null, experiment: null, shadow: null, events };

  const baseline = store.armStats(rollout, rollout.productionVersion);
  const candidate = store.armStats(rollout, rollout.candidateVersion);
  const isAb = rollout.kind === 'ab';
  const arms = [report(baseline, isAb ? 'A' : 'production'), report(candidate, isAb ? 'B' : 'candidate')];

  let gates: GateDecision | null = null;
  let experiment: ExperimentReport | null = null;
  let shadow: ShadowSummary | null = null;
  if (rollout.kind === 'canary') gates = evaluateGates(candidate, baseline, rollout.gates);
  if (rollout.kind === 'shadow') shadow = store.shadowSummary(rollout.id);
  if (isAb) experiment = compareArms(baseline, candidate, rollout.gates.alpha);
  return { productionVersion, rollout, arms, gates, experiment, shadow, events };
}

/**
 * Tests arm B's feedback accuracy against arm A's with the pooled two-sided two-proportion
 * z-test at significance level `alpha`.
 */
export function compareArms(a: ArmStats, b: ArmStats, alpha: number): ExperimentReport {
  const comparison = compareProportions({ successes: a.correct, trials: a.labelled }, { successes: b.correct, trials: b.labelled });
  const significant = comparison.pValue < alpha;
  let better: ExperimentReport['better'] = null;
  if (significant) better = comparison.difference > 0 ? 'B' : 'A';
  return { ...comparison, alpha, significant, better };
}

function report(stats: ArmStats, role: ArmReport['role']): ArmReport {
  return { ...stats, role, accuracy: feedbackAccuracy(stats), errorRate: errorRate(stats) };
}
