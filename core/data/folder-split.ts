import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { silentLogger, type Logger } from '../logger.js';
import { createRandom, shuffleInPlace } from '../random.js';
import { DataError } from './errors.js';
import type { FolderImageFile, FolderListing } from './folder-dataset.js';

/** Name of the split file written into a folder data set's root unless another path is given. */
export const DEFAULT_SPLIT_FILE_NAME = '.snapclass-split.json';

const splitFileSchema = z.object({
  version: z.literal(1),
  createdAt: z.string(),
  seed: z.number(),
  validationFraction: z.number(),
  testFraction: z.number(),
  classNames: z.array(z.string()),
  train: z.array(z.string()),
  validation: z.array(z.string()),
  test: z.array(z.string()),
});

/** The saved train/validation/test assignment of a folder data set's files (paths relative to its root). */
export type FolderSplit = z.infer<typeof splitFileSchema>;

/** Options of {@link loadOrCreateFolderSplit}. */
export interface FolderSplitArgs {
  /** Seed of the per-class shuffle; defaults to 42. Used only when the split is created. */
  seed?: number;
  /** Share of each class for validation; defaults to 0.1. Used only when the split is created. */
  validationFraction?: number;
  /** Share of each class for test; defaults to 0.1. Used only when the split is created. */
  testFraction?: number;
  /** Split file; defaults to `<root>/.snapclass-split.json`. */
  file?: string;
  logger?: Logger;
}

/** The split to use, the files of each part, and where it is saved. */
export interface ResolvedFolderSplit {
  split: FolderSplit;
  file: string;
  /** True when this call created the split file. */
  created: boolean;
  parts: { train: FolderImageFile[]; validation: FolderImageFile[]; test: FolderImageFile[] };
}

/**
 * Reads the saved split of a folder data set, or creates one and saves it, so reruns train,
 * validate and test on the same images. A new split is stratified: each class's files are
 * shuffled with a random source seeded by `seed`, then `round(testFraction * n)` go to test,
 * `round(validationFraction * n)` to validation and the rest to training. With a saved split,
 * files added since are left out with a warning until the split file is deleted, and files
 * removed since are skipped.
 *
 * @throws ConfigError when the fractions are negative or add up to 1 or more.
 * @throws DataError `split_file_invalid` when the saved file is malformed, and
 *   `split_file_stale` when its class list differs from the folders found now.
 */
export function loadOrCreateFolderSplit(listing: FolderListing, args: FolderSplitArgs = {}): ResolvedFolderSplit {
  const logger = args.logger ?? silentLogger;
  const file = path.resolve(args.file ?? path.join(listing.root, DEFAULT_SPLIT_FILE_NAME));

  if (fs.existsSync(file)) {
    const split = readSplitFile(file);
    if (JSON.stringify(split.classNames) !== JSON.stringify(listing.classNames)) {
      throw new DataError(
        'split_file_stale',
        file,
        `The split file ${file} lists the classes ${JSON.stringify(split.classNames)}, but the folder now has ${JSON.stringify(listing.classNames)}. ` +
          'Delete the split file to make a new split.',
      );
    }
    const parts = assignFiles(listing, split, logger, file);
    logger.info({ file, seed: split.seed }, 'reusing the saved data split');
    return { split, file, created: false, parts };
  }

  const split = createSplit(listing, args);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, `${JSON.stringify(split, null, 1)}\n`);
  fs.renameSync(temporary, file);
  logger.info({ file, seed: split.seed, train: split.train.length, validation: split.validation.length, test: split.test.length }, 'saved a new data split');
  return { split, file, created: true, parts: assignFiles(listing, split, logger, file) };
}

function readSplitFile(file: string): FolderSplit {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new DataError('split_file_invalid', file, `Cannot read the split file ${file}: ${(error as Error).message}. Delete it to make a new split.`, {
      cause: error,
    });
  }
  const result = splitFileSchema.safeParse(parsed);
  if (!result.success) {
    throw new DataError('split_file_invalid', file, `The split file ${file} is malformed (${result.error.issues[0]?.message}). Delete it to make a new split.`);
  }
  return result.data;
}

function createSplit(listing: FolderListing, args: FolderSplitArgs): FolderSplit {
  const seed = args.seed ?? 42;
  const validationFraction = args.validationFraction ?? 0.1;
  const testFraction = args.testFraction ?? 0.1;
  if (!(validationFraction >= 0 && testFraction >= 0 && validationFraction + testFraction < 1)) {
    throw new ConfigError(
      `The validation fraction ${validationFraction} and test fraction ${testFraction} must be 0 or more and add up to less than 1.`,
    );
  }

  const random = createRandom(seed);
  const split: FolderSplit = {
    version: 1,
    createdAt: new Date().toISOString(),
    seed,
    validationFraction,
    testFraction,
    classNames: listing.classNames,
    train: [],
    validation: [],
    test: [],
  };
  for (let label = 0; label < listing.classNames.length; label++) {
    const paths = listing.files.filter((file) => file.label === label).map((file) => file.relativePath);
    shuffleInPlace(paths, random);
    const testCount = Math.round(testFraction * paths.length);
    const validationCount = Math.round(validationFraction * paths.length);
    split.test.push(...paths.slice(0, testCount));
    split.validation.push(...paths.slice(testCount, testCount + validationCount));
    split.train.push(...paths.slice(testCount + validationCount));
  }
  split.train.sort();
  split.validation.sort();
  split.test.sort();
  return split;
}

function assignFiles(listing: FolderListing, split: FolderSplit, logger: Logger, file: string): ResolvedFolderSplit['parts'] {
  const byPath = new Map(listing.files.map((entry) => [entry.relativePath, entry]));
  const pick = (paths: string[]) => paths.flatMap((relativePath) => byPath.get(relativePath) ?? []);
  const parts = { train: pick(split.train), validation: pick(split.validation), test: pick(split.test) };

  const assigned = parts.train.length + parts.validation.length + parts.test.length;
  const listed = split.train.length + split.validation.length + split.test.length;
  if (assigned < listed) {
    logger.warn({ file, missing: listed - assigned }, 'files of the saved split no longer exist and are skipped');
  }
  if (assigned < listing.files.length) {
    logger.warn(
      { file, added: listing.files.length - assigned },
      'files added since the split was saved are left out; delete the split file to include them',
    );
  }
  return parts;
}
