import { InvalidSampleError } from './errors.js';

/** Class means and shared precision of a Gaussian model, with the score above which an input is unusual. */
export interface MahalanobisModel {
  /** Mean vector of each class, `classCount` rows of `size` values; an empty row marks a class without data. */
  classMeans: number[][];
  /** Inverse of the shared within-class covariance (with ridge), row-major, `size²` values. */
  precision: number[];
  /** The (1 - falsePositiveRate) quantile of the fitting data's scores. */
  threshold: number;
}

/**
 * The out-of-distribution detector: three scores, each divided by its own threshold, and the
 * largest ratio is the image's score, flagged above 1. The first score is the Mahalanobis
 * distance of the penultimate-layer embedding to the nearest class mean (Lee et al., 2018, "A
 * simple unified framework for detecting out-of-distribution samples and adversarial attacks").
 * The second is the Mahalanobis distance of the image statistics (mean intensity, contrast, ink
 * coverage) to the reference, which catches blank pages. The third is 1 minus the top-class
 * probability (Hendrycks and Gimpel, 2017).
 */
export interface OutOfDistributionDetector {
  embedding: MahalanobisModel;
  statistics: MahalanobisModel;
  /** 1 - top-class probability above this counts as unusual. */
  uncertaintyThreshold: number;
  /** Designed share of in-distribution images flagged; each score gets a third of it. */
  falsePositiveRate: number;
}

/** A batch of images as the detector reads them, all row-major. */
export interface DetectorInput {
  count: number;
  embeddings: Float32Array;
  embeddingSize: number;
  /** `count * 3` image statistics in the order of `IMAGE_STATISTICS`. */
  statistics: Float32Array;
  probabilities: Float32Array;
  classCount: number;
}

/**
 * Fits the detector on in-distribution images with their true labels, so that about
 * `falsePositiveRate` (default 0.01) of them score above 1.
 *
 * @throws InvalidSampleError when fewer than 2 images are given or the sizes do not match.
 */
export function fitOutOfDistributionDetector(input: DetectorInput, labels: ArrayLike<number>, falsePositiveRate = 0.01): OutOfDistributionDetector {
  const perScoreRate = falsePositiveRate / 3;
  const embedding = fitMahalanobisModel(input.embeddings, labels, input.embeddingSize, input.classCount, perScoreRate);
  const statistics = fitMahalanobisModel(input.statistics, new Uint8Array(input.count), 3, 1, perScoreRate);
  const uncertainty = uncertaintyScores(input).sort();
  const uncertaintyThreshold = uncertainty[Math.min(input.count - 1, Math.floor((1 - perScoreRate) * input.count))] as number;
  return { embedding, statistics, uncertaintyThreshold, falsePositiveRate };
}

/** Scores a batch: the largest of the three score-to-threshold ratios; above 1 is out of distribution. */
export function scoreOutOfDistribution(detector: OutOfDistributionDetector, input: DetectorInput): Float64Array {
  const embedding = scoreMahalanobis(detector.embedding, input.embeddings, input.embeddingSize);
  const statistics = scoreMahalanobis(detector.statistics, input.statistics, 3);
  const uncertainty = uncertaintyScores(input);
  return Float64Array.from(embedding, (value, i) =>
    Math.max(value / detector.embedding.threshold, (statistics[i] as number) / detector.statistics.threshold, (uncertainty[i] as number) / Math.max(detector.uncertaintyThreshold, 1e-9)),
  );
}

function uncertaintyScores(input: DetectorInput): Float64Array {
  const scores = new Float64Array(input.count);
  for (let i = 0; i < input.count; i++) {
    let top = 0;
    for (let c = 0; c < input.classCount; c++) top = Math.max(top, input.probabilities[i * input.classCount + c] as number);
    scores[i] = 1 - top;
  }
  return scores;
}

/**
 * Fits class means and one shared covariance to labelled vectors, with a ridge of
 * max(1%, size / count) of the mean variance added to the diagonal, so few vectors in many
 * dimensions still give a stable inverse. The threshold is the (1 - falsePositiveRate) quantile
 * of out-of-fold scores (each half scored by a model fitted on the other half), because scores
 * of the fitting vectors themselves are too low when data is scarce.
 *
 * @throws InvalidSampleError when fewer than 4 vectors are given or the sizes do not match.
 */
export function fitMahalanobisModel(vectors: Float32Array, labels: ArrayLike<number>, size: number, classCount: number, falsePositiveRate: number): MahalanobisModel {
  const count = labels.length;
  if (count < 4 || vectors.length !== count * size) {
    throw new InvalidSampleError(`A Gaussian model needs 4 or more vectors of ${size} values with one label each, received ${vectors.length} values and ${count} labels.`);
  }

  const halves = [0, 1].map((parity) => {
    const indices = Array.from({ length: count }, (_, i) => i).filter((i) => i % 2 === parity);
    const subset = new Float32Array(indices.length * size);
    indices.forEach((index, position) => subset.set(vectors.subarray(index * size, (index + 1) * size), position * size));
    return { vectors: subset, labels: indices.map((index) => labels[index] as number) };
  });
  const outOfFold = [
    ...scoreMahalanobis(fitGaussian(halves[0]!.vectors, halves[0]!.labels, size, classCount), halves[1]!.vectors, size),
    ...scoreMahalanobis(fitGaussian(halves[1]!.vectors, halves[1]!.labels, size, classCount), halves[0]!.vectors, size),
  ].sort((a, b) => a - b);
  const threshold = outOfFold[Math.min(count - 1, Math.floor((1 - falsePositiveRate) * count))] as number;
  return { ...fitGaussian(vectors, labels, size, classCount), threshold };
}

function fitGaussian(vectors: Float32Array, labels: ArrayLike<number>, size: number, classCount: number): MahalanobisModel {
  const classMeans = meanPerClass(vectors, labels, size, classCount);
  const covariance = sharedCovariance(vectors, labels, size, classMeans);
  let trace = 0;
  for (let d = 0; d < size; d++) trace += covariance[d * size + d] as number;
  const ridge = Math.max(0.01, size / labels.length) * Math.max(trace / size, 1e-12);
  for (let d = 0; d < size; d++) covariance[d * size + d] = (covariance[d * size + d] as number) + ridge;
  return { classMeans, precision: Array.from(invertSymmetric(covariance, size)), threshold: Infinity };
}

/** Scores vectors (row-major): the smallest squared Mahalanobis distance to any class mean. */
export function scoreMahalanobis(model: MahalanobisModel, vectors: Float32Array, size: number): Float64Array {
  const count = vectors.length / size;
  const scores = new Float64Array(count);
  const difference = new Float64Array(size);
  for (let i = 0; i < count; i++) {
    let best = Infinity;
    for (const mean of model.classMeans) {
      if (mean.length === 0) continue;
      for (let d = 0; d < size; d++) difference[d] = (vectors[i * size + d] as number) - (mean[d] as number);
      best = Math.min(best, quadraticForm(model.precision, difference));
    }
    scores[i] = best;
  }
  return scores;
}

function meanPerClass(embeddings: Float32Array, labels: ArrayLike<number>, size: number, classCount: number): number[][] {
  const sums = Array.from({ length: classCount }, () => new Float64Array(size));
  const counts = new Array<number>(classCount).fill(0);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i] as number;
    const sum = sums[label];
    if (!sum) continue;
    counts[label] = (counts[label] as number) + 1;
    for (let d = 0; d < size; d++) sum[d] = (sum[d] as number) + (embeddings[i * size + d] as number);
  }
  // A class without images gets an empty mean, which scoring skips.
  return sums.map((sum, label) => ((counts[label] as number) === 0 ? [] : Array.from(sum, (value) => value / (counts[label] as number))));
}

function sharedCovariance(embeddings: Float32Array, labels: ArrayLike<number>, size: number, classMeans: number[][]): Float64Array {
  const covariance = new Float64Array(size * size);
  const centered = new Float64Array(size);
  let used = 0;
  for (let i = 0; i < labels.length; i++) {
    const mean = classMeans[labels[i] as number];
    if (!mean || mean.length === 0) continue;
    used++;
    for (let d = 0; d < size; d++) centered[d] = (embeddings[i * size + d] as number) - (mean[d] as number);
    for (let r = 0; r < size; r++) {
      const value = centered[r] as number;
      if (value === 0) continue;
      for (let c = r; c < size; c++) covariance[r * size + c] = (covariance[r * size + c] as number) + value * (centered[c] as number);
    }
  }
  for (let r = 0; r < size; r++) {
    for (let c = r; c < size; c++) {
      const value = (covariance[r * size + c] as number) / Math.max(used, 1);
      covariance[r * size + c] = value;
      covariance[c * size + r] = value;
    }
  }
  return covariance;
}

/** Inverts a symmetric positive definite matrix by Gauss-Jordan elimination with partial pivoting. */
function invertSymmetric(matrix: Float64Array, size: number): Float64Array {
  const work = Float64Array.from(matrix);
  const inverse = new Float64Array(size * size);
  for (let d = 0; d < size; d++) inverse[d * size + d] = 1;

  for (let column = 0; column < size; column++) {
    let pivotRow = column;
    for (let row = column + 1; row < size; row++) {
      if (Math.abs(work[row * size + column] as number) > Math.abs(work[pivotRow * size + column] as number)) pivotRow = row;
    }
    if (pivotRow !== column) {
      swapRows(work, size, pivotRow, column);
      swapRows(inverse, size, pivotRow, column);
    }
    const pivot = work[column * size + column] as number;
    for (let k = 0; k < size; k++) {
      work[column * size + k] = (work[column * size + k] as number) / pivot;
      inverse[column * size + k] = (inverse[column * size + k] as number) / pivot;
    }
    for (let row = 0; row < size; row++) {
      const factor = work[row * size + column] as number;
      if (row === column || factor === 0) continue;
      for (let k = 0; k < size; k++) {
        work[row * size + k] = (work[row * size + k] as number) - factor * (work[column * size + k] as number);
        inverse[row * size + k] = (inverse[row * size + k] as number) - factor * (inverse[column * size + k] as number);
      }
    }
  }
  return inverse;
}

function swapRows(matrix: Float64Array, size: number, a: number, b: number): void {
  for (let k = 0; k < size; k++) {
    const swap = matrix[a * size + k] as number;
    matrix[a * size + k] = matrix[b * size + k] as number;
    matrix[b * size + k] = swap;
  }
}

function quadraticForm(matrix: readonly number[], vector: Float64Array): number {
  const size = vector.length;
  let total = 0;
  for (let r = 0; r < size; r++) {
    let rowSum = 0;
    for (let c = 0; c < size; c++) rowSum += (matrix[r * size + c] as number) * (vector[c] as number);
    total += (vector[r] as number) * rowSum;
  }
  return total;
}
