import { computeGradients, type Module, type NamedGradients, tf } from '@tessera/core';
import { materialize } from './contributions.js';
import { disposeRecordedBatch, ExampleGradientRecorder, type LossReduction } from './example-gradient-recorder.js';

export interface PerExampleGradientsOptions {
  /** How `loss` combines the examples' losses (default 'mean', as Opacus's loss_reduction). */
  lossReduction?: LossReduction;
}

/**
 * The gradient of every example's own loss with respect to each trainable parameter, from one
 * forward and one backward pass (the batched method of Opacus and of Goodfellow 2015, not a
 * backward pass per example): `gradients[name]` is [batch, ...parameterShape]. `loss` computes
 * the batch loss from `model` (e.g. `() => task.forward(model, batch, { training: true }).loss`).
 * Layers: Linear, Conv2d, Embedding, LayerNorm, RMSNorm; BatchNorm is refused. The caller
 * disposes the returned tensors.
 */
export function perExampleGradients(
  // biome-ignore lint/suspicious/noExplicitAny: any module signature.
  model: Module<any[], unknown>,
  loss: () => tf.Scalar,
  options: PerExampleGradientsOptions = {},
): { loss: tf.Scalar; gradients: NamedGradients } {
  const recorder = new ExampleGradientRecorder(model);
  try {
    const { loss: value, gradients: batchGradients } = computeGradients(model.trainableParameters(), () =>
      recorder.record(loss),
    );
    tf.dispose(Object.values(batchGradients));
    const batch = recorder.takeBatch(options.lossReduction ?? 'mean');
    const gradients: NamedGradients = {};
    for (const [name, contribution] of batch.contributions) gradients[name] = materialize(contribution);
    disposeRecordedBatch(batch);
    return { loss: value, gradients };
  } finally {
    recorder.detach();
  }
}
