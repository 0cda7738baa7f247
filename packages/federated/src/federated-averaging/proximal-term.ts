import { type GradientTransform, type Module, TesseraError, tf } from '@tessera/core';
import type { ModelState } from './model-state.js';

/**
 * FedProx's proximal term (Li et al. 2020): local training minimises
 * F_k(w) + (μ/2)‖w − w_global‖², whose gradient adds μ(w − w_global) to the task gradient. As a
 * `GradientTransform` it plugs into any training loop; `anchor` holds the global weights the
 * round started from (the caller owns and disposes them). μ = 0 is plain FedAvg.
 */
// biome-ignore lint/suspicious/noExplicitAny: any module signature.
export function proximalTerm(model: Module<any[], unknown>, anchor: ModelState, strength: number): GradientTransform {
  if (typeof strength !== 'number' || !(strength >= 0) || !Number.isFinite(strength)) {
    throw new TesseraError(
      'E_FEDERATED_OPTIONS',
      `proximalStrength (μ) must be a finite number ≥ 0, got ${String(strength)}`,
    );
  }
  const parameters = new Map(model.namedParameters());
  return {
    name: `proximalTerm(${strength})`,
    apply(gradients) {
      return Object.fromEntries(
        Object.entries(gradients).map(([name, gradient]) => {
          const parameter = parameters.get(name);
          const center = anchor[name];
          if (parameter === undefined || center === undefined) {
            throw new TesseraError('E_FEDERATED_OPTIONS', `the proximal term has no global weight for '${name}'`);
          }
          return [name, tf.add(gradient, tf.mul(strength, tf.sub(parameter, center)))];
        }),
      );
    },
  };
}
