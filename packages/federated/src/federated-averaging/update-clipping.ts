import { TesseraError, tf } from '@tessera/core';
import { type ModelState, stateNorm } from './model-state.js';

export function checkMaxUpdateNorm(maxUpdateNorm: unknown): number | undefined {
  if (maxUpdateNorm === undefined) return undefined;
  if (typeof maxUpdateNorm !== 'number' || !(maxUpdateNorm > 0) || !Number.isFinite(maxUpdateNorm)) {
    throw new TesseraError(
      'E_FEDERATED_OPTIONS',
      `maxUpdateNorm must be a finite number > 0, got ${String(maxUpdateNorm)}`,
    );
  }
  return maxUpdateNorm;
}

/**
 * The update scaled to L2 norm at most `maxNorm` (as one flat vector, like global-norm gradient
 * clipping): Δ · min(1, maxNorm / ‖Δ‖). Returns new tensors (the caller keeps `delta`), the norm
 * before clipping and whether it was clipped. This is the server-side bound on what one client
 * can do to the global model in a round: a poisoned update moves it by at most
 * maxNorm · n_k / Σ n.
 */
export function clipUpdate(
  delta: ModelState,
  maxNorm: number,
  norm = stateNorm(delta),
): { delta: ModelState; norm: number; clipped: boolean } {
  const clipped = norm > maxNorm;
  const factor = clipped ? maxNorm / norm : 1;
  const scaled = tf.tidy(() =>
    Object.fromEntries(
      Object.entries(delta).map(([name, tensor]) => [name, factor === 1 ? tf.clone(tensor) : tf.mul(tensor, factor)]),
    ),
  );
  return { delta: scaled, norm, clipped };
}
