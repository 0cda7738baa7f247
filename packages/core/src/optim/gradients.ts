import * as tf from '@tensorflow/tfjs-core';
import type { GradientTransform } from '@tessera/spec';
import { TesseraError } from '../errors.js';
import { fusedClipByGlobalNorm, fusedClipByGlobalNormAvailable } from '../fused/clip-by-global-norm.js';
import type { NamedGradients, NamedParameters } from './optimizer.js';

/** A step between gradients and the optimizer (clipping, accumulation, DP-SGD): @tessera/spec's contract. */
export type { GradientTransform } from '@tessera/spec';

/**
 * The loss and its gradients with respect to `parameters`, keyed by their dotted names. Only
 * trainable parameters are differentiated; the returned tensors belong to the caller.
 */
export function computeGradients(
  parameters: NamedParameters,
  loss: () => tf.Scalar,
): { loss: tf.Scalar; gradients: NamedGradients } {
  const trainable = parameters.filter(([, variable]) => variable.trainable);
  if (trainable.length === 0) {
    throw new TesseraError('E_GRADIENTS_NONE', 'no trainable parameters to differentiate: are they all frozen?');
  }
  const { value, grads } = tf.variableGrads(
    loss,
    trainable.map(([, variable]) => variable),
  );
  const gradients: NamedGradients = {};
  for (const [name, variable] of trainable) {
    const gradient = grads[variable.name];
    if (gradient !== undefined) gradients[name] = gradient;
  }
  return { loss: value, gradients };
}

/** √(Σ ‖g‖²) over all gradients: the norm global clipping compares with its maximum. */
export function globalNorm(gradients: NamedGradients): tf.Scalar {
  return tf.tidy(() => {
    const squares = Object.values(gradients).map((gradient) => tf.sum(tf.square(gradient)));
    return (squares.length === 0 ? tf.scalar(0) : tf.sqrt(tf.addN(squares))) as tf.Scalar;
  });
}

/**
 * Global-norm clipping (torch.nn.utils.clip_grad_norm_): when the global norm exceeds
 * `maxNorm`, every gradient is scaled by maxNorm / (norm + 1e-6).
 */
export function clipGradientNorm(maxNorm: number): GradientTransform {
  if (!(maxNorm > 0)) throw new TesseraError('E_GRADIENT_TRANSFORM', `maxNorm must be positive, got ${maxNorm}`);
  return {
    name: `clipGradientNorm(${maxNorm})`,
    apply(gradients) {
      const names = Object.keys(gradients);
      if (names.length > 0 && fusedClipByGlobalNormAvailable()) {
        // One kernel for the norm and every scaled gradient where the backend has it (torch).
        const clipped = fusedClipByGlobalNorm(Object.values(gradients), maxNorm);
        clipped.norm.dispose();
        return Object.fromEntries(names.map((name, index) => [name, clipped.gradients[index]!]));
      }
      const norm = globalNorm(gradients);
      const scale = tf.minimum(1, tf.div(maxNorm, tf.add(norm, 1e-6)));
      return Object.fromEntries(Object.entries(gradients).map(([name, gradient]) => [name, tf.mul(gradient, scale)]));
    },
  };
}
