import * as tf from '@tensorflow/tfjs';

import type { GradientExchange } from './gradient-exchange.js';

/** A tensor with the name of the variable it belongs to, as tf.Optimizer passes gradients and weights. */
interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

/**
 * An optimizer for data-parallel training: before each update it averages the gradients with the
 * other workers through a {@link GradientExchange}, weighted by each worker's share of the batch,
 * and then lets the wrapped optimizer apply the mean. Every worker starts from the same weights
 * and applies the same mean, so the model copies stay identical. With tf.layers, pass it to
 * `model.compile` and train as usual with `trainOnBatch`.
 */
export class ExchangingOptimizer extends tf.Optimizer {
  static get className(): string {
    return 'ExchangingOptimizer';
  }

  /** Elapsed training time of worker 0 at the last exchange, in ms. */
  leaderElapsedMs = 0;

  /**
   * @param inner the optimizer that applies the averaged gradients, such as tf.train.adam.
   * @param batchWeight returns this worker's number of images in the current batch.
   * @param elapsedMs returns this worker's elapsed training time, which worker 0 shares with all.
   */
  constructor(
    private readonly inner: tf.Optimizer,
    private readonly exchange: GradientExchange,
    private readonly batchWeight: () => number,
    private readonly elapsedMs: () => number,
  ) {
    super();
  }

  override applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const named = Array.isArray(variableGradients)
      ? variableGradients
      : Object.entries(variableGradients).map(([name, tensor]) => ({ name, tensor }));
    // Every worker builds the same model in the same order, so names and order match across workers.
    const size = named.reduce((sum, { tensor }) => sum + tensor.size, 0);
    const flat = new Float32Array(size);
    let offset = 0;
    for (const { tensor } of named) {
      flat.set(tensor.dataSync() as Float32Array, offset);
      offset += tensor.size;
    }

    const { mean, leaderElapsedMs } = this.exchange.allReduceMean(flat, this.batchWeight(), this.elapsedMs());
    this.leaderElapsedMs = leaderElapsedMs;

    offset = 0;
    const averaged: NamedTensor[] = named.map(({ name, tensor }) => {
      const values = mean.subarray(offset, offset + tensor.size);
      offset += tensor.size;
      return { name, tensor: tf.tensor(values, tensor.shape, 'float32') };
    });
    try {
      this.inner.applyGradients(averaged);
    } finally {
      for (const { tensor } of averaged) tensor.dispose();
    }
  }

  override async getWeights(): Promise<NamedTensor[]> {
    return this.inner.getWeights();
  }

  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    await this.inner.setWeights(weightValues);
  }

  override dispose(): void {
    this.inner.dispose();
  }

  override getConfig(): tf.serialization.ConfigDict {
    return this.inner.getConfig();
  }
}
