import crypto from 'node:crypto';
import path from 'node:path';
import { openDatabase, type DatabaseHandle } from '../../../db/open-database.js';
import { PredictionStore } from '../../../db/prediction-store.js';
import { makeTempDir } from '../../helpers/tiny-model.js';

/** A database in a new temporary folder; the caller closes it and removes `dir`. */
export function openTempDatabase(): { handle: DatabaseHandle; file: string; dir: string } {
  const dir = makeTempDir('lifecycle');
  const file = path.join(dir, 'snapclass.db');
  return { handle: openDatabase({ file }), file, dir };
}

/** Options of {@link insertPredictions}. */
export interface InsertPredictionsArgs {
  modelVersion: string;
  count: number;
  /** How many of the first `count` predictions get feedback. */
  labelled?: number;
  /** How many of the labelled predictions the feedback calls correct. */
  correct?: number;
  latencyMs?: number | ((index: number) => number);
  createdAt?: string;
}

/**
 * Stores `count` predictions of one model version, as the service would after answering them,
 * and feedback on the first `labelled` of them, `correct` of which say `correct`.
 */
export function insertPredictions(handle: DatabaseHandle, args: InsertPredictionsArgs): string[] {
  const store = new PredictionStore(handle);
  const ids: string[] = [];
  const createdAt = args.createdAt ?? new Date().toISOString();
  handle.sqlite.transaction(() => {
    for (let i = 0; i < args.count; i++) {
      const id = crypto.randomUUID();
      ids.push(id);
      const latency = typeof args.latencyMs === 'function' ? args.latencyMs(i) : (args.latencyMs ?? 5);
      store.insertPrediction({
        id,
        createdAt,
        source: 'test',
        userHash: `user-${i}`,
        modelVersion: args.modelVersion,
        inputSha256: '0'.repeat(64),
        inputPixels: Buffer.alloc(784),
        label: 'Bag',
        classIndex: 8,
        confidence: 0.9,
        topK: '[]',
        latencyMs: latency,
      });
      if (i < (args.labelled ?? 0)) {
        const verdict = i < (args.correct ?? 0) ? 'correct' : 'incorrect';
        store.upsertFeedback({ predictionId: id, userHash: `user-${i}`, source: 'test', verdict, label: verdict === 'correct' ? 'Bag' : 'Sandal' });
      }
    }
  })();
  return ids;
}
