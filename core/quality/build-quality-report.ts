import type * as tf from '@tensorflow/tfjs';
import type { ImageSet } from '../data/image-set.js';
import { computeClassificationMetrics, type ClassificationMetrics } from '../evaluation/metrics.js';
import { silentLogger, type Logger } from '../logger.js';
import type { ModelMetadata } from '../registry/model-metadata.js';
import type { ModelRegistry } from '../registry/model-registry.js';
import { runAdversarialEvaluation, type AdversarialEvaluation } from './adversarial-evaluation.js';
import { softmaxWithTemperature } from './calibration.js';
import { findConfidentMistakes, type ConfidentMistake } from './confident-mistakes.js';
import { runCorruptionBenchmark, type CorruptionBenchmark } from './corruption-benchmark.js';
import { UnsupportedModelError } from './errors.js';
import { explainModel, type ExplanationResult } from './explanation-report.js';
import { sampleImages } from './image-sample.js';
import { argmaxRows, createPixelClassifier, predictLogits } from './pixel-classifier.js';
import type { ReportSettings } from './report-settings.js';
import { saveCalibration } from './save-calibration.js';
import { evaluateSlices, type SliceReport } from './slices.js';
import { evaluateTemperatureScaling, type TemperatureScalingResult } from './temperature-scaling.js';
import { compareVariants, type VariantComparison } from './variant-comparison.js';

/** Everything the report measured, as written to `report.json` (maps as plain number arrays). */
export interface QualityReport {
  generatedAt: string;
  quick: boolean;
  /** Wall time of the measurements, in milliseconds, without writing the files. */
  durationMs: number;
  /** Wall time of each section, in milliseconds. */
  timings: Record<string, number>;
  settings: ReportSettings;
  backend: string;
  model: {
    version: string;
    stage: string | null;
    architecture: string;
    createdAt: string;
    classNames: string[];
    parameterCount: number;
    validation: ModelMetadata['metrics']['validation'];
    parentVersion: string | null;
    quantization: ModelMetadata['quantization'] | null;
  };
  data: { id: string; sha256: string; validationCount: number; testCount: number };
  test: Omit<ClassificationMetrics, 'perClass'> & { perClass: ClassificationMetrics['perClass'] };
  slices: SliceReport;
  corruptions: CorruptionBenchmark;
  adversarial: Omit<AdversarialEvaluation, 'examples'> & {
    examples: { sampleIndex: number; label: number; epsilon: number; predicted: { clean: number; fgsm: number; pgd: number } }[];
  };
  calibration: TemperatureScalingResult & { savedToMetadata: boolean; exactLogits: boolean };
  explanations: {
    patchSize: number;
    stride: number;
    examples: { testIndex: number; label: number; predicted: number; saliency: number[]; occlusion: number[] }[];
    classes: { label: number; saliencyCount: number; occlusionCount: number; saliency: number[]; occlusion: number[] }[];
    permutation: ExplanationResult['permutation'];
  };
  confidentMistakes: ConfidentMistake[];
  variants: VariantComparison | null;
}

/** Data for the pictures that `report.json` leaves out: pixels of the example images. */
export interface ReportFigures {
  test: ImageSet;
  adversarial: AdversarialEvaluation;
  explanations: ExplanationResult;
}

/** Options of {@link buildQualityReport}. */
export interface BuildQualityReportArgs {
  model: tf.LayersModel;
  metadata: ModelMetadata;
  /** Registry stage of the version, shown in the report; null when unknown. */
  stage: string | null;
  /** The validation split the model was selected on; the temperature is fitted on it. */
  validation: ImageSet;
  /** The held-out test split that every section measures. */
  test: ImageSet;
  settings: ReportSettings;
  quick: boolean;
  /** Name of the TensorFlow.js backend, recorded in the report. */
  backend: string;
  /** Needed to find quantized variants and to save the temperature; both are skipped without it. */
  registry?: ModelRegistry;
  /** Store the fitted temperature in the version's metadata; defaults to false. */
  saveTemperature?: boolean;
  logger?: Logger;
}

/**
 * Measures a model for the quality report: test metrics, slices, corruptions, adversarial
 * attacks, calibration with temperature scaling, explanations, confident mistakes, and the
 * comparison with its quantized variants. Every section uses the test split except the
 * temperature fit, which uses the validation split only.
 *
 * @throws UnsupportedModelError for images with more than one channel.
 */
export async function buildQualityReport(args: BuildQualityReportArgs): Promise<{ report: QualityReport; figures: ReportFigures }> {
  const logger = (args.logger ?? silentLogger).child({ component: 'quality-report' });
  const { model, metadata, test, validation, settings } = args;
  const { preprocessing } = metadata;
  if (preprocessing.channels !== 1) {
    throw new UnsupportedModelError(
      `Model ${metadata.version} takes ${preprocessing.channels}-channel images, but the quality report handles grayscale images only.`,
    );
  }
  const classCount = metadata.classNames.length;
  const classifier = createPixelClassifier(model, preprocessing, logger);
  const timings: Record<string, number> = {};
  const started = performance.now();
  const timed = async <T>(name: string, step: () => Promise<T> | T): Promise<T> => {
    const sectionStarted = performance.now();
    const result = await step();
    timings[name] = Math.round(performance.now() - sectionStarted);
    logger.info({ section: name, ms: timings[name] }, 'report section finished');
    return result;
  };

  const testLogits = await timed('testPredictions', () => predictLogits(classifier, test.images, test.count, preprocessing));
  const probabilities = softmaxWithTemperature(testLogits, classCount);
  const predicted = argmaxRows(probabilities, classCount);
  const metrics = computeClassificationMetrics(probabilities, test.labels, metadata.classNames);
  const slices = await timed('slices', () =>
    evaluateSlices({ images: test.images, pixelsPerImage: test.height * test.width, labels: test.labels, predicted, classNames: metadata.classNames }),
  );

  const calibration = await timed('calibration', async () => {
    const validationLogits = await predictLogits(classifier, validation.images, validation.count, preprocessing);
    return evaluateTemperatureScaling({ logits: validationLogits, labels: validation.labels }, { logits: testLogits, labels: test.labels }, classCount);
  });
  if (args.saveTemperature && args.registry) {
    saveCalibration(args.registry, metadata.version, calibration);
    logger.info({ modelVersion: metadata.version, temperature: calibration.temperature }, 'temperature saved to the model metadata');
  }

  const corruptions = await timed('corruptions', () =>
    runCorruptionBenchmark({ model, preprocessing, images: sampleImages(test, settings.corruptionSample, settings.seed).sample, seed: settings.seed, logger }),
  );
  const adversarial = await timed('adversarial', () =>
    runAdversarialEvaluation({
      classifier,
      preprocessing,
      images: sampleImages(test, settings.adversarialSample, settings.seed + 1).sample,
      epsilons: settings.epsilons,
      pgdSteps: settings.pgdSteps,
      seed: settings.seed,
      logger,
    }),
  );
  const explanations = await timed('explanations', () =>
    explainModel({
      classifier,
      preprocessing,
      test,
      predicted,
      saliencyPerClass: settings.saliencyPerClass,
      occlusionPerClass: settings.occlusionPerClass,
      permutationSample: settings.permutationSample,
      permutationRepeats: settings.permutationRepeats,
      seed: settings.seed + 2,
    }),
  );
  const confidentMistakes = findConfidentMistakes(probabilities, test.labels, classCount, settings.mistakeCount);
  const variants = await timed('variants', async () => {
    if (!args.registry || metadata.quantization) return null;
    const variantTest = settings.variantSample === null ? test : sampleImages(test, settings.variantSample, settings.seed + 3).sample;
    return compareVariants({ registry: args.registry, version: metadata.version, test: variantTest, latencyRuns: settings.latencyRuns, logger });
  });

  const report: QualityReport = {
    generatedAt: new Date().toISOString(),
    quick: args.quick,
    durationMs: Math.round(performance.now() - started),
    timings,
    settings,
    backend: args.backend,
    model: {
      version: metadata.version,
      stage: args.stage,
      architecture: metadata.architecture,
      createdAt: metadata.createdAt,
      classNames: metadata.classNames,
      parameterCount: model.countParams(),
      validation: metadata.metrics.validation,
      parentVersion: metadata.parentVersion ?? null,
      quantization: metadata.quantization ?? null,
    },
    data: { id: metadata.dataset.id, sha256: metadata.dataset.sha256, validationCount: validation.count, testCount: test.count },
    test: metrics,
    slices,
    corruptions,
    adversarial: {
      ...adversarial,
      examples: adversarial.examples.map((example) => ({
        sampleIndex: example.index,
        label: example.label,
        epsilon: example.epsilon,
        predicted: { clean: example.clean.predicted, fgsm: example.fgsm.predicted, pgd: example.pgd.predicted },
      })),
    },
    calibration: { ...calibration, savedToMetadata: Boolean(args.saveTemperature && args.registry), exactLogits: classifier.exactLogits },
    explanations: {
      patchSize: explanations.patchSize,
      stride: explanations.stride,
      examples: explanations.examples.map((example) => ({ ...example, saliency: rounded(example.saliency), occlusion: rounded(example.occlusion) })),
      classes: explanations.classes.map(({ meanImage: _meanImage, ...rest }) => ({ ...rest, saliency: rounded(rest.saliency), occlusion: rounded(rest.occlusion) })),
      permutation: explanations.permutation,
    },
    confidentMistakes,
    variants,
  };
  return { report, figures: { test, adversarial, explanations } };
}

function rounded(map: Float32Array): number[] {
  return Array.from(map, (value) => Math.round(value * 1e4) / 1e4);
}
