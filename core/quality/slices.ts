import { quantileSorted } from 'simple-statistics';
import { InvalidQualityOptionError } from './errors.js';
import { computeImageStatistics, type ImageStatistics } from './image-statistics.js';
import { holmAdjust, twoProportionZTest, wilsonInterval, type ProportionInterval } from './proportion-statistics.js';

/** Fashion-MNIST classes that models mix up most: upper-body garments of similar outline. */
export const CONFUSABLE_CLASSES = ['T-shirt/top', 'Shirt', 'Pullover', 'Coat'] as const;

/** Criterion of a slice: the true class, a quantile of an image statistic, or a class group. */
export type SliceKind = 'class' | 'brightness' | 'contrast' | 'inkCoverage' | 'confusable';

/** Accuracy over one subset of the evaluated images. */
export interface SliceResult {
  kind: SliceKind;
  name: string;
  size: number;
  correct: number;
  /** correct / size, or null for an empty slice. */
  accuracy: number | null;
  /** 95% Wilson score interval of the accuracy. */
  interval: ProportionInterval;
  /** For quantile slices, the range of the statistic: (lower, upper], the first one closed. */
  range?: { lower: number; upper: number };
  /** One-sided p-value that the slice is less accurate than the rest of the images. */
  pValue: number;
  /** `pValue` after Holm's adjustment over all slices. */
  adjustedPValue: number;
  significantlyWorse: boolean;
}

/** Result of {@link evaluateSlices}. */
export interface SliceReport {
  overall: { size: number; correct: number; accuracy: number; interval: ProportionInterval };
  slices: SliceResult[];
  /** Family-wise significance level of the test. */
  alpha: number;
  /** The test that decides `significantlyWorse`, in words, for the report. */
  test: string;
  /** Confusion matrix within the confusable group, `[true][predicted]`, with a column for "other classes". */
  confusableMatrix: { classNames: string[]; counts: number[][] } | null;
}

/** Input of {@link evaluateSlices}. */
export interface EvaluateSlicesArgs {
  /** `count` grayscale images, one after another. */
  images: Uint8Array;
  pixelsPerImage: number;
  labels: Uint8Array;
  predicted: Uint8Array;
  classNames: readonly string[];
  /** Number of quantile slices per image statistic; defaults to 4 (quartiles). */
  quantileCount?: number;
  /** Family-wise significance level; defaults to 0.05. */
  alpha?: number;
  /** Class names of the confusable group; defaults to {@link CONFUSABLE_CLASSES}. Absent names are skipped. */
  confusableClasses?: readonly string[];
  /** Precomputed statistics of `images`, to skip recomputing them. */
  statistics?: ImageStatistics;
}

const STATISTIC_KINDS = ['brightness', 'contrast', 'inkCoverage'] as const;

/**
 * Measures accuracy on slices of an evaluated set: each true class, each quantile of
 * brightness, contrast and ink coverage, and the confusable group of classes. Each slice gets
 * its size, accuracy and 95% Wilson interval. A slice is called significantly worse when a
 * one-sided pooled two-proportion z-test of the slice against the remaining images, with
 * Holm's adjustment over all slices, rejects equal accuracy at `alpha`.
 *
 * @throws InvalidQualityOptionError when the arrays disagree in length or `quantileCount` < 1.
 */
export function evaluateSlices(args: EvaluateSlicesArgs): SliceReport {
  const { labels, predicted, classNames } = args;
  const quantileCount = args.quantileCount ?? 4;
  const alpha = args.alpha ?? 0.05;
  const count = labels.length;
  if (predicted.length !== count) {
    throw new InvalidQualityOptionError(`Received ${count} labels but ${predicted.length} predictions: pass one prediction per label.`);
  }
  if (!Number.isInteger(quantileCount) || quantileCount < 1) {
    throw new InvalidQualityOptionError(`quantileCount must be a positive integer, received ${quantileCount}.`);
  }
  const statistics = args.statistics ?? computeImageStatistics(args.images, count, args.pixelsPerImage);

  const correctFlags = new Uint8Array(count);
  let correct = 0;
  for (let i = 0; i < count; i++) {
    if (labels[i] === predicted[i]) {
      correctFlags[i] = 1;
      correct++;
    }
  }

  const members: { kind: SliceKind; name: string; indices: number[]; range?: { lower: number; upper: number } }[] = [];
  for (let c = 0; c < classNames.length; c++) {
    members.push({ kind: 'class', name: classNames[c] as string, indices: indicesWhere(count, (i) => labels[i] === c) });
  }
  for (const kind of STATISTIC_KINDS) {
    members.push(...quantileSlices(kind, statistics[kind], quantileCount));
  }
  const groupClasses = (args.confusableClasses ?? CONFUSABLE_CLASSES).map((name) => classNames.indexOf(name)).filter((c) => c >= 0);
  if (groupClasses.length >= 2) {
    const name = groupClasses.map((c) => classNames[c]).join(', ');
    members.push({ kind: 'confusable', name, indices: indicesWhere(count, (i) => groupClasses.includes(labels[i] as number)) });
  }

  const slices = members.map(({ kind, name, indices, range }) => {
    const sliceCorrect = indices.reduce((sum, i) => sum + (correctFlags[i] as number), 0);
    const size = indices.length;
    const test = twoProportionZTest(sliceCorrect, size, correct - sliceCorrect, count - size);
    return {
      kind,
      name,
      size,
      correct: sliceCorrect,
      accuracy: size === 0 ? null : sliceCorrect / size,
      interval: wilsonInterval(sliceCorrect, size),
      ...(range ? { range } : {}),
      pValue: test.pValue,
      adjustedPValue: 1,
      significantlyWorse: false,
    };
  });
  const adjusted = holmAdjust(slices.map((slice) => slice.pValue));
  slices.forEach((slice, s) => {
    slice.adjustedPValue = adjusted[s] as number;
    slice.significantlyWorse = slice.adjustedPValue < alpha;
  });

  return {
    overall: { size: count, correct, accuracy: count === 0 ? 0 : correct / count, interval: wilsonInterval(correct, count) },
    slices,
    alpha,
    test:
      `One-sided pooled two-proportion z-test of each slice's accuracy against the accuracy of all other images, ` +
      `Holm-adjusted over the ${slices.length} slices, family-wise alpha ${alpha}.`,
    confusableMatrix: groupClasses.length >= 2 ? confusableMatrix(labels, predicted, classNames, groupClasses) : null,
  };
}

/**
 * Cuts `values` into `quantileCount` slices at the type-7 (numpy default) quantiles. A slice
 * contains the values in (previous edge, edge], the first one also its lower edge, so equal values
 * always share a slice and slices can differ in size when values repeat.
 */
export function quantileSlices(
  kind: SliceKind,
  values: ArrayLike<number>,
  quantileCount: number,
): { kind: SliceKind; name: string; indices: number[]; range: { lower: number; upper: number } }[] {
  if (values.length === 0) return [];
  const sorted = Array.from(values).sort((a, b) => a - b);
  const edges = Array.from({ length: quantileCount + 1 }, (_, k) => quantileSorted(sorted, k / quantileCount));
  const buckets = Array.from({ length: quantileCount }, () => [] as number[]);
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as number;
    let k = 0;
    while (k < quantileCount - 1 && value > (edges[k + 1] as number)) k++;
    (buckets[k] as number[]).push(i);
  }
  return buckets.map((indices, k) => ({
    kind,
    name: `${ordinal(k + 1)} of ${quantileCount}`,
    indices,
    range: { lower: edges[k] as number, upper: edges[k + 1] as number },
  }));
}

function confusableMatrix(
  labels: Uint8Array,
  predicted: Uint8Array,
  classNames: readonly string[],
  groupClasses: number[],
): { classNames: string[]; counts: number[][] } {
  const counts = groupClasses.map(() => new Array<number>(groupClasses.length + 1).fill(0));
  for (let i = 0; i < labels.length; i++) {
    const row = groupClasses.indexOf(labels[i] as number);
    if (row < 0) continue;
    const column = groupClasses.indexOf(predicted[i] as number);
    const cells = counts[row] as number[];
    const target = column < 0 ? groupClasses.length : column;
    cells[target] = (cells[target] as number) + 1;
  }
  return { classNames: [...groupClasses.map((c) => classNames[c] as string), 'other classes'], counts };
}

function indicesWhere(count: number, predicate: (i: number) => boolean): number[] {
  const indices: number[] = [];
  for (let i = 0; i < count; i++) if (predicate(i)) indices.push(i);
  return indices;
}

function ordinal(n: number): string {
  const teen = n % 100 >= 11 && n % 100 <= 13;
  const suffixes: Record<number, string> = { 1: 'st', 2: 'nd', 3: 'rd' };
  return `${n}${teen ? 'th' : (suffixes[n % 10] ?? 'th')}`;
}
