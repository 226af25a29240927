import crypto from 'node:crypto';
import type { LoadedDataset } from '../../data/load-dataset.js';
import type { DatasetToValidate } from '../../data/validation/validate-dataset.js';
import { createRandom, shuffleInPlace } from '../../random.js';
import type { LabelledImages, TrainingData } from '../../training/train-model.js';
import type { LabelledProductionImage } from './production-data.js';

/** Options of {@link buildRetrainingData}. */
export interface RetrainingDataArgs {
  base: LoadedDataset;
  /** Labelled production images in any order. */
  production: LabelledProductionImage[];
  /** Share of the production images, the most recent ones, kept out for evaluation; defaults to 0.2. */
  holdoutFraction?: number;
  /** Share of the other production images added to the validation split; defaults to 0.1. */
  validationFraction?: number;
  /** Times each production training image is repeated, so a few hundred weigh against the base set; defaults to 5. */
  productionWeight?: number;
  /** Largest number of base training images used, drawn at random; all by default. */
  baseTrainLimit?: number;
  seed?: number;
}

/** The production images held out for evaluation, and the time span they cover. */
export interface ProductionHoldout extends LabelledImages {
  from: string | null;
  to: string | null;
}

/** Counts and hashes that identify the data of a retraining run, for the lineage record. */
export interface RetrainingDataSummary {
  base: { id: string; sha256: string; train: number; validation: number; test: number };
  production: {
    received: number;
    fromFeedback: number;
    fromBatches: number;
    /** Repeats of an image with the same label, left out. */
    droppedDuplicates: number;
    /** Images identical to a base validation or test image, left out so evaluation stays clean. */
    droppedLeakage: number;
    train: number;
    validation: number;
    holdout: number;
    productionWeight: number;
    /** SHA-256 of the sorted ids of the images used for training and validation. */
    idsSha256: string;
    from: string | null;
    to: string | null;
  };
}

/** Training data with production images mixed in, what the validation step checks, and the holdout. */
export interface RetrainingData {
  trainingData: TrainingData;
  /** Base and production images without repeats, for the data validation step. */
  toValidate: DatasetToValidate;
  test: LabelledImages;
  holdout: ProductionHoldout;
  summary: RetrainingDataSummary;
}

/**
 * Mixes labelled production images into a data set for retraining. Exact repeats (same pixels
 * and label) are dropped, and so are images identical to a base validation or test image. The
 * most recent `holdoutFraction` of the rest is held out for evaluation; of the older images, a
 * seeded `validationFraction` joins the validation split and the others join the training split,
 * repeated `productionWeight` times. The base test split stays as it is.
 */
export function buildRetrainingData(args: RetrainingDataArgs): RetrainingData {
  const { base } = args;
  const imageSize = base.height * base.width * base.channels;
  const random = createRandom(args.seed ?? 42);
  const productionWeight = args.productionWeight ?? 5;

  const evaluationHashes = new Set<string>();
  for (const split of [base.validation, base.test]) {
    for (let i = 0; i < split.count; i++) evaluationHashes.add(hashPixels(split.images.subarray(i * imageSize, (i + 1) * imageSize)));
  }
  const seen = new Set<string>();
  let droppedDuplicates = 0;
  let droppedLeakage = 0;
  const kept: LabelledProductionImage[] = [];
  for (const image of [...args.production].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id))) {
    const hash = hashPixels(image.pixels);
    if (evaluationHashes.has(hash)) droppedLeakage++;
    else if (seen.has(`${hash}/${image.label}`)) droppedDuplicates++;
    else {
      seen.add(`${hash}/${image.label}`);
      kept.push(image);
    }
  }

  const holdoutCount = Math.round(kept.length * (args.holdoutFraction ?? 0.2));
  const holdoutImages = kept.slice(kept.length - holdoutCount);
  const older = shuffleInPlace(kept.slice(0, kept.length - holdoutCount), random);
  const validationCount = Math.round(older.length * (args.validationFraction ?? 0.1));
  const productionValidation = older.slice(0, validationCount);
  const productionTrain = older.slice(validationCount);

  const baseTrainIndices = shuffleInPlace(Array.from({ length: base.train.count }, (_, i) => i), random).slice(0, args.baseTrainLimit ?? base.train.count);
  const baseTrain = pick(base.train, baseTrainIndices, imageSize);
  const train = concat([baseTrain, ...Array.from({ length: productionWeight }, () => fromImages(productionTrain, imageSize))], imageSize);
  const trainOnce = concat([baseTrain, fromImages(productionTrain, imageSize)], imageSize);
  const validation = concat([base.validation, fromImages(productionValidation, imageSize)], imageSize);
  const holdout = fromImages(holdoutImages, imageSize);

  const usedIds = [...productionTrain, ...productionValidation].map((image) => image.id).sort();
  return {
    trainingData: { train, validation, height: base.height, width: base.width, channels: base.channels, classNames: base.classNames },
    toValidate: {
      height: base.height,
      width: base.width,
      channels: base.channels,
      classNames: base.classNames,
      expectedClassNames: base.classNames,
      splits: [
        { name: 'train', ...trainOnce },
        { name: 'validation', ...validation },
        { name: 'test', ...concat([base.test, holdout], imageSize) },
      ],
    },
    test: base.test,
    holdout: { ...holdout, from: holdoutImages[0]?.createdAt ?? null, to: holdoutImages.at(-1)?.createdAt ?? null },
    summary: {
      base: { id: base.id, sha256: base.sha256, train: baseTrain.count, validation: base.validation.count, test: base.test.count },
      production: {
        received: args.production.length,
        fromFeedback: args.production.filter((image) => image.origin === 'feedback').length,
        fromBatches: args.production.filter((image) => image.origin === 'batch').length,
        droppedDuplicates,
        droppedLeakage,
        train: productionTrain.length,
        validation: productionValidation.length,
        holdout: holdoutImages.length,
        productionWeight,
        idsSha256: crypto.createHash('sha256').update(usedIds.join('\n')).digest('hex'),
        from: kept[0]?.createdAt ?? null,
        to: kept.at(-1)?.createdAt ?? null,
      },
    },
  };
}

/**
 * Replaces the labels of a seeded `fraction` of the training images with the next class
 * (label + 1, wrapping), on purpose. Rollout drills use it to build a candidate that the gates
 * must reject.
 */
export function corruptLabels(images: LabelledImages, classCount: number, fraction: number, seed: number): number {
  const random = createRandom(seed);
  let changed = 0;
  for (let i = 0; i < images.count; i++) {
    if (random() < fraction) {
      images.labels[i] = (images.labels[i]! + 1) % classCount;
      changed++;
    }
  }
  return changed;
}

function hashPixels(pixels: Uint8Array): string {
  return crypto.createHash('sha1').update(pixels).digest('hex');
}

function fromImages(images: LabelledProductionImage[], imageSize: number): LabelledImages {
  const pixels = new Uint8Array(images.length * imageSize);
  images.forEach((image, i) => pixels.set(image.pixels, i * imageSize));
  return { images: pixels, labels: Uint8Array.from(images, (image) => image.label), count: images.length };
}

function pick(source: LabelledImages, indices: number[], imageSize: number): LabelledImages {
  const images = new Uint8Array(indices.length * imageSize);
  const labels = new Uint8Array(indices.length);
  indices.forEach((index, i) => {
    images.set(source.images.subarray(index * imageSize, (index + 1) * imageSize), i * imageSize);
    labels[i] = source.labels[index]!;
  });
  return { images, labels, count: indices.length };
}

function concat(parts: LabelledImages[], imageSize: number): LabelledImages {
  const count = parts.reduce((sum, part) => sum + part.count, 0);
  const images = new Uint8Array(count * imageSize);
  const labels = new Uint8Array(count);
  let offset = 0;
  for (const part of parts) {
    images.set(part.images.subarray(0, part.count * imageSize), offset * imageSize);
    labels.set(part.labels.subarray(0, part.count), offset);
    offset += part.count;
  }
  return { images, labels, count };
}
