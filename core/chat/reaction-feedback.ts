import type { ReactionMeaning } from './reaction-meaning.js';

/** The feedback a reaction records: a verdict and, for a class reaction, the class name. */
export interface ReactionFeedback {
  verdict: 'correct' | 'incorrect';
  label: string | null;
}

/** The parts of a stored prediction that reaction rules need. */
export interface PredictedClass {
  label: string;
  classIndex: number;
}

/**
 * Turns a reaction's meaning into feedback on a prediction. A class reaction on the predicted
 * class is a `correct` verdict, any other class an `incorrect` verdict naming that class.
 * Returns null for a class index outside `classNames`.
 */
export function feedbackForReaction(meaning: ReactionMeaning, prediction: PredictedClass, classNames: readonly string[]): ReactionFeedback | null {
  if (meaning.kind === 'verdict') return { verdict: meaning.verdict, label: null };

  const label = classNames[meaning.classIndex];
  if (label === undefined) return null;
  return { verdict: meaning.classIndex === prediction.classIndex ? 'correct' : 'incorrect', label };
}

/**
 * Reports whether the stored feedback is the one this reaction recorded, so removing a reaction
 * withdraws only its own feedback. A user who reacted 👎 and then 3️⃣ keeps the 3️⃣ label when
 * they remove the 👎.
 */
export function isFeedbackOfReaction(
  stored: ReactionFeedback,
  meaning: ReactionMeaning,
  prediction: PredictedClass,
  classNames: readonly string[],
): boolean {
  const expected = feedbackForReaction(meaning, prediction, classNames);
  if (!expected || expected.verdict !== stored.verdict) return false;

  // The feedback service stores the predicted label with every `correct` verdict, so a 👍 and
  // a digit of the predicted class leave the same row behind.
  if (stored.verdict === 'correct') return true;
  return expected.label === stored.label;
}
