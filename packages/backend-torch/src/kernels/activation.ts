import type { NativeTensor, TorchBackend } from '../torch-backend.js';

/**
 * The activations tfjs fuses into `_FusedMatMul`, `FusedConv2D` and `FusedDepthwiseConv2D`
 * (tfjs `Activation`: linear, relu, relu6, prelu, elu, leakyrelu, sigmoid).
 */
export function applyActivation(
  backend: TorchBackend,
  x: NativeTensor,
  activation: string | undefined,
  preluWeights: number | undefined,
  leakyreluAlpha: number | undefined,
): NativeTensor {
  switch (activation ?? 'linear') {
    case 'linear':
      return x;
    case 'relu':
      return backend.op('relu', '', [x.id]);
    case 'relu6':
      return backend.op('hardtanh', '', [x.id, 0, 6]);
    case 'elu':
      return backend.op('elu', '', [x.id]);
    case 'sigmoid':
      return backend.op('sigmoid', '', [x.id]);
    case 'leakyrelu':
      return backend.op('leaky_relu', '', [x.id, leakyreluAlpha ?? 0.2]);
    case 'prelu': {
      // tfjs prelu: x where x >= 0, else alpha * x, with alpha broadcast like a binary op.
      const negative = backend.op('mul', 'Tensor', [x.id, preluWeights]);
      const positive = backend.op('gt', 'Scalar', [x.id, 0]);
      return backend.op('where', 'self', [positive.id, x.id, negative.id]);
    }
    default:
      throw new Error(`activation '${activation}' is not supported by the torch backend`);
  }
}
