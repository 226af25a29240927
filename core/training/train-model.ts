import * as tf from '@tensorflow/tfjs';
import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';
import { createRandom, shuffleInPlace } from '../random.js';
import { fitPreprocessing, pixelsToTensor, type PreprocessingParams } from '../features/preprocessing.js';
import { augmentationSchema, augmentBatch, isAugmentationEnabled, type AugmentationArgs } from '../features/augmentation.js';
import { computeClassificationMetrics, type ClassificationMetrics } from '../evaluation/metrics.js';
import { predictProbabilities } from '../serving/predict-probabilities.js';
import { buildModel } from './architectures.js';
import { unwrappedWeights, wrapWithFlipAveraging } from './flip-averaging.js';
import { ExchangingOptimizer } from './parallel/exchanging-optimizer.js';
import { trainModelParallel } from './parallel/train-model-parallel.js';
import type { GradientExchange } from './parallel/gradient-exchange.js';
import { learningRateAt, learningRateScheduleSchema, type LearningRateSchedule } from './learning-rate-schedule.js';

/** Images and labels of one split: `count` images of `height * width * channels` bytes. */
export interface LabelledImages {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
}

/** The training and validation splits with their shared image shape and class names. */
export interface TrainingData {
  train: LabelledImages;
  validation: LabelledImages;
  height: number;
  width: number;
  channels: number;
  classNames: string[];
}

/** Hyperparameters of one training run. */
export interface TrainingArgs {
  arch: string;
  epochs: number;
  batchSize: number;
  /** Base learning rate of Adam; the schedule scales it. */
  learningRate: number;
  seed: number;
  dropout?: number;
  /** Epochs without a lower validation loss before training stops; 0 turns it off. */
  earlyStoppingPatience?: number;
  /** Multiplier of the architecture's filter and unit counts; defaults to 1. */
  width?: number;
  /** Batch normalisation in the convolutional architectures; the architecture's default when unset. */
  batchNorm?: boolean;
  /** Learning-rate schedule; defaults to constant. */
  schedule?: LearningRateSchedule;
  /** Random transforms of the training images; defaults to none. Validation images are never augmented. */
  augmentation?: Partial<AugmentationArgs>;
  /**
   * Wall-clock budget of the epochs in minutes, without data loading and registration. When
   * set, the schedule advances by whichever is further along, batches or time, and training
   * stops once the budget is spent, so a slower machine trains fewer batches rather than
   * overrunning. Runs cut short by the budget are not repeatable batch for batch.
   */
  maxTrainingMinutes?: number;
  /**
   * Worker threads that share every batch (synchronous data parallelism), each with its own
   * TensorFlow.js backend; defaults to 1, training on the calling thread. More than the machine's
   * cores only adds overhead.
   */
  workers?: number;
  /**
   * Returns a model that averages each image with its mirror image before the classifier head
   * (see {@link wrapWithFlipAveraging}); for models trained with horizontal flips. Defaults to false.
   */
  testTimeFlip?: boolean;
}

/** Progress events, for progress bars and run tracking. */
export interface TrainingCallbacks {
  onEpochStart?(event: { epoch: number; epochs: number; batches: number }): void;
  onBatchEnd?(event: { epoch: number; batch: number; batches: number; loss: number }): void;
  onEpochEnd?(event: EpochRecord): void;
}

/** Loss and accuracy after one epoch; `epoch` counts from 1. */
export interface EpochRecord {
  epoch: number;
  loss: number;
  accuracy: number;
  validationLoss: number;
  validationAccuracy: number;
  /** Learning rate of the epoch's last batch. */
  learningRate: number;
  durationMs: number;
}

/**
 * Weights and preprocessing to continue from (fine-tuning), such as the production model's. The
 * architecture arguments must build the same layers; the weights are copied, not shared.
 */
export interface WarmStart {
  model: tf.LayersModel;
  preprocessing: PreprocessingParams;
}

/**
 * This worker's part in data-parallel training: it trains on every `exchange.participants`-th
 * image of each batch, starting at `exchange.index`, and averages gradients and batch norm
 * statistics with the other workers. The time budget and schedule follow worker 0's clock, so all
 * workers stop at the same batch.
 */
export interface TrainingShard {
  exchange: GradientExchange;
}

/** Reason the epoch loop ended. */
export type StopReason = 'completed' | 'early_stopping' | 'time_budget';

/** Result of {@link trainModel}. The caller owns and disposes `model`. */
export interface TrainingResult {
  model: tf.LayersModel;
  preprocessing: PreprocessingParams;
  history: EpochRecord[];
  /** The epoch whose weights the returned model has (lowest validation loss). */
  bestEpoch: number;
  validationMetrics: ClassificationMetrics;
  trainingTimeMs: number;
  /** User plus system CPU time of this process during training, in ms; on a shared machine it varies less than wall time. */
  cpuTimeMs: number;
  stopReason: StopReason;
}

/**
 * Trains a classifier with Adam on the training split, batch by batch in a seeded order, with
 * the seeded augmentation and learning-rate schedule of `args`, and evaluates it on the
 * validation split after every epoch. Training stops early when the validation loss has not
 * improved for `earlyStoppingPatience` epochs (default 3) or when `maxTrainingMinutes` is
 * spent, and the weights of the best epoch are restored. The test split is never passed in.
 * With `warmStart`, training starts from its weights and keeps its preprocessing, so inputs are
 * scaled as the original model was trained on them.
 *
 * @throws SnapclassError from {@link buildModel} for an unknown architecture.
 * @throws Error from tfjs `setWeights` when `warmStart.model` has other layer shapes than `args` build.
 * @throws ZodError when the augmentation or schedule arguments are out of range.
 */
export async function trainModel(
  data: TrainingData,
  args: TrainingArgs,
  callbacks: TrainingCallbacks = {},
  logger: Logger = silentLogger,
  warmStart?: WarmStart,
  shard?: TrainingShard,
): Promise<TrainingResult> {
  if (shard) return trainOnThisThread(data, args, callbacks, logger, warmStart, shard);
  const result =
    (args.workers ?? 1) > 1
      ? await trainModelParallel(data, args, callbacks, logger, warmStart)
      : await trainOnThisThread(data, args, callbacks, logger, warmStart);
  if (!args.testTimeFlip) return result;

  const model = wrapWithFlipAveraging(result.model);
  const validationMetrics = await evaluateSplit(model, data.validation, result.preprocessing, data.classNames);
  logger.info({ component: 'training', validationAccuracy: validationMetrics.accuracy }, 'model wrapped to average each image with its mirror image');
  return { ...result, model, validationMetrics };
}

async function trainOnThisThread(
  data: TrainingData,
  args: TrainingArgs,
  callbacks: TrainingCallbacks,
  logger: Logger,
  warmStart?: WarmStart,
  shard?: TrainingShard,
): Promise<TrainingResult> {
  const log = logger.child({ component: 'training' });
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  const { height, width, channels, classNames } = data;
  const preprocessing = warmStart?.preprocessing ?? fitPreprocessing(data.train.images, { height, width, channels });
  const augmentation = augmentationSchema.parse(args.augmentation ?? {});
  const schedule = learningRateScheduleSchema.parse(args.schedule ?? { kind: 'constant' });

  const model = buildTrainingModel(data, args);
  if (warmStart) model.setWeights(unwrappedWeights(warmStart.model));
  const optimizer = tf.train.adam(args.learningRate);
  let shardSize = 0;
  const exchanging = shard
    ? new ExchangingOptimizer(optimizer, shard.exchange, () => shardSize, () => performance.now() - started)
    : null;
  model.compile({ optimizer: exchanging ?? optimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  log.info({ ...args, augmentation, schedule, parameters: model.countParams() }, 'training started');

  const random = createRandom(args.seed);
  // A stream of its own, so switching augmentation on or off leaves the batch order unchanged.
  // Each worker of a data-parallel run draws its own stream for the images it augments.
  const augmentationRandom = createRandom(args.seed + 1_000_003 + (shard ? shard.exchange.index * 7_919 : 0));
  const order = Array.from({ length: data.train.count }, (_, i) => i);
  const batches = Math.ceil(data.train.count / args.batchSize);
  const totalBatches = batches * args.epochs;
  const budgetMs = args.maxTrainingMinutes === undefined ? Infinity : args.maxTrainingMinutes * 60_000;
  const patience = args.earlyStoppingPatience ?? 3;
  const history: EpochRecord[] = [];
  let best: { epoch: number; loss: number; weights: tf.Tensor[] } | null = null;
  let stopReason: StopReason = 'completed';
  let batchesDone = 0;

  for (let epoch = 1; epoch <= args.epochs && stopReason === 'completed'; epoch++) {
    const epochStarted = performance.now();
    callbacks.onEpochStart?.({ epoch, epochs: args.epochs, batches });
    shuffleInPlace(order, random);

    let lossSum = 0;
    let accuracySum = 0;
    let seen = 0;
    let learningRate = args.learningRate;
    for (let batch = 0; batch < batches; batch++) {
      // Workers of a data-parallel run decide on worker 0's clock, so they all stop at the same batch.
      const elapsedMs = exchanging ? exchanging.leaderElapsedMs : performance.now() - started;
      if (elapsedMs >= budgetMs) {
        stopReason = 'time_budget';
        log.info({ epoch, batch, budgetMinutes: args.maxTrainingMinutes }, 'time budget spent: stopping training');
        break;
      }
      learningRate = learningRateAt(args.learningRate, schedule, Math.max(batchesDone / totalBatches, elapsedMs / budgetMs));
      setLearningRate(optimizer, learningRate);

      const batchIndices = order.slice(batch * args.batchSize, (batch + 1) * args.batchSize);
      // A worker without images would have no gradient, so every worker skips a last batch smaller than their number.
      if (shard && batchIndices.length < shard.exchange.participants) continue;
      const indices = shard ? batchIndices.filter((_, position) => position % shard.exchange.participants === shard.exchange.index) : batchIndices;
      shardSize = indices.length;
      const [loss, accuracy] = await trainBatch(model, data, indices, preprocessing, augmentation, augmentationRandom);
      lossSum += loss * indices.length;
      accuracySum += accuracy * indices.length;
      seen += indices.length;
      batchesDone++;
      callbacks.onBatchEnd?.({ epoch, batch: batch + 1, batches, loss });
      // Let timers and I/O run (log writes, progress redraws, signals): on the wasm and cpu
      // backends a batch resolves without ever returning to the event loop.
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (seen === 0) break;
    if (shard) averageWeights(model, shard.exchange);

    const validation = await evaluateSplit(model, data.validation, preprocessing, classNames);
    const record: EpochRecord = {
      epoch,
      loss: lossSum / seen,
      accuracy: accuracySum / seen,
      validationLoss: validation.logLoss,
      validationAccuracy: validation.accuracy,
      learningRate,
      durationMs: performance.now() - epochStarted,
    };
    history.push(record);
    callbacks.onEpochEnd?.(record);
    log.info(record, 'epoch finished');

    if (!best || record.validationLoss < best.loss) {
      best?.weights.forEach((weight) => weight.dispose());
      best = { epoch, loss: record.validationLoss, weights: model.getWeights().map((w) => w.clone()) };
    } else if (patience > 0 && epoch - best.epoch >= patience) {
      stopReason = 'early_stopping';
      log.info({ epoch, bestEpoch: best.epoch, patience }, 'early stopping: validation loss stopped improving');
    }
  }

  if (best) {
    model.setWeights(best.weights);
    best.weights.forEach((weight) => weight.dispose());
  }
  // The optimizer's moment estimates are tensors of their own that model.dispose() leaves behind.
  optimizer.dispose();
  const validationMetrics = await evaluateSplit(model, data.validation, preprocessing, classNames);
  const trainingTimeMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuStarted);
  const cpuTimeMs = (cpu.user + cpu.system) / 1000;
  log.info(
    { bestEpoch: best?.epoch, validationAccuracy: validationMetrics.accuracy, trainingTimeMs, cpuTimeMs, stopReason },
    'training finished',
  );
  return { model, preprocessing, history, bestEpoch: best?.epoch ?? 0, validationMetrics, trainingTimeMs, cpuTimeMs, stopReason };
}

/**
 * Replaces every weight with its mean over the workers. The trained weights are identical in all
 * workers already, and the mean of identical values is exact. Batch norm moving statistics differ,
 * because each worker saw other images, and afterwards all workers validate the same model.
 */
function averageWeights(model: tf.LayersModel, exchange: GradientExchange): void {
  const weights = model.getWeights();
  const flat = new Float32Array(weights.reduce((sum, weight) => sum + weight.size, 0));
  let offset = 0;
  for (const weight of weights) {
    flat.set(weight.dataSync() as Float32Array, offset);
    offset += weight.size;
  }

  const { mean } = exchange.allReduceMean(flat, 1, 0);
  offset = 0;
  const averaged = weights.map((weight) => {
    const values = mean.subarray(offset, offset + weight.size);
    offset += weight.size;
    return tf.tensor(values, weight.shape, 'float32');
  });
  model.setWeights(averaged);
  tf.dispose(averaged);
}

/**
 * Builds the untrained model that `args` describe for the image shape and classes of `data`.
 *
 * @throws SnapclassError from {@link buildModel} for an unknown architecture.
 */
export function buildTrainingModel(data: Pick<TrainingData, 'height' | 'width' | 'channels' | 'classNames'>, args: TrainingArgs): tf.LayersModel {
  return buildModel(args.arch, {
    inputShape: [data.height, data.width, data.channels],
    classCount: data.classNames.length,
    seed: args.seed,
    dropout: args.dropout,
    width: args.width,
    batchNorm: args.batchNorm,
  });
}

/** Sets Adam's learning rate for the next step; tfjs reads the field on every update. */
function setLearningRate(optimizer: tf.AdamOptimizer, learningRate: number): void {
  (optimizer as unknown as { learningRate: number }).learningRate = learningRate;
}

async function trainBatch(
  model: tf.LayersModel,
  data: TrainingData,
  indices: number[],
  preprocessing: PreprocessingParams,
  augmentation: AugmentationArgs,
  augmentationRandom: () => number,
): Promise<[number, number]> {
  const imageSize = data.height * data.width * data.channels;
  const pixels = new Uint8Array(indices.length * imageSize);
  const labels = new Int32Array(indices.length);
  indices.forEach((source, i) => {
    pixels.set(data.train.images.subarray(source * imageSize, (source + 1) * imageSize), i * imageSize);
    labels[i] = data.train.labels[source] as number;
  });
  if (isAugmentationEnabled(augmentation)) {
    augmentBatch(pixels, indices.length, data, augmentation, augmentationRandom);
  }

  const inputs = pixelsToTensor(pixels, indices.length, preprocessing);
  const targets = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), data.classNames.length));
  try {
    const result = (await model.trainOnBatch(inputs, targets)) as number[];
    return [result[0] as number, result[1] as number];
  } finally {
    inputs.dispose();
    targets.dispose();
  }
}

/** Predicts a labelled split and computes its classification metrics. */
export async function evaluateSplit(
  model: tf.LayersModel,
  split: LabelledImages,
  preprocessing: PreprocessingParams,
  classNames: string[],
): Promise<ClassificationMetrics> {
  const probabilities = await predictProbabilities(model, split.images, split.count, preprocessing);
  return computeClassificationMetrics(probabilities, split.labels, classNames);
}
