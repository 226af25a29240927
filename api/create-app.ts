import crypto from 'node:crypto';
import express, { type Express, type RequestHandler } from 'express';
import { pinoHttp } from 'pino-http';
import type { Logger } from '../core/logger.js';
import { SnapclassError } from '../core/errors.js';
import type { ModelRegistry } from '../core/registry/model-registry.js';
import type { FeedbackService } from '../core/serving/feedback-service.js';
import type { PredictionService } from '../core/serving/prediction-service.js';
import type { DatabaseHandle } from '../db/open-database.js';
import type { PredictionStore } from '../db/prediction-store.js';
import { createErrorHandler } from './error-handler.js';
import { createHealthRoutes } from './routes/health.js';
import { createModelRoutes } from './routes/models.js';
import { createPredictionRoutes } from './routes/predictions.js';

/** Everything the HTTP API needs; built once at start. */
export interface AppArgs {
  logger: Logger;
  predictions: PredictionService;
  feedback: FeedbackService;
  store: PredictionStore;
  registry: ModelRegistry;
  database: DatabaseHandle;
  maxUploadBytes: number;
  requestTimeoutMs: number;
  /** Extra routers (such as Slack's events endpoint) mounted before the 404 handler. */
  routers?: RequestHandler[];
}

/** Builds the express application: routes, request logging with ids, timeouts and the JSON error handler. */
export function createApp(args: AppArgs): Express {
  const logger = args.logger.child({ component: 'api' });
  const app = express();
  app.disable('x-powered-by');

  app.use(
    pinoHttp({
      logger,
      genReqId: (request, response) => {
        const id = crypto.randomUUID();
        response.setHeader('x-request-id', id);
        return id;
      },
      customProps: (_request, response) => ({ requestId: response.getHeader('x-request-id') }),
    }),
  );
  app.use((request, response, next) => {
    response.locals.requestId = request.id;
    next();
  });
  app.use(timeout(args.requestTimeoutMs));

  app.use(createHealthRoutes({ predictions: args.predictions, database: args.database }));
  app.use(createModelRoutes({ registry: args.registry }));
  app.use(createPredictionRoutes(args));
  for (const router of args.routers ?? []) app.use(router);

  app.use((request, _response, next) => {
    next(new SnapclassError('not_found', `No route for ${request.method} ${request.path}. See docs/api.md for the endpoints.`));
  });
  app.use(createErrorHandler(logger));
  return app;
}

/** Answers 504 when a request has not been answered within `limitMs`. */
function timeout(limitMs: number): RequestHandler {
  return (_request, response, next) => {
    const timer = setTimeout(() => {
      if (response.headersSent) return;
      response.status(504).json({ error: { code: 'request_timeout', message: `The request took longer than ${limitMs} ms. Retry later.` } });
    }, limitMs);
    timer.unref();
    response.on('close', () => clearTimeout(timer));
    response.on('finish', () => clearTimeout(timer));
    next();
  };
}
