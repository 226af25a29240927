import express, { Router, type Request } from 'express';
import multer from 'multer';
import { z } from 'zod';
import { SnapclassError } from '../../core/errors.js';
import type { FeedbackService } from '../../core/serving/feedback-service.js';
import type { PredictionRequest, PredictionService } from '../../core/serving/prediction-service.js';
import type { PredictionStore } from '../../db/prediction-store.js';

const jsonBodySchema = z.object({
  image: z.string().min(1).optional(),
  pixels: z.array(z.number()).optional(),
  source: z.string().max(64).optional(),
  userId: z.string().max(256).optional(),
});

const feedbackBodySchema = z.object({
  verdict: z.enum(['correct', 'incorrect']),
  label: z.string().nullish(),
  source: z.string().max(64).default('api'),
  userId: z.string().min(1).max(256),
});

/** Dependencies of the prediction routes. */
export interface PredictionRoutesArgs {
  predictions: PredictionService;
  feedback: FeedbackService;
  store: PredictionStore;
  maxUploadBytes: number;
}

/**
 * `POST /v1/predictions` (multipart field `image`, a raw image body, or JSON with base64
 * `image` or `pixels`), `GET /v1/predictions/:id` and `POST /v1/predictions/:id/feedback`.
 */
export function createPredictionRoutes(args: PredictionRoutesArgs): Router {
  const router = Router();
  const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: args.maxUploadBytes, files: 1 } });
  // Base64 is 4/3 of the image size, plus room for the other JSON fields.
  const jsonLimit = Math.ceil(args.maxUploadBytes * 1.4) + 64 * 1024;

  router.post(
    '/v1/predictions',
    upload.single('image'),
    express.raw({ type: (request) => !isJsonOrMultipart(request), limit: args.maxUploadBytes }),
    express.json({ limit: jsonLimit }),
    async (request, response) => {
      const result = await args.predictions.predict(toPredictionRequest(request));
      response.status(201).json(result);
    },
  );

  router.get('/v1/predictions/:id', (request, response) => {
    const row = args.store.getPrediction(request.params.id);
    if (!row) throw new SnapclassError('prediction_not_found', `Prediction "${request.params.id}" does not exist.`);
    response.json({
      id: row.id,
      createdAt: row.createdAt,
      source: row.source,
      modelVersion: row.modelVersion,
      label: row.label,
      classIndex: row.classIndex,
      confidence: row.confidence,
      topK: JSON.parse(row.topK),
      latencyMs: row.latencyMs,
      inputSha256: row.inputSha256,
      feedback: args.store.listFeedback(row.id).map((entry) => ({ verdict: entry.verdict, label: entry.label, source: entry.source, updatedAt: entry.updatedAt })),
    });
  });

  router.post('/v1/predictions/:id/feedback', express.json({ limit: 64 * 1024 }), (request, response) => {
    const parsed = feedbackBodySchema.safeParse(request.body ?? {});
    if (!parsed.success) {
      const fault = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; ');
      throw new SnapclassError('invalid_request', `Invalid feedback: ${fault}. Send {"verdict": "correct"|"incorrect", "label"?: className, "userId": "..."}.`);
    }
    const row = args.feedback.record({ predictionId: request.params.id, ...parsed.data });
    response.status(200).json({ id: row.id, predictionId: row.predictionId, verdict: row.verdict, label: row.label, source: row.source, updatedAt: row.updatedAt });
  });

  return router;
}

function isJsonOrMultipart(request: { headers: Record<string, string | string[] | undefined> }): boolean {
  const type = String(request.headers['content-type'] ?? '');
  return type.startsWith('application/json') || type.startsWith('multipart/form-data');
}

function toPredictionRequest(request: Request): PredictionRequest {
  const source = typeof request.query.source === 'string' ? request.query.source : undefined;
  const userId = typeof request.query.userId === 'string' ? request.query.userId : undefined;

  if (request.file) {
    const body = request.body as Record<string, unknown>;
    return {
      image: request.file.buffer,
      source: stringField(body.source) ?? source ?? 'api',
      userId: stringField(body.userId) ?? userId,
    };
  }

  if (Buffer.isBuffer(request.body)) {
    const type = request.headers['content-type'] ?? '';
    if (type !== '' && !type.startsWith('image/') && !type.startsWith('application/octet-stream')) {
      throw new SnapclassError('unsupported_media_type', `Content type "${type}" is not an image. Send an image/* body, multipart field "image", or JSON.`);
    }
    return { image: request.body, source: source ?? 'api', userId };
  }

  const type = request.headers['content-type'] ?? '';
  if (type.startsWith('multipart/form-data')) {
    throw new SnapclassError('empty_input', 'The multipart upload has no file in the field "image".');
  }
  const parsed = jsonBodySchema.safeParse(request.body ?? {});
  if (!parsed.success || (!parsed.data.image && !parsed.data.pixels)) {
    throw new SnapclassError('empty_input', 'The request has no image. Send multipart field "image", an image/* body, or JSON {"image": base64} or {"pixels": [...]}.');
  }
  const { image, pixels } = parsed.data;
  return {
    image: image ? decodeBase64(image) : undefined,
    pixels,
    source: parsed.data.source ?? source ?? 'api',
    userId: parsed.data.userId ?? userId,
  };
}

function decodeBase64(text: string): Buffer {
  const payload = text.replace(/^data:[^;]+;base64,/, '');
  if (!/^[A-Za-z0-9+/=\s_-]+$/.test(payload)) {
    throw new SnapclassError('undecodable_image', 'The "image" field is not valid base64.');
  }
  return Buffer.from(payload, 'base64');
}

function stringField(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
