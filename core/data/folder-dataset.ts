import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { silentLogger, type Logger } from '../logger.js';
import { DataError } from './errors.js';

/** File extensions (lowercase) that a folder data set reads; other files are skipped. */
export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.webp'] as const;

/** Resize mode (sharp's `fit`) for an image whose size differs from the input size. */
export type ResizeFit = 'contain' | 'fill' | 'cover';

/** Size and colour of the model input that a folder's images are decoded to. */
export interface ImageInputArgs {
  /** Height in pixels; defaults to 28. */
  height?: number;
  /** Width in pixels; defaults to 28. */
  width?: number;
  /** 1 for gray (default) or 3 for RGB. */
  channels?: 1 | 3;
  /**
   * `contain` (default) keeps the aspect ratio and pads with black, `fill` stretches, `cover`
   * crops the overflow.
   */
  fit?: ResizeFit;
}

/** One image file found under a class folder. */
export interface FolderImageFile {
  /** Path relative to the data set root, with `/` separators, such as `boot/0001.png`. */
  relativePath: string;
  label: number;
}

/** The classes and image files of a folder data set, before decoding. */
export interface FolderListing {
  root: string;
  /** Class folder names in sorted order; a label is an index into it. */
  classNames: string[];
  files: FolderImageFile[];
}

/** Decoded images of a folder data set, in the order of the files passed in. */
export interface DecodedImages {
  /** `count * height * width * channels` bytes, NHWC. */
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
  /** The relative path of each decoded image. */
  sources: string[];
  /** SHA-256 of each decoded file's bytes, in the same order as `sources`. */
  fileHashes: string[];
  /** Files that failed to read or decode, with the decoder's reason; they are left out of `images`. */
  unreadable: { path: string; reason: string }[];
}

/**
 * Lists the class folders (the sorted names of the subfolders of `root`, hidden ones skipped)
 * and the image files in each, by extension, sorted by path. Nested folders inside a class
 * folder are searched too.
 *
 * @throws DataError `dataset_not_found` when `root` is not a folder.
 * @throws DataError `folder_dataset_invalid` when there are fewer than two class folders,
 *   more than 256, or no images at all.
 */
export async function listFolderDataset(root: string): Promise<FolderListing> {
  const absoluteRoot = path.resolve(root);
  let entries: import('node:fs').Dirent[];
  try {
    entries = await fs.readdir(absoluteRoot, { withFileTypes: true });
  } catch (error) {
    throw new DataError(
      'dataset_not_found',
      absoluteRoot,
      `Cannot read the data set folder ${absoluteRoot}: ${(error as Error).message}. Pass --dataset folder:PATH with a folder of class folders.`,
      { cause: error },
    );
  }

  const classNames = entries
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
    .map((entry) => entry.name)
    .sort();
  if (classNames.length < 2 || classNames.length > 256) {
    throw new DataError(
      'folder_dataset_invalid',
      absoluteRoot,
      `${absoluteRoot} contains ${classNames.length} class folders; a folder data set needs 2 to 256, one per class, each holding its images.`,
    );
  }

  const files: FolderImageFile[] = [];
  for (const [label, className] of classNames.entries()) {
    const found = await listImagesUnder(path.join(absoluteRoot, className));
    for (const file of found.sort()) {
      files.push({ relativePath: path.relative(absoluteRoot, file).split(path.sep).join('/'), label });
    }
  }
  if (files.length === 0) {
    throw new DataError(
      'folder_dataset_invalid',
      absoluteRoot,
      `The class folders of ${absoluteRoot} hold no ${IMAGE_EXTENSIONS.join(', ')} files.`,
    );
  }
  return { root: absoluteRoot, classNames, files };
}

async function listImagesUnder(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      found.push(...(await listImagesUnder(full)));
    } else if ((IMAGE_EXTENSIONS as readonly string[]).includes(path.extname(entry.name).toLowerCase())) {
      found.push(full);
    }
  }
  return found;
}

/**
 * Reads and decodes `files` with sharp to `height x width x channels` 8-bit pixels, eight
 * files at a time. A file that cannot be read or decoded is listed in `unreadable` with the
 * reason instead of failing the whole load, so the validation step can report every one.
 */
export async function decodeFolderImages(
  root: string,
  files: FolderImageFile[],
  input: ImageInputArgs = {},
  logger: Logger = silentLogger,
): Promise<DecodedImages> {
  const height = input.height ?? 28;
  const width = input.width ?? 28;
  const channels = input.channels ?? 1;
  const imageSize = height * width * channels;
  const decoded: ({ pixels: Uint8Array; sha256: string } | { error: string })[] = new Array(files.length);
  const concurrency = 8;

  for (let start = 0; start < files.length; start += concurrency) {
    const chunk = files.slice(start, start + concurrency);
    const results = await Promise.all(
      chunk.map((file) => decodeImage(path.join(root, file.relativePath), { height, width, channels, fit: input.fit ?? 'contain' })),
    );
    results.forEach((result, i) => (decoded[start + i] = result));
  }

  const okCount = decoded.filter((result) => 'pixels' in result).length;
  const images = new Uint8Array(okCount * imageSize);
  const labels = new Uint8Array(okCount);
  const sources: string[] = [];
  const fileHashes: string[] = [];
  const unreadable: { path: string; reason: string }[] = [];
  decoded.forEach((result, i) => {
    const file = files[i] as FolderImageFile;
    if ('error' in result) {
      unreadable.push({ path: path.join(root, file.relativePath), reason: result.error });
      return;
    }
    images.set(result.pixels, sources.length * imageSize);
    labels[sources.length] = file.label;
    sources.push(file.relativePath);
    fileHashes.push(result.sha256);
  });

  if (unreadable.length > 0) {
    logger.warn({ root, unreadable: unreadable.length, first: unreadable[0] }, 'some images of the folder data set cannot be decoded');
  }
  return { images, labels, count: sources.length, sources, fileHashes, unreadable };
}

async function decodeImage(
  file: string,
  shape: { height: number; width: number; channels: 1 | 3; fit: ResizeFit },
): Promise<{ pixels: Uint8Array; sha256: string } | { error: string }> {
  try {
    const bytes = await fs.readFile(file);
    let pipeline = sharp(bytes, { failOn: 'error' })
      .removeAlpha()
      .resize(shape.width, shape.height, { fit: shape.fit, background: { r: 0, g: 0, b: 0 }, kernel: 'lanczos3' });
    pipeline = shape.channels === 1 ? pipeline.toColourspace('b-w') : pipeline.toColourspace('srgb');
    const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== shape.channels || data.length !== shape.height * shape.width * shape.channels) {
      return { error: `decoded to ${info.width}x${info.height}x${info.channels} instead of ${shape.width}x${shape.height}x${shape.channels}` };
    }
    return { pixels: new Uint8Array(data.buffer, data.byteOffset, data.length), sha256: createHash('sha256').update(bytes).digest('hex') };
  } catch (error) {
    return { error: (error as Error).message };
  }
}
