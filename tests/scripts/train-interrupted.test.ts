import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunStore } from '../../core/tracking/run-store.js';
import { openDatabase } from '../../db/open-database.js';
import { createShapeDataset } from '../core/data/folder-fixture.js';
import { startScript, waitForExit } from './run-script.js';

let root: string;
let work: string;

beforeAll(async () => {
  root = await createShapeDataset(20, 11);
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'snapclass-interrupted-'));
});

afterAll(() => {
  fs.rmSync(root, { recursive: true, force: true });
  fs.rmSync(work, { recursive: true, force: true });
});

/** Polls the run store until the newest run has recorded an epoch; returns that run's id. */
async function waitForFirstEpoch(dbFile: string, timeoutMs = 60_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (fs.existsSync(dbFile)) {
      const handle = openDatabase({ file: dbFile });
      try {
        const [run] = new RunStore(handle.db).list({ limit: 1 });
        if (run && new RunStore(handle.db).get(run.id).epochs.length > 0) return run.id;
      } finally {
        handle.close();
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`No epoch was recorded in ${dbFile} within ${timeoutMs} ms.`);
}

function readRun(dbFile: string, runId: number, markStale = false) {
  const handle = openDatabase({ file: dbFile });
  try {
    const store = new RunStore(handle.db);
    if (markStale) store.markStaleRuns();
    return store.get(runId);
  } finally {
    handle.close();
  }
}

const trainArgs = (name: string) => [
  '--dataset', `folder:${root}`,
  '--arch', 'mlp',
  '--epochs', '100000',
  '--batch-size', '4',
  '--patience', '0',
  '--db', path.join(work, `${name}.db`),
  '--models-dir', path.join(work, `${name}-models`),
];

describe('train script interrupted', () => {
  it('records SIGTERM midway as failed', async () => {
    const dbFile = path.join(work, 'term.db');
    const child = startScript('train', trainArgs('term'));
    const exit = waitForExit(child);

    const runId = await waitForFirstEpoch(dbFile);
    child.kill('SIGTERM');
    const result = await exit;

    const run = readRun(dbFile, runId);
    expect(result.code).toBe(143);
    expect(run.status).toBe('failed');
    expect(run.error).toBe('interrupted by SIGTERM');
    expect(run.endedAt).not.toBeNull();
    expect(run.epochs.length).toBeGreaterThan(0);
    expect(fs.existsSync(path.join(work, 'term-models', 'v1'))).toBe(false);
  });

  it('marks a SIGKILLed run failed later', async () => {
    const dbFile = path.join(work, 'kill.db');
    const child = startScript('train', trainArgs('kill'));
    const exit = waitForExit(child);

    const runId = await waitForFirstEpoch(dbFile);
    child.kill('SIGKILL');
    const result = await exit;

    expect(result.signal).toBe('SIGKILL');
    expect(readRun(dbFile, runId).status).toBe('running');
    const marked = readRun(dbFile, runId, true);
    expect(marked.status).toBe('failed');
    expect(marked.error).toContain('ended without recording an outcome');
  });
});
