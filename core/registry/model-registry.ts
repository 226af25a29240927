import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';
import { ModelNotFoundError, RegistryError } from './errors.js';
import { loadLayersModel, saveLayersModel, sha256Hex } from './layers-model-files.js';
import { findPromotionFaults } from './promote-checks.js';
import { modelMetadataSchema, type ModelMetadata, type ModelStage } from './model-metadata.js';

const INDEX_FILE = 'registry.json';
const VERSION_PATTERN = /^v(\d+)$/;

/** The registry's index: which version serves production and each version's stage. */
interface RegistryIndex {
  production: string | null;
  stages: Record<string, ModelStage>;
}

/** One version as listed by {@link ModelRegistry.list}; `error` is set when its metadata is unusable. */
export interface RegistryEntry {
  version: string;
  stage: ModelStage;
  metadata: ModelMetadata | null;
  error?: string;
}

/** The metadata fields that the caller supplies; the registry fills in the rest. */
export type NewModelMetadata = Omit<ModelMetadata, 'version' | 'createdAt' | 'files'>;

/** A file saved beside the model files of a new version, such as `reference-profile.json`. */
export interface ExtraModelFile {
  name: string;
  content: string | Uint8Array;
}

/** A model loaded from the registry, ready to predict. */
export interface LoadedModel {
  model: tf.LayersModel;
  metadata: ModelMetadata;
}

/**
 * A file-based model registry: `<root>/<version>/model.json`, `weights.bin` and
 * `metadata.json`, plus `<root>/registry.json` for stages. Versions are `v1`, `v2`, ... in
 * order of registration. Every write goes through a temporary file or folder and a rename,
 * so a crash never leaves a half-written version or index.
 */
export class ModelRegistry {
  readonly root: string;
  private readonly logger: Logger;

  constructor(root: string, logger: Logger = silentLogger) {
    this.root = path.resolve(root);
    this.logger = logger.child({ component: 'registry' });
  }

  /**
   * Saves a trained model as a new candidate version and returns its metadata. `extraFiles`
   * (such as the reference profile) are written beside the model and hashed into `files`.
   */
  async register(model: tf.LayersModel, metadata: NewModelMetadata, extraFiles: ExtraModelFile[] = []): Promise<ModelMetadata> {
    fs.mkdirSync(this.root, { recursive: true });
    const staging = path.join(this.root, `.staging-${crypto.randomUUID()}`);
    fs.mkdirSync(staging);

    try {
      const files = await saveLayersModel(model, staging);
      for (const extra of extraFiles) {
        const bytes = typeof extra.content === 'string' ? new TextEncoder().encode(extra.content) : extra.content;
        fs.writeFileSync(path.join(staging, extra.name), bytes);
        files.push({ name: extra.name, sha256: sha256Hex(bytes) });
      }
      for (;;) {
        const version = `v${this.nextVersionNumber()}`;
        const full: ModelMetadata = { ...metadata, version, createdAt: new Date().toISOString(), files };
        fs.writeFileSync(path.join(staging, 'metadata.json'), `${JSON.stringify(full, null, 2)}\n`);
        try {
          fs.renameSync(staging, path.join(this.root, version));
        } catch (error) {
          // Another process registered the same number first: take the next one.
          if ((error as NodeJS.ErrnoException).code === 'ENOTEMPTY' || (error as NodeJS.ErrnoException).code === 'EEXIST') continue;
          throw error;
        }
        this.updateIndex((index) => {
          index.stages[version] = 'candidate';
        });
        this.logger.info({ modelVersion: version, files }, 'model registered');
        return full;
      }
    } finally {
      fs.rmSync(staging, { recursive: true, force: true });
    }
  }

  /** Lists every version, oldest first. Unreadable metadata is reported in `error`, not thrown. */
  list(): RegistryEntry[] {
    const index = this.readIndex();
    const onDisk = new Set(this.versions());
    // registry.json can name a version whose folder was deleted or never copied: list it with the fault.
    const named = [...Object.keys(index.stages), ...(index.production ? [index.production] : [])];
    const versions = [...new Set([...onDisk, ...named.filter((version) => VERSION_PATTERN.test(version))])].sort(
      (a, b) => Number(a.slice(1)) - Number(b.slice(1)),
    );
    return versions.map((version) => {
      const stage = index.stages[version] ?? 'candidate';
      if (!onDisk.has(version)) {
        const error = `${path.join(this.root, INDEX_FILE)} names ${version}, but its folder ${path.join(this.root, version)} is missing: restore the folder, or promote another version.`;
        return { version, stage, metadata: null, error };
      }
      try {
        return { version, stage, metadata: this.readMetadata(version) };
      } catch (error) {
        return { version, stage, metadata: null, error: (error as Error).message };
      }
    });
  }

  /** Returns the production version, or null when none is set. */
  productionVersion(): string | null {
    return this.readIndex().production;
  }

  /**
   * Reads and validates a version's `metadata.json`.
   *
   * @throws ModelNotFoundError when the version folder does not exist.
   * @throws RegistryError `model_metadata_invalid` when the file is missing or malformed.
   */
  readMetadata(version: string): ModelMetadata {
    const dir = this.versionDir(version);
    const file = path.join(dir, 'metadata.json');
    let parsed: unknown;
    try {
      parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (error) {
      throw new RegistryError('model_metadata_invalid', `Cannot read ${file}: ${(error as Error).message}.`, { cause: error });
    }
    const result = modelMetadataSchema.safeParse(parsed);
    if (!result.success) {
      const fault = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
      throw new RegistryError('model_metadata_invalid', `Invalid ${file}: ${fault}.`);
    }
    return result.data;
  }

  /** Loads a version (or `production`) with its files checked against their recorded hashes. */
  async load(versionOrAlias: string): Promise<LoadedModel> {
    const version = this.resolve(versionOrAlias);
    const metadata = this.readMetadata(version);
    const started = performance.now();
    const model = await loadLayersModel(this.versionDir(version), metadata.files);
    this.logger.info({ modelVersion: version, loadMs: performance.now() - started }, 'model loaded');
    return { model, metadata };
  }

  /**
   * Makes `version` the production model after four checks: its metadata is valid, its
   * validation metrics are present and in range, every listed file exists and matches its
   * SHA-256, and the model builds. The previous production model becomes archived.
   *
   * @throws ModelNotFoundError when the version does not exist.
   * @throws RegistryError `model_metadata_invalid` for unreadable metadata, `model_files_invalid`
   *   listing every fault when a file is missing, altered or does not build, or
   *   `model_metrics_invalid` when only the metrics are at fault, so a broken model never serves.
   */
  async promote(version: string): Promise<void> {
    const metadata = this.readMetadata(version);
    const faults = findPromotionFaults(this.versionDir(version), metadata);
    if (faults.length > 0) {
      throw new RegistryError(
        faults.some((fault) => fault.kind === 'files') ? 'model_files_invalid' : 'model_metrics_invalid',
        `Model ${version} cannot be promoted: ${faults.map((fault) => fault.message).join('; ')}. ` +
          'Retrain it (npm run train) or restore its folder.',
      );
    }
    const { model } = await this.load(version);
    model.dispose();

    const previous = this.productionVersion();
    this.updateIndex((index) => {
      if (index.production && index.production !== version) index.stages[index.production] = 'archived';
      index.production = version;
      index.stages[version] = 'production';
    });
    this.logger.info({ modelVersion: version, previous }, 'model promoted to production');
  }

  /** Moves a version to the archived stage; archiving production leaves no production model. */
  archive(version: string): void {
    this.versionDir(version);
    this.updateIndex((index) => {
      index.stages[version] = 'archived';
      if (index.production === version) index.production = null;
    });
    this.logger.info({ modelVersion: version }, 'model archived');
  }

  /** Maps `production` to the production version and checks that a version exists. */
  resolve(versionOrAlias: string): string {
    if (versionOrAlias === 'production') {
      const production = this.productionVersion();
      if (!production) {
        throw new RegistryError(
          'no_production_model',
          `The registry at ${this.root} has no production model. Train one with \`npm run train\` ` +
            'or promote a version with `npm run models -- promote VERSION`.',
        );
      }
      return production;
    }
    this.versionDir(versionOrAlias);
    return versionOrAlias;
  }

  private versionDir(version: string): string {
    const dir = path.join(this.root, version);
    if (!VERSION_PATTERN.test(version) || !fs.existsSync(dir)) throw new ModelNotFoundError(version, this.root);
    return dir;
  }

  private versions(): string[] {
    if (!fs.existsSync(this.root)) return [];
    return fs
      .readdirSync(this.root)
      .filter((name) => VERSION_PATTERN.test(name))
      .sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
  }

  private nextVersionNumber(): number {
    const numbers = this.versions().map((version) => Number(version.slice(1)));
    return numbers.length === 0 ? 1 : Math.max(...numbers) + 1;
  }

  private readIndex(): RegistryIndex {
    const file = path.join(this.root, INDEX_FILE);
    if (!fs.existsSync(file)) return { production: null, stages: {} };
    try {
      const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<RegistryIndex>;
      return { production: parsed.production ?? null, stages: parsed.stages ?? {} };
    } catch (error) {
      throw new RegistryError(
        'registry_index_invalid',
        `Cannot read the registry index ${file}: ${(error as Error).message}. Restore it or delete it and promote a version again.`,
        { cause: error },
      );
    }
  }

  private updateIndex(change: (index: RegistryIndex) => void): void {
    const index = this.readIndex();
    change(index);
    const file = path.join(this.root, INDEX_FILE);
    const temporary = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, `${JSON.stringify(index, null, 2)}\n`);
    fs.renameSync(temporary, file);
  }
}

/** The summary of a version that `GET /v1/models` and `npm run models -- list` print. */
export interface RegistryEntrySummary {
  version: string;
  stage: ModelStage;
  createdAt: string | null;
  architecture: string | null;
  metrics: ModelMetadata['metrics']['validation'] | null;
  error?: string;
}

/** Reduces a registry entry to its version, stage, architecture and validation metrics. */
export function summarizeEntry(entry: RegistryEntry): RegistryEntrySummary {
  return {
    version: entry.version,
    stage: entry.stage,
    createdAt: entry.metadata?.createdAt ?? null,
    architecture: entry.metadata?.architecture ?? null,
    metrics: entry.metadata?.metrics.validation ?? null,
    error: entry.error,
  };
}
