import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../core/backend/select-backend.js';
import type { PreprocessingParams } from '../../../core/features/preprocessing.js';
import { createLogger, silentLogger } from '../../../core/logger.js';
import { fgsmAttack, lossGradient, pgdAttack } from '../../../core/quality/adversarial-attacks.js';
import { createPixelClassifier } from '../../../core/quality/pixel-classifier.js';

// A linear softmax classifier on 2 x 2 images: logits z = x K + b, with x the pixels in [0, 1].
const KERNEL = [
  [1, -1, 0],
  [0, 2, -1],
  [-1, 0, 1],
  [0.5, 0.5, -0.5],
];
const BIAS = [0, 0.1, -0.1];
const PIXELS = [0.2, 0.5, 0.8, 0.1];
const LABEL = 1;
const IDENTITY: PreprocessingParams = { height: 2, width: 2, channels: 1, scale: 1 / 255, mean: [0], std: [1] };

function buildLinearModel(): tf.LayersModel {
  const model = tf.sequential({
    layers: [tf.layers.flatten({ inputShape: [2, 2, 1] }), tf.layers.dense({ units: 3, activation: 'softmax' })],
  });
  model.layers[1]?.setWeights([tf.tensor2d(KERNEL), tf.tensor1d(BIAS)]);
  return model;
}

/**
 * Gradient of the cross-entropy -log softmax(z)[y] with respect to x, worked out by hand:
 * dL/dz = softmax(z) - onehot(y), so dL/dx = K (softmax(z) - onehot(y)).
 */
function analyticGradient(x: number[], label: number): number[] {
  const logits = BIAS.map((bias, c) => bias + x.reduce((sum, value, i) => sum + value * (KERNEL[i]?.[c] as number), 0));
  const max = Math.max(...logits);
  const exps = logits.map((z) => Math.exp(z - max));
  const total = exps.reduce((sum, value) => sum + value, 0);
  const residual = exps.map((value, c) => value / total - (c === label ? 1 : 0));
  return KERNEL.map((row) => row.reduce((sum, weight, c) => sum + weight * (residual[c] as number), 0));
}

describe('adversarial attacks on a linear model', () => {
  beforeAll(async () => {
    await selectBackend({ logger: silentLogger });
  });

  it('reads exact logits from the softmax layer', () => {
    const model = buildLinearModel();
    const classifier = createPixelClassifier(model, IDENTITY);
    const x = tf.tensor4d(PIXELS, [1, 2, 2, 1]);
    const logits = classifier.logits(x).dataSync();
    expect(classifier.exactLogits).toBe(true);
    // z = (-0.55, 0.95, 0.15) by hand.
    expect(logits[0]).toBeCloseTo(-0.55, 5);
    expect(logits[1]).toBeCloseTo(0.95, 5);
    expect(logits[2]).toBeCloseTo(0.15, 5);
    tf.dispose([x]);
    model.dispose();
  });

  it('matches the analytic input gradient', () => {
    const model = buildLinearModel();
    const classifier = createPixelClassifier(model, IDENTITY);
    const x = tf.tensor4d(PIXELS, [1, 2, 2, 1]);
    const y = tf.tensor1d([LABEL], 'int32');
    const gradient = Array.from(lossGradient(classifier, x, y).dataSync());
    const expected = analyticGradient(PIXELS, LABEL);
    // Worked out: (0.53549, -1.07282, 0.13525, -0.26866).
    expected.forEach((value, i) => expect(gradient[i]).toBeCloseTo(value, 5));
    expect(expected[1]).toBeCloseTo(-1.0728198, 6);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('steps FGSM along the gradient sign and clips', () => {
    const model = buildLinearModel();
    const classifier = createPixelClassifier(model, IDENTITY);
    const x = tf.tensor4d(PIXELS, [1, 2, 2, 1]);
    const y = tf.tensor1d([LABEL], 'int32');
    const before = tf.memory().numTensors;

    const adversarial = fgsmAttack(classifier, x, y, 0.3);

    // Signs (+, -, +, -): 0.2 + 0.3, 0.5 - 0.3, 0.8 + 0.3 clipped to 1, 0.1 - 0.3 clipped to 0.
    const values = Array.from(adversarial.dataSync());
    [0.5, 0.2, 1, 0].forEach((value, i) => expect(values[i]).toBeCloseTo(value, 6));
    expect(tf.memory().numTensors).toBe(before + 1);
    tf.dispose([x, y, adversarial]);
    model.dispose();
  });

  it('uses the gradient with a nonstandard normalisation', () => {
    // Input to the model is (x - 0.5) / 0.25; the chain rule multiplies dL/dinput by 4.
    const model = buildLinearModel();
    const classifier = createPixelClassifier(model, { ...IDENTITY, mean: [0.5], std: [0.25] });
    const x = tf.tensor4d(PIXELS, [1, 2, 2, 1]);
    const y = tf.tensor1d([LABEL], 'int32');
    const gradient = Array.from(lossGradient(classifier, x, y).dataSync());
    const expected = analyticGradient(PIXELS.map((value) => (value - 0.5) / 0.25), LABEL).map((value) => 4 * value);
    expected.forEach((value, i) => expect(gradient[i]).toBeCloseTo(value, 4));
    tf.dispose([x, y]);
    model.dispose();
  });

  it('equals FGSM for one full PGD step', () => {
    const model = buildLinearModel();
    const classifier = createPixelClassifier(model, IDENTITY);
    const x = tf.tensor4d(PIXELS, [1, 2, 2, 1]);
    const y = tf.tensor1d([LABEL], 'int32');
    const pgd = pgdAttack(classifier, x, y, { epsilon: 0.3, steps: 1, stepSize: 0.3 });
    const fgsm = fgsmAttack(classifier, x, y, 0.3);
    expect(Array.from(pgd.dataSync())).toEqual(Array.from(fgsm.dataSync()));
    tf.dispose([x, y, pgd, fgsm]);
    model.dispose();
  });

  it('keeps PGD inside the epsilon ball', () => {
    const model = buildLinearModel();
    const classifier = createPixelClassifier(model, IDENTITY);
    const x = tf.tensor4d([...PIXELS, 0, 1, 0.5, 0.95], [2, 2, 2, 1]);
    const y = tf.tensor1d([LABEL, 0], 'int32');
    const before = tf.memory().numTensors;

    const adversarial = pgdAttack(classifier, x, y, { epsilon: 0.1, steps: 7, seed: 3 });

    const original = x.dataSync();
    adversarial.dataSync().forEach((value, i) => {
      expect(Math.abs(value - (original[i] as number))).toBeLessThanOrEqual(0.1 + 1e-6);
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThanOrEqual(1);
    });
    expect(tf.memory().numTensors).toBe(before + 1);
    tf.dispose([x, y, adversarial]);
    model.dispose();
  });

  it('rejects a negative epsilon', () => {
    const model = buildLinearModel();
    const classifier = createPixelClassifier(model, IDENTITY);
    const x = tf.tensor4d(PIXELS, [1, 2, 2, 1]);
    const y = tf.tensor1d([LABEL], 'int32');
    expect(() => fgsmAttack(classifier, x, y, -0.1)).toThrow(/epsilon must be a finite number of 0 or more, received -0.1/);
    expect(() => pgdAttack(classifier, x, y, { epsilon: 0.1, steps: 0 })).toThrow(/steps must be a positive integer/);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('falls back to log-probabilities without a softmax layer', () => {
    const model = tf.sequential({
      layers: [tf.layers.flatten({ inputShape: [2, 2, 1] }), tf.layers.dense({ units: 3 }), tf.layers.activation({ activation: 'softmax' })],
    });
    model.layers[1]?.setWeights([tf.tensor2d(KERNEL), tf.tensor1d(BIAS)]);
    const lines: string[] = [];
    const logger = createLogger({ level: 'warn', destination: { write: (line: string) => lines.push(line) } });
    const classifier = createPixelClassifier(model, IDENTITY, logger);
    const x = tf.tensor4d(PIXELS, [1, 2, 2, 1]);

    const logits = classifier.logits(x).dataSync();

    expect(classifier.exactLogits).toBe(false);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ level: 40, lastLayer: 'Activation' });
    // log softmax(z) differs from z by the constant log-sum-exp, so differences match.
    expect((logits[1] as number) - (logits[0] as number)).toBeCloseTo(1.5, 5);
    tf.dispose([x]);
    model.dispose();
  });
});
