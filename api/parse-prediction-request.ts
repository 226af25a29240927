import type { Request } from 'express';
import { z } from 'zod';
import { SnapclassError } from '../core/errors.js';
import type { PredictionRequest } from '../core/serving/prediction-service.js';

const optionalText = (max: number) => z.string().min(1).max(max).optional();

const jsonBodySchema = z.object({
  image: z.string().min(1).optional(),
  pixels: z.array(z.number()).optional(),
  source: optionalText(64),
  userId: optionalText(256),
});

const callerSchema = z.object({ source: optionalText(64), userId: optionalText(256) });

/**
 * Builds a prediction request from the three body kinds of `POST /v1/predictions`: multipart
 * field `image`, a raw `image/*` (or `application/octet-stream`) body, or JSON with base64
 * `image` or `pixels`. `source` and `userId` come from the body, or else from the query string;
 * `source` defaults to `api`.
 *
 * @throws SnapclassError `unsupported_media_type`, `empty_input`, `undecodable_image` or
 * `invalid_request`.
 */
export function parsePredictionRequest(request: Request): Omit<PredictionRequest, 'signal'> {
  const query = parseCaller(request.query, 'query string');
  const type = request.headers['content-type'] ?? '';

  if (request.file) {
    const fields = parseCaller(request.body ?? {}, 'multipart fields');
    return { image: request.file.buffer, source: fields.source ?? query.source ?? 'api', userId: fields.userId ?? query.userId };
  }
  if (type.startsWith('multipart/form-data')) {
    throw new SnapclassError('empty_input', 'The multipart upload has no file in the field "image". Attach the image as a file in that field.');
  }

  if (Buffer.isBuffer(request.body)) {
    if (type !== '' && !type.startsWith('image/') && !type.startsWith('application/octet-stream')) {
      throw new SnapclassError(
        'unsupported_media_type',
        `Content type "${type}" is not an image. Send an image/* body, multipart field "image", or JSON.`,
      );
    }
    return { image: request.body, source: query.source ?? 'api', userId: query.userId };
  }

  const parsed = jsonBodySchema.safeParse(request.body ?? {});
  if (!parsed.success) {
    throw new SnapclassError('invalid_request', `Invalid JSON body: ${describeIssues(parsed.error)}. Send {"image": base64} or {"pixels": [...]}.`);
  }
  const { image, pixels } = parsed.data;
  if (!image && !pixels) {
    throw new SnapclassError(
      'empty_input',
      'The request has no image. Send multipart field "image", an image/* body, or JSON {"image": base64} or {"pixels": [...]}.',
    );
  }
  if (image && pixels) {
    throw new SnapclassError('invalid_request', 'The JSON body has both "image" and "pixels". Send one of them.');
  }
  return {
    image: image ? decodeBase64(image) : undefined,
    pixels,
    source: parsed.data.source ?? query.source ?? 'api',
    userId: parsed.data.userId ?? query.userId,
  };
}

function parseCaller(value: unknown, where: string): { source?: string; userId?: string } {
  const parsed = callerSchema.safeParse(value);
  if (!parsed.success) throw new SnapclassError('invalid_request', `Invalid ${where}: ${describeIssues(parsed.error)}.`);
  return parsed.data;
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; ');
}

/** Decodes standard or URL-safe base64, with or without a `data:` URL prefix. */
function decodeBase64(text: string): Buffer {
  const payload = text.replace(/^data:[^;,]+;base64,/, '').replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(payload)) {
    throw new SnapclassError('undecodable_image', 'The "image" field is not valid base64. Encode the file bytes with standard base64.');
  }
  return Buffer.from(payload, payload.includes('-') || payload.includes('_') ? 'base64url' : 'base64');
}
