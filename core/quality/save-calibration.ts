import fs from 'node:fs';
import path from 'node:path';
import type { ModelMetadata } from '../registry/model-metadata.js';
import type { ModelRegistry } from '../registry/model-registry.js';
import type { TemperatureScalingResult } from './temperature-scaling.js';

/**
 * Stores a fitted temperature in a version's `metadata.json` under `calibration`, through a
 * temporary file and a rename so a crash leaves the old or the new file whole. The model files
 * and their hashes are untouched. Returns the updated metadata.
 *
 * @throws ModelNotFoundError or RegistryError when the version or its metadata is unusable.
 */
export function saveCalibration(registry: ModelRegistry, version: string, result: TemperatureScalingResult): ModelMetadata {
  const resolved = registry.resolve(version);
  const metadata = registry.readMetadata(resolved);
  const updated: ModelMetadata = {
    ...metadata,
    calibration: {
      method: 'temperature-scaling',
      temperature: result.temperature,
      validationCount: result.validation.count,
      expectedCalibrationErrorBefore: result.validation.before.expectedCalibrationError,
      expectedCalibrationErrorAfter: result.validation.after.expectedCalibrationError,
      fittedAt: new Date().toISOString(),
    },
  };

  const file = path.join(registry.root, resolved, 'metadata.json');
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, `${JSON.stringify(updated, null, 2)}\n`);
  fs.renameSync(temporary, file);
  return registry.readMetadata(resolved);
}
