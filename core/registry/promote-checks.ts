import fs from 'node:fs';
import path from 'node:path';
import { sha256Hex } from './layers-model-files.js';
import type { ModelMetadata } from './model-metadata.js';

/** Files that every version must list in its metadata. */
const REQUIRED_FILES = ['model.json', 'weights.bin'];

/** One reason a version cannot serve: its metrics, or its files. */
export interface PromotionFault {
  kind: 'metrics' | 'files';
  message: string;
}

/**
 * Lists the faults that keep a version from serving. Metrics faults: validation metrics that are
 * missing, not finite or out of range (accuracy and macro-F1 in [0, 1], log loss of 0 or more, a
 * positive image count). Files faults: a required model file that the metadata does not list,
 * and each listed file that is missing, unreadable or different from its recorded SHA-256.
 * Returns an empty list for a sound version. Building the model is left to the caller.
 */
export function findPromotionFaults(dir: string, metadata: ModelMetadata): PromotionFault[] {
  const faults: PromotionFault[] = [];
  const metricsFault = (message: string) => faults.push({ kind: 'metrics', message });
  const filesFault = (message: string) => faults.push({ kind: 'files', message });
  const validation = metadata.metrics?.validation;
  if (!validation) {
    metricsFault('metadata.json has no validation metrics');
  } else {
    for (const name of ['accuracy', 'macroF1'] as const) {
      const value = validation[name];
      if (!(Number.isFinite(value) && value >= 0 && value <= 1)) metricsFault(`validation ${name} ${value} is not a number in [0, 1]`);
    }
    if (!(Number.isFinite(validation.logLoss) && validation.logLoss >= 0)) metricsFault(`validation logLoss ${validation.logLoss} is not a finite number of 0 or more`);
    if (!(validation.count > 0)) metricsFault(`validation count ${validation.count} is not positive`);
  }

  const listed = new Set(metadata.files.map((file) => file.name));
  for (const name of REQUIRED_FILES) {
    if (!listed.has(name)) filesFault(`metadata.json does not list the model file ${name}`);
  }
  if (metadata.referenceProfile && !listed.has(metadata.referenceProfile)) {
    filesFault(`metadata.json names the reference profile ${metadata.referenceProfile} but does not list its hash`);
  }

  for (const file of metadata.files) {
    const full = path.join(dir, file.name);
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(full);
    } catch (error) {
      filesFault(`${full} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
      continue;
    }
    if (sha256Hex(bytes) !== file.sha256) filesFault(`${full} does not match its recorded SHA-256`);
  }
  return faults;
}
