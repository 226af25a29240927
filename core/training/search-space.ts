import type { AugmentationArgs } from '../features/augmentation.js';
import type { RandomSource } from '../random.js';
import type { TrainingArgs } from './train-model.js';

/** The augmentation settings that the search picks from, by name. */
export const AUGMENTATION_CHOICES: Record<string, Partial<AugmentationArgs>> = {
  none: {},
  shift: { maxShift: 2 },
  'shift-flip': { maxShift: 2, flipProbability: 0.5 },
  'shift-flip-erase': { maxShift: 2, flipProbability: 0.5, eraseProbability: 0.25 },
};

/** One point of the search space. */
export interface TrialParams {
  learningRate: number;
  width: number;
  dropout: number;
  /** A key of {@link AUGMENTATION_CHOICES}. */
  augmentation: string;
}

/** Ranges of the search: learning rate log-uniform, dropout uniform, width and augmentation from lists. */
export interface SearchSpace {
  learningRate: [number, number];
  width: number[];
  dropout: [number, number];
  augmentation: string[];
}

/** The default search space, around the quick profile's values. */
export const DEFAULT_SEARCH_SPACE: SearchSpace = {
  learningRate: [0.0005, 0.006],
  width: [0.5, 0.75, 1, 1.5],
  dropout: [0.1, 0.5],
  augmentation: Object.keys(AUGMENTATION_CHOICES),
};

/** Draws one point of `space` from `random`, in a fixed order, so a seed repeats the same trials. */
export function sampleTrialParams(space: SearchSpace, random: RandomSource): TrialParams {
  const [minRate, maxRate] = space.learningRate;
  const learningRate = Math.exp(Math.log(minRate) + random() * (Math.log(maxRate) - Math.log(minRate)));
  const width = space.width[Math.floor(random() * space.width.length)] as number;
  const dropout = space.dropout[0] + random() * (space.dropout[1] - space.dropout[0]);
  const augmentation = space.augmentation[Math.floor(random() * space.augmentation.length)] as string;
  return { learningRate: Number(learningRate.toPrecision(3)), width, dropout: Number(dropout.toFixed(2)), augmentation };
}

/** Applies a trial's parameters over the base training arguments. */
export function applyTrialParams(base: TrainingArgs, params: TrialParams): TrainingArgs {
  return {
    ...base,
    learningRate: params.learningRate,
    width: params.width,
    dropout: params.dropout,
    augmentation: AUGMENTATION_CHOICES[params.augmentation] ?? {},
  };
}
