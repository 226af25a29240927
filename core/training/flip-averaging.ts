import * as tf from '@tensorflow/tfjs';

import { SnapclassError } from '../errors.js';

/** Name of the fixed Dense layer that reverses the width axis. */
const FLIP_LAYER_NAME = 'flip_reverse_width';

/**
 * Wraps a trained classifier so that it classifies each image and its mirror image (flipped left
 * to right) and averages the two before the classifier head. This test-time augmentation is saved
 * inside the model, so every front end, the evaluation and the quality report get it without
 * code of their own. The head, the model's last softmax Dense layer, receives the mean of
 * the two penultimate-layer activations, which averages the two sets of logits. The penultimate
 * activation that monitoring compares is therefore that mean. The flip is made of standard layers
 * (a Permute, a fixed permutation Dense layer and a Permute back), so the model saves and loads
 * like any other. The wrapper shares the layers and weights of `model`.
 *
 * Only useful for models trained with horizontal flips, whose classes look alike mirrored.
 *
 * @throws SnapclassError `unsupported_model` when the last layer is not a softmax Dense layer.
 */
export function wrapWithFlipAveraging(model: tf.LayersModel): tf.LayersModel {
  const head = model.layers.at(-1);
  const headConfig = head?.getConfig() as { activation?: string } | undefined;
  if (!head || head.getClassName() !== 'Dense' || headConfig?.activation !== 'softmax' || model.layers.length < 2) {
    throw new SnapclassError('unsupported_model', `Flip averaging needs a model whose last layer is a softmax Dense layer, but ${model.name} ends with ${head?.getClassName() ?? 'no layer'}.`);
  }

  const body = tf.model({ name: `${model.name}_body`, inputs: model.inputs, outputs: model.layers.at(-2)!.output as tf.SymbolicTensor });
  const inputShape = model.inputs[0]!.shape.slice(1) as number[];
  const input = tf.input({ shape: inputShape, name: 'image' });
  const mirrored = mirrorLeftToRight(input, inputShape);
  const averaged = tf.layers.average({ name: 'flip_average' }).apply([body.apply(input), body.apply(mirrored)] as tf.SymbolicTensor[]);
  const output = head.apply(averaged) as tf.SymbolicTensor;
  return tf.model({ name: `${model.name}_flip_averaged`, inputs: input, outputs: output });
}

/**
 * Returns the weights of the plain model inside a model that {@link wrapWithFlipAveraging}
 * built, in the order of the plain model's layers, so training can continue from them. Returns
 * the weights of any other model as they are.
 */
export function unwrappedWeights(model: tf.LayersModel): tf.Tensor[] {
  const flip = model.layers.find((layer) => layer.name === FLIP_LAYER_NAME);
  if (!model.name.endsWith('_flip_averaged') || !flip) return model.getWeights();
  // A model lists its trainable weights first, then the others, each in layer order. Leaving
  // out the fixed flip kernel leaves the plain model's order.
  const flipKernels = new Set(flip.weights);
  return model.weights.filter((weight) => !flipKernels.has(weight)).map((weight) => weight.read());
}

/** Mirrors [height, width, channels] images left to right with layers that every TensorFlow.js version can load. */
function mirrorLeftToRight(input: tf.SymbolicTensor, [, width]: number[]): tf.SymbolicTensor {
  const permutation = tf.buffer([width!, width!]);
  for (let column = 0; column < width!; column++) permutation.set(1, column, width! - 1 - column);
  const widthLast = tf.layers.permute({ dims: [1, 3, 2], name: 'flip_width_last' }).apply(input) as tf.SymbolicTensor;
  const reverse = tf.layers.dense({ units: width!, useBias: false, trainable: false, name: FLIP_LAYER_NAME });
  const reversed = reverse.apply(widthLast) as tf.SymbolicTensor;
  const kernel = permutation.toTensor();
  reverse.setWeights([kernel]);
  kernel.dispose();
  return tf.layers.permute({ dims: [1, 3, 2], name: 'flip_width_back' }).apply(reversed) as tf.SymbolicTensor;
}
