import { spawnSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compareRuns } from '../../../core/tracking/compare-runs.js';
import { RunStore } from '../../../core/tracking/run-store.js';
import { trackRun } from '../../../core/tracking/track-run.js';
import { openDatabase, type DatabaseHandle } from '../../../db/open-database.js';

let handle: DatabaseHandle;
let store: RunStore;
const git = { commit: 'abc123', dirty: false };

beforeEach(() => {
  handle = openDatabase({ file: ':memory:' });
  store = new RunStore(handle.db);
});

afterEach(() => handle.close());

describe('RunStore', () => {
  it('records a run with epochs and outcome', () => {
    const id = store.start({ kind: 'train', command: 'train --epochs 2', params: { epochs: 2 }, git, backend: 'cpu' });
    store.recordEpoch(id, 1, { loss: 0.9 });
    store.recordEpoch(id, 2, { loss: 0.5 });
    store.recordEpoch(id, 2, { loss: 0.4 });
    store.succeed(id, { modelVersion: 'v3', metrics: { accuracy: 0.9 }, artifacts: ['models/v3'], datasetId: 'fashion-mnist', datasetSha256: 'ff' });

    const run = store.get(id);

    expect(run.status).toBe('succeeded');
    expect(run.endedAt).not.toBeNull();
    expect(run.params).toEqual({ epochs: 2 });
    expect(run.metrics).toEqual({ accuracy: 0.9 });
    expect(run.artifacts).toEqual(['models/v3']);
    expect(run.epochs.map((epoch) => epoch.metrics.loss)).toEqual([0.9, 0.4]);
    expect(run.gitCommit).toBe('abc123');
    expect(run.gitDirty).toBe(false);
    expect(run.pid).toBe(process.pid);
  });

  it('keeps the first outcome of a run', () => {
    const id = store.start({ kind: 'evaluate', command: 'evaluate', params: {}, git });
    store.fail(id, 'interrupted by SIGTERM');
    store.succeed(id, { metrics: { accuracy: 1 } });

    const run = store.get(id);

    expect(run.status).toBe('failed');
    expect(run.error).toBe('interrupted by SIGTERM');
  });

  it('marks runs of dead processes failed', () => {
    const exited = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    const deadPid = Number(exited.stdout.toString());
    const alive = store.start({ kind: 'train', command: 'train', params: {}, git });
    const dead = store.start({ kind: 'train', command: 'train', params: {}, git });
    handle.sqlite.prepare('UPDATE runs SET pid = ? WHERE id = ?').run(deadPid, dead);

    const marked = store.markStaleRuns();

    expect(marked).toEqual([dead]);
    expect(store.get(dead).status).toBe('failed');
    expect(store.get(dead).error).toContain(`process ${deadPid} ended without recording an outcome`);
    expect(store.get(alive).status).toBe('running');
  });

  it('lists newest first by kind', () => {
    store.start({ kind: 'train', command: 'a', params: {}, git });
    store.start({ kind: 'evaluate', command: 'b', params: {}, git });
    store.start({ kind: 'train', command: 'c', params: {}, git });

    expect(store.list().map((run) => run.command)).toEqual(['c', 'b', 'a']);
    expect(store.list({ kinds: ['train'], limit: 1 }).map((run) => run.command)).toEqual(['c']);
  });

  it('rejects an unknown run id', () => {
    expect(() => store.get(404)).toThrow(/Run 404 is not in the run store/);
  });
});

describe('trackRun', () => {
  it('marks a throwing body failed', async () => {
    const body = async () => {
      throw new Error('data validation failed');
    };

    await expect(trackRun(store, { kind: 'train', command: 'train', params: {}, git }, body)).rejects.toThrow('data validation failed');

    const [run] = store.list();
    expect(run?.status).toBe('failed');
    expect(run?.error).toBe('data validation failed');
    expect(process.listenerCount('SIGTERM')).toBe(0);
  });

  it('stores the returned fields on success', async () => {
    const { runId, result } = await trackRun(store, { kind: 'evaluate', command: 'evaluate', params: {}, git }, async (run) => {
      run.recordEpoch(1, { loss: 1 });
      return { result: 42, update: { metrics: { accuracy: 0.5 } } };
    });

    expect(result).toBe(42);
    expect(store.get(runId).status).toBe('succeeded');
    expect(store.get(runId).metrics).toEqual({ accuracy: 0.5 });
    expect(store.get(runId).epochs).toHaveLength(1);
  });
});

describe('compareRuns', () => {
  it('puts differing fields first', () => {
    const first = store.start({ kind: 'train', command: 'a', params: { training: { learningRate: 0.001, epochs: 3 } }, git });
    const second = store.start({ kind: 'train', command: 'b', params: { training: { learningRate: 0.003, epochs: 3 } }, git });
    store.succeed(first, { metrics: { accuracy: 0.9 } });
    store.succeed(second, { metrics: { accuracy: 0.92 } });

    const rows = compareRuns(store.get(first), store.get(second));

    expect(rows.filter((row) => row.differs).map((row) => row.field)).toEqual(['params.training.learningRate', 'metrics.accuracy']);
    expect(rows.find((row) => row.field === 'params.training.epochs')).toEqual({ field: 'params.training.epochs', first: 3, second: 3, differs: false });
  });
});
