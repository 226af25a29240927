import { Router } from 'express';
import { summarizeEntry, type ModelRegistry } from '../../core/registry/model-registry.js';

/** `GET /v1/models`: every registered version with its stage, validation metrics and class names. */
export function createModelRoutes(args: { registry: ModelRegistry }): Router {
  const router = Router();

  router.get('/v1/models', (_request, response) => {
    const models = args.registry.list().map((entry) => ({ ...summarizeEntry(entry), classNames: entry.metadata?.classNames ?? null }));
    response.json({ production: args.registry.productionVersion(), models });
  });

  return router;
}
