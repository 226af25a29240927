import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_GATE_SETTINGS } from '../../../core/lifecycle/gate-settings.js';
import { LifecycleError } from '../../../core/lifecycle/errors.js';
import { RolloutStore } from '../../../core/lifecycle/rollout-store.js';
import { PredictionStore } from '../../../db/prediction-store.js';
import { openDatabase, type DatabaseHandle } from '../../../db/open-database.js';
import { insertPredictions, openTempDatabase } from './lifecycle-fixtures.js';

let handle: DatabaseHandle;
let file: string;
let dir: string;
let store: RolloutStore;

const canary = { kind: 'canary' as const, productionVersion: 'v1', candidateVersion: 'v2', percent: 10, gates: DEFAULT_GATE_SETTINGS, automatic: true };

beforeEach(() => {
  ({ handle, file, dir } = openTempDatabase());
  store = new RolloutStore(handle);
});

afterEach(() => {
  handle.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('RolloutStore', () => {
  it('keeps one active rollout', () => {
    const started = store.start(canary);
    expect(store.active()).toMatchObject({ id: started.id, kind: 'canary', percent: 10, status: 'active', gates: DEFAULT_GATE_SETTINGS });
    expect(() => store.start({ ...canary, candidateVersion: 'v3' })).toThrow(LifecycleError);
    expect(() => store.start({ ...canary, candidateVersion: 'v3' })).toThrow(/Rollout 1 \(canary of v2\) is still active/);
  });

  it('ends a rollout only once', () => {
    const { id } = store.start(canary);
    expect(store.finish(id, 'rolled_back', 'gate failed')).toBe(true);
    expect(store.finish(id, 'promoted', 'gates passed')).toBe(false);
    expect(store.get(id)).toMatchObject({ status: 'rolled_back', endReason: 'gate failed' });
    expect(store.active()).toBeNull();
    expect(store.start({ ...canary, candidateVersion: 'v3' }).id).toBe(id + 1);
  });

  it('logs starts, percent changes and ends', () => {
    const { id } = store.start(canary);
    store.setPercent(id, 25);
    store.finish(id, 'promoted', 'v2 promoted', { previousVersion: 'v1' });
    const events = store.events({ rolloutId: id });
    expect(events.map((event) => event.kind)).toEqual(['promoted', 'percent_changed', 'started']);
    expect(events[1]!.details).toEqual({ from: 10, to: 25 });
    expect(store.lastProductionChange()?.details).toEqual({ previousVersion: 'v1' });
    expect(() => store.setPercent(id, 50)).toThrow(/not active/);
  });

  it('survives reopening the database', () => {
    const { id } = store.start(canary);
    handle.close();
    handle = openDatabase({ file });
    expect(new RolloutStore(handle).active()?.id).toBe(id);
  });

  it('counts arm numbers from predictions and feedback', () => {
    insertPredictions(handle, { modelVersion: 'v2', count: 5, createdAt: '2000-01-01T00:00:00.000Z' });
    const rollout = store.start(canary);
    insertPredictions(handle, { modelVersion: 'v2', count: 100, labelled: 40, correct: 30, latencyMs: (i) => i + 1 });
    insertPredictions(handle, { modelVersion: 'v1', count: 10, labelled: 10, correct: 10 });
    store.incrementErrors(rollout.id, 'v2');
    store.incrementErrors(rollout.id, 'v2');

    // Percentiles as numpy.percentile([1, ..., 100], [50, 99]) computes them: 50.5 and 99.01.
    const stats = store.armStats(rollout, 'v2');
    expect(stats).toMatchObject({ modelVersion: 'v2', requests: 100, errors: 2, labelled: 40, correct: 30 });
    expect(stats.p50LatencyMs).toBeCloseTo(50.5, 9);
    expect(stats.p99LatencyMs).toBeCloseTo(99.01, 9);
    expect(store.armStats(rollout, 'v1')).toMatchObject({ requests: 10, errors: 0, labelled: 10, correct: 10 });
  });

  it('counts the latest feedback of a prediction once', () => {
    const rollout = store.start(canary);
    const [id] = insertPredictions(handle, { modelVersion: 'v2', count: 1, labelled: 1, correct: 1 });
    const predictions = new PredictionStore(handle);
    predictions.upsertFeedback({ predictionId: id!, userHash: 'someone-else', source: 'test', verdict: 'incorrect', label: 'Sandal' });
    expect(store.armStats(rollout, 'v2')).toMatchObject({ labelled: 1, correct: 0 });
  });

  it('summarises shadow agreement per class', () => {
    const rollout = store.start({ ...canary, kind: 'shadow', percent: 0 });
    const base = { rolloutId: rollout.id, candidateVersion: 'v2', productionLatencyMs: 4, error: null };
    store.recordShadowResult({ ...base, predictionId: 'a', productionClassIndex: 0, candidateClassIndex: 0, candidateLatencyMs: 2 });
    store.recordShadowResult({ ...base, predictionId: 'b', productionClassIndex: 0, candidateClassIndex: 6, candidateLatencyMs: 2 });
    store.recordShadowResult({ ...base, predictionId: 'c', productionClassIndex: 3, candidateClassIndex: 3, candidateLatencyMs: 6 });
    store.recordShadowResult({ ...base, predictionId: 'd', productionClassIndex: 3, candidateClassIndex: null, candidateLatencyMs: null, error: 'timed out after 2000 ms' });

    // numpy.percentile([2, 2, 6], 99) = 5.92.
    expect(store.shadowSummary(rollout.id)).toEqual({
      compared: 4,
      failed: 1,
      agreed: 2,
      agreement: 2 / 3,
      perClass: [
        { classIndex: 0, answered: 2, disagreed: 1 },
        { classIndex: 3, answered: 1, disagreed: 0 },
      ],
      productionLatencyMs: { p50: 4, p99: 4 },
      candidateLatencyMs: { p50: 2, p99: expect.closeTo(5.92, 9) },
    });
  });
});
