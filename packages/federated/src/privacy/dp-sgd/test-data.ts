// Data and a model for the DP-SGD tests.
import {
  classificationTask,
  computeGradients,
  createRandomGenerator,
  datasetFromColumns,
  Linear,
  Module,
  relu,
  tf,
} from '@tessera/core';
import type { DifferentiallyPrivateSGD } from './differentially-private-sgd.js';

const task = classificationTask();

/** 3 classes in 4 features, separable by the first two. */
export function tabularData(count: number, seed: number) {
  const random = createRandomGenerator(seed);
  const features = new Float32Array(count * 4);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const label = i % 3;
    labels[i] = label;
    for (let j = 0; j < 4; j++) features[i * 4 + j] = 0.4 * random.nextNormal();
    features[i * 4] = (features[i * 4] as number) + (label === 0 ? 1 : -1);
    features[i * 4 + 1] = (features[i * 4 + 1] as number) + (label === 1 ? 1 : -1);
  }
  return datasetFromColumns({ features: { values: features, rowLength: 4 }, labels });
}

export class Mlp extends Module<[tf.Tensor], tf.Tensor> {
  readonly hidden = this.registerModule('hidden', new Linear(4, 16));
  readonly head = this.registerModule('head', new Linear(16, 3));
  forward(x: tf.Tensor) {
    return tf.tidy(() => this.head.forward(relu(this.hidden.forward(x))));
  }
}

/** One private step on `batch` outside any trainer: the transform's output gradients. */
export function privateStep(
  privacy: DifferentiallyPrivateSGD,
  model: Module<[tf.Tensor], tf.Tensor>,
  batch: object,
  step = 0,
) {
  const privateTask = privacy.wrapTask(task);
  const { loss, gradients } = computeGradients(
    model.trainableParameters(),
    () => privateTask.forward(model, batch as Record<string, tf.Tensor>, { training: true }).loss,
  );
  const result = privacy.gradientTransform.apply(gradients, { step });
  tf.dispose([loss, ...Object.values(gradients)]);
  return result;
}
