import * as tf from '@tensorflow/tfjs';
import type { ImageSet } from '../data/image-set.js';
import type { PreprocessingParams } from '../features/preprocessing.js';
import { silentLogger, type Logger } from '../logger.js';
import { fgsmAttack, pgdAttack } from './adversarial-attacks.js';
import { argmaxRows, pixelsToUnitTensor, type PixelClassifier } from './pixel-classifier.js';

/** Accuracy under attack at one epsilon. */
export interface AttackResult {
  /** L-infinity radius in units of full scale. */
  epsilon: number;
  fgsmAccuracy: number;
  pgdAccuracy: number;
}

/** One image before and after the attacks at the example epsilon, as 8-bit pixels. */
export interface AdversarialExample {
  /** Position of the image in the attacked sample. */
  index: number;
  label: number;
  epsilon: number;
  clean: AttackedImage;
  fgsm: AttackedImage;
  pgd: AttackedImage;
}

/** An image with the model's top class and its probability. */
export interface AttackedImage {
  pixels: Uint8Array;
  predicted: number;
  confidence: number;
}

/** Result of {@link runAdversarialEvaluation}. */
export interface AdversarialEvaluation {
  sampleSize: number;
  cleanAccuracy: number;
  pgdSteps: number;
  results: AttackResult[];
  examples: AdversarialExample[];
}

/** Options of {@link runAdversarialEvaluation}. */
export interface RunAdversarialEvaluationArgs {
  classifier: PixelClassifier;
  preprocessing: PreprocessingParams;
  images: ImageSet;
  /** Radii to attack with, in units of full scale, ascending. */
  epsilons: number[];
  /** PGD steps; defaults to 10. */
  pgdSteps?: number;
  /**
   * Number of correctly classified images to keep as examples; defaults to 4. Images whose PGD
   * prediction is wrong come first, so the examples show the attack working where it can.
   */
  exampleCount?: number;
  /** Epsilon of the examples; defaults to the middle of `epsilons`. */
  exampleEpsilon?: number;
  /** Images per gradient batch; defaults to 100. */
  batchSize?: number;
  /** Seed of PGD's random starts; defaults to 1. */
  seed?: number;
  logger?: Logger;
}

/**
 * Attacks every image of `images` with FGSM and with PGD (random start) at each epsilon and
 * reports the accuracy on the attacked images. Images that the model already gets wrong count
 * as wrong, so accuracy at epsilon 0 would equal the clean accuracy.
 */
export async function runAdversarialEvaluation(args: RunAdversarialEvaluationArgs): Promise<AdversarialEvaluation> {
  const logger = (args.logger ?? silentLogger).child({ component: 'adversarial' });
  const { classifier, preprocessing, images, epsilons } = args;
  const pgdSteps = args.pgdSteps ?? 10;
  const batchSize = args.batchSize ?? 100;
  const seed = args.seed ?? 1;
  const exampleEpsilon = args.exampleEpsilon ?? (epsilons[Math.floor(epsilons.length / 2)] as number);
  const imageSize = images.height * images.width;

  const cleanCorrect = new Uint8Array(images.count);
  const fgsmCorrect = epsilons.map(() => 0);
  const pgdCorrect = epsilons.map(() => 0);
  const exampleCount = args.exampleCount ?? 4;
  const flippedExamples: AdversarialExample[] = [];
  const keptExamples: AdversarialExample[] = [];

  for (let start = 0; start < images.count; start += batchSize) {
    const end = Math.min(start + batchSize, images.count);
    const labels = images.labels.subarray(start, end);
    const pixels = pixelsToUnitTensor(images.images.subarray(start * imageSize, end * imageSize), end - start, preprocessing);
    const labelTensor = tf.tensor1d(Array.from(labels), 'int32');
    try {
      const clean = await classify(classifier, pixels);
      clean.predicted.forEach((label, i) => (cleanCorrect[start + i] = label === labels[i] ? 1 : 0));

      for (const [e, epsilon] of epsilons.entries()) {
        const fgsmPixels = fgsmAttack(classifier, pixels, labelTensor, epsilon);
        const pgdPixels = pgdAttack(classifier, pixels, labelTensor, { epsilon, steps: pgdSteps, seed: seed + start });
        const fgsm = await classify(classifier, fgsmPixels);
        const pgd = await classify(classifier, pgdPixels);
        fgsmCorrect[e] = (fgsmCorrect[e] as number) + countEqual(fgsm.predicted, labels);
        pgdCorrect[e] = (pgdCorrect[e] as number) + countEqual(pgd.predicted, labels);
        if (epsilon === exampleEpsilon && flippedExamples.length < exampleCount) {
          for (const example of await collectExamples(pixels, fgsmPixels, pgdPixels, { clean, fgsm, pgd }, labels, start, epsilon)) {
            const list = example.pgd.predicted === example.label ? keptExamples : flippedExamples;
            if (list.length < exampleCount) list.push(example);
          }
        }
        fgsmPixels.dispose();
        pgdPixels.dispose();
      }
    } finally {
      pixels.dispose();
      labelTensor.dispose();
    }
    logger.debug({ done: end, of: images.count }, 'adversarial batch finished');
  }

  const share = (correct: number) => (images.count === 0 ? 0 : correct / images.count);
  const results = epsilons.map((epsilon, e) => ({ epsilon, fgsmAccuracy: share(fgsmCorrect[e] as number), pgdAccuracy: share(pgdCorrect[e] as number) }));
  logger.info({ sampleSize: images.count, pgdSteps, results }, 'adversarial evaluation finished');
  const examples = [...flippedExamples, ...keptExamples].slice(0, exampleCount);
  return { sampleSize: images.count, cleanAccuracy: share(cleanCorrect.reduce((sum, flag) => sum + flag, 0)), pgdSteps, results, examples };
}

interface Classified {
  predicted: Uint8Array;
  confidence: Float32Array;
}

async function classify(classifier: PixelClassifier, pixels: tf.Tensor4D): Promise<Classified> {
  const probabilities = tf.tidy(() => tf.softmax(classifier.logits(pixels)));
  const values = await probabilities.data<'float32'>();
  probabilities.dispose();
  const predicted = argmaxRows(values, classifier.classCount);
  const confidence = Float32Array.from(predicted, (label, i) => values[i * classifier.classCount + label] as number);
  return { predicted, confidence };
}

function countEqual(predicted: Uint8Array, labels: Uint8Array): number {
  let count = 0;
  predicted.forEach((label, i) => {
    if (label === labels[i]) count++;
  });
  return count;
}

async function collectExamples(
  clean: tf.Tensor4D,
  fgsm: tf.Tensor4D,
  pgd: tf.Tensor4D,
  outputs: { clean: Classified; fgsm: Classified; pgd: Classified },
  labels: Uint8Array,
  start: number,
  epsilon: number,
): Promise<AdversarialExample[]> {
  const [cleanValues, fgsmValues, pgdValues] = await Promise.all([clean.data(), fgsm.data(), pgd.data()]);
  const imageSize = cleanValues.length / labels.length;
  const toImage = (values: ArrayLike<number>, output: Classified, i: number): AttackedImage => ({
    pixels: Uint8Array.from({ length: imageSize }, (_, p) => Math.round((values[i * imageSize + p] as number) * 255)),
    predicted: output.predicted[i] as number,
    confidence: output.confidence[i] as number,
  });

  const examples: AdversarialExample[] = [];
  for (let i = 0; i < labels.length; i++) {
    if (outputs.clean.predicted[i] !== labels[i]) continue;
    examples.push({
      index: start + i,
      label: labels[i] as number,
      epsilon,
      clean: toImage(cleanValues, outputs.clean, i),
      fgsm: toImage(fgsmValues, outputs.fgsm, i),
      pgd: toImage(pgdValues, outputs.pgd, i),
    });
  }
  return examples;
}
