import type { LoadedModel } from '../registry/model-registry.js';
import type { RandomSource } from '../random.js';
import { decodeImage } from '../serving/decode-image.js';
import { flattenStatistics, imageStatisticsOf, type MonitoringBaseline } from './monitoring-baseline.js';
import { probeModel } from './model-probe.js';
import { OUT_OF_DISTRIBUTION_KINDS, drawOutOfDistributionImage, type OutOfDistributionKind } from './out-of-distribution-images.js';
import { scoreOutOfDistribution } from './out-of-distribution.js';
import { areaUnderRocCurve } from './statistics/auroc.js';

/** Separation of one kind of foreign image from in-distribution images by the detector. */
export interface OutOfDistributionEvaluation {
  kind: OutOfDistributionKind;
  count: number;
  /** Area under the ROC curve of the detector score, foreign images as positives. */
  auroc: number;
  /** Share of the foreign images flagged. */
  flagged: number;
}

/** Result of {@link evaluateOutOfDistribution}. */
export interface OutOfDistributionReport {
  inDistributionCount: number;
  /** Share of in-distribution images flagged: the false-positive rate. */
  falsePositiveRate: number;
  kinds: OutOfDistributionEvaluation[];
}

/**
 * Measures the out-of-distribution detector of a baseline: `images` (held-out in-distribution
 * pixels, such as the test set) against `perKind` generated faces, digits and blank pages, each
 * encoded as PNG and decoded by the service's own upload path.
 */
export async function evaluateOutOfDistribution(args: {
  loaded: LoadedModel;
  baseline: MonitoringBaseline;
  images: Uint8Array;
  count: number;
  perKind: number;
  random: RandomSource;
}): Promise<OutOfDistributionReport> {
  const params = args.loaded.metadata.preprocessing;
  const imageSize = params.height * params.width * params.channels;
  const score = async (pixels: Uint8Array, count: number) => {
    const probe = await probeModel(args.loaded.model, pixels, count, params);
    const statistics = imageStatisticsOf(pixels, count, imageSize, params.channels);
    return scoreOutOfDistribution(args.baseline.detector, { ...probe, statistics: flattenStatistics(statistics, count) });
  };

  const inScores = await score(args.images.subarray(0, args.count * imageSize), args.count);
  const kinds: OutOfDistributionEvaluation[] = [];
  for (const kind of OUT_OF_DISTRIBUTION_KINDS) {
    const pixels = new Uint8Array(args.perKind * imageSize);
    for (let i = 0; i < args.perKind; i++) {
      const decoded = await decodeImage(await drawOutOfDistributionImage(kind, args.random), params);
      pixels.set(decoded.pixels, i * imageSize);
    }
    const scores = await score(pixels, args.perKind);
    kinds.push({ kind, count: args.perKind, auroc: areaUnderRocCurve(scores, inScores), flagged: scores.filter((value) => value > 1).length / args.perKind });
  }
  return { inDistributionCount: args.count, falsePositiveRate: inScores.filter((value) => value > 1).length / args.count, kinds };
}
