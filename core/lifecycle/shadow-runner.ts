import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';

/** A copy of one answered production request, for the shadow model. */
export interface ShadowJob {
  predictionId: string;
  /** The model input as the production model received it. */
  pixels: Uint8Array;
  productionClassIndex: number;
  productionLatencyMs: number;
}

/** Outcome of the shadow model on one job: its class, or why it has none. */
export interface ShadowOutcome {
  job: ShadowJob;
  candidateClassIndex: number | null;
  /** Time of the shadow model call that included the job, in milliseconds; null on failure. */
  candidateLatencyMs: number | null;
  error: string | null;
}

/** Options of {@link ShadowRunner}. */
export interface ShadowRunnerArgs {
  /** Classifies a batch of inputs with the shadow model and returns one class index per input. */
  classify(pixels: Uint8Array[]): Promise<number[]>;
  /** Stores or counts one outcome; its errors are logged, not thrown. */
  record(outcome: ShadowOutcome): void;
  /** Time after which a shadow call counts as failed, in milliseconds; defaults to 2,000. */
  timeoutMs?: number;
  /** Jobs waiting at most; further jobs are dropped and counted. Defaults to 256. */
  maxQueue?: number;
  /** Jobs per shadow model call; defaults to 32. */
  maxBatchSize?: number;
  logger?: Logger;
}

/**
 * Runs a shadow model on copies of production requests, away from the user's path: `submit`
 * only queues the job, and the work starts on a later turn of the event loop (`setImmediate`),
 * after the caller has sent its response. One shadow call runs at a time. A call that throws
 * or passes `timeoutMs` is recorded as failed, and a call that never settles keeps its slot,
 * so the queue fills and later jobs are dropped instead of piling up.
 *
 * NOTE: the shadow runs on the same thread as production. An asynchronous or slow shadow
 * cannot delay a user's response, but a shadow whose model call computes synchronously (the
 * TensorFlow.js cpu backend) holds the event loop for that call's duration, like any batch.
 */
export class ShadowRunner {
  private readonly queue: ShadowJob[] = [];
  private readonly logger: Logger;
  private readonly timeoutMs: number;
  private readonly maxQueue: number;
  private readonly maxBatchSize: number;
  private busy = false;
  private scheduled = false;
  private idleWaiters: (() => void)[] = [];
  /** Jobs dropped because the queue was full. */
  dropped = 0;

  constructor(private readonly args: ShadowRunnerArgs) {
    this.logger = (args.logger ?? silentLogger).child({ component: 'shadow-runner' });
    this.timeoutMs = args.timeoutMs ?? 2000;
    this.maxQueue = args.maxQueue ?? 256;
    this.maxBatchSize = args.maxBatchSize ?? 32;
  }

  /** Queues a job and returns at once; returns false when the queue was full and the job dropped. */
  submit(job: ShadowJob): boolean {
    if (this.queue.length >= this.maxQueue) {
      this.dropped++;
      if (this.dropped === 1 || this.dropped % 1000 === 0) this.logger.warn({ dropped: this.dropped, maxQueue: this.maxQueue }, 'shadow queue full: dropping copies of requests');
      return false;
    }
    this.queue.push(job);
    this.schedule();
    return true;
  }

  /** Resolves once the queue is empty and no shadow call is running, or after `timeoutMs` more at most. */
  async drain(): Promise<void> {
    if (!this.busy && this.queue.length === 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, this.timeoutMs);
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private schedule(): void {
    if (this.busy || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.runNext();
    });
  }

  private async runNext(): Promise<void> {
    if (this.busy) return;
    const jobs = this.queue.splice(0, this.maxBatchSize);
    if (jobs.length === 0) {
      for (const wake of this.idleWaiters.splice(0)) wake();
      return;
    }
    this.busy = true;

    const call = this.classifyJobs(jobs);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<ShadowOutcome[]>((resolve) => {
      timer = setTimeout(() => {
        this.logger.warn({ timeoutMs: this.timeoutMs, jobs: jobs.length }, 'shadow model call timed out');
        resolve(jobs.map((job) => failed(job, `timed out after ${this.timeoutMs} ms`)));
      }, this.timeoutMs);
    });
    const outcomes = await Promise.race([call, deadline]);
    clearTimeout(timer);
    for (const outcome of outcomes) this.record(outcome);

    // A timed-out call keeps the slot until it settles, so a hung shadow cannot start more calls.
    await call;
    this.busy = false;
    this.schedule();
  }

  /** Calls the shadow model on a batch; never rejects, because a failure becomes failed outcomes. */
  private async classifyJobs(jobs: ShadowJob[]): Promise<ShadowOutcome[]> {
    const started = performance.now();
    try {
      const classes = await this.args.classify(jobs.map((job) => job.pixels));
      const latency = performance.now() - started;
      return jobs.map((job, index) => {
        const classIndex = classes[index];
        return classIndex === undefined ? failed(job, 'the shadow model returned no answer for this input') : { job, candidateClassIndex: classIndex, candidateLatencyMs: latency, error: null };
      });
    } catch (error) {
      this.logger.warn({ err: error, predictionIds: jobs.map((job) => job.predictionId) }, 'shadow model call failed');
      return jobs.map((job) => failed(job, error instanceof Error ? error.message : String(error)));
    }
  }

  private record(outcome: ShadowOutcome): void {
    try {
      this.args.record(outcome);
    } catch (error) {
      this.logger.error({ err: error, predictionId: outcome.job.predictionId }, 'shadow result not stored');
    }
  }
}

function failed(job: ShadowJob, error: string): ShadowOutcome {
  return { job, candidateClassIndex: null, candidateLatencyMs: null, error };
}
