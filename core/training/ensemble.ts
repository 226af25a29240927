import * as tf from '@tensorflow/tfjs';
import { SnapclassError } from '../errors.js';

/**
 * Builds one model that averages the class probabilities of `members`, so an ensemble is
 * saved, loaded and served like any single model. Each member is copied under the name
 * `member_<i>` (nested models must have distinct names), with its weights; the originals
 * stay owned by the caller. All members must take the same input shape and preprocessing.
 *
 * @throws SnapclassError `invalid_ensemble` for fewer than two members or differing input shapes.
 */
export async function buildEnsemble(members: tf.LayersModel[]): Promise<tf.LayersModel> {
  if (members.length < 2) throw new SnapclassError('invalid_ensemble', `An ensemble needs at least 2 members, received ${members.length}.`);
  const inputShape = members[0]?.inputs[0]?.shape.slice(1) as number[];
  for (const member of members) {
    if (JSON.stringify(member.inputs[0]?.shape.slice(1)) !== JSON.stringify(inputShape)) {
      throw new SnapclassError('invalid_ensemble', `Ensemble members take different input shapes: ${JSON.stringify(inputShape)} and ${JSON.stringify(member.inputs[0]?.shape.slice(1))}.`);
    }
  }

  const copies: tf.LayersModel[] = [];
  for (const [i, member] of members.entries()) {
    const topology = member.toJSON(null, false) as { config: { name: string } };
    topology.config.name = `member_${i}`;
    const copy = await tf.models.modelFromJSON({ modelTopology: topology as unknown as tf.io.ModelJSON['modelTopology'] });
    copy.setWeights(member.getWeights());
    copies.push(copy);
  }

  const input = tf.input({ shape: inputShape });
  const outputs = copies.map((copy) => copy.apply(input) as tf.SymbolicTensor);
  const averaged = tf.layers.average({ name: 'ensemble_average' }).apply(outputs) as tf.SymbolicTensor;
  return tf.model({ name: 'ensemble', inputs: input, outputs: averaged });
}
