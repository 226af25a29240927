import http from 'node:http';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.js';
import { FeedbackService } from '../../core/serving/feedback-service.js';
import { PredictionService } from '../../core/serving/prediction-service.js';
import { createApp } from '../../api/create-app.js';
import { startTestService, type TestService } from './test-service.js';

// Faults of the service itself: a database that stops accepting writes, a missing or broken
// model, and slow requests.

let t: TestService;
let png: Buffer;

beforeAll(async () => {
  t = await startTestService({ requestTimeoutMs: 400 });
  png = await sharp(t.pixelsOf(0), { raw: { width: 28, height: 28, channels: 1 } }).png().toBuffer();
});

afterAll(async () => {
  await t?.stop();
});

async function postPng(url = t.service.url): Promise<{ status: number; body: any }> {
  const response = await fetch(`${url}/v1/predictions`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: new Uint8Array(png) });
  return { status: response.status, body: await response.json() };
}

async function readiness(): Promise<{ status: number; body: any }> {
  const response = await fetch(`${t.service.url}/readyz`);
  return { status: response.status, body: await response.json() };
}

describe('database that cannot be written', () => {
  afterEach(() => {
    t.service.database.sqlite.pragma('query_only = OFF');
  });

  it('answers 503 while the database is read-only', async () => {
    const { body: created } = await postPng();
    const before = t.countRows('predictions');
    // query_only makes SQLite refuse writes on the service's own connection with
    // SQLITE_READONLY, the error a read-only file or file system gives. chmod on the file
    // would not do, because the open connection keeps its write handle and tests run as root.
    t.service.database.sqlite.pragma('query_only = ON');

    const predicted = await postPng();
    expect(predicted.status).toBe(503);
    expect(predicted.body.error.code).toBe('database_unavailable');
    expect(predicted.body.error.message).toMatch(/readonly/);
    expect(t.countRows('predictions')).toBe(before);

    const feedback = await fetch(`${t.service.url}/v1/predictions/${created.id}/feedback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ verdict: 'correct', userId: 'dana' }),
    });
    expect(feedback.status).toBe(503);
    expect(t.countRows('feedback')).toBe(0);

    const ready = await readiness();
    expect(ready.status).toBe(503);
    expect(ready.body).toEqual({ status: 'not_ready', modelVersion: 'v1', databaseWritable: false });

    t.service.database.sqlite.pragma('query_only = OFF');
    expect((await postPng()).status).toBe(201);
    expect(t.countRows('predictions')).toBe(before + 1);
    expect((await readiness()).status).toBe(200);
  });

  it('answers 503 to every request of a failed batch', async () => {
    const before = t.countRows('predictions');
    const batchesBefore = await batchCounts();
    t.service.database.sqlite.pragma('query_only = ON');

    const answers = await Promise.all(Array.from({ length: 40 }, () => postPng()));

    for (const answer of answers) {
      expect(answer.status).toBe(503);
      expect(answer.body.error.code).toBe('database_unavailable');
    }
    expect(t.countRows('predictions')).toBe(before);
    // The 40 requests shared fewer than 40 model calls, so whole batches failed together.
    const batchesAfter = await batchCounts();
    expect(batchesAfter.images - batchesBefore.images).toBe(40);
    expect(batchesAfter.calls - batchesBefore.calls).toBeLessThan(40);
  });
});

async function batchCounts(): Promise<{ calls: number; images: number }> {
  const values = (await t.service.metrics.batchSize.get()).values;
  const find = (name: string) => values.find((value) => value.metricName === name)?.value ?? 0;
  return { calls: find('snapclass_batch_size_count'), images: find('snapclass_batch_size_sum') };
}

describe('slow requests', () => {
  it('answers 504 after the timeout and stores nothing', async () => {
    const before = t.countRows('predictions');
    const { port } = new URL(t.service.url);

    // Send the headers and half of the body, then stall as a slow client would.
    const started = performance.now();
    const answer = await new Promise<{ status: number; body: any }>((resolve, reject) => {
      const request = http.request(
        { host: '127.0.0.1', port, method: 'POST', path: '/v1/predictions', headers: { 'content-type': 'image/png', 'content-length': png.length } },
        (response) => {
          let text = '';
          response.on('data', (chunk) => (text += chunk));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) }));
        },
      );
      request.on('error', reject);
      request.write(png.subarray(0, png.length / 2));
    });
    const elapsed = performance.now() - started;

    expect(answer.status).toBe(504);
    expect(answer.body.error.code).toBe('request_timeout');
    expect(answer.body.error.message).toBe('The request took longer than the limit of 400 ms. Retry later.');
    expect(elapsed).toBeGreaterThanOrEqual(390);
    expect(t.countRows('predictions')).toBe(before);
  });
});

describe('model faults', () => {
  async function serve(predictions: PredictionService): Promise<{ url: string; close(): Promise<void> }> {
    const feedback = new FeedbackService({ store: t.service.store, hashUser: (id) => id, classNamesFor: () => t.classNames });
    const app = createApp({
      logger: silentLogger,
      predictions,
      feedback,
      store: t.service.store,
      registry: t.registry,
      database: t.service.database,
      maxUploadBytes: 1024 * 1024,
      requestTimeoutMs: 5000,
    });
    const server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
  }

  it('answers 503 before a model is loaded', async () => {
    const predictions = new PredictionService({ store: t.service.store, userSalt: 'test-salt-0123456789' });
    const server = await serve(predictions);
    try {
      const answer = await postPng(server.url);
      expect(answer.status).toBe(503);
      expect(answer.body.error.code).toBe('model_not_ready');

      const ready = await fetch(`${server.url}/readyz`);
      expect(ready.status).toBe(503);
      expect((await ready.json()).modelVersion).toBeNull();
    } finally {
      await server.close();
    }
  });

  it('answers 500 without internals for a broken model', async () => {
    // A model whose input does not match its metadata, as a hand-edited registry could hold.
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [5], units: 10, activation: 'softmax' })] });
    const metadata = t.service.predictions.model!.metadata;
    const predictions = new PredictionService({ store: t.service.store, userSalt: 'test-salt-0123456789' });
    predictions.setModel({ model, metadata });
    const before = t.countRows('predictions');
    const server = await serve(predictions);
    try {
      const answer = await postPng(server.url);
      expect(answer.status).toBe(500);
      expect(answer.body).toEqual({
        error: { code: 'internal_error', message: 'An internal error occurred. The details are in the service log.' },
      });
      expect(t.countRows('predictions')).toBe(before);
    } finally {
      await server.close();
      model.dispose();
    }
  });
});
