import { describe, expect, it } from 'vitest';
import { ShadowRunner, type ShadowJob, type ShadowOutcome } from '../../../core/lifecycle/shadow-runner.js';

function job(index: number): ShadowJob {
  return { predictionId: `p${index}`, pixels: new Uint8Array([index]), productionClassIndex: index % 10, productionLatencyMs: 3 };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('ShadowRunner', () => {
  it('returns from submit before the shadow runs', async () => {
    const calls: number[] = [];
    const outcomes: ShadowOutcome[] = [];
    const runner = new ShadowRunner({ classify: async (inputs) => (calls.push(inputs.length), inputs.map((input) => input[0]! % 10)), record: (outcome) => outcomes.push(outcome) });

    expect(runner.submit(job(1))).toBe(true);
    expect(runner.submit(job(2))).toBe(true);
    expect(calls).toEqual([]);
    await runner.drain();

    expect(calls).toEqual([2]);
    expect(outcomes.map((outcome) => [outcome.job.predictionId, outcome.candidateClassIndex, outcome.error])).toEqual([
      ['p1', 1, null],
      ['p2', 2, null],
    ]);
    expect(outcomes[0]!.candidateLatencyMs).toBeGreaterThanOrEqual(0);
  });

  it('records a throwing shadow as failed', async () => {
    const outcomes: ShadowOutcome[] = [];
    const runner = new ShadowRunner({
      classify: async () => {
        throw new Error('weights are NaN');
      },
      record: (outcome) => outcomes.push(outcome),
    });
    runner.submit(job(1));
    await runner.drain();
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]).toMatchObject({ candidateClassIndex: null, candidateLatencyMs: null, error: 'weights are NaN' });
  });

  it('times out a slow shadow', async () => {
    const outcomes: ShadowOutcome[] = [];
    const runner = new ShadowRunner({ classify: async (inputs) => (await sleep(300), inputs.map(() => 0)), record: (outcome) => outcomes.push(outcome), timeoutMs: 50 });
    runner.submit(job(1));
    await sleep(120);
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]!.error).toBe('timed out after 50 ms');
    await sleep(250);
    expect(outcomes).toHaveLength(1);
  });

  it('drops jobs when a hung shadow fills the queue', async () => {
    const outcomes: ShadowOutcome[] = [];
    let calls = 0;
    const runner = new ShadowRunner({ classify: () => (calls++, new Promise<number[]>(() => undefined)), record: (outcome) => outcomes.push(outcome), timeoutMs: 20, maxQueue: 3, maxBatchSize: 1 });
    runner.submit(job(0));
    await sleep(5);
    const accepted = [1, 2, 3, 4, 5].map((index) => runner.submit(job(index)));
    await sleep(60);

    expect(accepted).toEqual([true, true, true, false, false]);
    expect(runner.dropped).toBe(2);
    expect(calls).toBe(1);
    expect(outcomes.map((outcome) => outcome.error)).toEqual(['timed out after 20 ms']);
  });

  it('survives a failing record callback', async () => {
    let recorded = 0;
    const runner = new ShadowRunner({
      classify: async (inputs) => inputs.map(() => 1),
      record: () => {
        recorded++;
        throw new Error('database is locked');
      },
      maxBatchSize: 1,
    });
    runner.submit(job(1));
    runner.submit(job(2));
    await runner.drain();
    expect(recorded).toBe(2);
  });
});
