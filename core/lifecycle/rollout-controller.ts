import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';
import type { LoadedModel, ModelRegistry } from '../registry/model-registry.js';
import type { PredictionService } from '../serving/prediction-service.js';
import { classifyPixels } from './classify-pixels.js';
import { evaluateGates, type GateDecision } from './gates.js';
import { ModelCache } from './model-cache.js';
import { routingKey, type Rollout } from './rollout.js';
import { RolloutRouter } from './rollout-router.js';
import { buildRolloutStatus, type RolloutStatus } from './rollout-status.js';
import type { RolloutStore } from './rollout-store.js';
import { ShadowRunner } from './shadow-runner.js';

/** Options of {@link RolloutController}. */
export interface RolloutControllerArgs {
  store: RolloutStore;
  registry: ModelRegistry;
  predictions: PredictionService;
  logger?: Logger;
  /** Time between reads of the rollout table and the registry, in milliseconds; defaults to 1,000. */
  pollIntervalMs?: number;
  /** Time between gate evaluations of a canary, in milliseconds; defaults to 5,000. */
  gateIntervalMs?: number;
  /** Time a model that no longer serves stays loaded, for requests still queued on it, in milliseconds; defaults to 60,000. */
  retiredModelGraceMs?: number;
  /** Time after which a shadow call counts as failed, in milliseconds; defaults to 2,000. */
  shadowTimeoutMs?: number;
  /** Loads a version; defaults to `registry.load`. */
  loadModel?: (version: string) => Promise<LoadedModel>;
  /** Classifies shadow inputs; defaults to running the candidate model. Tests pass a failing or slow one. */
  shadowClassify?: (candidate: LoadedModel, pixels: Uint8Array[]) => Promise<number[]>;
}

/**
 * Keeps the running service in step with the registry and the rollout table, without a
 * restart. Every poll it (1) serves the registry's production version when it changed,
 * (2) loads the models of a new or changed rollout and hands them to the {@link RolloutRouter},
 * and (3) for a canary, evaluates the gates and, when the rollout is automatic, promotes the
 * candidate or rolls it back. Gate decisions are logged and stored with their numbers.
 * A model is loaded completely before it is swapped in, and a replaced model stays loaded for
 * `retiredModelGraceMs`, so no request in flight fails because of a swap.
 */
export class RolloutController {
  readonly router: RolloutRouter;
  private readonly logger: Logger;
  private readonly models: ModelCache;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private routedKey = 'none';
  private lastGateAt = 0;
  private lastGateSummary = '';
  private lastDecision: GateDecision | null = null;

  constructor(private readonly args: RolloutControllerArgs) {
    this.logger = (args.logger ?? silentLogger).child({ component: 'rollout-controller' });
    this.models = new ModelCache({
      load: args.loadModel ?? ((version) => args.registry.load(version)),
      graceMs: args.retiredModelGraceMs ?? 60_000,
      logger: this.logger,
    });
    this.router = new RolloutRouter({
      store: args.store,
      logger: args.logger,
      createShadowRunner: (rollout, candidate) => this.createShadowRunner(rollout, candidate),
    });
  }

  /** Installs the router, runs the first poll (so a restarted service routes at once), then polls on a timer. */
  async start(): Promise<void> {
    const current = this.args.predictions.model;
    if (current) this.models.adopt(current);
    this.args.predictions.setRouter(this.router);
    await this.sync();
    this.timer = setInterval(() => void this.sync(), this.args.pollIntervalMs ?? 1000);
    this.timer.unref();
    this.logger.info({ pollIntervalMs: this.args.pollIntervalMs ?? 1000 }, 'rollout controller started');
  }

  /** Stops polling, waits for a poll in progress and for queued shadow calls, and unloads retired models. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
    await this.router.shadowRunner?.drain();
    this.models.disposeRetired();
    this.logger.info('rollout controller stopped');
  }

  /** The last gate decision of the active canary, or null. */
  get gateDecision(): GateDecision | null {
    return this.lastDecision;
  }

  /**
   * Builds the status for `GET /v1/rollout`, with the version the service is serving now and the
   * id of the rollout its router applies (which trails the table by up to one poll).
   */
  status(): RolloutStatus & { servingVersion: string | null; routedRolloutId: number | null } {
    return {
      ...buildRolloutStatus(this.args.store, this.args.registry.productionVersion()),
      servingVersion: this.args.predictions.model?.metadata.version ?? null,
      routedRolloutId: this.router.active?.id ?? null,
    };
  }

  /** Runs one poll now; concurrent calls share the poll in progress. Errors are logged, not thrown. */
  sync(): Promise<void> {
    this.running ??= this.poll().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async poll(): Promise<void> {
    try {
      await this.syncProduction();
      const rollout = this.args.store.active();
      await this.syncRouting(rollout);
      if (rollout?.kind === 'canary' && this.router.active?.id === rollout.id) await this.checkGates(rollout);
    } catch (error) {
      this.logger.error({ err: error }, 'rollout poll failed: keeping the current routing');
    }
  }

  private async syncProduction(): Promise<void> {
    const version = this.args.registry.productionVersion();
    const serving = this.args.predictions.model?.metadata.version ?? null;
    if (!version || version === serving) return;

    const loaded = await this.models.acquire(version);
    this.args.predictions.setModel(loaded);
    if (serving) this.models.release(serving);
    this.logger.info({ modelVersion: version, previous: serving }, 'production model changed in the registry: now serving it');
  }

  private async syncRouting(rollout: Rollout | null): Promise<void> {
    const key = routingKey(rollout);
    if (key === this.routedKey) return;
    const previous = this.router.active;

    if (!rollout) {
      this.router.update(null, null);
    } else {
      try {
        const candidate = await this.models.acquire(rollout.candidateVersion);
        const armA = rollout.kind === 'ab' ? await this.models.acquire(rollout.productionVersion) : undefined;
        this.router.update(rollout, { candidate, armA });
      } catch (error) {
        this.logger.error({ err: error, rolloutId: rollout.id, candidateVersion: rollout.candidateVersion }, 'cannot load the rollout models: stopping the rollout');
        this.args.store.finish(rollout.id, 'stopped', `cannot load the models of rollout ${rollout.id}: ${(error as Error).message}`);
        this.router.update(null, null);
        this.routedKey = 'none';
        return;
      }
    }

    if (previous) {
      this.models.release(previous.candidateVersion);
      if (previous.kind === 'ab') this.models.release(previous.productionVersion);
    }
    this.routedKey = key;
    this.lastGateAt = 0;
    this.lastGateSummary = '';
    this.lastDecision = null;
  }

  private async checkGates(rollout: Rollout): Promise<void> {
    const now = performance.now();
    if (this.lastGateAt !== 0 && now - this.lastGateAt < (this.args.gateIntervalMs ?? 5000)) return;
    this.lastGateAt = now;

    const decision = evaluateGates(
      this.args.store.armStats(rollout, rollout.candidateVersion),
      this.args.store.armStats(rollout, rollout.productionVersion),
      rollout.gates,
    );
    this.lastDecision = decision;
    this.recordDecision(rollout, decision);
    if (!rollout.automatic || decision.decision === 'wait') return;

    const reason = decision.checks.filter((check) => check.status === (decision.decision === 'promote' ? 'pass' : 'fail')).map((check) => check.reason).join('; ');
    if (decision.decision === 'promote') await this.promote(rollout, `gates passed: ${reason}`, decision);
    else await this.rollBack(rollout, `gate failed: ${reason}`, decision);
  }

  /** Stores and logs a decision when it differs from the last one stored for this rollout. */
  private recordDecision(rollout: Rollout, decision: GateDecision): void {
    const summary = `${decision.decision}:${decision.checks.map((check) => `${check.gate}=${check.status}`).join(',')}`;
    if (summary === this.lastGateSummary) return;
    this.lastGateSummary = summary;
    const message = `gates: ${decision.decision} (${decision.checks.map((check) => `${check.gate} ${check.status}`).join(', ')})`;
    this.args.store.recordEvent(rollout.id, 'gate_decision', message, { ...decision });
    this.logger.info({ rolloutId: rollout.id, decision: decision.decision, checks: decision.checks }, 'gate decision');
  }

  private async promote(rollout: Rollout, reason: string, decision: GateDecision): Promise<void> {
    const previous = this.args.registry.productionVersion();
    try {
      await this.args.registry.promote(rollout.candidateVersion);
    } catch (error) {
      this.logger.error({ err: error, rolloutId: rollout.id }, 'promotion failed: rolling back');
      await this.rollBack(rollout, `promotion of ${rollout.candidateVersion} failed: ${(error as Error).message}`, decision);
      return;
    }
    this.args.store.finish(rollout.id, 'promoted', `${rollout.candidateVersion} promoted to production: ${reason}`, { previousVersion: previous, decision });
    this.logger.info({ rolloutId: rollout.id, modelVersion: rollout.candidateVersion, previous }, 'candidate promoted');
    await this.syncProduction();
    await this.syncRouting(null);
  }

  private async rollBack(rollout: Rollout, reason: string, decision: GateDecision): Promise<void> {
    if (!this.args.store.finish(rollout.id, 'rolled_back', `${rollout.candidateVersion} rolled back: ${reason}`, { decision })) return;
    this.args.registry.archive(rollout.candidateVersion);
    this.logger.warn({ rolloutId: rollout.id, modelVersion: rollout.candidateVersion, reason }, 'candidate rolled back');
    await this.syncRouting(null);
  }

  private createShadowRunner(rollout: Rollout, candidate: LoadedModel): ShadowRunner {
    const classify = this.args.shadowClassify ?? classifyPixels;
    return new ShadowRunner({
      classify: (pixels) => classify(candidate, pixels),
      record: (outcome) =>
        this.args.store.recordShadowResult({
          rolloutId: rollout.id,
          predictionId: outcome.job.predictionId,
          candidateVersion: rollout.candidateVersion,
          productionClassIndex: outcome.job.productionClassIndex,
          candidateClassIndex: outcome.candidateClassIndex,
          productionLatencyMs: outcome.job.productionLatencyMs,
          candidateLatencyMs: outcome.candidateLatencyMs,
          error: outcome.error,
        }),
      timeoutMs: this.args.shadowTimeoutMs,
      logger: this.args.logger,
    });
  }
}
