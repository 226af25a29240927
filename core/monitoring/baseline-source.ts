import fs from 'node:fs';
import path from 'node:path';
import { loadDataset, type DatasetSpec } from '../data/load-dataset.js';
import { referenceProfileSchema, type ReferenceProfile } from '../features/reference-profile.js';
import type { Logger } from '../logger.js';
import type { LoadedModel, ModelRegistry } from '../registry/model-registry.js';
import { BaselineError } from './errors.js';
import { buildMonitoringBaseline, type MonitoringBaseline } from './monitoring-baseline.js';

/** Options for {@link buildBaselineFromData}. */
export interface BaselineFromDataArgs {
  loaded: LoadedModel;
  registry: ModelRegistry;
  /** Folder of the Fashion-MNIST files; found the usual way (SNAPCLASS_DATA_DIR, data/, the system folder) when omitted. */
  dataDir?: string;
  logger: Logger;
}

/**
 * Builds a model's monitoring baseline from the data it was trained on. The validation split is
 * made again with the seed and fraction in the model's metadata. The reference profile is read
 * from beside the model, or computed from the training split for models saved without one.
 *
 * @throws BaselineError when the data set cannot be loaded, or its SHA-256 differs from the
 *   one recorded in the model's metadata (other data would make every test drift).
 */
export async function buildBaselineFromData(args: BaselineFromDataArgs): Promise<MonitoringBaseline> {
  const { metadata } = args.loaded;
  const spec = datasetSpecOf(metadata.dataset.id, args.dataDir);
  let dataset;
  try {
    dataset = await loadDataset(spec, {
      splitSeed: metadata.split.seed,
      validationFraction: metadata.split.validationFraction,
      testFraction: metadata.split.testFraction,
      splitFile: metadata.split.file,
      // The whole data set's SHA-256 is compared with the model's record below, which is stricter
      // than the per-file check and also accepts data sets other than the official files.
      expectedChecksums: null,
      logger: args.logger,
    });
  } catch (error) {
    throw new BaselineError(`Cannot load the data set of model ${metadata.version} (${metadata.dataset.id}) for its monitoring baseline: ${(error as Error).message}`, { cause: error });
  }
  if (dataset.sha256 !== metadata.dataset.sha256) {
    throw new BaselineError(
      `The data set found (${dataset.id}, SHA-256 ${dataset.sha256.slice(0, 12)}...) is not the one model ${metadata.version} was trained on ` +
        `(SHA-256 ${metadata.dataset.sha256.slice(0, 12)}...). Point SNAPCLASS_DATA_DIR at the training data.`,
    );
  }

  const profile = readSavedProfile(args.registry, args.loaded, args.logger);
  return buildMonitoringBaseline({ loaded: args.loaded, reference: dataset.validation, profile, training: profile ? undefined : dataset.train });
}

function datasetSpecOf(id: string, dataDir: string | undefined): DatasetSpec {
  if (id === 'fashion-mnist') return { kind: 'fashion-mnist', dir: dataDir };
  if (id.startsWith('folder:')) return { kind: 'folder', root: id.slice('folder:'.length) };
  throw new BaselineError(`Model data set "${id}" is neither fashion-mnist nor folder:<path>, so no baseline can be built for it.`);
}

function readSavedProfile(registry: ModelRegistry, loaded: LoadedModel, logger: Logger): ReferenceProfile | undefined {
  const name = loaded.metadata.referenceProfile;
  if (!name) return undefined;
  const file = path.join(registry.root, loaded.metadata.version, name);
  try {
    return referenceProfileSchema.parse(JSON.parse(fs.readFileSync(file, 'utf8')));
  } catch (error) {
    logger.warn({ err: error, file }, 'reference profile unreadable: computing it from the training split instead');
    return undefined;
  }
}
