/** Options for {@link MicroBatcher}. */
export interface MicroBatcherArgs<Item, Output> {
  /** Largest number of items in one batch, at least 1. */
  maxBatchSize: number;
  /**
   * Time in milliseconds that the first item of a batch waits for others while no batch is
   * running. 0 still groups the items that arrive in the same event loop turn.
   */
  maxWaitMs: number;
  /**
   * Handles one batch and returns one output per item, in the same order. When it throws, every
   * item of the batch is rejected with that error.
   */
  processBatch(items: Item[]): Promise<Output[]>;
}

interface Pending<Item, Output> {
  item: Item;
  resolve(output: Output): void;
  reject(error: unknown): void;
}

/**
 * Groups concurrent calls into batches, so that one model call serves many requests. A batch
 * starts when `maxBatchSize` items are waiting, when the first waiting item has waited
 * `maxWaitMs`, or as soon as the running batch ends if items queued up meanwhile. One batch
 * runs at a time, because the model runs on one thread and a second batch would only wait.
 * Under light load a request waits at most `maxWaitMs`; under heavy load batches fill up.
 *
 * @example
 * const batcher = new MicroBatcher({ maxBatchSize: 32, maxWaitMs: 2, processBatch: async (xs) => xs.map((x) => x * 2) });
 * await Promise.all([batcher.run(1), batcher.run(2)]); // one batch: [2, 4]
 */
export class MicroBatcher<Item, Output> {
  private queue: Pending<Item, Output>[] = [];
  private timer: NodeJS.Timeout | NodeJS.Immediate | null = null;
  private running: Promise<void> | null = null;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly args: MicroBatcherArgs<Item, Output>) {
    if (!Number.isInteger(args.maxBatchSize) || args.maxBatchSize < 1) {
      throw new RangeError(`maxBatchSize is ${args.maxBatchSize}; it must be an integer of 1 or more.`);
    }
    if (!(args.maxWaitMs >= 0)) {
      throw new RangeError(`maxWaitMs is ${args.maxWaitMs}; it must be 0 or more.`);
    }
  }

  /** Queues one item and resolves with its output once its batch has run. */
  run(item: Item): Promise<Output> {
    return new Promise<Output>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  /** Number of items waiting for a batch, not counting the running one. */
  get waiting(): number {
    return this.queue.length;
  }

  /** Resolves once no item is waiting and no batch is running. */
  drain(): Promise<void> {
    if (this.queue.length === 0 && this.running === null) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private schedule(): void {
    if (this.running !== null) return;
    if (this.queue.length >= this.args.maxBatchSize) {
      this.start();
      return;
    }
    if (this.timer !== null) return;
    this.timer = this.args.maxWaitMs === 0 ? setImmediate(() => this.start()) : setTimeout(() => this.start(), this.args.maxWaitMs);
  }

  private start(): void {
    this.clearTimer();
    if (this.running !== null || this.queue.length === 0) return;

    const batch = this.queue.splice(0, this.args.maxBatchSize);
    this.running = this.execute(batch).finally(() => {
      this.running = null;
      if (this.queue.length > 0) {
        // Items that queued while the batch ran have waited long enough already.
        this.start();
      } else {
        for (const resolve of this.idleWaiters.splice(0)) resolve();
      }
    });
  }

  private async execute(batch: Pending<Item, Output>[]): Promise<void> {
    let outputs: Output[];
    try {
      outputs = await this.args.processBatch(batch.map((pending) => pending.item));
      if (outputs.length !== batch.length) {
        throw new Error(`processBatch returned ${outputs.length} outputs for ${batch.length} items.`);
      }
    } catch (error) {
      for (const pending of batch) pending.reject(error);
      return;
    }
    batch.forEach((pending, index) => pending.resolve(outputs[index] as Output));
  }

  private clearTimer(): void {
    if (this.timer === null) return;
    clearTimeout(this.timer as NodeJS.Timeout);
    clearImmediate(this.timer as NodeJS.Immediate);
    this.timer = null;
  }
}
