import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { referenceProfileSchema } from '../../core/features/reference-profile.js';
import { ModelRegistry } from '../../core/registry/model-registry.js';
import { createShapeDataset } from '../core/data/folder-fixture.js';
import { runScript } from './run-script.js';

let root: string;
let work: string;
let common: string[];

beforeAll(async () => {
  root = await createShapeDataset(24, 21);
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'snapclass-e2e-'));
  common = ['--db', path.join(work, 'runs.db'), '--models-dir', path.join(work, 'models')];
});

afterAll(() => {
  fs.rmSync(root, { recursive: true, force: true });
  fs.rmSync(work, { recursive: true, force: true });
});

describe('folder data set end to end', () => {
  it('trains, evaluates and tracks both runs', async () => {
    const train = await runScript('train', [
      '--dataset', `folder:${root}`,
      '--arch', 'cnn-fast', '--batch-norm', '--width', '0.5',
      '--epochs', '6', '--batch-size', '8', '--learning-rate', '0.01',
      '--augment', 'shift=1',
      '--json',
      ...common,
    ]);
    expect(train.stderr).not.toMatch(/train: /);
    expect(train.code).toBe(0);
    const metadata = JSON.parse(train.stdout) as { version: string; runId: number; split: { file: string }; referenceProfile: string };
    expect(metadata.version).toBe('v1');
    expect(metadata.split.file).toBe(path.join(root, '.snapclass-split.json'));
    const profile = JSON.parse(fs.readFileSync(path.join(work, 'models', 'v1', metadata.referenceProfile), 'utf8'));
    expect(referenceProfileSchema.parse(profile).classMix).toEqual({ bar: 1 / 3, ring: 1 / 3, square: 1 / 3 });

    const evaluate = await runScript('evaluate', ['--model', 'production', '--split', 'test', '--latency-images', '10', '--json', ...common]);
    expect(evaluate.code).toBe(0);
    const report = JSON.parse(evaluate.stdout);
    expect(report.model).toBe('v1');
    expect(report.metrics.count).toBe(6);
    expect(report.metrics.confusionMatrix.flat().reduce((sum: number, value: number) => sum + value, 0)).toBe(6);
    expect(report.metrics.expectedCalibrationError).toBeGreaterThanOrEqual(0);
    expect(report.latency.count).toBe(6);
    expect(report.latency.p99Ms).toBeGreaterThanOrEqual(report.latency.p50Ms);
    expect(report.baselines.map((baseline: { name: string }) => baseline.name)).toEqual(['nearest-centroid', 'logistic-regression']);
    expect(report.warnings).toEqual([]);

    const runs = await runScript('runs', ['list', '--json', '--db', path.join(work, 'runs.db')]);
    const listed = JSON.parse(runs.stdout) as { id: number; kind: string; status: string; modelVersion: string; datasetSha256: string }[];
    expect(listed.map((run) => [run.kind, run.status, run.modelVersion])).toEqual([
      ['evaluate', 'succeeded', 'v1'],
      ['train', 'succeeded', 'v1'],
    ]);
    expect(listed[0]?.datasetSha256).toBe(listed[1]?.datasetSha256);
    expect(new ModelRegistry(path.join(work, 'models')).productionVersion()).toBe('v1');
  });

  it('stops on data faults with a report', async () => {
    fs.copyFileSync(path.join(root, 'bar', '000.png'), path.join(root, 'ring', 'copied-bar.png'));
    fs.writeFileSync(path.join(root, 'square', 'empty.png'), '');

    const train = await runScript('train', ['--dataset', `folder:${root}`, '--split-file', path.join(work, 'fresh-split.json'), '--arch', 'mlp', '--epochs', '1', '--limit', 'maxConflictingLabels=0', ...common]);

    expect(train.code).toBe(1);
    expect(train.stderr).toContain('Data validation found');
    expect(train.stderr).toContain('unreadable_file');
    expect(train.stderr).toContain(path.join(root, 'square', 'empty.png'));
    expect(train.stderr).toContain('conflicting_labels');
  });

  it('evaluates readable tables without --json', async () => {
    const evaluate = await runScript('evaluate', ['--model', 'v1', '--split', 'validation', '--baselines', 'nearest-centroid', '--latency-images', '5', ...common]);

    expect(evaluate.code).toBe(0);
    expect(evaluate.stdout).toContain('Model v1 on the validation split');
    expect(evaluate.stdout).toMatch(/baseline: nearest-centroid\s+\d+\.\d+%/);
    expect(evaluate.stdout).toContain('Confusion matrix');
  });
});
