import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFashionMnist } from '../../core/data/fashion-mnist.js';
import type { ImageSet } from '../../core/data/image-set.js';
import { loadServiceConfig } from '../../core/config.js';
import { silentLogger } from '../../core/logger.js';
import { DEFAULT_MONITORING_CONFIG } from '../../core/monitoring/monitoring-config.js';
import { ModelRegistry } from '../../core/registry/model-registry.js';
import { predictProbabilities } from '../../core/serving/predict-probabilities.js';
import { argmax } from '../../core/evaluation/metrics.js';
import { startService, type RunningService } from '../../api/service.js';
import { MINI_FASHION_MNIST_DIR, makeTempDir, trainTinyModel } from '../helpers/tiny-model.js';

let service: RunningService;
let test: ImageSet;
let classNames: string[];
let expectedLabels: string[];
let tempDir: string;
let modelsRoot: string;
let dbFile: string;

function pixelsOf(index: number): Uint8Array {
  return test.images.subarray(index * 784, (index + 1) * 784);
}

async function pngOf(index: number): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await sharp(pixelsOf(index), { raw: { width: 28, height: 28, channels: 1 } }).png().toBuffer());
}

function countRows(table: 'predictions' | 'feedback'): number {
  const db = new Database(dbFile, { readonly: true });
  try {
    return (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

async function postImage(body: BodyInit, contentType: string): Promise<{ status: number; json: any }> {
  const response = await fetch(`${service.url}/v1/predictions`, { method: 'POST', headers: { 'content-type': contentType }, body });
  return { status: response.status, json: await response.json() };
}

beforeAll(async () => {
  const { registry, root } = await trainTinyModel();
  modelsRoot = root;
  tempDir = makeTempDir('api');
  dbFile = path.join(tempDir, 'snapclass.db');
  const config = { ...loadServiceConfig({}), port: 0, dbFile, modelsDir: root };
  service = await startService({ config, registry, logger: silentLogger });

  const dataset = await loadFashionMnist(MINI_FASHION_MNIST_DIR, { expectedChecksums: null });
  test = dataset.test;
  classNames = [...dataset.classNames];
  // The expected answer for each test image is what the same model predicts in process.
  const loaded = service.predictions.model!;
  const probabilities = await predictProbabilities(loaded.model, test.images.subarray(0, 10 * 784), 10, loaded.metadata.preprocessing);
  expectedLabels = Array.from({ length: 10 }, (_, i) => classNames[argmax(probabilities, i * 10, 10)] as string);
});

afterAll(async () => {
  await service?.close();
  fs.rmSync(tempDir, { recursive: true, force: true });
  fs.rmSync(modelsRoot, { recursive: true, force: true });
});

describe('POST /v1/predictions', () => {
  it('answers a multipart PNG and stores its row', async () => {
    const form = new FormData();
    form.append('image', new Blob([await pngOf(0)], { type: 'image/png' }), 'item.png');
    form.append('userId', 'user-1');
    const before = countRows('predictions');

    const response = await fetch(`${service.url}/v1/predictions`, { method: 'POST', body: form });
    const body = await response.json();

    expect(response.status).toBe(201);
    expect(body.label).toBe(expectedLabels[0]);
    expect(body.classIndex).toBe(classNames.indexOf(body.label));
    expect(body.modelVersion).toBe('v1');
    expect(body.topK).toHaveLength(3);
    expect(body.topK[0].label).toBe(body.label);
    expect(body.topK[0].probability).toBeCloseTo(body.confidence, 6);
    expect(body.latencyMs).toBeGreaterThan(0);
    expect(countRows('predictions')).toBe(before + 1);

    const db = new Database(dbFile, { readonly: true });
    const row = db.prepare('SELECT * FROM predictions WHERE id = ?').get(body.id) as Record<string, any>;
    db.close();
    expect(row.label).toBe(body.label);
    expect(row.source).toBe('api');
    expect(row.user_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.user_hash).not.toContain('user-1');
    expect(Buffer.from(row.input_pixels).equals(Buffer.from(pixelsOf(0)))).toBe(true);
  });

  it('answers raw PNG bodies like the in-process model', async () => {
    for (let i = 1; i < 10; i++) {
      const { status, json } = await postImage(await pngOf(i), 'image/png');
      expect(status).toBe(201);
      expect(json.label).toBe(expectedLabels[i]);
    }
  });

  it('answers JSON pixels and base64 images', async () => {
    const pixels = await postImage(JSON.stringify({ pixels: Array.from(pixelsOf(2)) }), 'application/json');
    expect(pixels.status).toBe(201);
    expect(pixels.json.label).toBe(expectedLabels[2]);

    const base64 = await postImage(JSON.stringify({ image: Buffer.from(await pngOf(3)).toString('base64'), source: 'web' }), 'application/json');
    expect(base64.status).toBe(201);
    expect(base64.json.label).toBe(expectedLabels[3]);
  });

  const badInputs: { name: string; body: () => Promise<BodyInit>; type: string; status: number; code: string }[] = [
    { name: 'empty body', body: async () => new Uint8Array(0), type: 'image/png', status: 400, code: 'empty_input' },
    { name: 'truncated PNG', body: async () => (await pngOf(0)).subarray(0, 60), type: 'image/png', status: 400, code: 'undecodable_image' },
    { name: 'text named as PNG', body: async () => 'hello, this is not an image', type: 'image/png', status: 415, code: 'unsupported_media_type' },
    { name: 'PDF body', body: async () => '%PDF-1.4\n%\u00e2\u00e3\n1 0 obj\n<<>>\nendobj\n', type: 'application/pdf', status: 415, code: 'unsupported_media_type' },
    { name: 'wrong pixel count', body: async () => JSON.stringify({ pixels: [1, 2, 3] }), type: 'application/json', status: 400, code: 'wrong_pixel_count' },
    { name: 'JSON without image', body: async () => JSON.stringify({ source: 'api' }), type: 'application/json', status: 400, code: 'empty_input' },
    { name: 'malformed JSON', body: async () => '{"pixels": [1, 2', type: 'application/json', status: 400, code: 'invalid_request' },
  ];

  for (const input of badInputs) {
    it(`rejects ${input.name} with ${input.status} and stores nothing`, async () => {
      const before = countRows('predictions');
      const { status, json } = await postImage(await input.body(), input.type);
      expect(status).toBe(input.status);
      expect(json.error.code).toBe(input.code);
      expect(json.error.message).not.toMatch(/\n\s+at /);
      expect(countRows('predictions')).toBe(before);
    });
  }

  it('names the size limit in a 413', async () => {
    const limit = loadServiceConfig({}).maxUploadBytes;

    const { status, json } = await postImage(new Uint8Array(limit + 1), 'image/png');

    expect(status).toBe(413);
    expect(json.error.message).toBe(
      `The request body of ${limit + 1} bytes is over the limit of ${limit} bytes for this endpoint (SNAPCLASS_MAX_UPLOAD_BYTES sets it for images). Send a smaller image.`,
    );
  });

  it('rejects an SVG image with 415', async () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="28" height="28"><rect width="28" height="28" fill="white"/></svg>';
    const { status, json } = await postImage(svg, 'image/svg+xml');
    expect(status).toBe(415);
    expect(json.error.code).toBe('unsupported_media_type');
  });
});

describe('GET /v1/predictions/:id and feedback', () => {
  it('returns a stored prediction and 404 for an unknown id', async () => {
    const { json: created } = await postImage(await pngOf(4), 'image/png');
    const found = await fetch(`${service.url}/v1/predictions/${created.id}`);
    expect(found.status).toBe(200);
    expect((await found.json()).label).toBe(created.label);

    const missing = await fetch(`${service.url}/v1/predictions/no-such-id`);
    expect(missing.status).toBe(404);
    expect((await missing.json()).error.code).toBe('prediction_not_found');
  });

  it('replaces a repeated feedback from one user', async () => {
    const { json: created } = await postImage(await pngOf(5), 'image/png');
    const send = (body: object) =>
      fetch(`${service.url}/v1/predictions/${created.id}/feedback`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const wrongLabel = classNames.find((name) => name !== created.label)!;

    expect((await send({ verdict: 'correct', userId: 'alice' })).status).toBe(200);
    expect((await send({ verdict: 'incorrect', label: wrongLabel, userId: 'alice' })).status).toBe(200);
    expect((await send({ verdict: 'correct', userId: 'bob' })).status).toBe(200);

    const db = new Database(dbFile, { readonly: true });
    const rows = db.prepare('SELECT verdict, label FROM feedback WHERE prediction_id = ? ORDER BY verdict').all(created.id);
    db.close();
    expect(rows).toEqual([
      { verdict: 'correct', label: created.label },
      { verdict: 'incorrect', label: wrongLabel },
    ]);
  });

  it('lists replaced feedback on GET', async () => {
    const { json: created } = await postImage(await pngOf(7), 'image/png');
    const url = `${service.url}/v1/predictions/${created.id}`;
    const send = (body: object) => fetch(`${url}/feedback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const other = classNames.find((name) => name !== created.label)!;

    expect((await send({ verdict: 'correct', userId: 'dave', source: 'web' })).status).toBe(200);
    const replaced = await send({ verdict: 'incorrect', label: other, userId: 'dave', source: 'web' });
    expect(replaced.status).toBe(200);
    expect(await replaced.json()).toMatchObject({ predictionId: created.id, verdict: 'incorrect', label: other, source: 'web' });

    const body = await (await fetch(url)).json();
    expect(body.feedback).toHaveLength(1);
    expect(body.feedback[0]).toMatchObject({ verdict: 'incorrect', label: other, source: 'web' });
    expect(body.inputSha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('rejects contradicting or anonymous feedback with 400', async () => {
    const { json: created } = await postImage(await pngOf(8), 'image/png');
    const send = (body: object) =>
      fetch(`${service.url}/v1/predictions/${created.id}/feedback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const other = classNames.find((name) => name !== created.label)!;

    const contradicting = await send({ verdict: 'correct', label: other, userId: 'eve' });
    expect(contradicting.status).toBe(400);
    expect((await contradicting.json()).error.code).toBe('invalid_request');
    const anonymous = await send({ verdict: 'correct' });
    expect(anonymous.status).toBe(400);
    expect((await anonymous.json()).error.message).toMatch(/^Invalid feedback: userId: /);
    const badVerdict = await send({ verdict: 'maybe', userId: 'eve' });
    expect(badVerdict.status).toBe(400);

    const db = new Database(dbFile, { readonly: true });
    const stored = db.prepare('SELECT COUNT(*) AS n FROM feedback WHERE prediction_id = ?').get(created.id);
    db.close();
    expect(stored).toEqual({ n: 0 });
  });

  it('rejects form-encoded feedback with 415', async () => {
    const { json: created } = await postImage(await pngOf(5), 'image/png');
    const before = countRows('feedback');

    const response = await fetch(`${service.url}/v1/predictions/${created.id}/feedback`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'verdict=correct&userId=dave',
    });

    expect(response.status).toBe(415);
    const body = await response.json();
    expect(body.error.code).toBe('unsupported_media_type');
    expect(body.error.message).toMatch(/^Feedback must be sent as JSON, but Content-Type is "application\/x-www-form-urlencoded"\. Send Content-Type: application\/json/);
    expect(countRows('feedback')).toBe(before);
  });

  it('rejects an unknown label with 422 and an unknown prediction with 404', async () => {
    const { json: created } = await postImage(await pngOf(6), 'image/png');
    const unknownLabel = await fetch(`${service.url}/v1/predictions/${created.id}/feedback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ verdict: 'incorrect', label: 'Hat', userId: 'carol' }),
    });
    expect(unknownLabel.status).toBe(422);
    expect((await unknownLabel.json()).error.code).toBe('unknown_label');

    const unknownPrediction = await fetch(`${service.url}/v1/predictions/00000000-0000-0000-0000-000000000000/feedback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ verdict: 'correct', userId: 'carol' }),
    });
    expect(unknownPrediction.status).toBe(404);
  });
});

describe('health and models', () => {
  it('reports live and ready with the model version', async () => {
    expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${service.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', modelVersion: 'v1', databaseWritable: true });
  });

  it('lists the production model', async () => {
    const response = await fetch(`${service.url}/v1/models`);
    const body = await response.json();
    expect(body.production).toBe('v1');
    expect(body.models[0].stage).toBe('production');
    expect(body.models[0].metrics.accuracy).toBeGreaterThan(0.3);
  });

  it('answers unknown routes with JSON 404', async () => {
    const response = await fetch(`${service.url}/v1/nothing`);
    expect(response.status).toBe(404);
    expect((await response.json()).error.code).toBe('not_found');
  });
});

describe('startService', () => {
  it('names PORT when the port is taken', async () => {
    const port = Number(new URL(service.url).port);
    const registry = new ModelRegistry(modelsRoot);
    const config = { ...loadServiceConfig({}), port, dbFile: path.join(tempDir, 'second.db'), modelsDir: modelsRoot };

    const second = startService({ config, registry, logger: silentLogger, monitoring: { ...DEFAULT_MONITORING_CONFIG, enabled: false } });

    await expect(second).rejects.toThrow(`Port ${port} on 127.0.0.1 is already in use. Stop the other process or set PORT to a free port.`);
  });
});
