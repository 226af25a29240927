import { describe, expect, it } from 'vitest';
import { buildChatAnswer } from '../../../core/chat/answer-content.js';
import { checkDeclaredFile, describeAcceptedFormats, formatBytes } from '../../../core/chat/file-check.js';
import { describeRejection } from '../../../core/chat/rejection-reply.js';
import type { PredictionResult } from '../../../core/serving/prediction-service.js';

const MAX = 10 * 1024 * 1024;

function result(overrides: Partial<PredictionResult> = {}): PredictionResult {
  return {
    id: 'p-1',
    modelVersion: 'v3',
    label: 'Bag',
    classIndex: 8,
    confidence: 0.9234,
    topK: [
      { label: 'Bag', probability: 0.9234 },
      { label: 'Sandal', probability: 0.05 },
      { label: 'Coat', probability: 0.0100 },
    ],
    latencyMs: 4,
    warnings: [],
    ...overrides,
  };
}

describe('buildChatAnswer', () => {
  it('formats label, confidence and top classes', () => {
    const answer = buildChatAnswer(result(), { classNames: ['a', 'b'] });
    expect(answer.title).toBe('Bag (92.3%)');
    expect(answer.outOfDomain).toBe(false);
    expect(answer.topK).toEqual([
      { label: 'Bag', probabilityText: '92.3%' },
      { label: 'Sandal', probabilityText: '5.0%' },
      { label: 'Coat', probabilityText: '1.0%' },
    ]);
    expect(answer.classLegend).toEqual([
      { classIndex: 0, label: 'a' },
      { classIndex: 1, label: 'b' },
    ]);
  });

  it('flags low confidence as out of domain', () => {
    const answer = buildChatAnswer(result({ confidence: 0.21 }), { classNames: [], minConfidence: 0.3 });
    expect(answer.outOfDomain).toBe(true);
    expect(answer.title).toBe('This does not look like a clothing item I know (best guess: Bag, 21.0%)');
  });

  it('honours the outOfDistribution flag', () => {
    expect(buildChatAnswer({ ...result(), outOfDistribution: true }, { classNames: [] }).outOfDomain).toBe(true);
  });
});

describe('checkDeclaredFile', () => {
  it('accepts images and unknown types', () => {
    expect(checkDeclaredFile({ name: 'a.png', contentType: 'image/png', size: 100 }, MAX)).toBeNull();
    expect(checkDeclaredFile({ name: 'a', contentType: null, size: null }, MAX)).toBeNull();
  });

  it('rejects documents, SVG and oversized files', () => {
    expect(checkDeclaredFile({ name: 'a.pdf', contentType: 'application/pdf', size: 100 }, MAX)).toBe('unsupported_media_type');
    expect(checkDeclaredFile({ name: 'a.txt', contentType: 'text/plain; charset=utf-8', size: 10 }, MAX)).toBe('unsupported_media_type');
    expect(checkDeclaredFile({ name: 'a.svg', contentType: 'image/svg+xml', size: 10 }, MAX)).toBe('unsupported_media_type');
    expect(checkDeclaredFile({ name: 'a.png', contentType: 'image/png', size: MAX + 1 }, MAX)).toBe('input_too_large');
  });
});

describe('describeRejection', () => {
  it('names the accepted formats and limit', () => {
    expect(describeAcceptedFormats()).toBe('PNG, JPEG, WebP, GIF or TIFF');
    expect(formatBytes(MAX)).toBe('10 MB');
    expect(describeRejection('unsupported_media_type', { fileName: 'notes.pdf', maxBytes: MAX })).toBe(
      'I can\'t classify “notes.pdf”: it is not an image I can read. Send a PNG, JPEG, WebP, GIF or TIFF image of up to 10 MB.',
    );
  });

  it('names the files:read scope', () => {
    expect(describeRejection('missing_files_scope', { fileName: 'a.png', maxBytes: MAX })).toContain('`files:read`');
  });

  it('answers unknown codes generically', () => {
    expect(describeRejection('database_unavailable', { fileName: 'a.png', maxBytes: MAX })).toBe(
      'Something went wrong on my side while classifying “a.png”. Try again in a minute.',
    );
  });
});
