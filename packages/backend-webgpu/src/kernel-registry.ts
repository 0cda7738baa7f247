import * as tf from '@tensorflow/tfjs-core';
import type { KernelFill } from './kernel-fill.js';
import type { KernelOverride } from './kernel-override.js';
import { addNOverride } from './kernels/AddN.js';

/** The tfjs backend these kernels are for. */
export const WEBGPU_BACKEND_NAME = 'webgpu';

/**
 * Kernels training needs that tfjs-backend-webgpu 4.22 does not register. None so far: it
 * registers every kernel a GPT, a BERT classifier and a CNN train with (README, "Kernels").
 */
export const webgpuKernelFills: readonly KernelFill[] = [];

/** Native kernels that are wrong for some inputs, each wrapped around the native one. */
export const webgpuKernelOverrides: readonly KernelOverride[] = [addNOverride];

const filled: string[] = [];

/**
 * Registers every fill webgpu lacks and returns the names of all kernels filled so far. Idempotent:
 * a kernel the backend already has (natively or from an earlier call) is left alone.
 */
export function fillMissingKernels(): string[] {
  for (const fill of webgpuKernelFills) {
    if (tf.getKernel(fill.kernelName, WEBGPU_BACKEND_NAME) !== undefined) continue;
    tf.registerKernel({ ...fill, backendName: WEBGPU_BACKEND_NAME });
    filled.push(fill.kernelName);
  }
  return [...filled];
}

const applied = new Set<KernelOverride>();

/**
 * Wraps each native kernel that has an override and returns the names of all kernels overridden.
 * Idempotent. Call after the backend has registered its kernels (after its package is imported).
 */
export function applyKernelOverrides(): string[] {
  for (const override of webgpuKernelOverrides) {
    if (applied.has(override)) continue;
    const registered = tf.getKernel(override.kernelName, WEBGPU_BACKEND_NAME);
    if (registered === undefined) continue;
    tf.unregisterKernel(override.kernelName, WEBGPU_BACKEND_NAME);
    tf.registerKernel({ ...registered, kernelFunc: override.wrap(registered.kernelFunc) });
    applied.add(override);
  }
  return [...new Set([...applied].map((override) => override.kernelName))];
}
