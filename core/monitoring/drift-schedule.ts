import fs from 'node:fs';
import { z } from 'zod';
import { DriftScheduleError } from './errors.js';

/** Changes to the images themselves (covariate drift). */
export const COVARIATE_DRIFT_TYPES = ['brightness', 'contrast', 'blur', 'rotation', 'noise', 'inversion', 'scale'] as const;
/** Every kind of drift a schedule can contain: covariate, prior (`class-mix`) and concept (`label-swap`). */
export const DRIFT_TYPES = [...COVARIATE_DRIFT_TYPES, 'class-mix', 'label-swap'] as const;
export type DriftType = (typeof DRIFT_TYPES)[number];

const driftSchema = z
  .object({
    type: z.enum(DRIFT_TYPES),
    /** Simulated second at which the drift starts. */
    onset: z.number().nonnegative(),
    /** Simulated seconds over which the strength grows linearly from 0 to `strength`; 0 is a step. */
    ramp: z.number().nonnegative().default(0),
    /** Full strength; its unit depends on `type` (see {@link DRIFT_STRENGTH_UNITS}). */
    strength: z.number().nonnegative(),
    /** Class names: the favoured classes of `class-mix`, the two swapped classes of `label-swap`. */
    classes: z.array(z.string()).optional(),
  })
  .strict()
  .superRefine((drift, context) => {
    if (drift.type === 'label-swap' && drift.classes?.length !== 2) {
      context.addIssue({ code: 'custom', message: 'label-swap needs exactly two class names in "classes"' });
    }
    if (drift.type === 'class-mix' && !(drift.classes && drift.classes.length > 0)) {
      context.addIssue({ code: 'custom', message: 'class-mix needs at least one class name in "classes"' });
    }
    if ((drift.type === 'class-mix' || drift.type === 'label-swap' || drift.type === 'inversion') && drift.strength > 1) {
      context.addIssue({ code: 'custom', message: `${drift.type} strength is a share and must be at most 1` });
    }
  });

/** A drift schedule as written in JSON: a name and a list of drifts, each with its onset, ramp and strength. */
export const driftScheduleSchema = z
  .object({
    name: z.string().min(1),
    description: z.string().optional(),
    drifts: z.array(driftSchema),
  })
  .strict();

export type DriftSpec = z.infer<typeof driftSchema>;
export type DriftSchedule = z.infer<typeof driftScheduleSchema>;

/** What `strength` means for each drift type. */
export const DRIFT_STRENGTH_UNITS: Record<DriftType, string> = {
  brightness: 'added to every pixel, as a fraction of 255',
  contrast: 'how far pixels are pulled towards the image mean: 0 keeps them, 1 flattens the image',
  blur: 'standard deviation of the Gaussian blur, in pixels',
  rotation: 'rotation angle in degrees, clockwise or counter-clockwise at random per image',
  noise: 'standard deviation of added Gaussian noise, as a fraction of 255',
  inversion: 'blend towards the negative image: 1 is a full inversion, which the service turns back',
  scale: 'how much the garment shrinks: the size factor is 1 - strength',
  'class-mix': 'share of images drawn from the listed classes, which are otherwise about 1/10 each',
  'label-swap': 'probability that a user names the other class of the swapped pair as the true label',
};

/** Simulated second at which every preset's drift starts; with 25 images per second this is after 1,000 images. */
export const PRESET_ONSET_SECONDS = 40;
/** Simulated seconds of every preset's ramp: 250 images, one window at the default size. */
export const PRESET_RAMP_SECONDS = 10;

function preset(name: string, description: string, drifts: Omit<DriftSpec, 'onset' | 'ramp'>[]): DriftSchedule {
  return { name, description, drifts: drifts.map((drift) => ({ onset: PRESET_ONSET_SECONDS, ramp: PRESET_RAMP_SECONDS, ...drift })) };
}

/** The named schedules that `--drift` accepts, at their default strengths. */
export const DRIFT_PRESETS: Record<string, DriftSchedule> = {
  none: { name: 'none', description: 'Held-out images as they are; the false-alarm baseline.', drifts: [] },
  brightness: preset('brightness', 'Images get brighter: the black background turns dark gray.', [{ type: 'brightness', strength: 0.2 }]),
  contrast: preset('contrast', 'Images lose contrast: pixels move halfway to the image mean.', [{ type: 'contrast', strength: 0.5 }]),
  rotation: preset('rotation', 'Images are rotated by 30 degrees, either way.', [{ type: 'rotation', strength: 30 }]),
  noise: preset('noise', 'Gaussian noise of 15% of the pixel range is added.', [{ type: 'noise', strength: 0.15 }]),
  blur: preset('blur', 'Images are blurred with a Gaussian of 1.5 pixels.', [{ type: 'blur', strength: 1.5 }]),
  scale: preset('scale', 'Garments shrink to 65% of their size.', [{ type: 'scale', strength: 0.35 }]),
  inversion: preset('inversion', 'Images are blended 40% towards their negative.', [{ type: 'inversion', strength: 0.4 }]),
  'class-mix': preset('class-mix', 'Footwear takes over: 70% of images are sandals, sneakers or ankle boots.', [
    { type: 'class-mix', strength: 0.7, classes: ['Sandal', 'Sneaker', 'Ankle boot'] },
  ]),
  'label-swap': preset('label-swap', 'Users call pullovers coats and coats pullovers; the images stay the same.', [
    { type: 'label-swap', strength: 1, classes: ['Pullover', 'Coat'] },
  ]),
};

/**
 * Returns the schedule of a preset name, or reads and validates a JSON file when `nameOrFile`
 * ends in `.json`.
 *
 * @throws DriftScheduleError for an unknown preset, an unreadable file or invalid JSON content.
 */
export function resolveDriftSchedule(nameOrFile: string): DriftSchedule {
  if (!nameOrFile.endsWith('.json')) {
    const found = DRIFT_PRESETS[nameOrFile];
    if (!found) throw new DriftScheduleError(`Unknown drift preset "${nameOrFile}". Use one of: ${Object.keys(DRIFT_PRESETS).join(', ')}, or a .json schedule file.`);
    return found;
  }

  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(nameOrFile, 'utf8'));
  } catch (error) {
    throw new DriftScheduleError(`Cannot read the drift schedule ${nameOrFile}: ${(error as Error).message}.`, { cause: error });
  }
  return parseDriftSchedule(raw, nameOrFile);
}

/**
 * Validates a schedule object, filling in the default ramp of 0.
 *
 * @throws DriftScheduleError listing each invalid field.
 */
export function parseDriftSchedule(value: unknown, source = 'the drift schedule'): DriftSchedule {
  const result = driftScheduleSchema.safeParse(value);
  if (!result.success) {
    const faults = result.error.issues.map((issue) => `${issue.path.join('.') || 'schedule'}: ${issue.message}`).join('; ');
    throw new DriftScheduleError(`Invalid ${source}: ${faults}. See docs/monitoring.md for the format.`);
  }
  return result.data;
}

/** Returns the strength of a drift at simulated second `time`: 0 before its onset, then a linear ramp to full strength. */
export function strengthAt(drift: DriftSpec, time: number): number {
  if (time < drift.onset) return 0;
  if (drift.ramp === 0) return drift.strength;
  return drift.strength * Math.min(1, (time - drift.onset) / drift.ramp);
}

/** Returns the earliest onset among the schedule's drifts, or null for a schedule without drift. */
export function firstOnset(schedule: DriftSchedule): number | null {
  return schedule.drifts.length === 0 ? null : Math.min(...schedule.drifts.map((drift) => drift.onset));
}
