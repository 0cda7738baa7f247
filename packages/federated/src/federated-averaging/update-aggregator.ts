import { TesseraError, tf } from '@tessera/core';
import {
  averagedEntryNames,
  type ClientUpdate,
  checkUpdate,
  cloneState,
  disposeState,
  type ModelState,
} from './model-state.js';
import { checkMaxUpdateNorm, clipUpdate } from './update-clipping.js';

export interface UpdateAggregatorOptions {
  /** Clip every client's update to this L2 norm before averaging (default: no bound). */
  maxUpdateNorm?: number;
}

/** What `add` found about one update. */
export interface AddedUpdate {
  norm: number;
  clipped: boolean;
}

/**
 * FedAvg's server step (McMahan et al. 2017): w ← w + Σ_k n_k Δ_k / Σ_k n_k over the clients that
 * reported, Δ_k = w_k − w. Updates are checked against the global model (names, shapes, finite
 * values), optionally norm-clipped, and folded into a running weighted sum as they arrive, so
 * only one update is in memory at a time.
 */
export class UpdateAggregator {
  readonly maxUpdateNorm: number | undefined;
  private readonly reference: ModelState;
  private sum: ModelState | undefined;
  private examples = 0;
  private updates = 0;

  /** `reference` is the global model the updates are relative to (its tensors stay the caller's). */
  constructor(reference: ModelState, options: UpdateAggregatorOptions = {}) {
    this.reference = reference;
    this.maxUpdateNorm = checkMaxUpdateNorm(options.maxUpdateNorm);
  }

  get updateCount(): number {
    return this.updates;
  }

  get exampleCount(): number {
    return this.examples;
  }

  /** Folds one update in (the caller keeps `update.delta`). Throws E_FEDERATED_UPDATE for a bad one. */
  add(update: ClientUpdate): AddedUpdate {
    if (!Number.isSafeInteger(update.exampleCount) || update.exampleCount < 1) {
      throw new TesseraError(
        'E_FEDERATED_UPDATE',
        `exampleCount must be a positive integer, got ${String(update.exampleCount)}`,
      );
    }
    const norm = checkUpdate(update.delta, this.reference);
    const bounded =
      this.maxUpdateNorm === undefined
        ? { delta: update.delta, clipped: false }
        : clipUpdate(update.delta, this.maxUpdateNorm, norm);
    const previous = this.sum;
    this.sum = tf.tidy(() =>
      Object.fromEntries(
        averagedEntryNames(this.reference).map((name) => {
          const weighted = tf.mul(bounded.delta[name] as tf.Tensor, update.exampleCount);
          return [name, previous === undefined ? weighted : tf.add(previous[name] as tf.Tensor, weighted)];
        }),
      ),
    );
    if (previous !== undefined) disposeState(previous);
    if (bounded.delta !== update.delta) disposeState(bounded.delta);
    this.examples += update.exampleCount;
    this.updates += 1;
    return { norm, clipped: bounded.clipped };
  }

  /** Σ n_k Δ_k / Σ n_k (new tensors). */
  averageDelta(): ModelState {
    const sum = this.requireSum();
    return tf.tidy(() =>
      Object.fromEntries(Object.entries(sum).map(([name, tensor]) => [name, tf.div(tensor, this.examples)])),
    );
  }

  /**
   * The new global model: `global` plus the weighted average update on the averaged (float)
   * entries, other entries copied. New tensors; `global` is left as it was.
   */
  applyTo(global: ModelState): ModelState {
    const average = this.averageDelta();
    const next = applyDelta(global, average);
    disposeState(average);
    return next;
  }

  /** Frees the running sum; the aggregator can then be reused for another round. */
  reset(): void {
    if (this.sum !== undefined) disposeState(this.sum);
    this.sum = undefined;
    this.examples = 0;
    this.updates = 0;
  }

  private requireSum(): ModelState {
    if (this.sum === undefined) throw new TesseraError('E_FEDERATED_ROUND', 'no client update was aggregated');
    return this.sum;
  }
}

/** global + delta on delta's entries; every other entry of `global` copied (new tensors). */
export function applyDelta(global: ModelState, delta: ModelState): ModelState {
  return tf.tidy(() => {
    const next = cloneState(global);
    for (const [name, change] of Object.entries(delta)) {
      const current = next[name] as tf.Tensor;
      next[name] = tf.add(current, change);
      current.dispose();
    }
    return next;
  });
}
