import { TesseraError } from '@tessera/spec';
import { sharedTorchState } from './shared-state.js';

/**
 * What the torch backends' products compute in. `'fp32'` (the default): everything in float32.
 * `'bf16-mixed'`: matrix products, linear layers, attention's two products and convolutions read
 * bfloat16 copies of their float32 operands and accumulate in float32 (oneDNN's AVX-512 BF16
 * kernels on CPU), and their results come back as float32; softmax, norms, reductions, losses,
 * the optimizer and every tensor tfjs sees stay float32 (PyTorch autocast's rules, with float32
 * master weights and optimizer state). See the README's "Mixed precision".
 */
export const TORCH_PRECISIONS = ['fp32', 'bf16-mixed'] as const;

export type TorchPrecision = (typeof TORCH_PRECISIONS)[number];

/**
 * Sets the precision of the `torch` and `torch-cuda` backends' products for every kernel run from
 * now on (tensors already made keep their float32 values). Throws `E_TORCH_PRECISION` for a name
 * outside {@link TORCH_PRECISIONS}.
 */
export function setTorchPrecision(next: TorchPrecision): TorchPrecision {
  if (!(TORCH_PRECISIONS as readonly string[]).includes(next)) {
    throw new TesseraError(
      'E_TORCH_PRECISION',
      `unknown precision '${String(next)}' for the torch backend; choose one of: ${TORCH_PRECISIONS.join(', ')}`,
    );
  }
  const state = sharedTorchState(); // shared: the backend registered first may be another copy's
  const previous = state.precision;
  state.precision = next;
  return previous;
}

/** The precision the torch backends' products compute in now. */
export function torchPrecision(): TorchPrecision {
  return sharedTorchState().precision;
}
