import * as tf from '@tensorflow/tfjs-core';
import { kernelCorrections } from './kernel-corrections.js';
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

/** Corrections first, then speed-ups; an override wraps whatever was registered before it. */
export const kernelOverrides: readonly KernelOverride[] = [...kernelCorrections, transposedMatMulOverride];

const overriddenByBackend = new Map<string, string[]>();

/**
 * Wraps each native kernel of `backendName` that has an override; returns the names of all
 * kernels overridden for it. Idempotent. Call after the backend is initialised (its kernels'
 * setup has run).
 */
export function applyKernelOverrides(backendName: string): string[] {
  const overridden = overriddenByBackend.get(backendName) ?? [];
  for (const override of kernelOverrides) {
    if (override.backendName !== backendName || overridden.includes(override.kernelName)) continue;
    const native = tf.getKernel(override.kernelName, backendName);
    if (native === undefined) continue;
    tf.unregisterKernel(override.kernelName, backendName);
    tf.registerKernel({ ...native, kernelFunc: override.wrap(native.kernelFunc) });
    overridden.push(override.kernelName);
  }
  overriddenByBackend.set(backendName, overridden);
  return [...overridden];
}
