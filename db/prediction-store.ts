import crypto from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import { and, eq, getTableColumns } from 'drizzle-orm';
import { DatabaseError } from './errors.js';
import type { DatabaseHandle } from './open-database.js';
import { feedback, predictions, settings, type FeedbackRow, type NewPredictionRow, type PredictionRow } from './schema.js';

/** Column name and row property of every column of the predictions table, read from db/schema.ts. */
const PREDICTION_COLUMNS = Object.entries(getTableColumns(predictions)).map(([property, column]) => [column.name, property] as const);

const INSERT_PREDICTION_SQL =
  `INSERT INTO predictions (${PREDICTION_COLUMNS.map(([column]) => column).join(', ')}) ` +
  `VALUES (${PREDICTION_COLUMNS.map(([, property]) => `@${property}`).join(', ')})`;

/**
 * Reads and writes predictions and feedback. Every write failure (read-only file, full disk,
 * closed connection) becomes a DatabaseError, so front ends answer 503 instead of a 200
 * whose row was never stored.
 */
export class PredictionStore {
  private insertStatement: Statement<NewPredictionRow> | null = null;

  constructor(private readonly handle: DatabaseHandle) {}

  /**
   * Stores one prediction row. It runs one prepared statement, because building the drizzle
   * query on every call cost more CPU time than the insert itself (node's CPU profiler, 64
   * concurrent requests).
   */
  insertPrediction(row: NewPredictionRow): void {
    this.write(`insert prediction ${row.id}`, () => {
      this.insertStatement ??= this.handle.sqlite.prepare<NewPredictionRow>(INSERT_PREDICTION_SQL);
      return this.insertStatement.run({ ...row, userHash: row.userHash ?? null });
    });
  }

  /** Returns a prediction by id, or undefined. */
  getPrediction(id: string): PredictionRow | undefined {
    return this.handle.db.select().from(predictions).where(eq(predictions.id, id)).get();
  }

  /**
   * Stores a user's feedback on a prediction, replacing that user's earlier feedback on it.
   * Returns the stored row.
   */
  upsertFeedback(row: Omit<FeedbackRow, 'id' | 'createdAt' | 'updatedAt'>): FeedbackRow {
    const now = new Date().toISOString();
    return this.write(`store feedback on ${row.predictionId}`, () =>
      this.handle.db
        .insert(feedback)
        .values({ ...row, id: crypto.randomUUID(), createdAt: now, updatedAt: now })
        .onConflictDoUpdate({
          target: [feedback.predictionId, feedback.userHash],
          set: { verdict: row.verdict, label: row.label, source: row.source, updatedAt: now },
        })
        .returning()
        .get(),
    );
  }

  /** Deletes a user's feedback on a prediction; returns whether a row was removed. */
  deleteFeedback(predictionId: string, userHash: string): boolean {
    const result = this.write(`delete feedback on ${predictionId}`, () =>
      this.handle.db
        .delete(feedback)
        .where(and(eq(feedback.predictionId, predictionId), eq(feedback.userHash, userHash)))
        .run(),
    );
    return result.changes > 0;
  }

  /** Returns the feedback rows of one prediction. */
  listFeedback(predictionId: string): FeedbackRow[] {
    return this.handle.db.select().from(feedback).where(eq(feedback.predictionId, predictionId)).all();
  }

  /** Returns a setting, creating it with `create()` on first use. */
  getOrCreateSetting(key: string, create: () => string): string {
    const existing = this.handle.db.select().from(settings).where(eq(settings.key, key)).get();
    if (existing) return existing.value;
    const value = create();
    this.write(`store setting ${key}`, () => this.handle.db.insert(settings).values({ key, value }).onConflictDoNothing().run());
    return this.handle.db.select().from(settings).where(eq(settings.key, key)).get()?.value ?? value;
  }

  private write<T>(action: string, run: () => T): T {
    try {
      return run();
    } catch (error) {
      throw new DatabaseError(
        `Cannot ${action} in ${this.handle.file}: ${(error as Error).message}. ` +
          'Check that the file and its folder are writable and the disk has space.',
        { cause: error },
      );
    }
  }
}
