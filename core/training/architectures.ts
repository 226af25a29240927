import * as tf from '@tensorflow/tfjs';
import { SnapclassError } from '../errors.js';
import { registerBatchNormGradient } from './batch-norm-gradient.js';

/** Names of the model architectures that `--arch` accepts. */
export const ARCHITECTURES = ['cnn-fast', 'cnn-small', 'cnn-deep', 'mlp'] as const;
export type ArchitectureName = (typeof ARCHITECTURES)[number];

/** Options for {@link buildModel}. */
export interface BuildModelArgs {
  inputShape: [number, number, number];
  classCount: number;
  /** Seed of the weight initialisers and dropout masks. */
  seed: number;
  /** Dropout rate before the classifier head; defaults to 0.3. */
  dropout?: number;
  /**
   * Multiplier of every layer's filter and unit count, rounded to a whole number of at least 4;
   * defaults to 1. Ignored by `mlp`.
   */
  width?: number;
  /**
   * Batch normalisation after every convolution and hidden dense layer. Defaults to false for
   * `cnn-fast` and `cnn-small` and to true for `cnn-deep`. Ignored by `mlp`.
   */
  batchNorm?: boolean;
}

/** Filters per convolution block and units of the hidden dense layer, at width 1. */
const LAYOUTS: Record<Exclude<ArchitectureName, 'mlp'>, { blocks: number[][]; dense: number }> = {
  'cnn-fast': { blocks: [[16], [32]], dense: 64 },
  'cnn-small': { blocks: [[32], [64]], dense: 128 },
  'cnn-deep': { blocks: [[32], [64], [128]], dense: 128 },
};

/**
 * Builds an uncompiled tf.layers model whose output is class probabilities (softmax).
 *
 * - `cnn-fast`: two 3x3 convolutions (16 and 32 filters, each followed by 2x2 max pooling),
 *   a dense layer of 64 units and dropout; about 106k parameters for 28x28x1 input. The quick
 *   default that `npm start` trains.
 * - `cnn-small`: the same shape at twice the width (32 and 64 filters, 128 dense units), about
 *   420k parameters and four times the multiply-adds of `cnn-fast`.
 * - `cnn-deep`: three convolution blocks (32, 64, 128 filters, the last pooled to 3x3) with
 *   batch normalisation, 128 dense units and dropout; about 240k parameters and about seven
 *   times the multiply-adds of `cnn-fast`.
 * - `mlp`: one hidden dense layer of 64 units; for tiny tests on the CPU backend.
 *
 * @throws SnapclassError `unknown_architecture` for a name outside {@link ARCHITECTURES}.
 * @throws SnapclassError `invalid_architecture_args` for a width that is not positive.
 */
export function buildModel(name: string, args: BuildModelArgs): tf.LayersModel {
  const width = args.width ?? 1;
  if (!(width > 0) || !Number.isFinite(width)) {
    throw new SnapclassError('invalid_architecture_args', `Model width must be a positive number, received ${width}.`);
  }

  if (name === 'mlp') {
    let seed = args.seed;
    return tf.sequential({
      name: 'mlp',
      layers: [
        tf.layers.flatten({ inputShape: args.inputShape }),
        tf.layers.dense({ units: 64, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: seed++ }) }),
        tf.layers.dense({ units: args.classCount, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: seed++ }) }),
      ],
    });
  }

  const layout = LAYOUTS[name as Exclude<ArchitectureName, 'mlp'>];
  if (!layout) {
    throw new SnapclassError('unknown_architecture', `Unknown architecture "${name}". Use one of: ${ARCHITECTURES.join(', ')}.`);
  }
  const batchNorm = args.batchNorm ?? name === 'cnn-deep';
  return buildConvolutionalModel(name.replace('-', '_'), layout, { ...args, width, batchNorm });
}

function buildConvolutionalModel(
  modelName: string,
  layout: { blocks: number[][]; dense: number },
  args: BuildModelArgs & { width: number; batchNorm: boolean },
): tf.LayersModel {
  if (args.batchNorm) registerBatchNormGradient();
  let seed = args.seed;
  const init = () => tf.initializers.glorotUniform({ seed: seed++ });
  const scaled = (count: number) => Math.max(4, Math.round(count * args.width));
  const model = tf.sequential({ name: modelName });

  let first = true;
  for (const block of layout.blocks) {
    for (const filters of block) {
      model.add(
        tf.layers.conv2d({
          ...(first ? { inputShape: args.inputShape } : {}),
          filters: scaled(filters),
          kernelSize: 3,
          padding: 'same',
          // Batch normalisation has its own offset, so a convolution bias would be redundant.
          useBias: !args.batchNorm,
          activation: args.batchNorm ? 'linear' : 'relu',
          kernelInitializer: init(),
        }),
      );
      first = false;
      if (args.batchNorm) {
        model.add(tf.layers.batchNormalization({ axis: -1 }));
        model.add(tf.layers.activation({ activation: 'relu' }));
      }
    }
    model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  }

  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: scaled(layout.dense), useBias: !args.batchNorm, activation: args.batchNorm ? 'linear' : 'relu', kernelInitializer: init() }));
  if (args.batchNorm) {
    model.add(tf.layers.batchNormalization({ axis: -1 }));
    model.add(tf.layers.activation({ activation: 'relu' }));
  }
  model.add(tf.layers.dropout({ rate: args.dropout ?? 0.3, seed: seed++ }));
  model.add(tf.layers.dense({ units: args.classCount, activation: 'softmax', kernelInitializer: init() }));
  return model;
}
