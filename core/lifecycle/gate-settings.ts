import { z } from 'zod';
import { LifecycleError } from './errors.js';

/**
 * Settings of the canary gates. Every field has a default, so `{}` is a valid setting.
 *
 * - `minLabelled`: predictions with feedback that each arm needs before accuracy decides (200).
 * - `maxLabelled`: labelled predictions per arm after which a candidate that has not shown
 *   non-inferiority is rolled back instead of waiting longer (2,000).
 * - `accuracyMargin`: how much lower than production the candidate's accuracy may be, as a
 *   difference of proportions (0.02, two percentage points).
 * - `alpha`: significance level of the one-sided tests on accuracy (0.05).
 * - `minRequests`: predictions per arm before the error-rate and latency gates decide (100).
 * - `maxErrorRate`: highest share of the candidate's requests that may fail (0.01).
 * - `maxP99LatencyRatio`: highest candidate p99 latency as a multiple of production's p99 in
 *   the same period (1.5).
 * - `maxP99LatencyMs`: optional absolute limit on the candidate's p99 latency, in milliseconds.
 */
export const gateSettingsSchema = z
  .object({
    minLabelled: z.number().int().min(1).default(200),
    maxLabelled: z.number().int().min(1).default(2000),
    accuracyMargin: z.number().min(0).max(1).default(0.02),
    alpha: z.number().gt(0).lt(0.5).default(0.05),
    minRequests: z.number().int().min(1).default(100),
    maxErrorRate: z.number().min(0).max(1).default(0.01),
    maxP99LatencyRatio: z.number().positive().default(1.5),
    maxP99LatencyMs: z.number().positive().optional(),
  })
  .strict()
  .refine((settings) => settings.maxLabelled >= settings.minLabelled, { message: 'maxLabelled must be at least minLabelled', path: ['maxLabelled'] });

export type GateSettings = z.infer<typeof gateSettingsSchema>;

/** The gate settings with every default filled in. */
export const DEFAULT_GATE_SETTINGS: GateSettings = gateSettingsSchema.parse({});

/**
 * Validates gate settings, filling in defaults.
 *
 * @throws LifecycleError `invalid_rollout` naming each invalid field and its value.
 */
export function parseGateSettings(input: unknown): GateSettings {
  const result = gateSettingsSchema.safeParse(input ?? {});
  if (!result.success) {
    const faults = result.error.issues.map((issue) => `${issue.path.join('.') || 'settings'}: ${issue.message}`).join('; ');
    throw new LifecycleError('invalid_rollout', `Invalid gate settings ${JSON.stringify(input)}: ${faults}. See docs/lifecycle.md for the fields.`);
  }
  return result.data;
}
