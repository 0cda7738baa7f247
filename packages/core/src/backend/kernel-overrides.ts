import * as tf from '@tensorflow/tfjs-core';
import { kernelCorrections } from './kernel-corrections.js';
import { batchedMatMulOverride } from './kernels/batched-matmul.js';
import { conv2dBackpropInputOverride } from './kernels/conv2d-backprop-input.js';
import { heapGatherOverride } from './kernels/heap-gather.js';
import { heapSliceOverride, heapSplitOverride } from './kernels/heap-slice.js';
import { sharedIdentityOverride } from './kernels/shared-identity.js';
import { transposedMatMulOverride } from './kernels/transposed-matmul.js';

/**
 * A replacement for a backend's own kernel that keeps the native kernel underneath: `wrap`
 * receives the native kernel function and returns the one to register (the native setup and
 * dispose functions are kept). Two reasons to override a kernel: it is wrong for some attributes
 * (a correction: the same computation sent down a path that is right), or it is slow for some
 * inputs (the same result computed from faster native kernels). Every override is tested for
 * equality with the cpu backend.
 */
export interface KernelOverride {
  kernelName: string;
  backendName: string;
  wrap(native: tf.KernelFunc): tf.KernelFunc;
}

/**
 * Corrections first, then speed-ups; an override wraps whatever was registered before it, so a
 * later one runs first: the transposed-product override hands plain operands to the batched one.
 */
export const kernelOverrides: readonly KernelOverride[] = [
  ...kernelCorrections,
  batchedMatMulOverride,
  transposedMatMulOverride,
  conv2dBackpropInputOverride,
  sharedIdentityOverride,
  heapSliceOverride,
  heapSplitOverride,
  heapGatherOverride,
];

const appliedByBackend = new Map<string, Set<KernelOverride>>();

/**
 * Wraps each native kernel of `backendName` that has an override (a kernel with several is
 * wrapped once per override, in list order); returns the names of all kernels overridden for
 * it. Idempotent. Call after the backend is initialised (its kernels' setup has run).
 */
export function applyKernelOverrides(backendName: string): string[] {
  const applied = appliedByBackend.get(backendName) ?? new Set<KernelOverride>();
  for (const override of kernelOverrides) {
    if (override.backendName !== backendName || applied.has(override)) continue;
    const registered = tf.getKernel(override.kernelName, backendName);
    if (registered === undefined) continue;
    tf.unregisterKernel(override.kernelName, backendName);
    tf.registerKernel({ ...registered, kernelFunc: override.wrap(registered.kernelFunc) });
    applied.add(override);
  }
  appliedByBackend.set(backendName, applied);
  return [...new Set([...applied].map((override) => override.kernelName))];
}
