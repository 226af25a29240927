import type { ImageSet } from '../data/image-set.js';
import { argmax } from '../evaluation/metrics.js';
import type { LoadedModel } from '../registry/model-registry.js';
import { createRandom, type RandomSource } from '../random.js';
import { fitToModelInput } from '../serving/fit-to-model-input.js';
import { firstOnset, type DriftSchedule } from './drift-schedule.js';
import { generateDriftStream, type StreamItem } from './drift-stream.js';
import { DEFAULT_DRIFT_THRESHOLDS, DEFAULT_MINIMUM_SAMPLES, type DriftThresholds } from './drift-thresholds.js';
import type { MonitoringBaseline } from './monitoring-baseline.js';
import { probeModel } from './model-probe.js';
import { summarizeWindow, type MonitoringState, type WindowFeedback, type WindowPrediction } from './summarize-window.js';

/** Options for {@link simulateMonitoring}. */
export interface SimulateMonitoringArgs {
  loaded: LoadedModel;
  baseline: MonitoringBaseline;
  images: ImageSet;
  schedule: DriftSchedule;
  seed: number;
  /** Predictions per window; defaults to 250. */
  windowSize?: number;
  /** Simulated length of the stream in seconds; defaults to the stream's 120. */
  durationSeconds?: number;
  /** Share of predictions that get feedback; defaults to 0.5. */
  feedbackRate?: number;
  /** Share of feedback whose label is a random wrong class; defaults to 0. */
  feedbackErrorRate?: number;
  thresholds?: DriftThresholds;
}

/** Outcome of one window of a simulated run. */
export interface SimulatedWindow {
  index: number;
  /** Simulated seconds of the window's first and last image. */
  startSecond: number;
  endSecond: number;
  state: MonitoringState;
  /** Names of the tests that drifted. */
  drifted: string[];
  feedbackAccuracy: number | null;
  estimatedAccuracy: number | null;
  /** Share of the window's predictions that were right, against the source labels. */
  trueAccuracy: number;
}

/** Outcome of one simulated run. */
export interface SimulationRun {
  schedule: string;
  seed: number;
  windows: SimulatedWindow[];
  /** Index of the first window that ends after the first onset; null without drift. */
  onsetWindow: number | null;
  /** Whether a window that ended before the onset (every window, without drift) left state `ok`. */
  falseAlarm: boolean;
  /** Windows from `onsetWindow` to the first one with drift detected (0 = the onset window); null when never detected. */
  detectionDelay: number | null;
}

const EPOCH = Date.UTC(2026, 0, 1);

/**
 * Runs the monitor's window code over a drift stream without the HTTP service: each image goes
 * through the service's same-size input step (light backgrounds are inverted), is classified,
 * gets simulated feedback, and every `windowSize` predictions are summarised by
 * {@link summarizeWindow} with the service's thresholds. Used for the false-alarm and
 * detection figures, which need many seeds.
 */
export async function simulateMonitoring(args: SimulateMonitoringArgs): Promise<SimulationRun> {
  const { loaded } = args;
  const params = loaded.metadata.preprocessing;
  const windowSize = args.windowSize ?? 250;
  const feedbackRandom = createRandom(args.seed + 104_729);
  const testRandom = createRandom(args.seed + 1_299_709);
  const onset = firstOnset(args.schedule);
  const windows: SimulatedWindow[] = [];
  let pending: { item: StreamItem; time: number }[] = [];
  let previousDetected = false;

  const closeWindow = async () => {
    const batch = pending;
    pending = [];
    const pixels = new Uint8Array(batch.length * params.height * params.width);
    for (const [i, { item }] of batch.entries()) pixels.set((await fitToModelInput({ data: item.pixels.slice(), width: params.width, height: params.height }, params)).pixels, i * params.height * params.width);
    const probe = await probeModel(loaded.model, pixels, batch.length, params);
    const classes = batch.map((_, i) => argmax(probe.probabilities, i * probe.classCount, probe.classCount));

    const predictions: WindowPrediction[] = batch.map(({ time }, i) => ({
      id: String(i),
      createdAt: new Date(EPOCH + time * 1000).toISOString(),
      classIndex: classes[i] as number,
      latencyMs: 0,
      pixels: pixels.subarray(i * params.height * params.width, (i + 1) * params.height * params.width),
    }));
    const feedback = simulateFeedback(batch.map(({ item }) => item), classes, args.feedbackRate ?? 0.5, args.feedbackErrorRate ?? 0, probe.classCount, feedbackRandom);
    const first = batch[0]!.time;
    const last = batch[batch.length - 1]!.time;
    const summary = await summarizeWindow(
      { modelVersion: loaded.metadata.version, startedAt: predictions[0]!.createdAt, endedAt: predictions[predictions.length - 1]!.createdAt, closedBy: 'count', predictions, feedback, errors: {} },
      { loaded, baseline: args.baseline, thresholds: args.thresholds ?? DEFAULT_DRIFT_THRESHOLDS, minimumSamples: DEFAULT_MINIMUM_SAMPLES, random: testRandom, previousDetected },
    );
    previousDetected = summary.drift.detected;
    windows.push({
      index: windows.length,
      startSecond: first,
      endSecond: last,
      state: summary.state,
      drifted: summary.drift.tests.filter((test) => test.drifted).map((test) => test.name),
      feedbackAccuracy: summary.performance.accuracy?.value ?? null,
      estimatedAccuracy: summary.performance.estimatedAccuracy,
      trueAccuracy: batch.filter(({ item }, i) => item.sourceLabel === classes[i]).length / batch.length,
    });
  };

  for (const { time, items } of generateDriftStream({ images: args.images, classNames: loaded.metadata.classNames, schedule: args.schedule, seed: args.seed, durationSeconds: args.durationSeconds })) {
    for (const item of items) {
      pending.push({ item, time });
      if (pending.length === windowSize) await closeWindow();
    }
  }
  if (pending.length > 0) await closeWindow();

  const onsetWindow = onset === null ? null : windows.findIndex((window) => window.endSecond >= onset);
  const beforeOnset = onset === null ? windows : windows.filter((window) => window.endSecond < onset);
  const detected = onsetWindow === null || onsetWindow < 0 ? -1 : windows.findIndex((window) => window.index >= onsetWindow && window.drifted.length > 0);
  return {
    schedule: args.schedule.name,
    seed: args.seed,
    windows,
    onsetWindow: onsetWindow === null || onsetWindow < 0 ? null : onsetWindow,
    falseAlarm: beforeOnset.some((window) => window.state !== 'ok'),
    detectionDelay: detected < 0 || onsetWindow === null ? null : detected - onsetWindow,
  };
}

/** Gives each prediction feedback with probability `rate`; a share `errorRate` of users name a random wrong class. */
function simulateFeedback(items: StreamItem[], classes: number[], rate: number, errorRate: number, classCount: number, random: RandomSource): WindowFeedback[] {
  const feedback: WindowFeedback[] = [];
  items.forEach((item, i) => {
    if (random() >= rate) return;
    let named = item.label;
    if (random() < errorRate) named = (named + 1 + Math.floor(random() * (classCount - 1))) % classCount;
    const predicted = classes[i] as number;
    feedback.push({ verdict: named === predicted ? 'correct' : 'incorrect', trueClass: named });
  });
  return feedback;
}
