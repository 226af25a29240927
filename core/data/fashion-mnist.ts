import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { statSync } from 'node:fs';
import path from 'node:path';

import { silentLogger, type Logger } from '../logger.js';
import { ChecksumMismatchError, DatasetNotFoundError, IdxShapeError } from './errors.js';
import { createImageSet, type ImageSet } from './image-set.js';
import { parseIdxAsync, type IdxArray } from './idx.js';

/** The four files of Fashion-MNIST under their official names. */
export const FASHION_MNIST_FILES = {
  trainImages: 'train-images-idx3-ubyte.gz',
  trainLabels: 'train-labels-idx1-ubyte.gz',
  testImages: 't10k-images-idx3-ubyte.gz',
  testLabels: 't10k-labels-idx1-ubyte.gz',
} as const;

export type FashionMnistFileName = (typeof FASHION_MNIST_FILES)[keyof typeof FASHION_MNIST_FILES];

/** The file names in a fixed order: training images and labels, then test images and labels. */
export const FASHION_MNIST_FILE_NAMES: readonly FashionMnistFileName[] = Object.values(FASHION_MNIST_FILES);

/** Class names, indexed by label. */
export const FASHION_MNIST_CLASS_NAMES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
] as const;

/** Height and width of every Fashion-MNIST image, in pixels. */
export const FASHION_MNIST_IMAGE_SIZE = 28;

/** SHA-256 of each file as one table, keyed by file name. */
export type ChecksumTable = Readonly<Record<FashionMnistFileName, string>>;

/**
 * SHA-256 of the official gzipped files, as published by the data set's authors and as
 * installed by Debian's dataset-fashion-mnist package under /usr/share/datasets/fashion-mnist.
 */
export const FASHION_MNIST_SHA256: ChecksumTable = {
  'train-images-idx3-ubyte.gz': 'b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7',
  'train-labels-idx1-ubyte.gz': '0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056',
  't10k-images-idx3-ubyte.gz': 'cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa',
  't10k-labels-idx1-ubyte.gz': '8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05',
};

/** Folder where Debian's dataset-fashion-mnist package installs the files. */
export const SYSTEM_FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** A data file and the SHA-256 of its bytes on disk (gzipped), as lowercase hex. */
export interface DatasetFile {
  name: FashionMnistFileName;
  sha256: string;
}

/** Fashion-MNIST in memory: the official training and test splits, kept apart. */
export interface FashionMnist {
  id: 'fashion-mnist';
  /** Folder the files were read from. */
  dir: string;
  /**
   * SHA-256 over the four file hashes: the hash of the lines `<sha256>  <name>\n` in
   * {@link FASHION_MNIST_FILE_NAMES} order, which is what `sha256sum <files> | sha256sum` prints.
   */
  sha256: string;
  files: DatasetFile[];
  classNames: readonly string[];
  train: ImageSet;
  test: ImageSet;
}

/** Arguments of {@link locateFashionMnist}. */
export interface LocateArgs {
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
}

/** Options of {@link loadFashionMnist}. */
export interface LoadFashionMnistArgs {
  logger?: Logger;
  /**
   * Expected SHA-256 per file. Defaults to the official table. Pass `null` to skip the check,
   * as for a fixture folder that contains a sample under the official names.
   */
  expectedChecksums?: ChecksumTable | null;
}

/**
 * Lists the folders searched for Fashion-MNIST, in order: `$SNAPCLASS_DATA_DIR` (when set),
 * `<cwd>/data/fashion-mnist`, then {@link SYSTEM_FASHION_MNIST_DIR}.
 */
export function fashionMnistSearchDirs({ env, cwd }: LocateArgs): string[] {
  const dirs: string[] = [];
  const configured = env.SNAPCLASS_DATA_DIR?.trim();
  if (configured) {
    dirs.push(path.resolve(cwd, configured));
  }
  dirs.push(path.join(cwd, 'data', 'fashion-mnist'), SYSTEM_FASHION_MNIST_DIR);
  return dirs;
}

/**
 * Returns the first folder from {@link fashionMnistSearchDirs} that contains all four files,
 * or null. This checks only that the files exist, and {@link loadFashionMnist} checks their content.
 */
export function locateFashionMnist(args: LocateArgs): string | null {
  return fashionMnistSearchDirs(args).find(containsAllFiles) ?? null;
}

/**
 * Same as {@link locateFashionMnist}, but throws when no folder contains the data set.
 *
 * @throws DatasetNotFoundError listing the searched folders.
 */
export function requireFashionMnist(args: LocateArgs): string {
  const dir = locateFashionMnist(args);
  if (dir === null) {
    throw new DatasetNotFoundError('Fashion-MNIST', fashionMnistSearchDirs(args));
  }
  return dir;
}

/**
 * Reads the four files in `dir` into memory, verifying their SHA-256 unless
 * `expectedChecksums` is null. The four files are read and decompressed in parallel, and
 * nothing is cached on disk. Loading the official set took 0.4 to 0.7 s on a 2-core x86_64
 * machine (Node 20, files from Debian's dataset-fashion-mnist).
 *
 * @throws DatasetNotFoundError when a file is missing.
 * @throws ChecksumMismatchError when a file's hash differs from the expected one.
 * @throws DataError subclasses from the IDX reader, and IdxShapeError for images that are
 *   not 28 x 28, IdxCountMismatchError and LabelOutOfRangeError from {@link createImageSet}.
 */
export async function loadFashionMnist(dir: string, args: LoadFashionMnistArgs = {}): Promise<FashionMnist> {
  const logger = (args.logger ?? silentLogger).child({ component: 'fashion-mnist' });
  const expectedChecksums = args.expectedChecksums === undefined ? FASHION_MNIST_SHA256 : args.expectedChecksums;
  const started = performance.now();

  const parsed = await readDataFiles(dir, expectedChecksums);
  const [trainImages, trainLabels, testImages, testLabels] = parsed;
  const files = parsed.map(({ name, sha256 }) => ({ name, sha256 }));

  const classCount = FASHION_MNIST_CLASS_NAMES.length;
  const train = createImageSet(trainImages.idx, trainLabels.idx, classCount);
  const test = createImageSet(testImages.idx, testLabels.idx, classCount);
  checkImageSize(train, trainImages.idx.fileName);
  checkImageSize(test, testImages.idx.fileName);

  const sha256 = hashOfHashes(files);
  logger.info(
    {
      dir,
      sha256,
      trainCount: train.count,
      testCount: test.count,
      checksumsVerified: expectedChecksums !== null,
      ms: Math.round(performance.now() - started),
    },
    'loaded Fashion-MNIST',
  );
  return { id: 'fashion-mnist', dir, sha256, files, classNames: FASHION_MNIST_CLASS_NAMES, train, test };
}

/**
 * Reads the files in parallel. When several fail, the error of the first in file order is
 * thrown, so the same damage always gives the same message.
 */
async function readDataFiles(dir: string, expectedChecksums: ChecksumTable | null) {
  const read = (name: FashionMnistFileName) => readDataFile(dir, name, expectedChecksums);
  const settled = await Promise.allSettled([
    read(FASHION_MNIST_FILES.trainImages),
    read(FASHION_MNIST_FILES.trainLabels),
    read(FASHION_MNIST_FILES.testImages),
    read(FASHION_MNIST_FILES.testLabels),
  ]);
  const failure = settled.find((result) => result.status === 'rejected');
  if (failure) {
    throw failure.reason;
  }
  return settled.map((result) => (result as PromiseFulfilledResult<DataFile>).value) as [
    DataFile,
    DataFile,
    DataFile,
    DataFile,
  ];
}

interface DataFile {
  name: FashionMnistFileName;
  sha256: string;
  idx: IdxArray;
}

async function readDataFile(
  dir: string,
  name: FashionMnistFileName,
  expectedChecksums: ChecksumTable | null,
): Promise<DataFile> {
  const filePath = path.join(dir, name);
  let bytes: Buffer;
  try {
    bytes = await readFile(filePath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new DatasetNotFoundError(`Fashion-MNIST file ${name}`, [dir]);
    }
    throw error;
  }

  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const expected = expectedChecksums?.[name];
  if (expected !== undefined && expected !== sha256) {
    throw new ChecksumMismatchError(filePath, expected, sha256);
  }

  const idx = await parseIdxAsync(bytes, filePath);
  return { name, sha256, idx };
}

function checkImageSize(set: ImageSet, fileName: string): void {
  if (set.height !== FASHION_MNIST_IMAGE_SIZE || set.width !== FASHION_MNIST_IMAGE_SIZE) {
    const expected = `${FASHION_MNIST_IMAGE_SIZE} x ${FASHION_MNIST_IMAGE_SIZE}`;
    throw new IdxShapeError(fileName, expected, `${set.height} x ${set.width}`);
  }
}

function hashOfHashes(files: readonly DatasetFile[]): string {
  const lines = files.map((file) => `${file.sha256}  ${file.name}\n`).join('');
  return createHash('sha256').update(lines).digest('hex');
}

function containsAllFiles(dir: string): boolean {
  return FASHION_MNIST_FILE_NAMES.every((name) => {
    try {
      return statSync(path.join(dir, name)).isFile();
    } catch {
      return false;
    }
  });
}

