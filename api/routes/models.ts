import { Router } from 'express';
import { summarizeEntry, type ModelRegistry } from '../../core/registry/model-registry.js';

/** `GET /v1/models`: every registered version with its stage and validation metrics. */
export function createModelRoutes(args: { registry: ModelRegistry }): Router {
  const router = Router();

  router.get('/v1/models', (_request, response) => {
    const models = args.registry.list().map(summarizeEntry);
    response.json({ production: args.registry.productionVersion(), models });
  });

  return router;
}
