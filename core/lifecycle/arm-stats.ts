/** Traffic, feedback and latency counts of one model version during a rollout, from stored predictions, feedback and errors. */
export interface ArmStats {
  modelVersion: string;
  /** Stored predictions. */
  requests: number;
  /** Predictions that failed after the input was accepted (model or storage faults, timeouts). */
  errors: number;
  /** Predictions with feedback; a prediction with several users' feedback counts once, by its latest. */
  labelled: number;
  /** Labelled predictions whose latest feedback is `correct`. */
  correct: number;
  /**
   * Median and 99th percentile of the stored latencies in milliseconds, interpolated linearly as
   * numpy.percentile does by default; null without requests.
   */
  p50LatencyMs: number | null;
  p99LatencyMs: number | null;
}

/** Share of failed requests, errors / (requests + errors); 0 without traffic. */
export function errorRate(stats: ArmStats): number {
  const total = stats.requests + stats.errors;
  return total === 0 ? 0 : stats.errors / total;
}

/** Accuracy from feedback, correct / labelled; null without labelled predictions. */
export function feedbackAccuracy(stats: ArmStats): number | null {
  return stats.labelled === 0 ? null : stats.correct / stats.labelled;
}
