import { z } from 'zod';

/**
 * Learning-rate schedule over training. `constant` keeps the base rate. `cosine`
 * rises linearly from 0 over the warm-up share of training, then falls along half a cosine
 * to `minFactor` times the base rate. `step` multiplies the base rate by `stepFactor` after
 * every `stepEvery` share of training.
 */
export const learningRateScheduleSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('constant') }),
  z.object({
    kind: z.literal('cosine'),
    /** Share of training spent warming up, in [0, 0.5]. */
    warmupFraction: z.number().min(0).max(0.5).default(0.05),
    /** Final learning rate as a share of the base rate, in [0, 1]. */
    minFactor: z.number().min(0).max(1).default(0.02),
  }),
  z.object({
    kind: z.literal('step'),
    /** Share of training between two drops, in (0, 1]. */
    stepEvery: z.number().gt(0).max(1).default(0.34),
    /** Multiplier applied at each drop, in (0, 1]. */
    stepFactor: z.number().gt(0).max(1).default(0.3),
  }),
]);

export type LearningRateSchedule = z.infer<typeof learningRateScheduleSchema>;

/**
 * Returns the learning rate at `progress` (0 at the first batch, 1 at the end of training)
 * for a base rate and schedule. Progress outside [0, 1] is clamped.
 *
 * @example
 * learningRateAt(0.01, { kind: 'cosine', warmupFraction: 0, minFactor: 0 }, 0.5) // 0.005
 */
export function learningRateAt(baseRate: number, schedule: LearningRateSchedule, progress: number): number {
  const clamped = Math.min(1, Math.max(0, progress));

  switch (schedule.kind) {
    case 'constant':
      return baseRate;
    case 'cosine': {
      if (schedule.warmupFraction > 0 && clamped < schedule.warmupFraction) {
        return (baseRate * clamped) / schedule.warmupFraction;
      }
      const decayProgress = schedule.warmupFraction >= 1 ? 1 : (clamped - schedule.warmupFraction) / (1 - schedule.warmupFraction);
      const cosine = 0.5 * (1 + Math.cos(Math.PI * decayProgress));
      return baseRate * (schedule.minFactor + (1 - schedule.minFactor) * cosine);
    }
    case 'step': {
      const drops = Math.floor(clamped / schedule.stepEvery + 1e-9);
      return baseRate * schedule.stepFactor ** drops;
    }
  }
}
