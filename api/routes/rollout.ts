import { Router } from 'express';
import type { RolloutController } from '../../core/lifecycle/rollout-controller.js';

/**
 * `GET /v1/rollout`: the production version, the version being served, the active (or else the
 * latest) rollout with per-arm numbers, the canary gates or A/B test computed now, the shadow
 * agreement, and the latest entries of the rollout log.
 */
export function createRolloutRoutes(args: { rollouts: RolloutController }): Router {
  const router = Router();

  router.get('/v1/rollout', (_request, response) => {
    response.json(args.rollouts.status());
  });

  return router;
}
