import type { PredictionResult } from '../serving/prediction-service.js';
import { MAX_REACTION_CLASSES } from './reaction-meaning.js';

/**
 * Below this top-class probability an answer leads with an out-of-domain notice instead of the
 * label. With ten classes, 0.3 is three times the uniform 0.1.
 */
export const DEFAULT_MIN_CONFIDENCE = 0.3;

/** What a bot answer shows, independent of Discord embeds and Slack blocks. */
export interface ChatAnswer {
  predictionId: string;
  modelVersion: string;
  label: string;
  /** Top-class probability formatted as a percentage, such as `92.4%`. */
  confidenceText: string;
  /** True when the input looks unlike the training data; the answer then leads with a notice. */
  outOfDomain: boolean;
  /** The heading: the label, or the out-of-domain notice. */
  title: string;
  /** One line per class of the top k: label and probability. */
  topK: { label: string; probabilityText: string }[];
  warnings: string[];
  /** Classes that a digit reaction can name, in class index order. */
  classLegend: { classIndex: number; label: string }[];
}

/** Options for {@link buildChatAnswer}. */
export interface ChatAnswerArgs {
  /** Class names of the model that made the prediction, in class index order. */
  classNames: readonly string[];
  /** Confidence floor for the out-of-domain notice; defaults to {@link DEFAULT_MIN_CONFIDENCE}. */
  minConfidence?: number;
}

/**
 * Builds the content of a bot answer from a prediction. The answer is out of domain when the
 * service's detector flags the input (`outOfDistribution: true`) or its confidence is under
 * `minConfidence`.
 */
export function buildChatAnswer(result: PredictionResult, args: ChatAnswerArgs): ChatAnswer {
  const minConfidence = args.minConfidence ?? DEFAULT_MIN_CONFIDENCE;
  const outOfDomain = result.outOfDistribution === true || result.confidence < minConfidence;
  const confidenceText = formatPercent(result.confidence);

  return {
    predictionId: result.id,
    modelVersion: result.modelVersion,
    label: result.label,
    confidenceText,
    outOfDomain,
    title: outOfDomain
      ? `This does not look like a clothing item I know (best guess: ${result.label}, ${confidenceText})`
      : `${result.label} (${confidenceText})`,
    topK: result.topK.map((entry) => ({ label: entry.label, probabilityText: formatPercent(entry.probability) })),
    warnings: [...result.warnings],
    classLegend: args.classNames.slice(0, MAX_REACTION_CLASSES).map((label, classIndex) => ({ classIndex, label })),
  };
}

/** Formats a probability from 0 to 1 as a percentage with one decimal, such as `92.4%`. */
export function formatPercent(probability: number): string {
  return `${(probability * 100).toFixed(1)}%`;
}
