import * as tf from '@tensorflow/tfjs-core';
import { FusedKernelName, hasFusedKernel, runFusedKernel } from './kernel-names.js';

/**
 * Mean softmax cross-entropy of logits [rows, classes] against int32 class indices [rows], rows
 * whose target is `ignoreIndex` left out of both sums (PyTorch's F.cross_entropy with reduction
 * 'mean'), in one kernel forward and one backward, where the backend has them.
 *   TesseraSoftmaxCrossEntropy     inputs { logits, targets } attrs { ignoreIndex }
 *                                  -> [loss (scalar), logProbabilities, keptCount (scalar)]
 *   TesseraSoftmaxCrossEntropyGrad inputs { dy, logProbabilities, targets, keptCount }
 *                                  attrs { ignoreIndex } -> [dlogits]
 */
export function fusedSoftmaxCrossEntropyAvailable(): boolean {
  return hasFusedKernel(FusedKernelName.softmaxCrossEntropy, FusedKernelName.softmaxCrossEntropyGrad);
}

export function fusedSoftmaxCrossEntropy(logits: tf.Tensor2D, targets: tf.Tensor1D, ignoreIndex: number): tf.Scalar {
  // Targets are closed over rather than passed: they are int32 and never differentiated.
  const crossEntropy = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [input, save] = args as [tf.Tensor, tf.GradSaveFunc];
    const [loss, logProbabilities, keptCount] = runFusedKernel(
      FusedKernelName.softmaxCrossEntropy,
      { logits: input, targets },
      { ignoreIndex },
    );
    save([logProbabilities!, targets, keptCount!]);
    return {
      value: loss!,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        runFusedKernel(
          FusedKernelName.softmaxCrossEntropyGrad,
          { dy, logProbabilities: saved[0]!, targets: saved[1]!, keptCount: saved[2]! },
          { ignoreIndex },
        )[0]!,
    };
  });
  return crossEntropy(logits) as tf.Scalar;
}
