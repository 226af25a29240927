import fs from 'node:fs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { promoteVersion, rollBack, startCanary, startExperiment, startShadow, type RolloutCommandContext } from '../../../core/lifecycle/rollout-commands.js';
import { RolloutStore } from '../../../core/lifecycle/rollout-store.js';
import type { ModelRegistry } from '../../../core/registry/model-registry.js';
import type { DatabaseHandle } from '../../../db/open-database.js';
import { trainTwoModels } from '../../api/rollout-service.js';
import { openTempDatabase } from './lifecycle-fixtures.js';

let registry: ModelRegistry;
let root: string;
let handle: DatabaseHandle;
let dir: string;
let context: RolloutCommandContext;

beforeAll(async () => {
  ({ registry, root } = await trainTwoModels());
});

afterAll(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

beforeEach(async () => {
  await registry.promote('v1');
  ({ handle, dir } = openTempDatabase());
  context = { store: new RolloutStore(handle), registry };
});

afterEach(() => {
  handle.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('rollout commands', () => {
  it('ramps a canary of the same version', () => {
    const first = startCanary(context, { version: 'v2', percent: 5, gates: { minLabelled: 300 } });
    const ramped = startCanary(context, { version: 'v2', percent: 25 });
    expect(ramped.id).toBe(first.id);
    expect(ramped.percent).toBe(25);
    expect(context.store.active()?.gates.minLabelled).toBe(300);
  });

  it('rejects bad versions and percents', () => {
    expect(() => startCanary(context, { version: 'v1', percent: 5 })).toThrow(/already the production model/);
    expect(() => startCanary(context, { version: 'v7', percent: 5 })).toThrow(/Version v7 cannot be rolled out/);
    expect(() => startCanary(context, { version: 'v2', percent: 0 })).toThrow(/--percent is 0/);
    expect(() => startCanary(context, { version: 'v2', percent: 5, gates: { alpha: 2 } })).toThrow(/Invalid gate settings/);
    expect(() => startExperiment(context, { versionA: 'v1', versionB: 'v1', split: 50 })).toThrow(/two versions/);
    expect(() => startExperiment(context, { versionA: 'v1', versionB: 'v2', split: 100 })).toThrow(/--split is 100/);
  });

  it('rejects a second rollout', () => {
    startShadow(context, 'v2');
    expect(() => startCanary(context, { version: 'v2', percent: 5 })).toThrow(/still active/);
  });

  it('promotes the canary candidate', async () => {
    const rollout = startCanary(context, { version: 'v2', percent: 5 });
    expect(await promoteVersion(context, 'v2')).toBe('v1');
    expect(registry.productionVersion()).toBe('v2');
    expect(context.store.get(rollout.id)?.status).toBe('promoted');
  });

  it('rolls back an active rollout', async () => {
    const rollout = startCanary(context, { version: 'v2', percent: 5 });
    expect(await rollBack(context)).toMatchObject({ kind: 'rollout', rollout: { id: rollout.id } });
    expect(context.store.get(rollout.id)?.status).toBe('rolled_back');
    expect(registry.list().find((entry) => entry.version === 'v2')?.stage).toBe('archived');
  });

  it('rolls production back to its predecessor', async () => {
    await promoteVersion(context, 'v2');
    expect(await rollBack(context)).toEqual({ kind: 'production', from: 'v2', to: 'v1' });
    expect(registry.productionVersion()).toBe('v1');
    expect(context.store.events({ limit: 1 })[0]?.message).toBe('rolled back production from v2 to v1');
  });

  it('reports nothing to roll back', async () => {
    await expect(rollBack(context)).rejects.toThrow(/No rollout is active/);
  });
});
