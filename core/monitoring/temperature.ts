import { argmax } from '../evaluation/metrics.js';

/** Smallest probability used in a logarithm, so a rounded-off 0 stays finite. */
const MIN_PROBABILITY = 1e-12;

/**
 * Returns the top-class probability after temperature scaling. Because
 * log p_i = z_i - logsumexp(z), softmax(log p / T) equals softmax(z / T): the logits are not
 * needed, only the full probability row.
 */
export function calibratedConfidence(row: ArrayLike<number>, temperature: number): number {
  let max = -Infinity;
  const scaled = new Float64Array(row.length);
  for (let i = 0; i < row.length; i++) {
    scaled[i] = Math.log(Math.max(row[i] as number, MIN_PROBABILITY)) / temperature;
    max = Math.max(max, scaled[i] as number);
  }
  let sum = 0;
  for (let i = 0; i < row.length; i++) sum += Math.exp((scaled[i] as number) - max);
  return 1 / sum;
}

/**
 * Fits the temperature that minimises the negative log-likelihood of the true labels under
 * softmax(log p / T), by golden-section search over log T in [log 0.05, log 20]. Returns 1
 * when there are no rows.
 */
export function fitTemperature(probabilities: Float32Array, labels: ArrayLike<number>, classCount: number): number {
  if (labels.length === 0) return 1;
  const loss = (logTemperature: number) => negativeLogLikelihood(probabilities, labels, classCount, Math.exp(logTemperature));
  const ratio = (Math.sqrt(5) - 1) / 2;
  let low = Math.log(0.05);
  let high = Math.log(20);
  for (let step = 0; step < 60; step++) {
    const left = high - ratio * (high - low);
    const right = low + ratio * (high - low);
    if (loss(left) <= loss(right)) high = right;
    else low = left;
  }
  return Math.exp((low + high) / 2);
}

function negativeLogLikelihood(probabilities: Float32Array, labels: ArrayLike<number>, classCount: number, temperature: number): number {
  let total = 0;
  for (let i = 0; i < labels.length; i++) {
    const row = probabilities.subarray(i * classCount, (i + 1) * classCount);
    let max = -Infinity;
    for (let c = 0; c < classCount; c++) max = Math.max(max, Math.log(Math.max(row[c] as number, MIN_PROBABILITY)) / temperature);
    let sum = 0;
    for (let c = 0; c < classCount; c++) sum += Math.exp(Math.log(Math.max(row[c] as number, MIN_PROBABILITY)) / temperature - max);
    const label = labels[i] as number;
    total -= Math.log(Math.max(row[label] as number, MIN_PROBABILITY)) / temperature - max - Math.log(sum);
  }
  return total / labels.length;
}

/** Returns the predicted class of each row. */
export function predictedClasses(probabilities: Float32Array, count: number, classCount: number): Uint8Array {
  return Uint8Array.from({ length: count }, (_, i) => argmax(probabilities, i * classCount, classCount));
}
