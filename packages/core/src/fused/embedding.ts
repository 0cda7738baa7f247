import * as tf from '@tensorflow/tfjs-core';
import { FusedKernelName, hasFusedKernel, runFusedKernel } from './kernel-names.js';

/**
 * An embedding lookup in one kernel, and its gradient in one, where the backend has them
 * (PyTorch's F.embedding and embedding_dense_backward).
 *   TesseraEmbedding     inputs { weight [count, dimension], ids [...] int32 }  -> [vectors [..., dimension]]
 *   TesseraEmbeddingGrad inputs { dy [..., dimension], ids }  attrs { count }    -> [dweight [count, dimension]]
 * Composed in tfjs, the gradient of `gather` is ~10 kernels (reshapes and transposes around an
 * UnsortedSegmentSum); a recommender's training step is mostly embeddings, so their overhead was
 * most of the step.
 */
export function fusedEmbeddingAvailable(): boolean {
  return hasFusedKernel(FusedKernelName.embedding, FusedKernelName.embeddingGrad);
}

export function fusedEmbedding(weight: tf.Tensor, ids: tf.Tensor): tf.Tensor {
  const count = weight.shape[0]!;
  const embedding = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [table, save] = args as [tf.Tensor, tf.GradSaveFunc];
    save([ids]); // ids are no input of the custom op (they get no gradient), but backward needs them
    return {
      value: runFusedKernel(FusedKernelName.embedding, { weight: table, ids })[0]!,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        runFusedKernel(FusedKernelName.embeddingGrad, { dy, ids: saved[0]! }, { count })[0]!,
    };
  });
  return embedding(weight);
}
