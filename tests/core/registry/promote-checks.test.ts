import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelRegistry } from '../../../core/registry/model-registry.js';
import { findPromotionFaults } from '../../../core/registry/promote-checks.js';
import { runScript } from '../../scripts/run-script.js';
import { trainTinyModel } from '../../helpers/tiny-model.js';

let registry: ModelRegistry;
let root: string;

/** Copies the trained version v1 to a new version folder so each test breaks its own copy. */
function copyVersion(version: string): string {
  const target = path.join(root, version);
  fs.cpSync(path.join(root, 'v1'), target, { recursive: true });
  const metadataFile = path.join(target, 'metadata.json');
  const metadata = JSON.parse(fs.readFileSync(metadataFile, 'utf8'));
  fs.writeFileSync(metadataFile, JSON.stringify({ ...metadata, version }));
  return target;
}

function editMetadata(dir: string, change: (metadata: Record<string, any>) => void): void {
  const file = path.join(dir, 'metadata.json');
  const metadata = JSON.parse(fs.readFileSync(file, 'utf8'));
  change(metadata);
  fs.writeFileSync(file, JSON.stringify(metadata));
}

beforeAll(async () => {
  ({ registry, root } = await trainTinyModel({ epochs: 1 }));
});

afterAll(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

describe('promote checks', () => {
  it('find no fault in a sound model', () => {
    expect(findPromotionFaults(path.join(root, 'v1'), registry.readMetadata('v1'))).toEqual([]);
  });

  it('reject a model without weights', async () => {
    const dir = copyVersion('v2');
    fs.rmSync(path.join(dir, 'weights.bin'));

    await expect(registry.promote('v2')).rejects.toMatchObject({ code: 'model_files_invalid' });
    await expect(registry.promote('v2')).rejects.toThrow(/weights\.bin cannot be read \(ENOENT\)/);
    expect(registry.productionVersion()).toBe('v1');
  });

  it('reject a missing reference profile', async () => {
    const dir = copyVersion('v3');
    fs.rmSync(path.join(dir, 'reference-profile.json'));

    await expect(registry.promote('v3')).rejects.toThrow(/reference-profile\.json cannot be read/);
  });

  it('reject metrics out of range', async () => {
    const dir = copyVersion('v4');
    editMetadata(dir, (metadata) => {
      metadata.metrics.validation.accuracy = 1.5;
      metadata.metrics.validation.count = 0;
    });

    await expect(registry.promote('v4')).rejects.toMatchObject({ code: 'model_metrics_invalid' });
    await expect(registry.promote('v4')).rejects.toThrow(/validation accuracy 1\.5 is not a number in \[0, 1\]; validation count 0 is not positive/);
  });

  it('reject missing metrics', async () => {
    const dir = copyVersion('v5');
    editMetadata(dir, (metadata) => {
      delete metadata.metrics;
    });

    await expect(registry.promote('v5')).rejects.toMatchObject({ code: 'model_metadata_invalid' });
  });

  it('reject unreadable metadata', async () => {
    const dir = copyVersion('v6');
    fs.writeFileSync(path.join(dir, 'metadata.json'), '{"version": "v6", trunc');

    await expect(registry.promote('v6')).rejects.toMatchObject({ code: 'model_metadata_invalid' });
  });

  it('reject a broken model from the command line', async () => {
    const result = await runScript('models', ['--models-dir', root, 'promote', 'v2']);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Model v2 cannot be promoted');
    expect(registry.productionVersion()).toBe('v1');
  });

  it('promote a sound copy', async () => {
    copyVersion('v7');

    await registry.promote('v7');

    expect(registry.productionVersion()).toBe('v7');
  });
});
