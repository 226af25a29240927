import { and, asc, desc, eq, gt, lte, or } from 'drizzle-orm';
import type { DatabaseHandle } from '../../db/open-database.js';
import { DatabaseError } from '../../db/errors.js';
import { feedback, monitoringBaselines, monitoringWindows, predictions, type MonitoringWindowRow } from '../../db/schema.js';
import { monitoringBaselineSchema, type MonitoringBaseline } from './monitoring-baseline.js';
import type { WindowSummary } from './summarize-window.js';

/** A prediction row as the monitor reads it. */
export interface MonitoredPrediction {
  id: string;
  createdAt: string;
  modelVersion: string;
  classIndex: number;
  latencyMs: number;
  pixels: Uint8Array;
}

/** A feedback row joined with its prediction's model version and class. */
export interface MonitoredFeedback {
  verdict: 'correct' | 'incorrect';
  label: string | null;
  modelVersion: string;
  updatedAt: string;
}

/** A stored window: its position in the prediction stream and its summary. */
export interface StoredWindow {
  id: number;
  lastPredictionCreatedAt: string;
  lastPredictionId: string;
  feedbackUntil: string;
  summary: WindowSummary;
}

/**
 * Reads predictions and feedback for the monitor and stores its windows and baselines.
 * Writes fail with DatabaseError naming the file.
 */
export class WindowStore {
  constructor(private readonly handle: DatabaseHandle) {}

  /** Returns up to `limit` predictions stored after the cursor, oldest first; all from the start when the cursor is null. */
  predictionsAfter(cursor: { createdAt: string; id: string } | null, limit: number): MonitoredPrediction[] {
    const { db } = this.handle;
    const after = cursor
      ? or(gt(predictions.createdAt, cursor.createdAt), and(eq(predictions.createdAt, cursor.createdAt), gt(predictions.id, cursor.id)))
      : undefined;
    const rows = db
      .select({ id: predictions.id, createdAt: predictions.createdAt, modelVersion: predictions.modelVersion, classIndex: predictions.classIndex, latencyMs: predictions.latencyMs, pixels: predictions.inputPixels })
      .from(predictions)
      .where(after)
      .orderBy(asc(predictions.createdAt), asc(predictions.id))
      .limit(limit)
      .all();
    return rows.map((row) => ({ ...row, pixels: new Uint8Array(row.pixels.buffer, row.pixels.byteOffset, row.pixels.length) }));
  }

  /** Returns feedback stored or changed in (from, until], with the version of the prediction it rates. */
  feedbackBetween(from: string | null, until: string): MonitoredFeedback[] {
    return this.handle.db
      .select({ verdict: feedback.verdict, label: feedback.label, modelVersion: predictions.modelVersion, updatedAt: feedback.updatedAt })
      .from(feedback)
      .innerJoin(predictions, eq(feedback.predictionId, predictions.id))
      .where(from === null ? lte(feedback.updatedAt, until) : and(gt(feedback.updatedAt, from), lte(feedback.updatedAt, until)))
      .all();
  }

  /** Stores a closed window and returns its id. */
  insertWindow(window: Omit<StoredWindow, 'id'>): number {
    const row = {
      modelVersion: window.summary.modelVersion,
      startedAt: window.summary.startedAt,
      endedAt: window.summary.endedAt,
      closedBy: window.summary.closedBy,
      predictionCount: window.summary.traffic.predictions,
      lastPredictionCreatedAt: window.lastPredictionCreatedAt,
      lastPredictionId: window.lastPredictionId,
      feedbackUntil: window.feedbackUntil,
      state: window.summary.state,
      driftDetected: window.summary.drift.detected,
      summary: JSON.stringify(window.summary),
      createdAt: new Date().toISOString(),
    };
    return this.write(`store the monitoring window ending ${row.endedAt}`, () => this.handle.db.insert(monitoringWindows).values(row).returning({ id: monitoringWindows.id }).get().id);
  }

  /** Returns the most recent window, or null before the first one closes. */
  latestWindow(): StoredWindow | null {
    const row = this.handle.db.select().from(monitoringWindows).orderBy(desc(monitoringWindows.id)).limit(1).get();
    return row ? toStoredWindow(row) : null;
  }

  /** Returns windows that ended after `since` (ISO time; all when null), oldest first, at most `limit`, the most recent kept. */
  windowsSince(since: string | null, limit: number): StoredWindow[] {
    const rows = this.handle.db
      .select()
      .from(monitoringWindows)
      .where(since === null ? undefined : gt(monitoringWindows.endedAt, since))
      .orderBy(desc(monitoringWindows.id))
      .limit(limit)
      .all();
    return rows.reverse().map(toStoredWindow);
  }

  /** Returns the stored baseline of a model version, or null when there is none or it no longer parses. */
  readBaseline(modelVersion: string): MonitoringBaseline | null {
    const row = this.handle.db.select().from(monitoringBaselines).where(eq(monitoringBaselines.modelVersion, modelVersion)).get();
    if (!row) return null;
    const parsed = monitoringBaselineSchema.safeParse(JSON.parse(row.baseline));
    return parsed.success ? parsed.data : null;
  }

  /** Stores a baseline, replacing an older one of the same model version. */
  writeBaseline(baseline: MonitoringBaseline): void {
    const values = { modelVersion: baseline.modelVersion, createdAt: baseline.createdAt, baseline: JSON.stringify(baseline) };
    this.write(`store the monitoring baseline of ${baseline.modelVersion}`, () =>
      this.handle.db.insert(monitoringBaselines).values(values).onConflictDoUpdate({ target: monitoringBaselines.modelVersion, set: values }).run(),
    );
  }

  private write<T>(action: string, run: () => T): T {
    try {
      return run();
    } catch (error) {
      throw new DatabaseError(`Cannot ${action} in ${this.handle.file}: ${(error as Error).message}. Check that the file is writable and the disk has space.`, { cause: error });
    }
  }
}

function toStoredWindow(row: MonitoringWindowRow): StoredWindow {
  return {
    id: row.id,
    lastPredictionCreatedAt: row.lastPredictionCreatedAt,
    lastPredictionId: row.lastPredictionId,
    feedbackUntil: row.feedbackUntil,
    summary: JSON.parse(row.summary) as WindowSummary,
  };
}
