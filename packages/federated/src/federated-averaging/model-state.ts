import { TesseraError, tf } from '@tessera/core';

/** A model's parameters and buffers by dotted name, as `Module.stateDict()` returns them. */
export type ModelState = Record<string, tf.Tensor>;

/**
 * What one client sends back after local training: the change it made to the global model
 * (local − global, float entries only) and how many examples it trained on, FedAvg's weight.
 */
export interface ClientUpdate {
  delta: ModelState;
  exampleCount: number;
}

/** The entries FedAvg averages: every float32 tensor, in sorted name order (a stable wire order). */
export function averagedEntryNames(state: ModelState): string[] {
  return Object.keys(state)
    .filter((name) => (state[name] as tf.Tensor).dtype === 'float32')
    .sort();
}

/** Independent copies of every tensor (the caller owns them). */
export function cloneState(state: ModelState): ModelState {
  return Object.fromEntries(Object.entries(state).map(([name, tensor]) => [name, tf.clone(tensor)]));
}

export function disposeState(state: ModelState): void {
  for (const tensor of Object.values(state)) tensor.dispose();
}

/** local − global for the averaged entries (new tensors). */
export function subtractState(local: ModelState, global: ModelState): ModelState {
  return tf.tidy(() =>
    Object.fromEntries(
      averagedEntryNames(global).map((name) => {
        const value = local[name];
        if (value === undefined) throw new TesseraError('E_FEDERATED_UPDATE', `the local model has no '${name}'`);
        return [name, tf.sub(value, global[name] as tf.Tensor)];
      }),
    ),
  );
}

/** √(Σ ‖Δ‖²) over every entry: the L2 norm of the update as one flat vector. */
export function stateNorm(delta: ModelState): number {
  return tf.tidy(() => {
    const squares = Object.values(delta).map((tensor) => tf.sum(tf.square(tensor)));
    return squares.length === 0 ? 0 : Math.sqrt(tf.addN(squares).dataSync()[0] as number);
  });
}

/**
 * Checks that `delta` has exactly the averaged entries of `reference`, with the same shapes, and
 * only finite values; returns its L2 norm. Anything else is E_FEDERATED_UPDATE.
 */
export function checkUpdate(delta: ModelState, reference: ModelState): number {
  const expected = averagedEntryNames(reference);
  const received = Object.keys(delta).sort();
  const missing = expected.filter((name) => !(name in delta));
  const unexpected = received.filter((name) => !expected.includes(name));
  if (missing.length > 0 || unexpected.length > 0) {
    throw new TesseraError(
      'E_FEDERATED_UPDATE',
      `the update does not match the model: ${[
        missing.length > 0 ? `missing ${missing.join(', ')}` : '',
        unexpected.length > 0 ? `unexpected ${unexpected.join(', ')}` : '',
      ]
        .filter(Boolean)
        .join('; ')}`,
    );
  }
  for (const name of expected) {
    const tensor = delta[name] as tf.Tensor;
    const shape = (reference[name] as tf.Tensor).shape;
    if (tensor.dtype !== 'float32' || !tf.util.arraysEqual(tensor.shape, shape)) {
      throw new TesseraError(
        'E_FEDERATED_UPDATE',
        `update entry '${name}' is ${tensor.dtype} [${tensor.shape}], the model's is float32 [${shape}]`,
      );
    }
  }
  const norm = stateNorm(delta);
  if (!Number.isFinite(norm)) {
    throw new TesseraError('E_FEDERATED_UPDATE', 'the update holds non-finite values (NaN or infinity)');
  }
  return norm;
}

/** The averaged entries concatenated into one vector, in `averagedEntryNames` order. */
export function flattenState(state: ModelState, names = averagedEntryNames(state)): Float32Array {
  const size = names.reduce((total, name) => total + (state[name] as tf.Tensor).size, 0);
  const flat = new Float32Array(size);
  let offset = 0;
  for (const name of names) {
    const values = (state[name] as tf.Tensor).dataSync() as Float32Array;
    flat.set(values, offset);
    offset += values.length;
  }
  return flat;
}

/** The inverse of `flattenState`: tensors shaped like `reference`'s averaged entries. */
export function unflattenState(flat: Float32Array, reference: ModelState): ModelState {
  const names = averagedEntryNames(reference);
  const size = names.reduce((total, name) => total + (reference[name] as tf.Tensor).size, 0);
  if (flat.length !== size) {
    throw new TesseraError('E_FEDERATED_UPDATE', `a flat update of ${flat.length} values for a model of ${size}`);
  }
  let offset = 0;
  return Object.fromEntries(
    names.map((name) => {
      const shape = (reference[name] as tf.Tensor).shape;
      const size = (reference[name] as tf.Tensor).size;
      const tensor = tf.tensor(flat.slice(offset, offset + size), shape, 'float32');
      offset += size;
      return [name, tensor];
    }),
  );
}
