import * as tf from '@tensorflow/tfjs-core';
import { conv2DBackpropFilterFill } from './kernels/conv2d-backprop-filter.js';
import { depthwiseConv2dBackpropFilterFill } from './kernels/depthwise-conv2d-backprop-filter.js';
import { depthwiseConv2dBackpropInputFill } from './kernels/depthwise-conv2d-backprop-input.js';
import type { KernelFill } from './kernels/kernel-fill.js';
import { unsortedSegmentSumFill } from './kernels/unsorted-segment-sum.js';

/** Kernels training needs that some backends (wasm in tfjs 4.22) do not register. */
export const kernelFills: readonly KernelFill[] = [
  unsortedSegmentSumFill,
  conv2DBackpropFilterFill,
  depthwiseConv2dBackpropFilterFill,
  depthwiseConv2dBackpropInputFill,
];

const filledByBackend = new Map<string, string[]>();

/**
 * Registers every fill the backend lacks and returns the names of all kernels Tessera has filled
 * for it. Idempotent: a kernel the backend already has (natively or from an earlier call) is
 * left alone.
 */
export function fillMissingKernels(backendName: string): string[] {
  const filled = filledByBackend.get(backendName) ?? [];
  for (const fill of kernelFills) {
    if (tf.getKernel(fill.kernelName, backendName) !== undefined) continue;
    tf.registerKernel({ ...fill, backendName });
    filled.push(fill.kernelName);
  }
  filledByBackend.set(backendName, filled);
  return [...filled];
}
