import type { Worker } from 'node:worker_threads';
import type { Logger } from '../logger.js';
import { startWorker } from '../start-worker.js';
import type { SummarizeWindowArgs, WindowInput, WindowSummary } from './summarize-window.js';
import { MonitoringError } from './errors.js';

/** Options of one window summary as the worker receives them: the model by version, no random source. */
export type WindowSummaryOptions = Omit<SummarizeWindowArgs, 'loaded' | 'random'> & { modelVersion: string };

/** Data the worker starts with. */
export interface WindowSummaryWorkerData {
  modelsDir: string;
  /** TensorFlow.js backend the worker selects first, the one the service runs on. */
  backend: string;
  /** Seed of the worker's random source for the MMD permutations. */
  seed: number;
}

/** A message to the worker. */
export interface WindowSummaryRequest {
  id: number;
  input: WindowInput;
  options: WindowSummaryOptions;
}

/** The worker's reply to one request. */
export type WindowSummaryReply = { id: number; summary: WindowSummary } | { id: number; error: { message: string; backend: string } };

/** Options for {@link WindowSummarizer}. */
export interface WindowSummarizerArgs extends WindowSummaryWorkerData {
  logger: Logger;
}

interface PendingSummary {
  resolve(summary: WindowSummary): void;
  reject(error: Error): void;
}

/**
 * Runs {@link summarizeWindow} in a worker thread, so the model pass over a window and the
 * MMD permutations do not block the thread that serves requests. The worker starts on the
 * first summary, loads each model version from `modelsDir` once, and is restarted on the next
 * summary after it crashes.
 */
export class WindowSummarizer {
  private worker: Worker | null = null;
  private pending = new Map<number, PendingSummary>();
  private nextId = 1;
  private readonly logger: Logger;

  constructor(private readonly args: WindowSummarizerArgs) {
    this.logger = args.logger.child({ component: 'window-summarizer' });
  }

  /**
   * Summarises one window in the worker.
   *
   * @throws MonitoringError `summary_worker_failed` when the worker cannot load the model,
   * fails on the window, or exits before it replies.
   */
  summarize(input: WindowInput, options: WindowSummaryOptions): Promise<WindowSummary> {
    const worker = this.worker ?? this.startWorker();
    const id = this.nextId++;
    return new Promise<WindowSummary>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, input, options } satisfies WindowSummaryRequest);
    });
  }

  /** Stops the worker; summaries still running are rejected. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    if (worker) await worker.terminate();
    this.rejectAll(new MonitoringError('summary_worker_failed', 'The window summary worker was stopped before it replied.'));
  }

  private startWorker(): Worker {
    const workerData: WindowSummaryWorkerData = { modelsDir: this.args.modelsDir, backend: this.args.backend, seed: this.args.seed };
    const worker = startWorker(import.meta.url, 'window-summary-worker', { workerData });
    // The worker must not keep a stopping service alive.
    worker.unref();
    worker.on('message', (reply: WindowSummaryReply) => this.settle(reply));
    worker.on('error', (error) => {
      this.logger.error({ err: error }, 'window summary worker crashed: it restarts with the next window');
    });
    worker.on('exit', (code) => {
      if (this.worker === worker) this.worker = null;
      this.rejectAll(new MonitoringError('summary_worker_failed', `The window summary worker exited with code ${code} before it replied. It restarts with the next window.`));
    });
    this.worker = worker;
    this.logger.info({ modelsDir: this.args.modelsDir, backend: this.args.backend }, 'window summary worker started');
    return worker;
  }

  private settle(reply: WindowSummaryReply): void {
    const pending = this.pending.get(reply.id);
    if (!pending) return;
    this.pending.delete(reply.id);
    if ('summary' in reply) pending.resolve(reply.summary);
    else pending.reject(new MonitoringError('summary_worker_failed', `The window summary worker failed on the ${reply.error.backend} backend: ${reply.error.message}`));
  }

  private rejectAll(error: Error): void {
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const entry of pending) entry.reject(error);
  }
}
