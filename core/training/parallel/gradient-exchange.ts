import { SnapclassError } from '../../errors.js';

/** Indices into the control array. */
const ARRIVED = 0;
const GENERATION = 1;
const ABORTED = 2;
const CONTROL_SLOTS = 4;
/** Float64 values each participant publishes with its array: its weight and its elapsed training time. */
const META_SLOTS = 2;

/** The shared memory of one exchange, created by the coordinator and passed to every worker. */
export interface ExchangeBuffers {
  control: SharedArrayBuffer;
  meta: SharedArrayBuffer;
  data: SharedArrayBuffer;
  participants: number;
  /** Largest number of float32 values that one call can reduce. */
  capacity: number;
}

/** Result of {@link GradientExchange.allReduceMean}, identical in every participant. */
export interface ReduceResult {
  /** The weighted mean of the participants' arrays, the same values in every participant. */
  mean: Float32Array;
  /** Elapsed training time that participant 0 published, in ms, so every participant decides on the same clock. */
  leaderElapsedMs: number;
}

/** The exchange was aborted because a participant failed, or a participant did not arrive in time. */
export class ExchangeAbortedError extends SnapclassError {
  constructor(message: string) {
    super('training_worker_failed', message);
  }
}

/**
 * Allocates the shared memory for `participants` workers that reduce arrays of up to `capacity`
 * float32 values. Two copies of every slot alternate between calls, so a fast participant can
 * write its next array while a slow one still reads the last.
 */
export function createExchangeBuffers(participants: number, capacity: number): ExchangeBuffers {
  return {
    control: new SharedArrayBuffer(CONTROL_SLOTS * Int32Array.BYTES_PER_ELEMENT),
    meta: new SharedArrayBuffer(2 * participants * META_SLOTS * Float64Array.BYTES_PER_ELEMENT),
    data: new SharedArrayBuffer(2 * participants * capacity * Float32Array.BYTES_PER_ELEMENT),
    participants,
    capacity,
  };
}

/**
 * Marks the exchange as failed and wakes every waiting participant, whose call then throws
 * {@link ExchangeAbortedError}. The coordinator calls it when a worker fails.
 */
export function abortExchange(buffers: ExchangeBuffers): void {
  const control = new Int32Array(buffers.control);
  Atomics.store(control, ABORTED, 1);
  Atomics.notify(control, GENERATION);
}

/**
 * One participant's side of a synchronous all-reduce over shared memory, for data-parallel
 * training in worker threads. Every participant calls {@link allReduceMean} the same number of
 * times in the same order. Each call blocks until all participants have arrived, then every
 * participant sums the arrays in participant order, so all of them get bit-identical results.
 */
export class GradientExchange {
  private readonly control: Int32Array;
  private readonly meta: Float64Array;
  private readonly data: Float32Array;
  private calls = 0;

  /**
   * @param index this participant's position, from 0; participant 0 is the leader whose clock all follow.
   * @param timeoutMs how long a call waits for the other participants before it throws.
   */
  constructor(
    private readonly buffers: ExchangeBuffers,
    readonly index: number,
    private readonly timeoutMs = 120_000,
  ) {
    if (!Number.isInteger(index) || index < 0 || index >= buffers.participants) {
      throw new RangeError(`Participant index ${index} is outside 0 to ${buffers.participants - 1}.`);
    }
    this.control = new Int32Array(buffers.control);
    this.meta = new Float64Array(buffers.meta);
    this.data = new Float32Array(buffers.data);
  }

  get participants(): number {
    return this.buffers.participants;
  }

  /**
   * Returns the mean of every participant's `values`, each weighted by its `weight` (such as its
   * share of the batch), once all participants have called.
   *
   * @throws RangeError when `values` is longer than the exchange's capacity.
   * @throws ExchangeAbortedError when the exchange was aborted or another participant did not arrive within the timeout.
   */
  allReduceMean(values: Float32Array, weight: number, elapsedMs: number): ReduceResult {
    const { participants, capacity } = this.buffers;
    if (values.length > capacity) {
      throw new RangeError(`Cannot reduce ${values.length} values: the exchange has room for ${capacity}.`);
    }
    const parity = this.calls % 2;
    this.calls++;

    const slot = (participant: number) => (parity * participants + participant) * capacity;
    this.data.set(values, slot(this.index));
    const metaStart = (parity * participants + this.index) * META_SLOTS;
    this.meta[metaStart] = weight;
    this.meta[metaStart + 1] = elapsedMs;
    this.arriveAndWait();

    const mean = new Float32Array(values.length);
    let totalWeight = 0;
    for (let participant = 0; participant < participants; participant++) {
      const participantWeight = this.meta[(parity * participants + participant) * META_SLOTS] as number;
      const start = slot(participant);
      for (let i = 0; i < values.length; i++) mean[i] = (mean[i] as number) + participantWeight * (this.data[start + i] as number);
      totalWeight += participantWeight;
    }
    for (let i = 0; i < mean.length; i++) mean[i] = (mean[i] as number) / totalWeight;
    return { mean, leaderElapsedMs: this.meta[parity * participants * META_SLOTS + 1] as number };
  }

  /** Blocks until every participant has arrived at the same call (a sense-counting barrier). */
  private arriveAndWait(): void {
    const generation = Atomics.load(this.control, GENERATION);
    if (Atomics.add(this.control, ARRIVED, 1) === this.buffers.participants - 1) {
      Atomics.store(this.control, ARRIVED, 0);
      Atomics.add(this.control, GENERATION, 1);
      Atomics.notify(this.control, GENERATION);
      return;
    }
    const deadline = performance.now() + this.timeoutMs;
    while (Atomics.load(this.control, GENERATION) === generation) {
      this.throwIfAborted();
      const remaining = deadline - performance.now();
      if (remaining <= 0) {
        throw new ExchangeAbortedError(
          `Training worker ${this.index} waited ${this.timeoutMs} ms for the other workers at a gradient exchange: one of them stopped or stalled.`,
        );
      }
      Atomics.wait(this.control, GENERATION, generation, remaining);
    }
    this.throwIfAborted();
  }

  private throwIfAborted(): void {
    if (Atomics.load(this.control, ABORTED) === 1) {
      throw new ExchangeAbortedError(`Training worker ${this.index} stopped because another training worker failed.`);
    }
  }
}
