import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, type RunningService } from '../../api/service.js';
import { loadServiceConfig } from '../../core/config.js';
import { createLogger } from '../../core/logger.js';
import { DEFAULT_MONITORING_CONFIG } from '../../core/monitoring/monitoring-config.js';
import type { ModelRegistry } from '../../core/registry/model-registry.js';
import { makeTempDir, trainTinyModel } from '../helpers/tiny-model.js';

// Request ids and request logs at info level, where pino-http logs each request, and at warn
// level, where the service only sets the id.

interface LogLine {
  msg: string;
  requestId?: string;
  req?: { method: string; url: string };
  res?: { statusCode: number };
}

let registry: ModelRegistry;
let modelsRoot: string;
let tempDir: string;
const services: RunningService[] = [];

beforeAll(async () => {
  ({ registry, root: modelsRoot } = await trainTinyModel());
  tempDir = makeTempDir('request-logging');
});

afterAll(async () => {
  await Promise.all(services.map((service) => service.close()));
  fs.rmSync(tempDir, { recursive: true, force: true });
  fs.rmSync(modelsRoot, { recursive: true, force: true });
});

async function startLogged(level: string): Promise<{ service: RunningService; lines: LogLine[] }> {
  const lines: LogLine[] = [];
  const logger = createLogger({ level, destination: { write: (line: string) => void lines.push(JSON.parse(line)) } });
  const config = { ...loadServiceConfig({}), port: 0, dbFile: path.join(tempDir, `${level}.db`), modelsDir: modelsRoot };
  const service = await startService({ config, registry, logger, monitoring: { ...DEFAULT_MONITORING_CONFIG, enabled: false } });
  services.push(service);
  return { service, lines };
}

async function postPixels(service: RunningService): Promise<Response> {
  return fetch(`${service.url}/v1/predictions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ pixels: new Array<number>(784).fill(40), source: 'test' }),
  });
}

describe('request ids and logs', () => {
  it('logs each request at info', async () => {
    const { service, lines } = await startLogged('info');

    const response = await postPixels(service);
    await response.json();
    // pino-http logs once the response has finished, which may follow the client's read.
    await new Promise((resolve) => setTimeout(resolve, 50));

    expect(response.status).toBe(201);
    const requestId = response.headers.get('x-request-id');
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    const logged = lines.filter((line) => line.msg === 'request completed');
    expect(logged).toHaveLength(1);
    expect(logged[0]!.requestId).toBe(requestId);
    expect(logged[0]!.req?.url).toBe('/v1/predictions');
    expect(logged[0]!.res?.statusCode).toBe(201);
  });

  it('sets ids without logging at warn', async () => {
    const { service, lines } = await startLogged('warn');

    const first = await postPixels(service);
    const second = await fetch(`${service.url}/v1/predictions/missing-id`);
    await Promise.all([first.json(), second.json()]);

    expect(first.status).toBe(201);
    expect(second.status).toBe(404);
    expect(first.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(second.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(second.headers.get('x-request-id')).not.toBe(first.headers.get('x-request-id'));
    expect(lines.filter((line) => line.msg === 'request completed')).toEqual([]);
  });
});
