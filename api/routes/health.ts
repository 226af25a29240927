import { Router } from 'express';
import type { PredictionService } from '../../core/serving/prediction-service.js';
import { isDatabaseWritable, type DatabaseHandle } from '../../db/open-database.js';

/** `GET /healthz` (the process is up) and `GET /readyz` (model loaded and database writable). */
export function createHealthRoutes(args: { predictions: PredictionService; database: DatabaseHandle }): Router {
  const router = Router();

  router.get('/healthz', (_request, response) => {
    response.json({ status: 'ok' });
  });

  router.get('/readyz', (_request, response) => {
    const modelVersion = args.predictions.model?.metadata.version ?? null;
    const databaseWritable = isDatabaseWritable(args.database);
    const ready = modelVersion !== null && databaseWritable;
    response.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', modelVersion, databaseWritable });
  });

  return router;
}
