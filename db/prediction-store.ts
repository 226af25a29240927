import crypto from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { DatabaseError } from './errors.js';
import type { DatabaseHandle } from './open-database.js';
import { feedback, predictions, settings, type FeedbackRow, type NewPredictionRow, type PredictionRow } from './schema.js';

/**
 * Reads and writes predictions and feedback. Every write failure (read-only file, full disk,
 * closed connection) becomes a DatabaseError, so front ends answer 503 instead of a 200
 * whose row was never stored.
 */
export class PredictionStore {
  constructor(private readonly handle: DatabaseHandle) {}

  /** Stores one prediction row. */
  insertPrediction(row: NewPredictionRow): void {
    this.write(`insert prediction ${row.id}`, () => this.handle.db.insert(predictions).values(row).run());
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
