import { z } from 'zod';

/**
 * Limits above which a data fault stops a training run. A fault at or below its limit is kept
 * as a warning in the validation report and the run record. Fractions are shares of the
 * images of the split concerned, in [0, 1]; a limit of 0 makes any occurrence stop the run.
 */
export const validationLimitsSchema = z.object({
  /** Share of unreadable files in a folder data set. */
  maxUnreadableFraction: z.number().min(0).max(1).default(0.01),
  /** Share of constant images (every pixel the same value, such as a blank page) per split. */
  maxConstantFraction: z.number().min(0).max(1).default(0.01),
  /** Share of images that repeat an earlier image of the same split, by content hash. */
  maxDuplicateFraction: z.number().min(0).max(1).default(0.05),
  /**
   * Share of a validation or test split whose images also occur in an earlier split (leakage),
   * by content hash. Fashion-MNIST as published has no such pair.
   */
  maxLeakageFraction: z.number().min(0).max(1).default(0.005),
  /** Number of images that occur with two different labels. */
  maxConflictingLabels: z.number().int().min(0).default(10),
  /** Largest ratio between the biggest and the smallest class of the training split. */
  maxClassImbalance: z.number().min(1).default(10),
  /** Minimum number of training images per class. */
  minImagesPerClass: z.number().int().min(1).default(1),
});

export type ValidationLimits = z.infer<typeof validationLimitsSchema>;

/** The default limits. */
export const DEFAULT_VALIDATION_LIMITS: ValidationLimits = validationLimitsSchema.parse({});
