import type { Logger } from '../logger.js';
import type { LoadedModel } from '../registry/model-registry.js';

interface Entry {
  loaded: Promise<LoadedModel>;
  users: number;
  disposeTimer: NodeJS.Timeout | null;
}

/** Options of {@link ModelCache}. */
export interface ModelCacheArgs {
  load(version: string): Promise<LoadedModel>;
  /** Time an unused model stays loaded before it is disposed, in milliseconds. */
  graceMs: number;
  logger: Logger;
}

/**
 * Loaded models shared by production, a candidate and an A/B arm, counted by use. A model that
 * nothing uses any more is disposed after `graceMs`, not at once, because requests that chose
 * it may still be queued for a batch.
 */
export class ModelCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly args: ModelCacheArgs) {}

  /** Registers a model loaded elsewhere, such as the one the service started with, as in use once. */
  adopt(loaded: LoadedModel): void {
    const version = loaded.metadata.version;
    if (this.entries.has(version)) return;
    this.entries.set(version, { loaded: Promise.resolve(loaded), users: 1, disposeTimer: null });
  }

  /**
   * Returns the loaded model of `version`, loading it on first use, and counts one more user.
   *
   * @throws the loader's error, such as ModelNotFoundError or RegistryError; nothing is counted then.
   */
  async acquire(version: string): Promise<LoadedModel> {
    let entry = this.entries.get(version);
    if (!entry) {
      entry = { loaded: this.args.load(version), users: 0, disposeTimer: null };
      this.entries.set(version, entry);
    }
    entry.users++;
    if (entry.disposeTimer) clearTimeout(entry.disposeTimer);
    entry.disposeTimer = null;
    try {
      return await entry.loaded;
    } catch (error) {
      this.entries.delete(version);
      throw error;
    }
  }

  /** Counts one user less; the model is disposed `graceMs` after its last user left. */
  release(version: string): void {
    const entry = this.entries.get(version);
    if (!entry || entry.users === 0) return;
    entry.users--;
    if (entry.users > 0) return;
    entry.disposeTimer = setTimeout(() => this.dispose(version), this.args.graceMs);
    entry.disposeTimer.unref();
  }

  /** Disposes every model that has no user now, without waiting for the grace period. */
  disposeRetired(): void {
    for (const [version, entry] of this.entries) {
      if (entry.users === 0) this.dispose(version);
    }
  }

  private dispose(version: string): void {
    const entry = this.entries.get(version);
    if (!entry || entry.users > 0) return;
    if (entry.disposeTimer) clearTimeout(entry.disposeTimer);
    this.entries.delete(version);
    void entry.loaded.then(
      (loaded) => {
        loaded.model.dispose();
        this.args.logger.info({ modelVersion: version }, 'retired model unloaded');
      },
      () => undefined,
    );
  }
}
