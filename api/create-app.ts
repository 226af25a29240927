import crypto from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Express, type RequestHandler } from 'express';
import { pinoHttp } from 'pino-http';
import type { Logger } from '../core/logger.js';
import type { DriftMonitor } from '../core/monitoring/drift-monitor.js';
import { SnapclassError } from '../core/errors.js';
import type { RolloutController } from '../core/lifecycle/rollout-controller.js';
import type { ModelRegistry } from '../core/registry/model-registry.js';
import type { FeedbackService } from '../core/serving/feedback-service.js';
import type { PredictionService } from '../core/serving/prediction-service.js';
import { ServingMetrics } from '../core/serving/serving-metrics.js';
import type { DatabaseHandle } from '../db/open-database.js';
import type { PredictionStore } from '../db/prediction-store.js';
import { createErrorHandler } from './error-handler.js';
import { labelRoute, requestMetrics } from './middleware/request-metrics.js';
import { requestTimeout } from './middleware/request-timeout.js';
import { createHealthRoutes } from './routes/health.js';
import { createMetricsRoutes } from './routes/metrics.js';
import { createModelRoutes } from './routes/models.js';
import { createMonitoringRoutes } from './routes/monitoring.js';
import { createPredictionRoutes } from './routes/predictions.js';
import { createRolloutRoutes } from './routes/rollout.js';

/** Folder of the web page: plain HTML, CSS and JavaScript, served as they are. */
export const PUBLIC_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'public');

/** Everything the HTTP API needs; built once at start. */
export interface AppArgs {
  logger: Logger;
  predictions: PredictionService;
  feedback: FeedbackService;
  store: PredictionStore;
  registry: ModelRegistry;
  database: DatabaseHandle;
  /** Largest accepted upload, in bytes. */
  maxUploadBytes: number;
  /** Time after which a request gets a 504 response, in milliseconds. */
  requestTimeoutMs: number;
  /** Metrics served on `GET /metrics`; a new set when omitted. */
  metrics?: ServingMetrics;
  /** Extra routers (such as Slack's events endpoint) mounted before the 404 handler. */
  routers?: RequestHandler[];
  /** The rollout controller whose state `GET /v1/rollout` shows; the route is absent without it. */
  rollouts?: RolloutController;
  /** The drift monitor whose summary, windows and dashboard are served; those routes are absent without it. */
  monitor?: DriftMonitor;
}

/**
 * Builds the express application: request logging with ids, metrics, timeouts, the API
 * routes, the web page on `/`, and the JSON error handler.
 */
export function createApp(args: AppArgs): Express {
  const logger = args.logger.child({ component: 'api' });
  const metrics = args.metrics ?? new ServingMetrics();
  const app = express();
  app.disable('x-powered-by');
  // ETags cost a hash of every JSON body, and API clients do not revalidate predictions.
  app.set('etag', false);

  app.use(requestLogging(logger));
  app.use((request, response, next) => {
    response.locals.requestId = request.id;
    next();
  });
  app.use(requestMetrics(metrics));
  app.use(requestTimeout(args.requestTimeoutMs));

  app.use(createHealthRoutes({ predictions: args.predictions, database: args.database }));
  app.use(createMetricsRoutes({ metrics }));
  app.use(createModelRoutes({ registry: args.registry }));
  if (args.rollouts) app.use(createRolloutRoutes({ rollouts: args.rollouts }));
  app.use(createPredictionRoutes(args));
  if (args.monitor) app.use(createMonitoringRoutes({ monitor: args.monitor, dashboardDir: path.join(PUBLIC_DIR, 'dashboard') }));
  for (const router of args.routers ?? []) app.use(router);
  app.use(labelRoute('static'), express.static(PUBLIC_DIR, { index: 'index.html', maxAge: '5m' }));

  app.use((request, response, next) => {
    response.locals.metricsRoute = 'unmatched';
    next(new SnapclassError('not_found', `No route for ${request.method} ${request.path}. See docs/api.md for the endpoints.`));
  });
  app.use(createErrorHandler(logger, args.maxUploadBytes));
  return app;
}

/**
 * Gives every request an id, sent back in `x-request-id`, and logs each completed request with
 * pino-http at info level. Above info, pino-http 11.0.0 would still build child loggers for every
 * request and log nothing, so only the id is set then.
 * NOTE: the choice is made when the app is built; raising the logger's level to info later
 * does not turn request logging on.
 */
function requestLogging(logger: Logger): RequestHandler {
  const genReqId = (_request: IncomingMessage, response: ServerResponse) => {
    const id = crypto.randomUUID();
    response.setHeader('x-request-id', id);
    return id;
  };
  if (!logger.isLevelEnabled('info')) {
    return (request, response, next) => {
      request.id = genReqId(request, response);
      next();
    };
  }
  return pinoHttp({
    logger,
    genReqId,
    customProps: (_request, response) => ({ requestId: response.getHeader('x-request-id') }),
  });
}
