import express, { Router, type RequestHandler } from 'express';
import multer from 'multer';
import { z } from 'zod';
import { SnapclassError } from '../../core/errors.js';
import type { FeedbackService } from '../../core/serving/feedback-service.js';
import type { PredictionService } from '../../core/serving/prediction-service.js';
import type { PredictionStore } from '../../db/prediction-store.js';
import { requestSignal } from '../middleware/request-timeout.js';
import { parsePredictionRequest } from '../parse-prediction-request.js';

const feedbackBodySchema = z.object({
  verdict: z.enum(['correct', 'incorrect']),
  label: z.string().nullish(),
  source: z.string().min(1).max(64).default('api'),
  userId: z.string().min(1).max(256),
});

/** Dependencies of the prediction routes. */
export interface PredictionRoutesArgs {
  predictions: PredictionService;
  feedback: FeedbackService;
  store: PredictionStore;
  /** Largest accepted upload in bytes; base64 JSON may be 4/3 of it. */
  maxUploadBytes: number;
}

/**
 * `POST /v1/predictions` (multipart field `image`, a raw image body, or JSON with base64
 * `image` or `pixels`), `GET /v1/predictions/:id` and `POST /v1/predictions/:id/feedback`.
 */
export function createPredictionRoutes(args: PredictionRoutesArgs): Router {
  const router = Router();
  const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: args.maxUploadBytes, files: 1, fields: 8, fieldSize: 1024 } });
  // Base64 is 4/3 of the image size, plus room for the other JSON fields.
  const jsonLimit = Math.ceil((args.maxUploadBytes * 4) / 3) + 64 * 1024;

  const parsers = {
    multipart: upload.single('image'),
    json: express.json({ limit: jsonLimit }),
    raw: express.raw({ type: () => true, limit: args.maxUploadBytes }),
  };
  // One parser per request, picked by content type, so a raw image body (the common case)
  // does not pass through multer and the JSON parser first.
  const parseBody: RequestHandler = (request, response, next) => {
    const type = request.headers['content-type'] ?? '';
    if (type.startsWith('multipart/')) return parsers.multipart(request, response, next);
    if (type.startsWith('application/json')) return parsers.json(request, response, next);
    return parsers.raw(request, response, next);
  };

  router.post(
    '/v1/predictions',
    parseBody,
    async (request, response) => {
      const result = await args.predictions.predict({ ...parsePredictionRequest(request), signal: requestSignal(response) });
      // After a timeout the client already has its 504; the prediction was stored all the same.
      if (response.headersSent) return;
      response.status(201).location(`/v1/predictions/${result.id}`).json(result);
    },
  );

  router.get('/v1/predictions/:id', (request, response) => {
    const row = args.store.getPrediction(request.params.id);
    if (!row) {
      throw new SnapclassError('prediction_not_found', `Prediction "${request.params.id}" does not exist. Use the id returned by POST /v1/predictions.`);
    }
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
      feedback: args.store.listFeedback(row.id).map((entry) => ({
        verdict: entry.verdict,
        label: entry.label,
        source: entry.source,
        updatedAt: entry.updatedAt,
      })),
    });
  });

  router.post('/v1/predictions/:id/feedback', express.json({ limit: 64 * 1024 }), (request, response) => {
    const type = request.headers['content-type'];
    if (type !== undefined && !type.startsWith('application/json')) {
      throw new SnapclassError(
        'unsupported_media_type',
        `Feedback must be sent as JSON, but Content-Type is "${type}". Send Content-Type: application/json with {"verdict": "correct"|"incorrect", "label"?: className, "userId": "..."}.`,
      );
    }
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
