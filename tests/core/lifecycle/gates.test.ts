import { describe, expect, it } from 'vitest';
import type { ArmStats } from '../../../core/lifecycle/arm-stats.js';
import { DEFAULT_GATE_SETTINGS, parseGateSettings } from '../../../core/lifecycle/gate-settings.js';
import { evaluateGates } from '../../../core/lifecycle/gates.js';
import { compareProportions, nonInferiorityTest } from '../../../core/lifecycle/proportion-tests.js';
import { LifecycleError } from '../../../core/lifecycle/errors.js';

function arm(overrides: Partial<ArmStats>): ArmStats {
  return { modelVersion: 'v1', requests: 1000, errors: 0, labelled: 1000, correct: 900, p50LatencyMs: 4, p99LatencyMs: 20, ...overrides };
}

const production = arm({ modelVersion: 'v1' });

describe('nonInferiorityTest', () => {
  it('matches SciPy on a hand-made case', () => {
    // Reference: z = (0.9 - 0.925 + 0.05) / sqrt(0.9*0.1/200 + 0.925*0.075/400), scipy.stats.norm.sf(z).
    const test = nonInferiorityTest({ successes: 180, trials: 200 }, { successes: 370, trials: 400 }, 0.05);
    expect(test.difference).toBeCloseTo(-0.025, 12);
    expect(test.z).toBeCloseTo(1.001252348643517, 9);
    expect(test.pValueNonInferior).toBeCloseTo(0.15835241197345967, 6);
    expect(test.pValueInferior).toBeCloseTo(0.8416475880265404, 6);
  });

  it('decides by sign when the error is zero', () => {
    expect(nonInferiorityTest({ successes: 10, trials: 10 }, { successes: 10, trials: 10 }, 0.01).pValueNonInferior).toBe(0);
    expect(nonInferiorityTest({ successes: 0, trials: 10 }, { successes: 10, trials: 10 }, 0.01).pValueInferior).toBe(0);
    expect(nonInferiorityTest({ successes: 0, trials: 0 }, { successes: 10, trials: 10 }, 0.01).pValueNonInferior).toBe(1);
  });
});

describe('compareProportions', () => {
  it('matches the pooled two-sided z-test', () => {
    // Reference: pooled p = 920/1000, z = (0.94 - 0.90) / sqrt(p(1-p)(2/500)), p = 2 * norm.sf(z).
    const result = compareProportions({ successes: 450, trials: 500 }, { successes: 470, trials: 500 });
    expect(result.difference).toBeCloseTo(0.04, 12);
    expect(result.z).toBeCloseTo(2.3312620206007804, 9);
    expect(result.pValue).toBeCloseTo(0.01973954756993835, 6);
    expect(result.intervalB.lower).toBeLessThan(0.94);
    expect(result.intervalB.upper).toBeGreaterThan(0.94);
  });
});

describe('evaluateGates', () => {
  it('promotes an equally good candidate', () => {
    const decision = evaluateGates(arm({ modelVersion: 'v2', correct: 910 }), production, DEFAULT_GATE_SETTINGS);
    expect(decision.decision).toBe('promote');
    expect(decision.checks.map((check) => check.status)).toEqual(['pass', 'pass', 'pass']);
    expect(decision.checks[0]!.value).toBeCloseTo(0.01, 12);
  });

  it('rolls back a less accurate candidate', () => {
    const decision = evaluateGates(arm({ modelVersion: 'v2', labelled: 300, correct: 240 }), production, DEFAULT_GATE_SETTINGS);
    expect(decision.decision).toBe('rollback');
    expect(decision.checks[0]!.status).toBe('fail');
    expect(decision.checks[0]!.reason).toContain('worse by more than 0.02');
    expect(decision.checks[0]!.details.pValueInferior).toBeLessThan(0.05);
  });

  it('rolls back on the error rate', () => {
    const decision = evaluateGates(arm({ modelVersion: 'v2', labelled: 10, correct: 9, requests: 195, errors: 5 }), production, DEFAULT_GATE_SETTINGS);
    expect(decision.decision).toBe('rollback');
    expect(decision.checks[1]).toMatchObject({ gate: 'error_rate', status: 'fail', value: 0.025, threshold: 0.01 });
    expect(decision.checks[0]!.status).toBe('pending');
  });

  it('rolls back on p99 latency', () => {
    const decision = evaluateGates(arm({ modelVersion: 'v2', p99LatencyMs: 31 }), production, DEFAULT_GATE_SETTINGS);
    expect(decision.decision).toBe('rollback');
    expect(decision.checks[2]).toMatchObject({ gate: 'p99_latency', status: 'fail', value: 31, threshold: 30 });
  });

  it('applies the absolute latency limit', () => {
    const settings = parseGateSettings({ maxP99LatencyMs: 15 });
    expect(evaluateGates(arm({ modelVersion: 'v2', p99LatencyMs: 16 }), production, settings).checks[2]!.status).toBe('fail');
  });

  it('waits below the minimum of labels', () => {
    const decision = evaluateGates(arm({ modelVersion: 'v2', labelled: 199, correct: 199 }), production, DEFAULT_GATE_SETTINGS);
    expect(decision.decision).toBe('wait');
    expect(decision.checks[0]!.reason).toContain('have 199');
  });

  it('waits while the test is inconclusive', () => {
    const decision = evaluateGates(arm({ modelVersion: 'v2', labelled: 300, correct: 264 }), production, DEFAULT_GATE_SETTINGS);
    expect(decision.decision).toBe('wait');
    expect(decision.checks[0]!.status).toBe('pending');
  });

  it('rolls back when still inconclusive at the maximum', () => {
    const settings = parseGateSettings({ minLabelled: 100, maxLabelled: 300 });
    const decision = evaluateGates(arm({ modelVersion: 'v2', labelled: 300, correct: 264 }), arm({ labelled: 300, correct: 270 }), settings);
    expect(decision.decision).toBe('rollback');
    expect(decision.checks[0]!.reason).toContain('non-inferiority not shown after 300');
  });
});

describe('parseGateSettings', () => {
  it('rejects unknown fields and bad ranges', () => {
    expect(() => parseGateSettings({ minLabeled: 5 })).toThrow(LifecycleError);
    expect(() => parseGateSettings({ alpha: 0.7 })).toThrow(/alpha/);
    expect(() => parseGateSettings({ minLabelled: 500, maxLabelled: 100 })).toThrow(/maxLabelled/);
  });
});
