import { InvalidArgumentError } from 'commander';
import sharp from 'sharp';
import { loadFashionMnist, requireFashionMnist } from '../../core/data/fashion-mnist.js';
import type { ImageSet } from '../../core/data/image-set.js';
import { resolveDriftSchedule, type DriftSchedule } from '../../core/monitoring/drift-schedule.js';
import { generateDriftStream, type StreamItem } from '../../core/monitoring/drift-stream.js';
import { createRandom } from '../../core/random.js';
import { percentile } from './replay-images.js';

/** Options for {@link replayStream}. */
export interface ReplayStreamArgs {
  /** Base URL of the running service. */
  url: string;
  images: ImageSet;
  classNames: readonly string[];
  schedule: DriftSchedule;
  seed: number;
  /** Simulated seconds of stream; 25 images per second. */
  durationSeconds: number;
  /** Requests in flight at once. */
  concurrency: number;
  /** Maximum predictions started per second; unlimited when undefined. */
  rate?: number;
  /** Share of predictions whose simulated user sends feedback with the label they believe true. */
  feedbackRate: number;
  /** Share of that feedback naming a random wrong class, the users' own mistakes. */
  feedbackErrorRate: number;
  /** Per-request timeout in ms; defaults to 30,000. */
  timeoutMs?: number;
}

/** Measurements of a stream replay. */
export interface ReplayStreamSummary {
  schedule: string;
  sent: number;
  succeeded: number;
  /** Failed requests by HTTP status, or `network` when there was no response. */
  failed: Record<string, number>;
  /** Share of successful responses whose label equals the source image's class. */
  accuracy: number | null;
  outOfDistribution: number;
  feedback: { sent: number; failed: number };
  latencyMs: { p50: number; p95: number; p99: number; mean: number };
  requestsPerSecond: number;
}

/**
 * Sends a drift stream through a running service as PNG uploads, in stream order (at most
 * `concurrency` in flight), and posts simulated user feedback on a share of the responses, so the
 * service's monitor sees the drift, its output and its feedback as in production.
 */
export async function replayStream(args: ReplayStreamArgs): Promise<ReplayStreamSummary> {
  const items: StreamItem[] = [];
  for (const batch of generateDriftStream({ images: args.images, classNames: args.classNames, schedule: args.schedule, seed: args.seed, durationSeconds: args.durationSeconds })) items.push(...batch.items);

  const feedbackRandom = createRandom(args.seed + 15_485_863);
  const predictUrl = new URL('/v1/predictions?source=replay', args.url).toString();
  const latencies: number[] = [];
  const failed: Record<string, number> = {};
  const summary = { sent: 0, succeeded: 0, correct: 0, outOfDistribution: 0, feedbackSent: 0, feedbackFailed: 0 };
  const interval = args.rate ? 1000 / args.rate : 0;
  const started = performance.now();
  let next = 0;

  const worker = async () => {
    for (;;) {
      const i = next++;
      const item = items[i];
      if (!item) return;
      if (interval > 0) {
        const wait = started + i * interval - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      }

      const png = await sharp(item.pixels, { raw: { width: args.images.width, height: args.images.height, channels: 1 } }).png().toBuffer();
      const requestStarted = performance.now();
      summary.sent++;
      let answer: { id?: string; label?: string; outOfDistribution?: boolean };
      try {
        const response = await fetch(predictUrl, { method: 'POST', headers: { 'content-type': 'image/png' }, body: new Uint8Array(png), signal: AbortSignal.timeout(args.timeoutMs ?? 30_000) });
        answer = (await response.json()) as typeof answer;
        latencies.push(performance.now() - requestStarted);
        if (!response.ok) {
          failed[String(response.status)] = (failed[String(response.status)] ?? 0) + 1;
          continue;
        }
      } catch {
        failed.network = (failed.network ?? 0) + 1;
        continue;
      }

      summary.succeeded++;
      if (answer.label === args.classNames[item.sourceLabel]) summary.correct++;
      if (answer.outOfDistribution) summary.outOfDistribution++;
      if (feedbackRandom() < args.feedbackRate && answer.id) await sendFeedback(args, answer.id, answer.label ?? '', namedLabel(item, args.classNames.length, args.feedbackErrorRate, feedbackRandom), i, summary);
    }
  };

  await Promise.all(Array.from({ length: Math.max(1, Math.min(args.concurrency, items.length)) }, worker));
  const elapsedSeconds = (performance.now() - started) / 1000;
  return {
    schedule: args.schedule.name,
    sent: summary.sent,
    succeeded: summary.succeeded,
    failed,
    accuracy: summary.succeeded === 0 ? null : summary.correct / summary.succeeded,
    outOfDistribution: summary.outOfDistribution,
    feedback: { sent: summary.feedbackSent, failed: summary.feedbackFailed },
    latencyMs: {
      p50: percentile(latencies, 0.5),
      p95: percentile(latencies, 0.95),
      p99: percentile(latencies, 0.99),
      mean: latencies.length === 0 ? 0 : latencies.reduce((a, b) => a + b, 0) / latencies.length,
    },
    requestsPerSecond: elapsedSeconds === 0 ? 0 : summary.sent / elapsedSeconds,
  };
}

/** Returns the class a simulated user names: the stream's label, or with `errorRate` a random other class. */
function namedLabel(item: StreamItem, classCount: number, errorRate: number, random: () => number): number {
  if (random() >= errorRate) return item.label;
  return (item.label + 1 + Math.floor(random() * (classCount - 1))) % classCount;
}

async function sendFeedback(
  args: ReplayStreamArgs,
  predictionId: string,
  predicted: string,
  named: number,
  index: number,
  summary: { feedbackSent: number; feedbackFailed: number },
): Promise<void> {
  const label = args.classNames[named] as string;
  const body = label === predicted ? { verdict: 'correct', userId: `replay-user-${index}` } : { verdict: 'incorrect', label, userId: `replay-user-${index}` };
  try {
    const response = await fetch(new URL(`/v1/predictions/${predictionId}/feedback`, args.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...body, source: 'replay' }),
      signal: AbortSignal.timeout(args.timeoutMs ?? 30_000),
    });
    if (response.ok) summary.feedbackSent++;
    else summary.feedbackFailed++;
  } catch {
    summary.feedbackFailed++;
  }
}

/** Options of `npm run replay -- --source stream`, as commander parses them. */
export interface StreamReplayOptions {
  url: string;
  drift: string;
  seed: number;
  duration: number;
  concurrency: number;
  rate?: number;
  feedback: number;
  feedbackError: number;
  json: boolean;
}

/**
 * Runs `replay --source stream`: loads the Fashion-MNIST test images, replays the drift stream
 * and prints its summary. Returns the exit code, after the output is flushed.
 */
export async function runStreamReplay(options: StreamReplayOptions): Promise<number> {
  let code = 0;
  let text: string;
  try {
    const schedule = resolveDriftSchedule(options.drift);
    const dataset = await loadFashionMnist(requireFashionMnist({ env: process.env, cwd: process.cwd() }), { expectedChecksums: null });
    const summary = await replayStream({
      url: options.url,
      images: dataset.test,
      classNames: dataset.classNames,
      schedule,
      seed: options.seed,
      durationSeconds: options.duration,
      concurrency: options.concurrency,
      rate: options.rate,
      feedbackRate: options.feedback,
      feedbackErrorRate: options.feedbackError,
    });
    text = options.json ? `${JSON.stringify(summary)}\n` : formatStreamSummary(summary);
    if (summary.succeeded === 0) code = 1;
  } catch (error) {
    text = '';
    process.stderr.write(`replay: ${(error as Error).message}\n`);
    code = 1;
  }
  await new Promise<void>((resolve) => process.stdout.write(text, () => resolve()));
  return code;
}

/** Parses `--source`: `test` or `stream`. */
export function parseReplaySource(value: string): 'test' | 'stream' {
  if (value !== 'test' && value !== 'stream') throw new InvalidArgumentError(`--source must be "test" or "stream", received "${value}".`);
  return value;
}

/** Returns a commander parser for a share from 0 to 1 of the option `name`. */
export function parseShare(name: string): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || parsed < 0 || parsed > 1) throw new InvalidArgumentError(`${name} must be a number from 0 to 1, received "${value}".`);
    return parsed;
  };
}

function formatStreamSummary(summary: ReplayStreamSummary): string {
  const failed = Object.entries(summary.failed).map(([status, n]) => `${status}: ${n}`).join(', ') || 'none';
  return [
    `drift      ${summary.schedule}`,
    `sent       ${summary.sent}`,
    `succeeded  ${summary.succeeded}`,
    `failed     ${failed}`,
    `accuracy   ${summary.accuracy === null ? '-' : summary.accuracy.toFixed(4)} (against the source images' classes)`,
    `out of distribution ${summary.outOfDistribution}`,
    `feedback   ${summary.feedback.sent} sent, ${summary.feedback.failed} failed`,
    `latency ms p50 ${summary.latencyMs.p50.toFixed(1)}  p95 ${summary.latencyMs.p95.toFixed(1)}  p99 ${summary.latencyMs.p99.toFixed(1)}`,
    `throughput ${summary.requestsPerSecond.toFixed(1)} requests/s`,
    '',
  ].join('\n');
}
