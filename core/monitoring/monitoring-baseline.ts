import { z } from 'zod';
import { IMAGE_STATISTICS, buildReferenceProfile, computeImageStatistics, referenceProfileSchema, type ImageStatisticName, type ReferenceProfile } from '../features/reference-profile.js';
import type { LoadedModel } from '../registry/model-registry.js';
import { createRandom, shuffleInPlace } from '../random.js';
import { BaselineError } from './errors.js';
import { probeModel, rowOf, type ProbeOutput } from './model-probe.js';
import { fitOutOfDistributionDetector, type DetectorInput } from './out-of-distribution.js';
import { medianPairwiseDistance } from './statistics/maximum-mean-discrepancy.js';
import { calibratedConfidence, fitTemperature, predictedClasses } from './temperature.js';

const mahalanobisSchema = z.object({ classMeans: z.array(z.array(z.number())), precision: z.array(z.number()), threshold: z.number() });

/**
 * Reference that live traffic is compared with, per model version: statistics of held-out
 * reference images (the validation split) run through the model, and the training data's profile.
 * Built once per model version and stored in SQLite, so a restart needs no data set.
 */
export const monitoringBaselineSchema = z.object({
  version: z.literal(1),
  modelVersion: z.string(),
  createdAt: z.string(),
  classNames: z.array(z.string()),
  referenceCount: z.number().int().positive(),
  /** Per-image statistics of each reference image, the second sample of the KS tests. */
  imageStatistics: z.object({ meanIntensity: z.array(z.number()), contrast: z.array(z.number()), inkCoverage: z.array(z.number()) }),
  /** The training data's profile; its histograms are the expected shares of the PSI. */
  profile: referenceProfileSchema,
  /** `model` when read from the model's folder, `computed` when built from the training split here. */
  profileSource: z.enum(['model', 'computed']),
  /** Penultimate-layer embeddings of a random subset of the reference images, for the MMD test. */
  mmdEmbeddings: z.array(z.array(z.number())),
  /** Gaussian kernel bandwidth: the median distance between reference embeddings. */
  mmdBandwidth: z.number().positive(),
  /** Share of reference images predicted as each class: the expected class mix of the chi-square test. */
  predictedClassShares: z.array(z.number()),
  /** Calibrated top-class probability of each reference image. */
  confidences: z.array(z.number()),
  temperature: z.number().positive(),
  temperatureSource: z.enum(['metadata', 'fitted']),
  /** Accuracy on the reference images, and per true class (null for a class without images). */
  accuracy: z.number(),
  perClassAccuracy: z.array(z.number().nullable()),
  /** Mean calibrated confidence on the reference images; an accurate calibration makes it close to `accuracy`. */
  meanCalibratedConfidence: z.number(),
  detector: z.object({ embedding: mahalanobisSchema, statistics: mahalanobisSchema, uncertaintyThreshold: z.number(), falsePositiveRate: z.number() }),
});

export type MonitoringBaseline = z.infer<typeof monitoringBaselineSchema>;

/** Labelled gray images, `count * height * width` pixels. */
export interface LabelledImages {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
}

/** Options for {@link buildMonitoringBaseline}. */
export interface BuildBaselineArgs {
  loaded: LoadedModel;
  /** Held-out images the model was not trained on: the validation split. */
  reference: LabelledImages;
  /** The model's saved training profile; computed from `training` when absent. */
  profile?: ReferenceProfile;
  training?: LabelledImages;
  /** Largest number of reference images used; defaults to 5,000. */
  maxReferenceCount?: number;
  /** Reference embeddings kept for the MMD test; defaults to 250. */
  mmdReferenceCount?: number;
  /** Share of reference images the out-of-distribution detector may flag; defaults to 0.01. */
  falsePositiveRate?: number;
  seed?: number;
}

/**
 * Runs the model over the reference images and summarises what drift tests compare against:
 * image statistics, embeddings, predicted class mix, calibrated confidences, accuracy, and the
 * fitted out-of-distribution detector. The temperature comes from the model's metadata when it
 * was calibrated, and is otherwise fitted on the reference images.
 *
 * @throws BaselineError when there are fewer than 20 reference images, or neither a profile nor
 *   training images are given.
 */
export async function buildMonitoringBaseline(args: BuildBaselineArgs): Promise<MonitoringBaseline> {
  const { loaded } = args;
  const { metadata } = loaded;
  const params = metadata.preprocessing;
  const imageSize = params.height * params.width * params.channels;
  const count = Math.min(args.reference.count, args.maxReferenceCount ?? 5000);
  if (count < 20) throw new BaselineError(`A monitoring baseline needs at least 20 reference images, received ${args.reference.count}.`);
  const profile = args.profile ?? profileOf(args.training, params, metadata.classNames);

  const pixels = args.reference.images.subarray(0, count * imageSize);
  const labels = args.reference.labels.subarray(0, count);
  const probe = await probeModel(loaded.model, pixels, count, params);
  const statistics = imageStatisticsOf(pixels, count, imageSize, params.channels);

  const temperature = metadata.calibration?.temperature ?? fitTemperature(probe.probabilities, labels, probe.classCount);
  const confidences = Array.from({ length: count }, (_, i) => calibratedConfidence(rowOf(probe.probabilities, i, probe.classCount), temperature));
  const predicted = predictedClasses(probe.probabilities, count, probe.classCount);
  const { accuracy, perClassAccuracy } = accuracyOf(predicted, labels, probe.classCount);

  const random = createRandom(args.seed ?? 17);
  const mmdEmbeddings = sampleEmbeddings(probe, args.mmdReferenceCount ?? 250, random);
  const detectorInput: DetectorInput = { ...probe, statistics: flattenStatistics(statistics, count) };

  return {
    version: 1,
    modelVersion: metadata.version,
    createdAt: new Date().toISOString(),
    classNames: metadata.classNames,
    referenceCount: count,
    imageStatistics: { meanIntensity: round(statistics.meanIntensity), contrast: round(statistics.contrast), inkCoverage: round(statistics.inkCoverage) },
    profile,
    profileSource: args.profile ? 'model' : 'computed',
    mmdEmbeddings: mmdEmbeddings.map((row) => round(row)),
    mmdBandwidth: medianPairwiseDistance(mmdEmbeddings, random),
    predictedClassShares: Array.from({ length: probe.classCount }, (_, c) => predicted.filter((label) => label === c).length / count),
    confidences: round(confidences),
    temperature,
    temperatureSource: metadata.calibration ? 'metadata' : 'fitted',
    accuracy,
    perClassAccuracy,
    meanCalibratedConfidence: confidences.reduce((sum, value) => sum + value, 0) / count,
    detector: fitOutOfDistributionDetector(detectorInput, labels, args.falsePositiveRate ?? 0.01),
  };
}

/** Computes the statistics of `count` images, one array per statistic. */
export function imageStatisticsOf(pixels: Uint8Array, count: number, imageSize: number, channels = 1): Record<ImageStatisticName, number[]> {
  const result = { meanIntensity: [] as number[], contrast: [] as number[], inkCoverage: [] as number[] };
  for (let i = 0; i < count; i++) {
    const statistics = computeImageStatistics(pixels.subarray(i * imageSize, (i + 1) * imageSize), channels);
    for (const name of IMAGE_STATISTICS) result[name].push(statistics[name]);
  }
  return result;
}

/** Interleaves per-statistic arrays into `count * 3` values in the order of `IMAGE_STATISTICS`. */
export function flattenStatistics(statistics: Record<ImageStatisticName, number[]>, count: number): Float32Array {
  const flat = new Float32Array(count * IMAGE_STATISTICS.length);
  IMAGE_STATISTICS.forEach((name, j) => statistics[name].forEach((value, i) => (flat[i * IMAGE_STATISTICS.length + j] = value)));
  return flat;
}

function profileOf(training: LabelledImages | undefined, params: { height: number; width: number; channels: number }, classNames: string[]): ReferenceProfile {
  if (!training) throw new BaselineError('A monitoring baseline needs the model\'s reference profile or its training images to compute one.');
  return buildReferenceProfile(training.images, training.labels, training.count, params, classNames);
}

function accuracyOf(predicted: Uint8Array, labels: ArrayLike<number>, classCount: number): { accuracy: number; perClassAccuracy: (number | null)[] } {
  const totals = new Array<number>(classCount).fill(0);
  const correct = new Array<number>(classCount).fill(0);
  let allCorrect = 0;
  predicted.forEach((label, i) => {
    const truth = labels[i] as number;
    totals[truth] = (totals[truth] as number) + 1;
    if (label === truth) {
      correct[truth] = (correct[truth] as number) + 1;
      allCorrect++;
    }
  });
  return {
    accuracy: allCorrect / predicted.length,
    perClassAccuracy: totals.map((total, c) => (total === 0 ? null : (correct[c] as number) / total)),
  };
}

function sampleEmbeddings(probe: ProbeOutput, wanted: number, random: () => number): Float32Array[] {
  const order = shuffleInPlace(Array.from({ length: probe.count }, (_, i) => i), random).slice(0, Math.min(wanted, probe.count));
  return order.map((index) => Float32Array.from(rowOf(probe.embeddings, index, probe.embeddingSize)));
}

/** Rounds to 6 significant digits: the stored baseline is smaller, and window statistics rounded alike tie with it exactly. */
export function round(values: ArrayLike<number>): number[] {
  return Array.from(values, (value) => Number(value.toPrecision(6)));
}
