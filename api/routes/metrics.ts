import { Router } from 'express';
import type { ServingMetrics } from '../../core/serving/serving-metrics.js';

/** `GET /metrics`: every metric in the Prometheus text format. */
export function createMetricsRoutes(args: { metrics: ServingMetrics }): Router {
  const router = Router();

  router.get('/metrics', async (_request, response) => {
    const text = await args.metrics.registry.metrics();
    response.type(args.metrics.registry.contentType).send(text);
  });

  return router;
}
