/**
 * What every copy of this package loaded in one process shares (its ESM and CJS builds, or src/
 * and dist/ under a test runner, e.g. when @tessera/core finds the package by name): they all drive
 * the one addon, which writes each call's output metadata into the one buffer it was initialised
 * with, and the torch backend registered first runs every kernel, so the precision it reads must
 * be the one any copy's `setTorchPrecision` set. Kept on globalThis under a registered symbol.
 */
export interface SharedTorchState {
  /** The addon's output metadata buffer, once `registerTorchBackends` initialised it. */
  metadata: Float64Array | undefined;
  precision: 'fp32' | 'bf16-mixed';
}

const KEY = Symbol.for('@tessera/backend-torch/shared-state');

export function sharedTorchState(): SharedTorchState {
  const holder = globalThis as { [KEY]?: SharedTorchState };
  holder[KEY] ??= { metadata: undefined, precision: 'fp32' };
  return holder[KEY];
}
