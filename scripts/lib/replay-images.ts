/** One image to send and its true label. */
export interface ReplaySample {
  body: Uint8Array<ArrayBuffer>;
  label: string;
}

/** Options for {@link replayImages}. */
export interface ReplayArgs {
  /** Full URL of `POST /v1/predictions`. */
  url: string;
  count: number;
  /** Requests in flight at once. */
  concurrency: number;
  /** Maximum requests started per second; unlimited when undefined. */
  rate?: number;
  /** Builds the i-th sample (0-based). */
  sample(i: number): Promise<ReplaySample>;
  /** Per-request timeout in ms; defaults to 30,000. */
  timeoutMs?: number;
}

/** What a replay measured. `failed` counts by HTTP status, or `network` for no response. */
export interface ReplaySummary {
  sent: number;
  succeeded: number;
  failed: Record<string, number>;
  /** Share of successful answers whose label equals the true label; null when none succeeded. */
  accuracy: number | null;
  latencyMs: { p50: number; p95: number; p99: number; mean: number };
  requestsPerSecond: number;
  /** The first request error without a response (refused connection, timeout), when any. */
  networkError?: string;
}

/**
 * Posts `count` PNG images one request each, with at most `concurrency` in flight and at most
 * `rate` started per second, and summarises status counts, accuracy and client-side latency.
 */
export async function replayImages(args: ReplayArgs): Promise<ReplaySummary> {
  const latencies: number[] = [];
  const failed: Record<string, number> = {};
  let sent = 0;
  let succeeded = 0;
  let correct = 0;
  let next = 0;
  let networkError: string | undefined;
  const started = performance.now();
  const interval = args.rate ? 1000 / args.rate : 0;

  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= args.count) return;
      if (interval > 0) {
        const due = started + i * interval;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      }

      const sample = await args.sample(i);
      const requestStarted = performance.now();
      sent++;
      try {
        const response = await fetch(args.url, {
          method: 'POST',
          headers: { 'content-type': 'image/png' },
          body: sample.body,
          signal: AbortSignal.timeout(args.timeoutMs ?? 30_000),
        });
        const body = (await response.json()) as { label?: string };
        latencies.push(performance.now() - requestStarted);
        if (response.ok) {
          succeeded++;
          if (body.label === sample.label) correct++;
        } else {
          failed[String(response.status)] = (failed[String(response.status)] ?? 0) + 1;
        }
      } catch (error) {
        failed.network = (failed.network ?? 0) + 1;
        const cause = (error as Error & { cause?: Error }).cause;
        networkError ??= `${(error as Error).message}${cause ? ` (${cause.message})` : ''} for ${args.url}`;
      }
    }
  };

  await Promise.all(Array.from({ length: Math.max(1, Math.min(args.concurrency, args.count)) }, worker));
  const elapsedSeconds = (performance.now() - started) / 1000;
  return {
    sent,
    succeeded,
    failed,
    accuracy: succeeded === 0 ? null : correct / succeeded,
    latencyMs: {
      p50: percentile(latencies, 0.5),
      p95: percentile(latencies, 0.95),
      p99: percentile(latencies, 0.99),
      mean: latencies.length === 0 ? 0 : latencies.reduce((a, b) => a + b, 0) / latencies.length,
    },
    requestsPerSecond: elapsedSeconds === 0 ? 0 : sent / elapsedSeconds,
    networkError,
  };
}

/** Nearest-rank percentile of unsorted values; 0 for an empty list. */
export function percentile(values: number[], fraction: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[rank] as number;
}
