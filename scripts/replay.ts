import { Command } from 'commander';
import sharp from 'sharp';
import { loadFashionMnist, requireFashionMnist } from '../core/data/fashion-mnist.js';
import { parseNonNegativeInteger, parsePositiveInteger, parsePositiveNumber } from './lib/cli-options.js';
import { replayImages, type ReplaySummary } from './lib/replay-images.js';

const program = new Command('replay')
  .description('Send held-out Fashion-MNIST test images to a running service as PNG uploads and summarise the answers.')
  .option('--url <url>', 'base URL of the running service', 'http://127.0.0.1:3000')
  .option('--count <n>', 'number of test images to send (at most 10,000)', parsePositiveInteger('--count'), 1000)
  .option('--concurrency <n>', 'requests in flight at once', parsePositiveInteger('--concurrency'), 8)
  .option('--rate <n>', 'maximum requests started per second (default: unlimited)', parsePositiveNumber('--rate'))
  .option('--offset <n>', 'index of the first test image', parseNonNegativeInteger('--offset'), 0)
  .option('--json', 'print the summary as one JSON object', false)
  .showHelpAfterError();

program.parse();
const options = program.opts<{ url: string; count: number; concurrency: number; rate?: number; offset: number; json: boolean }>();

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
    '',
  ].join('\n');
}
