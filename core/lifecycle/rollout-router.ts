import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';
import type { LoadedModel } from '../registry/model-registry.js';
import type { ModelRouter, PredictionEvent, PredictionRequest } from '../serving/prediction-service.js';
import type { Rollout } from './rollout.js';
import type { RolloutStore } from './rollout-store.js';
import { ShadowRunner } from './shadow-runner.js';
import { isInCandidateShare } from './traffic-split.js';

/** The models of the active rollout, loaded. */
export interface RoutedModels {
  candidate: LoadedModel;
  /** Arm A of an A/B experiment; absent for shadow and canary, where production is the other arm. */
  armA?: LoadedModel;
}

/** Options of {@link RolloutRouter}. */
export interface RolloutRouterArgs {
  store: RolloutStore;
  logger?: Logger;
  /** Builds the shadow runner of a shadow rollout; tests pass one with a failing or slow model. */
  createShadowRunner(rollout: Rollout, candidate: LoadedModel): ShadowRunner;
  random?: () => number;
}

/**
 * Routes requests for the active rollout. A canary serves the users whose bucket (see
 * {@link isInCandidateShare}, salted with the rollout id) is below its percent; an A/B
 * experiment serves every user with arm A or B the same way; a shadow leaves every response to
 * production and hands a copy of each answered request to its {@link ShadowRunner}. Failed
 * predictions of either arm are counted for the error-rate gate.
 */
export class RolloutRouter implements ModelRouter {
  private rollout: Rollout | null = null;
  private models: RoutedModels | null = null;
  private shadow: ShadowRunner | null = null;
  private readonly logger: Logger;

  constructor(private readonly args: RolloutRouterArgs) {
    this.logger = (args.logger ?? silentLogger).child({ component: 'rollout-router' });
  }

  /** The rollout being routed, or null. */
  get active(): Rollout | null {
    return this.rollout;
  }

  /** The shadow runner of an active shadow rollout, or null. */
  get shadowRunner(): ShadowRunner | null {
    return this.shadow;
  }

  /** Starts routing `rollout` with its loaded models; null stops routing, so production serves all. */
  update(rollout: Rollout | null, models: RoutedModels | null): void {
    const previousShadow = this.shadow;
    this.shadow = rollout?.kind === 'shadow' && models ? this.args.createShadowRunner(rollout, models.candidate) : null;
    this.rollout = rollout;
    this.models = rollout ? models : null;
    if (previousShadow && previousShadow !== this.shadow) void previousShadow.drain();
    this.logger.info({ rolloutId: rollout?.id ?? null, kind: rollout?.kind ?? null, candidateVersion: rollout?.candidateVersion ?? null, percent: rollout?.percent ?? null }, 'routing updated');
  }

  select(request: PredictionRequest): LoadedModel | null {
    const rollout = this.rollout;
    const models = this.models;
    if (!rollout || !models || rollout.kind === 'shadow') return null;
    const inCandidate = isInCandidateShare(request.userId, rollout.percent, `rollout-${rollout.id}`, this.args.random);
    if (inCandidate) return models.candidate;
    return rollout.kind === 'ab' ? (models.armA ?? null) : null;
  }

  observe(event: PredictionEvent): void {
    const rollout = this.rollout;
    if (!rollout) return;
    const version = event.loaded.metadata.version;

    if ('error' in event.outcome) {
      if (version === rollout.candidateVersion || version === rollout.productionVersion) this.args.store.incrementErrors(rollout.id, version);
      return;
    }
    if (this.shadow && version !== rollout.candidateVersion) {
      const { result } = event.outcome;
      this.shadow.submit({ predictionId: result.id, pixels: event.pixels, productionClassIndex: result.classIndex, productionLatencyMs: result.latencyMs });
    }
  }
}
