import fs from 'node:fs';
import path from 'node:path';
import type { DatabaseHandle } from '../../../db/open-database.js';
import { decodeFolderImages, listFolderDataset, type ImageInputArgs } from '../../data/folder-dataset.js';
import type { Logger } from '../../logger.js';
import { LifecycleError } from '../errors.js';

/** One labelled image that production saw: a prediction with a labelled feedback, or an image of a labelled batch. */
export interface LabelledProductionImage {
  /** The prediction id, or `batch:<folder>/<file>`. */
  id: string;
  /** When production saw it: the prediction time, or the batch file's modification time. */
  createdAt: string;
  /** Model input pixels, `height * width * channels` bytes. */
  pixels: Uint8Array;
  /** Class index among the training class names. */
  label: number;
  origin: 'feedback' | 'batch';
}

/** Labelled production images and how many rows were left out, and why. */
export interface ProductionDataRead {
  images: LabelledProductionImage[];
  skipped: { unknownLabel: number; wrongSize: number };
}

/**
 * Reads every prediction whose latest feedback names a label (a `correct` verdict names the
 * predicted class), with its stored model input, oldest first. Rows whose label is not one of
 * `classNames` or whose input is not `imageSize` bytes are counted in `skipped`.
 */
export function readLabelledFeedback(handle: DatabaseHandle, classNames: readonly string[], imageSize: number): ProductionDataRead {
  const rows = handle.sqlite
    .prepare(
      `SELECT p.id AS id, p.created_at AS createdAt, p.input_pixels AS pixels, f.label AS label
       FROM predictions p JOIN feedback f ON f.prediction_id = p.id
       WHERE f.label IS NOT NULL
         AND f.rowid = (SELECT f2.rowid FROM feedback f2 WHERE f2.prediction_id = p.id ORDER BY f2.updated_at DESC, f2.rowid DESC LIMIT 1)
       ORDER BY p.created_at, p.id`,
    )
    .all() as { id: string; createdAt: string; pixels: Buffer; label: string }[];

  const images: LabelledProductionImage[] = [];
  const skipped = { unknownLabel: 0, wrongSize: 0 };
  for (const row of rows) {
    const label = classNames.indexOf(row.label);
    if (label < 0) skipped.unknownLabel++;
    else if (row.pixels.length !== imageSize) skipped.wrongSize++;
    else images.push({ id: row.id, createdAt: row.createdAt, pixels: new Uint8Array(row.pixels), label, origin: 'feedback' });
  }
  return { images, skipped };
}

/**
 * Reads labelled batches of production images: each folder contains one subfolder per class,
 * named like the training classes, with PNG, JPEG or WebP files. A file's modification time
 * orders it among the other production images.
 *
 * @throws LifecycleError `retraining_data_invalid` when a class folder is not a training class.
 * @throws DataError from the folder reader for a missing or empty folder.
 */
export async function readLabelledBatches(dirs: readonly string[], classNames: readonly string[], input: ImageInputArgs, logger: Logger): Promise<ProductionDataRead> {
  const images: LabelledProductionImage[] = [];
  let wrongSize = 0;
  for (const dir of dirs) {
    const listing = await listFolderDataset(dir);
    const unknown = listing.classNames.filter((name) => !classNames.includes(name));
    if (unknown.length > 0) {
      throw new LifecycleError('retraining_data_invalid', `The labelled batch ${listing.root} has class folders ${unknown.join(', ')} that the model does not know. Rename them to one of: ${classNames.join(', ')}.`);
    }

    const decoded = await decodeFolderImages(listing.root, listing.files, input, logger);
    const imageSize = (input.height ?? 28) * (input.width ?? 28) * (input.channels ?? 1);
    wrongSize += decoded.unreadable.length;
    for (let i = 0; i < decoded.count; i++) {
      const source = decoded.sources[i]!;
      const modified = fs.statSync(path.join(listing.root, source)).mtime.toISOString();
      images.push({
        id: `batch:${path.basename(listing.root)}/${source}`,
        createdAt: modified,
        pixels: decoded.images.slice(i * imageSize, (i + 1) * imageSize),
        label: classNames.indexOf(listing.classNames[decoded.labels[i]!]!),
        origin: 'batch',
      });
    }
  }
  return { images, skipped: { unknownLabel: 0, wrongSize } };
}
