import type { FeedbackRow } from '../../db/schema.js';
import type { PredictionStore } from '../../db/prediction-store.js';
import { SnapclassError } from '../errors.js';
import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';
import type { ServingMetrics } from './serving-metrics.js';

/** A user's verdict on one prediction. */
export interface FeedbackRequest {
  predictionId: string;
  verdict: 'correct' | 'incorrect';
  /** The right class name, when the user named it. */
  label?: string | null;
  source: string;
  userId: string;
}

/** Options for {@link FeedbackService}. */
export interface FeedbackServiceArgs {
  store: PredictionStore;
  /** Returns the class names of a model version, to check feedback labels against. */
  classNamesFor(modelVersion: string): string[];
  hashUser(userId: string): string | null;
  logger?: Logger;
  /** Counts stored feedback by verdict when set. */
  metrics?: ServingMetrics;
}

/**
 * Records and withdraws feedback for every front end. One feedback per prediction and user:
 * a repeat replaces the earlier one.
 */
export class FeedbackService {
  private readonly logger: Logger;

  constructor(private readonly args: FeedbackServiceArgs) {
    this.logger = (args.logger ?? silentLogger).child({ component: 'feedback-service' });
  }

  /**
   * Stores feedback and returns the stored row.
   *
   * @throws SnapclassError `prediction_not_found` (404) for an unknown prediction id,
   * `unknown_label` (422) for a label outside the model's classes, `invalid_request` (400)
   * when a verdict of `correct` names a different label than the prediction's.
   */
  record(request: FeedbackRequest): FeedbackRow {
    const prediction = this.args.store.getPrediction(request.predictionId);
    if (!prediction) {
      throw new SnapclassError('prediction_not_found', `Prediction "${request.predictionId}" does not exist. Use the id returned by POST /v1/predictions.`);
    }
    const label = request.label ?? null;
    if (label !== null) {
      const classNames = this.args.classNamesFor(prediction.modelVersion);
      if (!classNames.includes(label)) {
        throw new SnapclassError('unknown_label', `Label "${label}" is not a class of model ${prediction.modelVersion}. Use one of: ${classNames.join(', ')}.`);
      }
      if (request.verdict === 'correct' && label !== prediction.label) {
        throw new SnapclassError(
          'invalid_request',
          `Verdict "correct" contradicts label "${label}", because the prediction was "${prediction.label}". Send verdict "incorrect" with the right label.`,
        );
      }
    }

    const userHash = this.args.hashUser(request.userId);
    if (!userHash) throw new SnapclassError('invalid_request', 'Feedback needs a non-empty userId.');
    const row = this.args.store.upsertFeedback({
      predictionId: prediction.id,
      userHash,
      source: request.source,
      verdict: request.verdict,
      label: request.verdict === 'correct' ? prediction.label : label,
    });
    this.args.metrics?.feedback.inc({ verdict: row.verdict });
    this.logger.info({ predictionId: prediction.id, feedbackId: row.id, verdict: row.verdict, source: row.source }, 'feedback stored');
    return row;
  }

  /** Withdraws a user's feedback on a prediction; returns whether there was any. */
  withdraw(predictionId: string, userId: string): boolean {
    const userHash = this.args.hashUser(userId);
    if (!userHash) return false;
    const removed = this.args.store.deleteFeedback(predictionId, userHash);
    if (removed) this.logger.info({ predictionId }, 'feedback withdrawn');
    return removed;
  }
}
