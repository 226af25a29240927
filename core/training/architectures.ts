import * as tf from '@tensorflow/tfjs';
import { SnapclassError } from '../errors.js';

/** Names of the model architectures that `--arch` accepts. */
export const ARCHITECTURES = ['cnn-fast', 'cnn-small', 'mlp'] as const;
export type ArchitectureName = (typeof ARCHITECTURES)[number];

/** Options for {@link buildModel}. */
export interface BuildModelArgs {
  inputShape: [number, number, number];
  classCount: number;
  /** Seed of the weight initialisers and dropout masks. */
  seed: number;
  /** Dropout rate before the classifier head; defaults to 0.3. */
  dropout?: number;
}

/**
 * Builds an uncompiled tf.layers model whose output is class probabilities (softmax).
 *
 * - `cnn-small`: two 3x3 convolutions (32 and 64 filters, each followed by 2x2 max pooling),
 *   a dense layer of 128 units and dropout; about 420k parameters for 28x28x1 input.
 * - `cnn-fast`: the same shape at half the width (16 and 32 filters, 64 dense units), about
 *   four times fewer multiply-adds; the quick default that `npm start` trains.
 * - `mlp`: one hidden dense layer of 64 units; for tiny tests on the CPU backend.
 *
 * @throws SnapclassError `unknown_architecture` for a name outside {@link ARCHITECTURES}.
 */
export function buildModel(name: string, args: BuildModelArgs): tf.LayersModel {
  const dropout = args.dropout ?? 0.3;
  let seed = args.seed;
  const init = () => tf.initializers.glorotUniform({ seed: seed++ });

  switch (name) {
    case 'cnn-small':
      return tf.sequential({
        name: 'cnn_small',
        layers: [
          tf.layers.conv2d({ inputShape: args.inputShape, filters: 32, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init() }),
          tf.layers.maxPooling2d({ poolSize: 2 }),
          tf.layers.conv2d({ filters: 64, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init() }),
          tf.layers.maxPooling2d({ poolSize: 2 }),
          tf.layers.flatten(),
          tf.layers.dense({ units: 128, activation: 'relu', kernelInitializer: init() }),
          tf.layers.dropout({ rate: dropout, seed: seed++ }),
          tf.layers.dense({ units: args.classCount, activation: 'softmax', kernelInitializer: init() }),
        ],
      });
    case 'cnn-fast':
      return tf.sequential({
        name: 'cnn_fast',
        layers: [
          tf.layers.conv2d({ inputShape: args.inputShape, filters: 16, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init() }),
          tf.layers.maxPooling2d({ poolSize: 2 }),
          tf.layers.conv2d({ filters: 32, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init() }),
          tf.layers.maxPooling2d({ poolSize: 2 }),
          tf.layers.flatten(),
          tf.layers.dense({ units: 64, activation: 'relu', kernelInitializer: init() }),
          tf.layers.dropout({ rate: dropout, seed: seed++ }),
          tf.layers.dense({ units: args.classCount, activation: 'softmax', kernelInitializer: init() }),
        ],
      });
    case 'mlp':
      return tf.sequential({
        name: 'mlp',
        layers: [
          tf.layers.flatten({ inputShape: args.inputShape }),
          tf.layers.dense({ units: 64, activation: 'relu', kernelInitializer: init() }),
          tf.layers.dense({ units: args.classCount, activation: 'softmax', kernelInitializer: init() }),
        ],
      });
    default:
      throw new SnapclassError(
        'unknown_architecture',
        `Unknown architecture "${name}". Use one of: ${ARCHITECTURES.join(', ')}.`,
      );
  }
}
