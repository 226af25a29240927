import { sql } from 'drizzle-orm';
import { blob, index, integer, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/** One row per answered prediction, written before the answer is sent. */
export const predictions = sqliteTable(
  'predictions',
  {
    id: text('id').primaryKey(),
    createdAt: text('created_at').notNull(),
    source: text('source').notNull(),
    /** Salted SHA-256 of the caller's user id, never the raw id; null when none was given. */
    userHash: text('user_hash'),
    modelVersion: text('model_version').notNull(),
    inputSha256: text('input_sha256').notNull(),
    /** The preprocessed model input as 8-bit gray pixels, row-major (28x28 = 784 bytes). */
    inputPixels: blob('input_pixels', { mode: 'buffer' }).notNull(),
    label: text('label').notNull(),
    classIndex: integer('class_index').notNull(),
    confidence: real('confidence').notNull(),
    /** JSON array of `{label, probability}`, most probable first. */
    topK: text('top_k').notNull(),
    latencyMs: real('latency_ms').notNull(),
  },
  (table) => [
    index('predictions_created_at').on(table.createdAt),
    index('predictions_model_version').on(table.modelVersion),
  ],
);

/** A user's verdict on a prediction; one row per prediction and user, a repeat replaces it. */
export const feedback = sqliteTable(
  'feedback',
  {
    id: text('id').primaryKey(),
    predictionId: text('prediction_id')
      .notNull()
      .references(() => predictions.id, { onDelete: 'cascade' }),
    userHash: text('user_hash').notNull(),
    source: text('source').notNull(),
    verdict: text('verdict', { enum: ['correct', 'incorrect'] }).notNull(),
    /** The class the user says is right; null when the verdict alone was given. */
    label: text('label'),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`),
  },
  (table) => [uniqueIndex('feedback_prediction_user').on(table.predictionId, table.userHash)],
);

export type PredictionRow = typeof predictions.$inferSelect;
export type NewPredictionRow = typeof predictions.$inferInsert;
export type FeedbackRow = typeof feedback.$inferSelect;

/** Key-value settings the service creates for itself, such as the user id salt. */
export const settings = sqliteTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});
