import type { ImageSet } from '../data/image-set.js';
import { createRandom, shuffleInPlace, type RandomSource } from '../random.js';
import { strengthAt, type DriftSchedule, type DriftSpec } from './drift-schedule.js';
import { applyCovariateDrift, type CovariateDriftType } from './drift-transforms.js';
import { DriftScheduleError } from './errors.js';

/** One image of the stream, as a simulated user sends it. */
export interface StreamItem {
  /** Gray pixels, `height * width`, after any covariate drift. */
  pixels: Uint8Array;
  /** The class a user who gives feedback names: the true class, or its partner under a label swap. */
  label: number;
  /** The class of the source image. */
  sourceLabel: number;
  /** Index of the source image in the image set. */
  sourceIndex: number;
}

/** The images released at one simulated moment. */
export interface StreamBatch {
  /** Simulated seconds since the stream started. */
  time: number;
  items: StreamItem[];
}

/** Options for {@link generateDriftStream}. */
export interface DriftStreamArgs {
  /** Held-out images to draw from, such as the Fashion-MNIST test set. */
  images: ImageSet;
  classNames: readonly string[];
  schedule: DriftSchedule;
  seed: number;
  /** Images released per batch; defaults to 25. */
  batchSize?: number;
  /** Simulated seconds between batches; defaults to 1. */
  batchSeconds?: number;
  /** Simulated length of the stream in seconds; defaults to 120, so 3,000 images at the defaults. */
  durationSeconds?: number;
}

/** Default length of a stream in simulated seconds. */
export const DEFAULT_STREAM_SECONDS = 120;

/**
 * Releases batches of held-out images over simulated time and applies the schedule's drifts
 * at their strength of the moment: covariate drifts change the pixels, `class-mix` changes
 * which classes are drawn, and `label-swap` changes the label that users report. The same seed
 * draws the same source images in the same order for every schedule without `class-mix`, so
 * runs with and without drift compare image for image. The image set is cycled when the
 * stream is longer than it.
 *
 * @throws DriftScheduleError when a drift names a class that the image set does not have.
 */
export function* generateDriftStream(args: DriftStreamArgs): Generator<StreamBatch> {
  const batchSize = args.batchSize ?? 25;
  const batchSeconds = args.batchSeconds ?? 1;
  const duration = args.durationSeconds ?? DEFAULT_STREAM_SECONDS;
  const sampler = new ImageSampler(args.images, args.classNames.length, createRandom(args.seed));
  const transformRandom = createRandom(args.seed + 7919);
  const shape = { height: args.images.height, width: args.images.width };
  const imageSize = shape.height * shape.width;
  const classIndices = (drift: DriftSpec) => (drift.classes ?? []).map((name) => classIndexOf(args.classNames, name));
  const classMix = args.schedule.drifts.filter((drift) => drift.type === 'class-mix').map((drift) => ({ drift, classes: classIndices(drift) }));
  const swaps = args.schedule.drifts.filter((drift) => drift.type === 'label-swap').map((drift) => ({ drift, classes: classIndices(drift) }));
  const covariate = args.schedule.drifts.filter((drift) => drift.type !== 'class-mix' && drift.type !== 'label-swap');

  for (let time = 0; time < duration; time += batchSeconds) {
    const items: StreamItem[] = [];
    for (let i = 0; i < batchSize; i++) {
      const mix = classMix[0];
      const sourceIndex = mix ? sampler.nextWithMix(mix.classes, targetShare(mix.drift, mix.classes.length, args.classNames.length, time)) : sampler.next();
      const sourceLabel = args.images.labels[sourceIndex] as number;

      let pixels: Uint8Array = args.images.images.slice(sourceIndex * imageSize, (sourceIndex + 1) * imageSize);
      for (const drift of covariate) {
        pixels = applyCovariateDrift(pixels, shape, drift.type as CovariateDriftType, strengthAt(drift, time), transformRandom);
      }

      let label = sourceLabel;
      for (const { drift, classes } of swaps) {
        const [a, b] = classes as [number, number];
        if ((label === a || label === b) && transformRandom() < strengthAt(drift, time)) label = label === a ? b : a;
      }
      items.push({ pixels, label, sourceLabel, sourceIndex });
    }
    yield { time, items };
  }
}

/** Share of the favoured classes at `time`: their natural share before onset, moving linearly to `strength`. */
function targetShare(drift: DriftSpec, favouredCount: number, classCount: number, time: number): number {
  const natural = favouredCount / classCount;
  const progress = drift.strength === 0 ? 0 : strengthAt(drift, time) / drift.strength;
  return natural + (drift.strength - natural) * progress;
}

function classIndexOf(classNames: readonly string[], name: string): number {
  const index = classNames.indexOf(name);
  if (index < 0) throw new DriftScheduleError(`The drift schedule names class "${name}", which is not one of: ${classNames.join(', ')}.`);
  return index;
}

/** Draws image indices from one shuffled order, and from per-class orders when a class mix needs them. */
class ImageSampler {
  private readonly order: Uint32Array;
  private position = 0;
  private readonly byClass: number[][];
  private readonly classPositions: number[];

  constructor(
    private readonly images: ImageSet,
    classCount: number,
    private readonly random: RandomSource,
  ) {
    this.order = shuffleInPlace(Uint32Array.from({ length: images.count }, (_, i) => i), random);
    this.byClass = Array.from({ length: classCount }, () => []);
    for (const index of this.order) this.byClass[images.labels[index] as number]?.push(index);
    this.classPositions = new Array<number>(classCount).fill(0);
  }

  next(): number {
    const index = this.order[this.position % this.order.length] as number;
    this.position++;
    return index;
  }

  /**
   * Draws so that the favoured classes make up `share` of the images on average: extra draws
   * from their own orders when the share is above their natural one, and rejection of their
   * images from the main order when it is below.
   */
  nextWithMix(favoured: number[], share: number): number {
    const natural = favoured.length / this.byClass.length;
    if (share > natural) {
      const extra = (share - natural) / (1 - natural);
      if (this.random() < extra) return this.nextOfClass(favoured[Math.floor(this.random() * favoured.length)] as number);
      return this.next();
    }
    const keep = natural === 1 ? 1 : (share * (1 - natural)) / (natural * (1 - share));
    for (;;) {
      const index = this.next();
      if (!favoured.includes(this.images.labels[index] as number) || this.random() < keep) return index;
    }
  }

  private nextOfClass(label: number): number {
    const indices = this.byClass[label] ?? [];
    if (indices.length === 0) return this.next();
    const position = this.classPositions[label] as number;
    this.classPositions[label] = position + 1;
    return indices[position % indices.length] as number;
  }
}
