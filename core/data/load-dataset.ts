import { createHash } from 'node:crypto';
import { ConfigError } from '../errors.js';
import { silentLogger, type Logger } from '../logger.js';
import type { DatasetToValidate } from './validation/validate-dataset.js';
import { loadFashionMnist, requireFashionMnist, type ChecksumTable } from './fashion-mnist.js';
import { decodeFolderImages, listFolderDataset, type ImageInputArgs } from './folder-dataset.js';
import { loadOrCreateFolderSplit } from './folder-split.js';
import { gatherImages, stratifiedSplit } from './split.js';

/** Data set to load: the official Fashion-MNIST files, or a folder of class folders. */
export type DatasetSpec = { kind: 'fashion-mnist'; dir?: string } | { kind: 'folder'; root: string };

/**
 * Parses a `--dataset` value: `fashion-mnist` (found as `npm run data` describes),
 * `fashion-mnist:DIR` for a given folder of the four IDX files, or `folder:PATH`.
 *
 * @throws ConfigError for any other value.
 */
export function parseDatasetSpec(value: string): DatasetSpec {
  if (value === 'fashion-mnist') return { kind: 'fashion-mnist' };
  if (value.startsWith('fashion-mnist:') && value.length > 'fashion-mnist:'.length) {
    return { kind: 'fashion-mnist', dir: value.slice('fashion-mnist:'.length) };
  }
  if (value.startsWith('folder:') && value.length > 'folder:'.length) return { kind: 'folder', root: value.slice('folder:'.length) };
  throw new ConfigError(`Invalid --dataset "${value}": use fashion-mnist, fashion-mnist:DIR or folder:PATH.`);
}

/** One loaded split; `sources` names each image's file for folder data sets. */
export interface DatasetSplit {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
  sources?: string[];
}

/** A data set split three ways, with what identifies its content. */
export interface LoadedDataset {
  /** `fashion-mnist`, or `folder:<absolute root>`. */
  id: string;
  /** SHA-256 identifying the content: of the IDX files, or of every used file with its split. */
  sha256: string;
  /** Source files with their SHA-256 (the four IDX files; none listed for folders, see `sha256`). */
  files?: { name: string; sha256: string }[];
  classNames: string[];
  height: number;
  width: number;
  channels: number;
  train: DatasetSplit;
  validation: DatasetSplit;
  test: DatasetSplit;
  /** Files of a folder data set that could not be decoded. */
  unreadable: { path: string; reason: string }[];
  /** Split parameters; `file` is the saved split of a folder data set. */
  split: { seed: number; validationFraction: number; testFraction?: number; file?: string };
}

/** Options of {@link loadDataset}. */
export interface LoadDatasetArgs {
  env?: Readonly<Record<string, string | undefined>>;
  cwd?: string;
  /** Input size and channels of a folder data set; Fashion-MNIST is always 28x28x1. */
  input?: ImageInputArgs;
  /** Seed of the split; defaults to 42. */
  splitSeed?: number;
  /** Share held out for validation; defaults to 0.1. */
  validationFraction?: number;
  /** Share held out for test in a folder data set; defaults to 0.1. */
  testFraction?: number;
  /** Saved split of a folder data set; defaults to `<root>/.snapclass-split.json`. */
  splitFile?: string;
  /** Fashion-MNIST checksums; null skips the check (fixtures). */
  expectedChecksums?: ChecksumTable | null;
  logger?: Logger;
}

/**
 * Loads a data set and splits it into training, validation and test parts. Fashion-MNIST
 * keeps its official test images as the test part and splits the official training images,
 * stratified and seeded; a folder data set uses its saved split file (see
 * {@link loadOrCreateFolderSplit}). Unreadable folder images are returned in `unreadable` for
 * the validation step instead of thrown.
 *
 * @throws DatasetNotFoundError, DataError and ConfigError from the loaders.
 */
export async function loadDataset(spec: DatasetSpec, args: LoadDatasetArgs = {}): Promise<LoadedDataset> {
  const logger = args.logger ?? silentLogger;
  const splitSeed = args.splitSeed ?? 42;
  const validationFraction = args.validationFraction ?? 0.1;

  if (spec.kind === 'fashion-mnist') {
    const dir = spec.dir ?? requireFashionMnist({ env: args.env ?? process.env, cwd: args.cwd ?? process.cwd() });
    const dataset = await loadFashionMnist(dir, { logger, expectedChecksums: args.expectedChecksums });
    const classNames = [...dataset.classNames];
    const split = stratifiedSplit(dataset.train.labels, { validationFraction, seed: splitSeed, classCount: classNames.length });
    return {
      id: dataset.id,
      sha256: dataset.sha256,
      files: dataset.files,
      classNames,
      height: dataset.train.height,
      width: dataset.train.width,
      channels: 1,
      train: gatherImages(dataset.train, split.trainIndices),
      validation: gatherImages(dataset.train, split.validationIndices),
      test: dataset.test,
      unreadable: [],
      split: { seed: splitSeed, validationFraction },
    };
  }

  const listing = await listFolderDataset(spec.root);
  const resolved = loadOrCreateFolderSplit(listing, {
    seed: splitSeed,
    validationFraction,
    testFraction: args.testFraction,
    file: args.splitFile,
    logger,
  });
  const input = { height: args.input?.height ?? 28, width: args.input?.width ?? 28, channels: args.input?.channels ?? 1, fit: args.input?.fit };
  const [train, validation, test] = await Promise.all([
    decodeFolderImages(listing.root, resolved.parts.train, input, logger),
    decodeFolderImages(listing.root, resolved.parts.validation, input, logger),
    decodeFolderImages(listing.root, resolved.parts.test, input, logger),
  ]);

  const hash = createHash('sha256').update(`input ${input.height}x${input.width}x${input.channels} ${input.fit ?? 'contain'}\n`);
  for (const [name, part] of [['train', train], ['validation', validation], ['test', test]] as const) {
    part.sources.forEach((source, i) => hash.update(`${name} ${part.fileHashes[i]}  ${source}\n`));
  }
  logger.info({ root: listing.root, train: train.count, validation: validation.count, test: test.count }, 'loaded the folder data set');

  return {
    id: `folder:${listing.root}`,
    sha256: hash.digest('hex'),
    classNames: listing.classNames,
    height: input.height,
    width: input.width,
    channels: input.channels,
    train,
    validation,
    test,
    unreadable: [...train.unreadable, ...validation.unreadable, ...test.unreadable],
    split: {
      seed: resolved.split.seed,
      validationFraction: resolved.split.validationFraction,
      testFraction: resolved.split.testFraction,
      file: resolved.file,
    },
  };
}

/** Builds the validation step's view of a loaded data set, with its three splits. */
export function toValidationInput(dataset: LoadedDataset, expectedClassNames?: string[]): DatasetToValidate {
  return {
    height: dataset.height,
    width: dataset.width,
    channels: dataset.channels,
    classNames: dataset.classNames,
    expectedClassNames,
    unreadable: dataset.unreadable,
    splits: [
      { name: 'train', ...dataset.train },
      { name: 'validation', ...dataset.validation },
      { name: 'test', ...dataset.test },
    ],
  };
}
