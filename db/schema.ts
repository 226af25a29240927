import { sql } from 'drizzle-orm';
import { blob, index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

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

/**
 * One image that a chat bot was asked to classify, and the bot message that answers it. The row
 * is claimed before the prediction runs, so an event delivered twice is answered once, and it
 * maps the answer message back to its prediction, so reactions count after a restart.
 */
export const chatAnswers = sqliteTable(
  'chat_answers',
  {
    platform: text('platform', { enum: ['discord', 'slack'] }).notNull(),
    /** Platform ids of the request, such as `<channel>/<message ts>/<file id>` on Slack. */
    requestKey: text('request_key').notNull(),
    channelId: text('channel_id').notNull(),
    /** The answer message: a Discord message id or a Slack message `ts`; null until it is posted. */
    messageId: text('message_id'),
    /** Null until the prediction is stored, and for requests answered with an error message. */
    predictionId: text('prediction_id').references(() => predictions.id, { onDelete: 'cascade' }),
    createdAt: text('created_at').notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.platform, table.requestKey] }),
    uniqueIndex('chat_answers_message').on(table.platform, table.channelId, table.messageId),
    index('chat_answers_created_at').on(table.createdAt),
  ],
);

/** Slack Events API event ids already handled, so a redelivered event is skipped; pruned after a day. */
export const slackEvents = sqliteTable(
  'slack_events',
  {
    eventId: text('event_id').primaryKey(),
    receivedAt: text('received_at').notNull(),
  },
  (table) => [index('slack_events_received_at').on(table.receivedAt)],
);

export type ChatAnswerRow = typeof chatAnswers.$inferSelect;

/**
 * One train, tune or evaluate run. A run is inserted as `running` when it starts and set to
 * `succeeded` or `failed` when it ends. A `running` row whose process has died is marked
 * `failed` by the next command that opens the run store. JSON columns store objects as text.
 */
export const runs = sqliteTable(
  'runs',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    kind: text('kind', { enum: ['train', 'tune', 'evaluate'] }).notNull(),
    status: text('status', { enum: ['running', 'succeeded', 'failed'] }).notNull(),
    startedAt: text('started_at').notNull(),
    endedAt: text('ended_at'),
    /** Process id and host name of the process that runs it, to detect runs whose process died. */
    pid: integer('pid').notNull(),
    hostname: text('hostname').notNull(),
    /** The command line, such as `train --profile quick`. */
    command: text('command').notNull(),
    /** JSON object of the run's parameters. */
    params: text('params').notNull(),
    /** JSON object of the final metrics; null until the run ends. */
    metrics: text('metrics'),
    gitCommit: text('git_commit'),
    gitDirty: integer('git_dirty', { mode: 'boolean' }),
    datasetId: text('dataset_id'),
    datasetSha256: text('dataset_sha256'),
    backend: text('backend'),
    /** The model version that the run registered or evaluated. */
    modelVersion: text('model_version'),
    /** JSON array of the files and model versions that the run wrote. */
    artifacts: text('artifacts').notNull().default('[]'),
    /** JSON array of warnings, such as data validation issues below their limits. */
    warnings: text('warnings').notNull().default('[]'),
    /** Why the run failed: the error message, or the signal that stopped it. */
    error: text('error'),
    /** The tune run that started this trial; null for a top-level run. */
    parentRunId: integer('parent_run_id'),
  },
  (table) => [index('runs_started_at').on(table.startedAt), index('runs_status').on(table.status)],
);

/** Metrics of one epoch of a run, written as the epoch ends. */
export const runEpochs = sqliteTable(
  'run_epochs',
  {
    runId: integer('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'cascade' }),
    epoch: integer('epoch').notNull(),
    /** JSON object such as `{loss, accuracy, validationLoss, validationAccuracy, learningRate, durationMs}`. */
    metrics: text('metrics').notNull(),
    recordedAt: text('recorded_at').notNull(),
  },
  (table) => [primaryKey({ columns: [table.runId, table.epoch] })],
);

export type RunRow = typeof runs.$inferSelect;
export type RunEpochRow = typeof runEpochs.$inferSelect;

/**
 * One closed window of monitored traffic and its summary, written once when the window closes.
 * The last prediction's `created_at` and id are where the next window starts reading, so a
 * restarted service continues after the last stored window.
 */
export const monitoringWindows = sqliteTable(
  'monitoring_windows',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    modelVersion: text('model_version').notNull(),
    startedAt: text('started_at').notNull(),
    endedAt: text('ended_at').notNull(),
    closedBy: text('closed_by', { enum: ['count', 'time'] }).notNull(),
    predictionCount: integer('prediction_count').notNull(),
    lastPredictionCreatedAt: text('last_prediction_created_at').notNull(),
    lastPredictionId: text('last_prediction_id').notNull(),
    /** Feedback stored or updated up to this time was counted in this window or an earlier one. */
    feedbackUntil: text('feedback_until').notNull(),
    state: text('state', { enum: ['ok', 'warning', 'drift'] }).notNull(),
    driftDetected: integer('drift_detected', { mode: 'boolean' }).notNull(),
    /** JSON of the window summary: traffic, latency, class mix, performance and every drift test. */
    summary: text('summary').notNull(),
    createdAt: text('created_at').notNull(),
  },
  (table) => [index('monitoring_windows_ended_at').on(table.endedAt), index('monitoring_windows_model_version').on(table.modelVersion)],
);

/** The monitoring baseline of a model version (JSON), built once from its validation data. */
export const monitoringBaselines = sqliteTable('monitoring_baselines', {
  modelVersion: text('model_version').primaryKey(),
  createdAt: text('created_at').notNull(),
  baseline: text('baseline').notNull(),
});

export type MonitoringWindowRow = typeof monitoringWindows.$inferSelect;

/**
 * A shadow, canary or A/B rollout of a candidate model. At most one rollout is `active`; the
 * service polls this table, so a command that writes it changes routing without a restart.
 * For an A/B experiment `productionVersion` is arm A and `candidateVersion` arm B.
 */
export const rollouts = sqliteTable(
  'rollouts',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    kind: text('kind', { enum: ['shadow', 'canary', 'ab'] }).notNull(),
    status: text('status', { enum: ['active', 'promoted', 'rolled_back', 'stopped'] }).notNull(),
    productionVersion: text('production_version').notNull(),
    candidateVersion: text('candidate_version').notNull(),
    /** Percent of users (0 to 100) whose requests the candidate answers; 0 for a shadow. */
    percent: real('percent').notNull(),
    /** JSON of the gate settings that decide promotion and rollback. */
    gates: text('gates').notNull(),
    /** Whether the service promotes or rolls back by itself when a gate decides. */
    automatic: integer('automatic', { mode: 'boolean' }).notNull(),
    startedAt: text('started_at').notNull(),
    updatedAt: text('updated_at').notNull(),
    endedAt: text('ended_at'),
    endReason: text('end_reason'),
  },
  (table) => [
    index('rollouts_started_at').on(table.startedAt),
    uniqueIndex('rollouts_one_active').on(table.status).where(sql`status = 'active'`),
  ],
);

/**
 * What happened to a rollout and to the production model, in order: starts, percent changes,
 * gate decisions with their numbers, promotions and rollbacks. `details` is JSON.
 */
export const rolloutEvents = sqliteTable(
  'rollout_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** Null for a production change made outside a rollout. */
    rolloutId: integer('rollout_id').references(() => rollouts.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: ['started', 'percent_changed', 'gate_decision', 'promoted', 'rolled_back', 'stopped', 'production_changed'] }).notNull(),
    message: text('message').notNull(),
    details: text('details').notNull().default('{}'),
    createdAt: text('created_at').notNull(),
  },
  (table) => [index('rollout_events_rollout').on(table.rolloutId), index('rollout_events_created_at').on(table.createdAt)],
);

/** The candidate's answer to a copy of one production request during a shadow rollout. */
export const shadowResults = sqliteTable(
  'shadow_results',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    rolloutId: integer('rollout_id')
      .notNull()
      .references(() => rollouts.id, { onDelete: 'cascade' }),
    predictionId: text('prediction_id').notNull(),
    candidateVersion: text('candidate_version').notNull(),
    productionClassIndex: integer('production_class_index').notNull(),
    /** Null when the candidate failed or timed out. */
    candidateClassIndex: integer('candidate_class_index'),
    productionLatencyMs: real('production_latency_ms').notNull(),
    candidateLatencyMs: real('candidate_latency_ms'),
    /** Why the candidate gave no answer: its error message or `timed out after N ms`. */
    error: text('error'),
    createdAt: text('created_at').notNull(),
  },
  (table) => [index('shadow_results_rollout').on(table.rolloutId)],
);

/** Failed predictions per rollout and model version, for the error-rate gate; successes are rows of `predictions`. */
export const rolloutErrors = sqliteTable(
  'rollout_errors',
  {
    rolloutId: integer('rollout_id')
      .notNull()
      .references(() => rollouts.id, { onDelete: 'cascade' }),
    modelVersion: text('model_version').notNull(),
    count: integer('count').notNull(),
  },
  (table) => [primaryKey({ columns: [table.rolloutId, table.modelVersion] })],
);

export type RolloutRow = typeof rollouts.$inferSelect;
export type RolloutEventRow = typeof rolloutEvents.$inferSelect;
export type ShadowResultRow = typeof shadowResults.$inferSelect;
