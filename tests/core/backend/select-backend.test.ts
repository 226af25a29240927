import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';

import { BackendUnavailableError } from '../../../core/backend/errors.js';
import { BACKEND_ENV_VAR, selectBackend, type BackendName } from '../../../core/backend/select-backend.js';
import { ConfigError } from '../../../core/errors.js';
import { createLogger, type Logger } from '../../../core/logger.js';

interface LogLine {
  level: number;
  msg: string;
  component?: string;
  backend?: string;
  reason?: string;
  fallback?: string | null;
  fallbacks?: string[];
  simd?: boolean;
  threads?: number;
}

const INFO = 30;
const WARN = 40;

function captureLogs(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const logger = createLogger({
    level: 'debug',
    destination: { write: (line: string) => lines.push(JSON.parse(line) as LogLine) },
  });
  return { logger, lines };
}

afterEach(() => {
  delete process.env[BACKEND_ENV_VAR];
});

describe('selectBackend', () => {
  // @tensorflow/tfjs-node is not installed here (its install script downloads libtensorflow), so
  // the default order falls back from tensorflow to wasm. Where it is installed, this test fails
  // on purpose, because the other expectations in this file assume the fallback.
  it('falls back to wasm here', async () => {
    const { logger, lines } = captureLogs();

    const selection = await selectBackend({ logger });

    expect(selection.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(selection.fallbacks).toHaveLength(1);
    expect(selection.fallbacks[0]).toMatch(/^tensorflow: .*@tensorflow\/tfjs-node/);

    const warning = lines.find((line) => line.level === WARN);
    expect(warning).toMatchObject({ component: 'backend', backend: 'tensorflow', fallback: 'wasm' });
    expect(warning?.reason).toContain('@tensorflow/tfjs-node');
    const info = lines.find((line) => line.level === INFO);
    expect(info).toMatchObject({ component: 'backend', backend: 'wasm', simd: true, threads: 1 });
    expect(info?.fallbacks).toEqual(selection.fallbacks);
  });

  it('registers the wasm training kernels', async () => {
    await selectBackend({ logger: captureLogs().logger });

    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
    const gradient = tf.tidy(() =>
      tf.grad((filter) => tf.sum(tf.conv2d(tf.ones([1, 3, 3, 1]) as tf.Tensor4D, filter as tf.Tensor4D, 1, 'valid')))(tf.ones([2, 2, 1, 1])),
    );
    expect(Array.from(gradient.dataSync())).toEqual([4, 4, 4, 4]);
    gradient.dispose();
  });

  it('returns the same selection when called twice', async () => {
    await selectBackend({ logger: captureLogs().logger });
    const { logger, lines } = captureLogs();

    const selection = await selectBackend({ logger });

    expect(selection.name).toBe('wasm');
    expect(selection.fallbacks[0]).toMatch(/^tensorflow: /);
    expect(lines).toEqual([]);
  });

  it('picks cpu when the variable forces it', async () => {
    process.env[BACKEND_ENV_VAR] = 'cpu';
    const { logger, lines } = captureLogs();

    const selection = await selectBackend({ logger });

    expect(selection).toEqual({ name: 'cpu', fallbacks: [] });
    expect(tf.getBackend()).toBe('cpu');
    expect(lines.filter((line) => line.level === WARN)).toEqual([]);
    expect(lines.find((line) => line.level === INFO)).toMatchObject({ backend: 'cpu' });
  });

  it('starts from the preferred backend', async () => {
    const selection = await selectBackend({ logger: captureLogs().logger, preferred: 'cpu' });

    expect(selection).toEqual({ name: 'cpu', fallbacks: [] });
    expect(tf.getBackend()).toBe('cpu');
  });

  it('lets the variable override preferred', async () => {
    process.env[BACKEND_ENV_VAR] = 'wasm';

    const selection = await selectBackend({ logger: captureLogs().logger, preferred: 'cpu' });

    expect(selection).toEqual({ name: 'wasm', fallbacks: [] });
    expect(tf.getBackend()).toBe('wasm');
  });

  it('rejects an invalid variable value', async () => {
    process.env[BACKEND_ENV_VAR] = 'gpu';
    const before = tf.getBackend();

    const selection = selectBackend({ logger: captureLogs().logger });

    await expect(selection).rejects.toThrow(ConfigError);
    await expect(selection).rejects.toMatchObject({ code: 'invalid_config' });
    await expect(selection).rejects.toThrow(`${BACKEND_ENV_VAR} is 'gpu'`);
    await expect(selection).rejects.toThrow('tensorflow, wasm, cpu');
    expect(tf.getBackend()).toBe(before);
  });

  it('raises when a forced backend fails', async () => {
    process.env[BACKEND_ENV_VAR] = 'tensorflow';

    const selection = selectBackend({ logger: captureLogs().logger });

    await expect(selection).rejects.toThrow(BackendUnavailableError);
    await expect(selection).rejects.toMatchObject({ code: 'backend_unavailable' });
    await expect(selection).rejects.toThrow(`${BACKEND_ENV_VAR} is 'tensorflow', but the tensorflow backend failed to start`);
  });

  it('rejects an unknown preferred backend', async () => {
    const selection = selectBackend({ logger: captureLogs().logger, preferred: 'gpu' as BackendName });

    await expect(selection).rejects.toThrow(ConfigError);
    await expect(selection).rejects.toThrow("preferred is 'gpu', which is not a backend");
  });

  it.each([0, -2, 1.5, Number.NaN])('rejects threads %s', async (threads) => {
    const selection = selectBackend({ logger: captureLogs().logger, threads });

    await expect(selection).rejects.toThrow(ConfigError);
    await expect(selection).rejects.toThrow(`threads is ${threads}, which is not a positive integer`);
  });

  it('warns that wasm runs single-threaded', async () => {
    const { logger, lines } = captureLogs();

    const selection = await selectBackend({ logger, preferred: 'wasm', threads: 2 });

    expect(selection).toEqual({ name: 'wasm', fallbacks: [] });
    expect(lines.find((line) => line.level === WARN)).toMatchObject({ backend: 'wasm', threads: 2 });
    expect(lines.find((line) => line.level === INFO)).toMatchObject({ backend: 'wasm', threads: 1 });
  });
});
