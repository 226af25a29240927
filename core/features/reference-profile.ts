import { z } from 'zod';

/** File name of the profile inside a model version's folder. */
export const REFERENCE_PROFILE_FILE = 'reference-profile.json';

/** A pixel counts as ink when its value (0-255, mean over channels) is above this level. */
export const INK_LEVEL = 25;

/** Number of equal-width bins over [0, 1] of each statistic's histogram. */
export const PROFILE_BINS = 20;

/** Names of the per-image statistics, each a value in [0, 1]. */
export const IMAGE_STATISTICS = ['meanIntensity', 'contrast', 'inkCoverage'] as const;
export type ImageStatisticName = (typeof IMAGE_STATISTICS)[number];

const distributionSchema = z.object({
  mean: z.number(),
  std: z.number(),
  /** Quantiles at 1, 5, 25, 50, 75, 95 and 99 percent. */
  quantiles: z.record(z.string(), z.number()),
  /** Share of images per bin of width 1 / bins over [0, 1]; the last bin includes 1. */
  histogram: z.array(z.number()),
});

/** Summary of one per-image statistic over a data set. */
export type Distribution = z.infer<typeof distributionSchema>;

/**
 * The reference profile written beside a model: the distributions of per-image statistics
 * over its training images, and their class mix. Drift monitoring compares live inputs,
 * summarised with {@link computeImageStatistics}, against it.
 */
export const referenceProfileSchema = z.object({
  version: z.literal(1),
  imageCount: z.number().int(),
  imageShape: z.tuple([z.number().int(), z.number().int(), z.number().int()]),
  inkLevel: z.number(),
  bins: z.number().int(),
  statistics: z.object({ meanIntensity: distributionSchema, contrast: distributionSchema, inkCoverage: distributionSchema }),
  /** Share of each class among the images, by class name. */
  classMix: z.record(z.string(), z.number()),
});

export type ReferenceProfile = z.infer<typeof referenceProfileSchema>;

/**
 * Computes one image's statistics, each in [0, 1]: `meanIntensity` (mean pixel / 255),
 * `contrast` (standard deviation of the pixels / 127.5, so a half-black, half-white image is 1)
 * and `inkCoverage` (share of pixels above {@link INK_LEVEL}). Channels are averaged per pixel.
 */
export function computeImageStatistics(pixels: Uint8Array, channels = 1): Record<ImageStatisticName, number> {
  const pixelCount = pixels.length / channels;
  let sum = 0;
  let squares = 0;
  let ink = 0;
  for (let p = 0; p < pixelCount; p++) {
    let value = 0;
    for (let c = 0; c < channels; c++) value += pixels[p * channels + c] as number;
    value /= channels;
    sum += value;
    squares += value * value;
    if (value > INK_LEVEL) ink++;
  }
  const mean = sum / pixelCount;
  const std = Math.sqrt(Math.max(0, squares / pixelCount - mean * mean));
  return { meanIntensity: mean / 255, contrast: Math.min(1, std / 127.5), inkCoverage: ink / pixelCount };
}

/**
 * Builds the reference profile of `count` images (NHWC 8-bit pixels) and their labels.
 *
 * @throws RangeError when `count` is 0 or the pixel count does not match.
 */
export function buildReferenceProfile(
  images: Uint8Array,
  labels: Uint8Array,
  count: number,
  shape: { height: number; width: number; channels: number },
  classNames: string[],
): ReferenceProfile {
  const imageSize = shape.height * shape.width * shape.channels;
  if (count === 0 || images.length !== count * imageSize) {
    throw new RangeError(`Cannot profile ${count} images from ${images.length} pixel values of ${shape.height}x${shape.width}x${shape.channels} images.`);
  }

  const values = Object.fromEntries(IMAGE_STATISTICS.map((name) => [name, new Float64Array(count)])) as Record<ImageStatisticName, Float64Array>;
  const classCounts = new Array<number>(classNames.length).fill(0);
  for (let i = 0; i < count; i++) {
    const statistics = computeImageStatistics(images.subarray(i * imageSize, (i + 1) * imageSize), shape.channels);
    for (const name of IMAGE_STATISTICS) values[name][i] = statistics[name];
    const label = labels[i] as number;
    if (label < classCounts.length) classCounts[label] = (classCounts[label] as number) + 1;
  }

  return {
    version: 1,
    imageCount: count,
    imageShape: [shape.height, shape.width, shape.channels],
    inkLevel: INK_LEVEL,
    bins: PROFILE_BINS,
    statistics: {
      meanIntensity: summarizeDistribution(values.meanIntensity),
      contrast: summarizeDistribution(values.contrast),
      inkCoverage: summarizeDistribution(values.inkCoverage),
    },
    classMix: Object.fromEntries(classNames.map((name, c) => [name, (classCounts[c] as number) / count])),
  };
}

/** Summarises values in [0, 1] by mean, standard deviation, quantiles and a histogram. */
export function summarizeDistribution(values: Float64Array, bins = PROFILE_BINS): Distribution {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  const mean = sorted.reduce((sum, value) => sum + value, 0) / n;
  const variance = sorted.reduce((sum, value) => sum + (value - mean) ** 2, 0) / n;
  const quantile = (q: number) => sorted[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))] as number;
  const histogram = new Array<number>(bins).fill(0);
  for (const value of sorted) {
    const bin = Math.min(bins - 1, Math.max(0, Math.floor(value * bins)));
    histogram[bin] = (histogram[bin] as number) + 1 / n;
  }
  return {
    mean,
    std: Math.sqrt(variance),
    quantiles: { p01: quantile(0.01), p05: quantile(0.05), p25: quantile(0.25), p50: quantile(0.5), p75: quantile(0.75), p95: quantile(0.95), p99: quantile(0.99) },
    histogram,
  };
}
