import { Command } from 'commander';
import sharp from 'sharp';
import { loadFashionMnist, requireFashionMnist } from '../core/data/fashion-mnist.js';
import { parseNonNegativeInteger, parsePositiveInteger, parsePositiveNumber } from './lib/cli-options.js';
import { replayImages, type ReplaySummary } from './lib/replay-images.js';
import { parseReplaySource, parseShare, runStreamReplay } from './lib/replay-stream.js';

const program = new Command('replay')
  .description('Send held-out Fashion-MNIST test images to a running service as PNG uploads and summarise the answers.')
  .option('--url <url>', 'base URL of the running service', 'http://127.0.0.1:3000')
  .option('--count <n>', 'number of test images to send (at most 10,000)', parsePositiveInteger('--count'), 1000)
  .option('--concurrency <n>', 'requests in flight at once', parsePositiveInteger('--concurrency'), 8)
  .option('--rate <n>', 'maximum requests started per second (default: unlimited)', parsePositiveNumber('--rate'))
  .option('--offset <n>', 'index of the first test image', parseNonNegativeInteger('--offset'), 0)
  .option('--json', 'print the summary as one JSON object', false)
  .option('--source <source>', '"test": the test images in order; "stream": a seeded drift stream of them', parseReplaySource, 'test')
  .option('--drift <preset>', 'drift preset or .json schedule of --source stream (see docs/monitoring.md)', 'none')
  .option('--feedback <rate>', 'share of stream predictions whose simulated user sends feedback, 0 to 1', parseShare('--feedback'), 0)
  .option('--feedback-error <rate>', 'share of that feedback naming a wrong class, 0 to 1', parseShare('--feedback-error'), 0)
  .option('--seed <n>', 'seed of the drift stream', parseNonNegativeInteger('--seed'), 1)
  .option('--duration <seconds>', 'simulated seconds of the drift stream, 25 images each', parsePositiveInteger('--duration'), 120)
  .showHelpAfterError();

program.parse();
const options = program.opts<{ url: string; count: number; concurrency: number; rate?: number; offset: number; json: boolean; source: string; drift: string; feedback: number; feedbackError: number; seed: number; duration: number }>();
if (options.source === 'stream') process.exit(await runStreamReplay(options));

try {
  const dataset = await loadFashionMnist(requireFashionMnist({ env: process.env, cwd: process.cwd() }), { expectedChecksums: null });
  const { test } = dataset;
  const imageSize = test.height * test.width;
  const count = Math.min(options.count, test.count - options.offset);

  const summary = await replayImages({
    url: new URL('/v1/predictions?source=replay', options.url).toString(),
    count,
    concurrency: options.concurrency,
    rate: options.rate,
    async sample(i) {
      const index = options.offset + i;
      const pixels = test.images.subarray(index * imageSize, (index + 1) * imageSize);
      const png = await sharp(pixels, { raw: { width: test.width, height: test.height, channels: 1 } }).png().toBuffer();
      return { body: new Uint8Array(png), label: dataset.classNames[test.labels[index] as number] as string };
    },
  });
  process.stdout.write(options.json ? `${JSON.stringify(summary)}\n` : formatSummary(summary));
  if (summary.succeeded === 0) process.exitCode = 1;
} catch (error) {
  process.stderr.write(`replay: ${(error as Error).message}\n`);
  process.exitCode = 1;
}

function formatSummary(summary: ReplaySummary): string {
  const failed = Object.entries(summary.failed).map(([status, n]) => `${status}: ${n}`).join(', ') || 'none';
  return [
    `sent       ${summary.sent}`,
    `succeeded  ${summary.succeeded}`,
    `failed     ${failed}`,
    `accuracy   ${summary.accuracy === null ? '-' : summary.accuracy.toFixed(4)}`,
    `latency ms p50 ${summary.latencyMs.p50.toFixed(1)}  p95 ${summary.latencyMs.p95.toFixed(1)}  p99 ${summary.latencyMs.p99.toFixed(1)}`,
    `throughput ${summary.requestsPerSecond.toFixed(1)} requests/s`,
    ...(summary.networkError ? [`first network error: ${summary.networkError}. Check that the service runs at --url.`] : []),
    '',
  ].join('\n');
}
