import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readImageFixtures, type ImageFixture } from '../fixtures/images/read-fixtures.js';
import { startTestService, type TestService } from './test-service.js';

// Every way of sending an image to POST /v1/predictions, valid and broken, against the real
// service. After each request the test reads the database on its own connection.

let t: TestService;
const fixtures = readImageFixtures();

beforeAll(async () => {
  t = await startTestService();
});

afterAll(async () => {
  await t?.stop();
});

function fixture(file: string): ImageFixture {
  const found = fixtures.get(file);
  if (!found) throw new Error(`tests/fixtures/images/${file} is not in manifest.json; run tests/fixtures/images/generate.ts`);
  return found;
}

function raw(file: string, contentType = fixture(file).contentType): RequestInit {
  return { method: 'POST', headers: { 'content-type': contentType }, body: new Uint8Array(fixture(file).bytes) };
}

function multipart(file: string, fields: Record<string, string> = {}): RequestInit {
  const form = new FormData();
  form.append('image', new Blob([new Uint8Array(fixture(file).bytes)], { type: fixture(file).contentType }), file);
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  return { method: 'POST', body: form };
}

function json(body: unknown): RequestInit {
  return { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) };
}

interface ValidCase {
  name: string;
  request: () => RequestInit;
  /** Mini test set image whose in-process label the response must match. */
  sourceIndex: number;
  /** True when the stored model input must equal the source pixels exactly. */
  exactPixels: boolean;
  source?: string;
  warnings?: RegExp[];
}

const base64Of = (file: string) => fixture(file).bytes.toString('base64');

const validCases: ValidCase[] = [
  ...[...fixtures.values()]
    .filter((entry) => entry.sourceIndex !== null && entry.file !== 'small.png')
    .map((entry) => ({
      name: `${entry.description} as a raw body`,
      request: () => raw(entry.file),
      sourceIndex: entry.sourceIndex as number,
      exactPixels: entry.lossless,
    })),
  { name: 'PNG in multipart field "image"', request: () => multipart('gray-8bit.png', { source: 'web', userId: 'u-1' }), sourceIndex: 0, exactPixels: true, source: 'web' },
  { name: 'JPEG in multipart field "image"', request: () => multipart('baseline.jpg'), sourceIndex: 6, exactPixels: false },
  { name: 'PNG as JSON base64', request: () => json({ image: base64Of('gray-8bit.png'), source: 'replay' }), sourceIndex: 0, exactPixels: true, source: 'replay' },
  { name: 'PNG as JSON base64 data URL', request: () => json({ image: `data:image/png;base64,${base64Of('lzw.tiff')}` }), sourceIndex: 14, exactPixels: true },
  { name: 'WebP as URL-safe base64', request: () => json({ image: fixture('lossless.webp').bytes.toString('base64url') }), sourceIndex: 10, exactPixels: true },
  { name: 'JSON pixels', request: () => json({ pixels: Array.from(t.pixelsOf(20)), userId: 'u-2' }), sourceIndex: 20, exactPixels: true },
  { name: 'octet-stream body', request: () => raw('palette.png', 'application/octet-stream'), sourceIndex: 2, exactPixels: true },
  { name: 'JPEG labelled as PNG', request: () => raw('baseline.jpg', 'image/png'), sourceIndex: 6, exactPixels: false },
  {
    name: '10x10 PNG with a size warning',
    request: () => raw('small.png'),
    sourceIndex: -1,
    exactPixels: false,
    warnings: [/^The image is 10x10 pixels, far smaller than the model's 28x28 input/],
  },
  { name: 'blank PNG with a blank warning', request: () => raw('blank.png'), sourceIndex: -1, exactPixels: false, warnings: [/^The image is nearly blank/] },
];

describe('POST /v1/predictions with valid input', () => {
  for (const input of validCases) {
    it(`answers ${input.name}`, async () => {
      const before = t.countRows('predictions');

      const response = await fetch(`${t.service.url}/v1/predictions`, input.request());
      const body = await response.json();

      expect(response.status, JSON.stringify(body)).toBe(201);
      if (input.sourceIndex >= 0) expect(body.label).toBe(t.expectedLabel(input.sourceIndex));
      expect(body.warnings).toHaveLength(input.warnings?.length ?? 0);
      input.warnings?.forEach((pattern, index) => expect(body.warnings[index]).toMatch(pattern));
      expect(response.headers.get('location')).toBe(`/v1/predictions/${body.id}`);

      expect(t.countRows('predictions')).toBe(before + 1);
      const row = t.readDatabase((db) => db.prepare('SELECT * FROM predictions WHERE id = ?').get(body.id) as Record<string, any>);
      expect(row.label).toBe(body.label);
      expect(row.source).toBe(input.source ?? 'api');
      expect(row.model_version).toBe(body.modelVersion);
      expect(row.input_pixels).toHaveLength(784);
      if (input.exactPixels) expect(Buffer.from(row.input_pixels).equals(Buffer.from(t.pixelsOf(input.sourceIndex)))).toBe(true);
    });
  }
});

interface BrokenCase {
  name: string;
  request: () => RequestInit;
  status: number;
  code: string;
}

const TEN_MIB = 10 * 1024 * 1024;

const brokenCases: BrokenCase[] = [
  { name: 'an empty raw body', request: () => ({ method: 'POST', headers: { 'content-type': 'image/png' }, body: new Uint8Array(0) }), status: 400, code: 'empty_input' },
  { name: 'a request without body', request: () => ({ method: 'POST' }), status: 400, code: 'empty_input' },
  {
    name: 'multipart without a file',
    request: () => {
      const form = new FormData();
      form.append('source', 'web');
      return { method: 'POST', body: form };
    },
    status: 400,
    code: 'empty_input',
  },
  {
    name: 'multipart with the wrong field name',
    request: () => {
      const form = new FormData();
      form.append('photo', new Blob([new Uint8Array(fixture('gray-8bit.png').bytes)]), 'x.png');
      return { method: 'POST', body: form };
    },
    status: 400,
    code: 'invalid_request',
  },
  { name: 'JSON without image', request: () => json({ source: 'api' }), status: 400, code: 'empty_input' },
  { name: 'JSON with image and pixels', request: () => json({ image: base64Of('gray-8bit.png'), pixels: [1] }), status: 400, code: 'invalid_request' },
  { name: 'malformed JSON', request: () => json('{"pixels": [1, 2'), status: 400, code: 'invalid_request' },
  { name: 'invalid base64', request: () => json({ image: 'not*base64!' }), status: 400, code: 'undecodable_image' },
  { name: 'too few pixels', request: () => json({ pixels: [1, 2, 3] }), status: 400, code: 'wrong_pixel_count' },
  { name: 'too many pixels in JSON', request: () => json({ pixels: new Array(785).fill(0) }), status: 400, code: 'wrong_pixel_count' },
  { name: 'a pixel over 255', request: () => json({ pixels: [...new Array(783).fill(0), 300] }), status: 400, code: 'invalid_pixel_value' },
  { name: 'a fractional pixel', request: () => json({ pixels: [0.5, ...new Array(783).fill(0)] }), status: 400, code: 'invalid_pixel_value' },
  { name: 'a truncated PNG', request: () => raw('truncated.png'), status: 400, code: 'undecodable_image' },
  { name: 'a truncated JPEG', request: () => raw('truncated.jpg'), status: 400, code: 'undecodable_image' },
  { name: 'a truncated PNG in multipart', request: () => multipart('truncated.png'), status: 400, code: 'undecodable_image' },
  { name: 'a PNG header declaring 10^10 pixels', request: () => raw('bomb.png'), status: 413, code: 'too_many_pixels' },
  { name: 'the same bomb as base64', request: () => json({ image: base64Of('bomb.png') }), status: 413, code: 'too_many_pixels' },
  { name: 'a raw body over 10 MiB', request: () => ({ method: 'POST', headers: { 'content-type': 'image/png' }, body: new Uint8Array(TEN_MIB + 1) }), status: 413, code: 'input_too_large' },
  {
    name: 'a multipart file over 10 MiB',
    request: () => {
      const form = new FormData();
      form.append('image', new Blob([new Uint8Array(TEN_MIB + 1)], { type: 'image/png' }), 'big.png');
      return { method: 'POST', body: form };
    },
    status: 413,
    code: 'input_too_large',
  },
  { name: 'base64 of over 10 MiB', request: () => json({ image: Buffer.alloc(TEN_MIB + 3).toString('base64') }), status: 413, code: 'input_too_large' },
  { name: 'an SVG drawing', request: () => raw('drawing.svg'), status: 415, code: 'unsupported_media_type' },
  { name: 'an SVG labelled as PNG', request: () => raw('drawing.svg', 'image/png'), status: 415, code: 'unsupported_media_type' },
  { name: 'an SVG in multipart', request: () => multipart('drawing.svg'), status: 415, code: 'unsupported_media_type' },
  { name: 'a PDF', request: () => raw('document.pdf'), status: 415, code: 'unsupported_media_type' },
  { name: 'a PDF labelled as octet-stream', request: () => raw('document.pdf', 'application/octet-stream'), status: 415, code: 'unsupported_media_type' },
  { name: 'text named notes.png', request: () => multipart('notes.png'), status: 415, code: 'unsupported_media_type' },
  { name: 'a text/plain body', request: () => ({ method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'a shirt' }), status: 415, code: 'unsupported_media_type' },
];

describe('POST /v1/predictions with broken input', () => {
  for (const input of brokenCases) {
    it(`rejects ${input.name} with ${input.status}`, async () => {
      const before = t.countRows('predictions');

      const response = await fetch(`${t.service.url}/v1/predictions`, input.request());
      const body = await response.json();

      expect(response.status, JSON.stringify(body)).toBe(input.status);
      expect(body.error.code).toBe(input.code);
      expect(body.error.message.length).toBeGreaterThan(10);
      expect(body.error.message).not.toMatch(/\n\s+at |node_modules|\.ts:\d+/);
      expect(t.countRows('predictions')).toBe(before);
    });
  }
});
