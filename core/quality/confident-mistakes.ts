/** A wrong prediction with the probability the model gave it. */
export interface ConfidentMistake {
  /** Position of the image in the evaluated set. */
  index: number;
  label: number;
  predicted: number;
  /** Probability of the predicted class. */
  confidence: number;
  /** Probability of the true class. */
  trueClassProbability: number;
}

/**
 * Returns up to `limit` misclassified images, most confident first; ties keep the lower index
 * first. `probabilities` contains `labels.length * classCount` values, row-major.
 */
export function findConfidentMistakes(
  probabilities: Float32Array,
  labels: ArrayLike<number>,
  classCount: number,
  limit: number,
): ConfidentMistake[] {
  const mistakes: ConfidentMistake[] = [];
  for (let i = 0; i < labels.length; i++) {
    const offset = i * classCount;
    let predicted = 0;
    for (let c = 1; c < classCount; c++) {
      if ((probabilities[offset + c] as number) > (probabilities[offset + predicted] as number)) predicted = c;
    }
    const label = labels[i] as number;
    if (predicted === label) continue;
    mistakes.push({
      index: i,
      label,
      predicted,
      confidence: probabilities[offset + predicted] as number,
      trueClassProbability: probabilities[offset + label] as number,
    });
  }
  return mistakes.sort((a, b) => b.confidence - a.confidence || a.index - b.index).slice(0, limit);
}
