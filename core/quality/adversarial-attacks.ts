import * as tf from '@tensorflow/tfjs';
import { InvalidQualityOptionError } from './errors.js';
import type { PixelClassifier } from './pixel-classifier.js';

/**
 * Returns the gradient of the summed softmax cross-entropy over the batch with respect to the
 * input pixels, so row i is the gradient of example i's own loss. Same shape as `pixels`.
 */
export function lossGradient(classifier: PixelClassifier, pixels: tf.Tensor4D, labels: tf.Tensor1D): tf.Tensor4D {
  return tf.tidy(() => {
    const oneHot = tf.oneHot(labels.toInt(), classifier.classCount);
    const loss = (input: tf.Tensor) =>
      tf.losses.softmaxCrossEntropy(oneHot, classifier.logits(input as tf.Tensor4D), undefined, undefined, tf.Reduction.SUM);
    return tf.grad(loss)(pixels) as tf.Tensor4D;
  });
}

/**
 * Fast Gradient Sign Method (Goodfellow et al., arXiv:1412.6572): one step of size `epsilon` along the
 * sign of the loss gradient, then clipping to the valid pixel range [0, 1]. `epsilon` is in
 * units of full scale (0.1 = 25.5 grey levels). Returns a new tensor; the caller disposes it.
 *
 * @throws InvalidQualityOptionError when `epsilon` is negative or not finite.
 */
export function fgsmAttack(classifier: PixelClassifier, pixels: tf.Tensor4D, labels: tf.Tensor1D, epsilon: number): tf.Tensor4D {
  checkEpsilon(epsilon);
  return tf.tidy(() => {
    const gradient = lossGradient(classifier, pixels, labels);
    return pixels.add(gradient.sign().mul(epsilon)).clipByValue(0, 1) as tf.Tensor4D;
  });
}

/** Options of {@link pgdAttack}. */
export interface PgdArgs {
  /** Radius of the L-infinity ball, in units of full scale. */
  epsilon: number;
  /** Number of gradient steps; defaults to 10. */
  steps?: number;
  /** Size of each step; defaults to 2.5 * epsilon / steps, so the walk can cross the ball. */
  stepSize?: number;
  /** Seed of the uniform random start inside the ball; no random start when undefined. */
  seed?: number;
}

/**
 * Projected Gradient Descent in the L-infinity ball (Madry et al., arXiv:1706.06083): repeated FGSM steps of
 * `stepSize`, each followed by projection onto the `epsilon` ball around the original pixels
 * and onto [0, 1]. Returns a new tensor; the caller disposes it.
 *
 * @throws InvalidQualityOptionError for a negative epsilon, or steps below 1.
 */
export function pgdAttack(classifier: PixelClassifier, pixels: tf.Tensor4D, labels: tf.Tensor1D, args: PgdArgs): tf.Tensor4D {
  const { epsilon, steps = 10 } = args;
  checkEpsilon(epsilon);
  if (!Number.isInteger(steps) || steps < 1) {
    throw new InvalidQualityOptionError(`PGD steps must be a positive integer, received ${steps}.`);
  }
  const stepSize = args.stepSize ?? (2.5 * epsilon) / steps;

  const lower = tf.tidy(() => pixels.sub(epsilon).clipByValue(0, 1));
  const upper = tf.tidy(() => pixels.add(epsilon).clipByValue(0, 1));
  let current =
    args.seed === undefined
      ? pixels.clone()
      : tf.tidy(() => pixels.add(tf.randomUniform(pixels.shape, -epsilon, epsilon, 'float32', args.seed)).clipByValue(0, 1) as tf.Tensor4D);
  for (let step = 0; step < steps; step++) {
    const next = tf.tidy(() => {
      const gradient = lossGradient(classifier, current, labels);
      return tf.minimum(tf.maximum(current.add(gradient.sign().mul(stepSize)), lower), upper) as tf.Tensor4D;
    });
    current.dispose();
    current = next;
  }
  lower.dispose();
  upper.dispose();
  return current;
}

function checkEpsilon(epsilon: number): void {
  if (!Number.isFinite(epsilon) || epsilon < 0) {
    throw new InvalidQualityOptionError(`Attack epsilon must be a finite number of 0 or more, received ${epsilon}.`);
  }
}
