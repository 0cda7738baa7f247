import { TesseraError, tf } from '@tessera/core';
import { type BackendAdapter, builtinBackendAdapters } from '@tessera/core/backend';

/**
 * What a training run computes in. `'fp32'` (default): float32 throughout, on every backend.
 * `'bf16-mixed'`: matrix products, linear layers, attention and convolutions in bfloat16 with float32
 * accumulation, everything else (softmax, norms, losses, weights, optimizer state) float32, as
 * PyTorch's `torch.autocast(dtype=torch.bfloat16)`; only backends with 16-bit kernels run it
 * (`torch`, `torch-cuda` from `@tessera/backend-torch`); the others refuse it.
 */
export const TRAINING_PRECISIONS = ['fp32', 'bf16-mixed'] as const;

export type TrainingPrecision = (typeof TRAINING_PRECISIONS)[number];

/**
 * Asks the active tfjs backend to compute in `precision`, through the backend contract's optional
 * `setPrecision` (@tessera/spec's BackendAdapter). A backend without it computes in fp32 only: it
 * accepts `'fp32'` and refuses `'bf16-mixed'` with `E_TRAINER_PRECISION`, naming the installed
 * backends that have 16-bit kernels. Resolves to the precision the backend computed in before.
 */
export async function applyTrainingPrecision(
  precision: TrainingPrecision,
  adapters: readonly BackendAdapter[] = builtinBackendAdapters,
): Promise<TrainingPrecision> {
  if (!(TRAINING_PRECISIONS as readonly string[]).includes(precision)) {
    throw new TesseraError(
      'E_TRAINER_PRECISION',
      `unknown precision '${String(precision)}'; choose one of: ${TRAINING_PRECISIONS.join(', ')}`,
    );
  }
  const activeName = tf.getBackend();
  const active = adapters.find((adapter) => adapter.tfjsBackendName === activeName);
  await active?.isAvailable(); // loads the backend's package, whose adapter may bring setPrecision
  if (active?.setPrecision !== undefined) return active.setPrecision(precision);
  if (precision === 'fp32') return 'fp32'; // every backend computes in fp32
  // Loading every installed backend package shows which of them have 16-bit kernels.
  await Promise.all(adapters.map((adapter) => adapter.isAvailable()));
  const capable = adapters.filter((adapter) => adapter.setPrecision !== undefined).map((adapter) => adapter.name);
  const where =
    capable.length > 0
      ? `backends with them: ${capable.join(', ')} (e.g. initBackend({ backend: '${capable.at(-1)}' }))`
      : 'no installed backend has them (@tessera/backend-torch provides torch and torch-cuda)';
  throw new TesseraError(
    'E_TRAINER_PRECISION',
    `precision '${precision}' needs a backend with 16-bit kernels, but the active backend '${activeName}' computes ` +
      `in fp32 only; ${where}; or train with precision 'fp32'`,
    { category: 'unavailable' },
  );
}
