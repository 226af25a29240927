import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from './test-service.js';

let t: TestService;

beforeAll(async () => {
  t = await startTestService();
});

afterAll(async () => {
  await t?.stop();
});

/** Parses Prometheus text into `name{label="value",...}` keys (labels sorted) and numbers. */
function parsePrometheus(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`Not a Prometheus sample line: ${line}`);
    const [, name, labelText, value] = match;
    const labels = [...(labelText ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(([, key, text]) => `${key}="${text}"`).sort();
    samples.set(labels.length > 0 ? `${name}{${labels.join(',')}}` : name!, Number(value));
  }
  return samples;
}

async function post(path: string, body: unknown): Promise<any> {
  const response = await fetch(`${t.service.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

describe('GET /metrics', () => {
  it('counts requests, predictions and feedback', async () => {
    const indices = [0, 1, 2, 3];
    const predictions = await Promise.all(indices.map((index) => post('/v1/predictions', { pixels: Array.from(t.pixelsOf(index)) })));
    expect(predictions.map((answer) => answer.status)).toEqual([201, 201, 201, 201]);
    expect((await post('/v1/predictions', { pixels: [1, 2, 3] })).status).toBe(400);
    const id = predictions[0].body.id;
    expect((await post(`/v1/predictions/${id}/feedback`, { verdict: 'correct', userId: 'amy' })).status).toBe(200);
    expect((await post(`/v1/predictions/${id}/feedback`, { verdict: 'correct', userId: 'ben' })).status).toBe(200);
    const other = t.classNames.find((name) => name !== predictions[0].body.label);
    expect((await post(`/v1/predictions/${id}/feedback`, { verdict: 'incorrect', label: other, userId: 'amy' })).status).toBe(200);
    expect((await fetch(`${t.service.url}/v1/predictions/${id}`)).status).toBe(200);
    expect((await fetch(`${t.service.url}/v1/predictions/${id}x`)).status).toBe(404);
    expect((await fetch(`${t.service.url}/no/such/page`)).status).toBe(404);

    const response = await fetch(`${t.service.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const samples = parsePrometheus(await response.text());

    const expectedByLabel = new Map<string, number>();
    for (const index of indices) expectedByLabel.set(t.expectedLabel(index), (expectedByLabel.get(t.expectedLabel(index)) ?? 0) + 1);
    for (const [label, count] of expectedByLabel) {
      expect(samples.get(`snapclass_predictions_total{label="${label}",model_version="v1"}`)).toBe(count);
    }
    const predictionSeries = [...samples.keys()].filter((key) => key.startsWith('snapclass_predictions_total{'));
    expect(predictionSeries).toHaveLength(expectedByLabel.size);

    expect(samples.get('snapclass_feedback_total{verdict="correct"}')).toBe(2);
    expect(samples.get('snapclass_feedback_total{verdict="incorrect"}')).toBe(1);

    const count = (method: string, route: string, status: number) =>
      samples.get(`snapclass_http_request_duration_seconds_count{method="${method}",route="${route}",status="${status}"}`);
    expect(count('POST', '/v1/predictions', 201)).toBe(4);
    expect(count('POST', '/v1/predictions', 400)).toBe(1);
    expect(count('POST', '/v1/predictions/:id/feedback', 200)).toBe(3);
    expect(count('GET', '/v1/predictions/:id', 200)).toBe(1);
    expect(count('GET', '/v1/predictions/:id', 404)).toBe(1);
    expect(count('GET', 'unmatched', 404)).toBe(1);
    expect(samples.get('snapclass_http_request_duration_seconds_bucket{le="+Inf",method="POST",route="/v1/predictions",status="201"}')).toBe(4);

    expect(samples.get('snapclass_batch_size_sum')).toBe(4);
    const calls = samples.get('snapclass_batch_size_count')!;
    expect(calls).toBeGreaterThanOrEqual(1);
    expect(calls).toBeLessThanOrEqual(4);
    expect(samples.get('snapclass_batch_size_bucket{le="+Inf"}')).toBe(calls);

    const loadSeconds = samples.get('snapclass_model_load_duration_seconds{model_version="v1"}')!;
    expect(loadSeconds).toBeGreaterThan(0);
    expect(loadSeconds).toBeLessThan(30);
    expect(samples.has('snapclass_process_resident_memory_bytes')).toBe(true);
  });
});
