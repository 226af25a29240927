import { computeCalibration } from './calibration.js';

/** Precision, recall and F1 of one class, with its number of true examples (support). */
export interface ClassMetrics {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

/** Classification metrics over one split. */
export interface ClassificationMetrics {
  count: number;
  accuracy: number;
  macroF1: number;
  /** Mean negative log-likelihood of the true class, natural log; probabilities clipped at 1e-7. */
  logLoss: number;
  perClass: ClassMetrics[];
  /** `confusionMatrix[trueClass][predictedClass]` counts. */
  confusionMatrix: number[][];
  /** Expected calibration error over 15 equal-width confidence bins (see computeCalibration). */
  expectedCalibrationError?: number;
}

/** Returns the index of the largest of `classCount` values starting at `offset`. */
export function argmax(values: ArrayLike<number>, offset: number, classCount: number): number {
  let best = 0;
  let bestValue = -Infinity;
  for (let c = 0; c < classCount; c++) {
    const value = values[offset + c] as number;
    if (value > bestValue) {
      bestValue = value;
      best = c;
    }
  }
  return best;
}

/** Counts `matrix[trueClass][predictedClass]` over paired label arrays. */
export function computeConfusionMatrix(
  trueLabels: ArrayLike<number>,
  predictedLabels: ArrayLike<number>,
  classCount: number,
): number[][] {
  const matrix = Array.from({ length: classCount }, () => new Array<number>(classCount).fill(0));
  for (let i = 0; i < trueLabels.length; i++) {
    const row = matrix[trueLabels[i] as number];
    const predicted = predictedLabels[i] as number;
    if (row) row[predicted] = (row[predicted] as number) + 1;
  }
  return matrix;
}

/**
 * Derives per-class precision, recall and F1 from a confusion matrix. A class that is never
 * predicted has precision 0, and one with no true examples has recall 0, so neither inflates
 * the macro average.
 */
export function computePerClassMetrics(matrix: number[][], classNames: string[]): ClassMetrics[] {
  return matrix.map((row, c) => {
    const truePositives = row[c] as number;
    const support = row.reduce((sum, value) => sum + value, 0);
    const predicted = matrix.reduce((sum, other) => sum + (other[c] as number), 0);
    const precision = predicted === 0 ? 0 : truePositives / predicted;
    const recall = support === 0 ? 0 : truePositives / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    return { label: classNames[c] ?? String(c), precision, recall, f1, support };
  });
}

/**
 * Computes accuracy, macro-F1, log loss, expected calibration error, per-class metrics and the
 * confusion matrix from predicted probabilities (`count * classCount`, row-major) and true labels.
 */
export function computeClassificationMetrics(
  probabilities: Float32Array,
  trueLabels: ArrayLike<number>,
  classNames: string[],
): ClassificationMetrics {
  const classCount = classNames.length;
  const count = trueLabels.length;
  const predicted = new Uint8Array(count);
  let correct = 0;
  let logLossSum = 0;

  for (let i = 0; i < count; i++) {
    const offset = i * classCount;
    const truth = trueLabels[i] as number;
    predicted[i] = argmax(probabilities, offset, classCount);
    if (predicted[i] === truth) correct++;
    logLossSum -= Math.log(Math.max(probabilities[offset + truth] as number, 1e-7));
  }

  const confusionMatrix = computeConfusionMatrix(trueLabels, predicted, classCount);
  const perClass = computePerClassMetrics(confusionMatrix, classNames);
  const macroF1 = perClass.reduce((sum, metrics) => sum + metrics.f1, 0) / classCount;
  return {
    count,
    accuracy: count === 0 ? 0 : correct / count,
    macroF1,
    logLoss: count === 0 ? 0 : logLossSum / count,
    perClass,
    confusionMatrix,
    expectedCalibrationError: computeCalibration(probabilities, trueLabels, classCount).expectedCalibrationError,
  };
}
