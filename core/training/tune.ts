import type * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../errors.js';
import type { PreprocessingParams } from '../features/preprocessing.js';
import { silentLogger, type Logger } from '../logger.js';
import { createRandom } from '../random.js';
import { applyTrialParams, DEFAULT_SEARCH_SPACE, sampleTrialParams, type SearchSpace, type TrialParams } from './search-space.js';
import { trainModel, type EpochRecord, type StopReason, type TrainingArgs, type TrainingData } from './train-model.js';

/** Search strategies of {@link tune}. */
export const TUNE_STRATEGIES = ['random', 'halving'] as const;
export type TuneStrategy = (typeof TUNE_STRATEGIES)[number];

/** One trained trial, scored on the validation split only. */
export interface TrialResult {
  /** Trial number, from 1. */
  id: number;
  /** Successive-halving round, from 0; always 0 for random search. */
  rung: number;
  params: TrialParams;
  epochs: number;
  validationAccuracy: number;
  validationLoss: number;
  trainingTimeMs: number;
  stopReason: StopReason;
}

/** A kept trial model; the caller owns and disposes `model`. */
export interface KeptModel {
  trial: TrialResult;
  model: tf.LayersModel;
  preprocessing: PreprocessingParams;
}

/** Options of {@link tune}. */
export interface TuneArgs {
  data: TrainingData;
  /** Training arguments that the trials vary; `epochs` is the most a trial trains. */
  base: TrainingArgs;
  trials: number;
  /** Wall-clock budget of all trials together, in minutes. */
  budgetMinutes: number;
  strategy?: TuneStrategy;
  /** Seed of the sampling of trial parameters; defaults to 1. */
  seed?: number;
  space?: SearchSpace;
  /** Best trial models to keep and return, such as the members of an ensemble; defaults to 1. */
  keepBest?: number;
  /** Share of trials kept at each successive-halving round is 1 / eta; defaults to 3. */
  eta?: number;
  onTrialStart?(event: { id: number; rung: number; params: TrialParams; epochs: number; budgetMinutes: number }): void;
  onTrialEnd?(trial: TrialResult, history: EpochRecord[]): void;
  logger?: Logger;
}

/** All trials, best first, and the kept models. */
export interface TuneResult {
  trials: TrialResult[];
  kept: KeptModel[];
}

/**
 * Searches learning rate, width, dropout and augmentation, choosing on validation accuracy only
 * (the test split is never seen). `random` trains `trials` sampled points for `base.epochs`
 * each. `halving` (successive halving) trains all sampled points for a few epochs, keeps the
 * best 1 / eta, and trains those again from scratch with eta times the epochs, until
 * `base.epochs` is reached. Each trial gets a share of `budgetMinutes` in proportion to its
 * epochs, and no trial starts once the whole budget is spent. Later rounds rank above earlier
 * ones, because they trained longer.
 *
 * @throws ConfigError when `trials`, `budgetMinutes` or `eta` is out of range.
 */
export async function tune(args: TuneArgs): Promise<TuneResult> {
  const logger = (args.logger ?? silentLogger).child({ component: 'tuning' });
  const strategy = args.strategy ?? 'random';
  const eta = args.eta ?? 3;
  const keepBest = args.keepBest ?? 1;
  if (!Number.isInteger(args.trials) || args.trials < 1) throw new ConfigError(`trials must be a positive integer, received ${args.trials}.`);
  if (!(args.budgetMinutes > 0)) throw new ConfigError(`The tuning budget must be a positive number of minutes, received ${args.budgetMinutes}.`);
  if (!(eta >= 2)) throw new ConfigError(`eta must be 2 or more, received ${eta}.`);

  const random = createRandom(args.seed ?? 1);
  const points = Array.from({ length: args.trials }, () => sampleTrialParams(args.space ?? DEFAULT_SEARCH_SPACE, random));
  const rungs = planRungs(strategy, args.trials, args.base.epochs, eta);
  const costUnits = rungs.reduce((sum, rung) => sum + rung.size * rung.epochs, 0);
  const deadline = performance.now() + args.budgetMinutes * 60_000;
  logger.info({ strategy, trials: args.trials, rungs, budgetMinutes: args.budgetMinutes }, 'tuning started');

  const results: TrialResult[] = [];
  const kept: KeptModel[] = [];
  let candidates = points;
  let nextId = 1;

  for (const [rungIndex, rung] of rungs.entries()) {
    const rungResults: TrialResult[] = [];
    for (const params of candidates.slice(0, rung.size)) {
      const remainingMinutes = (deadline - performance.now()) / 60_000;
      if (remainingMinutes <= 0) {
        logger.warn({ trial: nextId, rung: rungIndex }, 'tuning budget spent: skipping the remaining trials');
        break;
      }
      const budgetMinutes = Math.min(remainingMinutes, (args.budgetMinutes * rung.epochs) / costUnits);
      const id = nextId++;
      args.onTrialStart?.({ id, rung: rungIndex, params, epochs: rung.epochs, budgetMinutes });

      const training = { ...applyTrialParams(args.base, params), epochs: rung.epochs, maxTrainingMinutes: budgetMinutes };
      const trained = await trainModel(args.data, training, {}, logger);
      const trial: TrialResult = {
        id,
        rung: rungIndex,
        params,
        epochs: trained.history.length,
        validationAccuracy: trained.validationMetrics.accuracy,
        validationLoss: trained.validationMetrics.logLoss,
        trainingTimeMs: trained.trainingTimeMs,
        stopReason: trained.stopReason,
      };
      rungResults.push(trial);
      results.push(trial);
      args.onTrialEnd?.(trial, trained.history);
      logger.info(trial, 'trial finished');
      keepIfAmongBest(kept, { trial, model: trained.model, preprocessing: trained.preprocessing }, keepBest);
    }
    const ranked = [...rungResults].sort(compareTrials);
    candidates = ranked.map((trial) => trial.params);
    if (rungResults.length === 0) break;
  }

  return { trials: [...results].sort(compareTrials), kept };
}

/** Orders trials best first: later round, then higher validation accuracy, then lower validation loss. */
export function compareTrials(a: TrialResult, b: TrialResult): number {
  return b.rung - a.rung || b.validationAccuracy - a.validationAccuracy || a.validationLoss - b.validationLoss;
}

/** Number of trials and epochs per round; random search is one round of all trials. */
export function planRungs(strategy: TuneStrategy, trials: number, maxEpochs: number, eta: number): { size: number; epochs: number }[] {
  if (strategy === 'random') return [{ size: trials, epochs: maxEpochs }];
  const rungCount = Math.max(1, Math.floor(Math.log(trials) / Math.log(eta) + 1e-9) + 1);
  return Array.from({ length: rungCount }, (_, r) => ({
    size: Math.max(1, Math.floor(trials / eta ** r)),
    epochs: Math.max(1, Math.round(maxEpochs / eta ** (rungCount - 1 - r))),
  }));
}

function keepIfAmongBest(kept: KeptModel[], candidate: KeptModel, keepBest: number): void {
  kept.push(candidate);
  kept.sort((a, b) => compareTrials(a.trial, b.trial));
  for (const dropped of kept.splice(keepBest)) dropped.model.dispose();
}
