import * as tf from '@tensorflow/tfjs-core';
import type { KernelFill } from './kernel-fill.js';
import type { KernelOverride } from './kernel-override.js';
import { batchMatMulOverrides } from './kernels/BatchMatMul.js';
import { conv2DOverrides } from './kernels/Conv2D.js';
import { conv2DBackpropFilterFill } from './kernels/Conv2DBackpropFilter.js';
import { conv2DBackpropInputOverrides } from './kernels/Conv2DBackpropInput.js';
import { depthwiseConv2dNativeOverrides } from './kernels/DepthwiseConv2dNative.js';
import { depthwiseConv2dNativeBackpropFilterFill } from './kernels/DepthwiseConv2dNativeBackpropFilter.js';
import { depthwiseConv2dNativeBackpropInputFill } from './kernels/DepthwiseConv2dNativeBackpropInput.js';
import { fusedConv2DOverrides } from './kernels/FusedConv2D.js';
import { fusedDepthwiseConv2DOverrides } from './kernels/FusedDepthwiseConv2D.js';
import { gatherV2Override } from './kernels/GatherV2.js';
import { identityOverride } from './kernels/Identity.js';
import { sliceOverride } from './kernels/Slice.js';
import { splitVOverride } from './kernels/SplitV.js';
import { unsortedSegmentSumFill } from './kernels/UnsortedSegmentSum.js';

/** The tfjs backend these kernels are for. */
export const WASM_BACKEND_NAME = 'wasm';

/** Kernels training needs that tfjs-backend-wasm 4.22 does not register. */
export const wasmKernelFills: readonly KernelFill[] = [
  unsortedSegmentSumFill,
  conv2DBackpropFilterFill,
  depthwiseConv2dNativeBackpropFilterFill,
  depthwiseConv2dNativeBackpropInputFill,
];

/**
 * Corrections first, then speed-ups. An override wraps whatever was registered before it, so within
 * one kernel a later override runs first (each kernel file orders its own).
 */
export const wasmKernelOverrides: readonly KernelOverride[] = [
  ...conv2DOverrides,
  ...fusedConv2DOverrides,
  ...depthwiseConv2dNativeOverrides,
  ...fusedDepthwiseConv2DOverrides,
  ...conv2DBackpropInputOverrides,
  ...batchMatMulOverrides,
  identityOverride,
  sliceOverride,
  splitVOverride,
  gatherV2Override,
];

const filled: string[] = [];

/**
 * Registers every fill wasm lacks and returns the names of all kernels filled so far. Idempotent: a
 * kernel the backend already has (natively or from an earlier call) is left alone.
 */
export function fillMissingKernels(): string[] {
  for (const fill of wasmKernelFills) {
    if (tf.getKernel(fill.kernelName, WASM_BACKEND_NAME) !== undefined) continue;
    tf.registerKernel({ ...fill, backendName: WASM_BACKEND_NAME });
    filled.push(fill.kernelName);
  }
  return [...filled];
}

const applied = new Set<KernelOverride>();

/**
 * Wraps each native kernel that has an override (a kernel with several is wrapped once per
 * override, in list order) and returns the names of all kernels overridden. Idempotent. Call after
 * the backend is initialised (its kernels' setup has run).
 */
export function applyKernelOverrides(): string[] {
  for (const override of wasmKernelOverrides) {
    if (applied.has(override)) continue;
    const registered = tf.getKernel(override.kernelName, WASM_BACKEND_NAME);
    if (registered === undefined) continue;
    tf.unregisterKernel(override.kernelName, WASM_BACKEND_NAME);
    tf.registerKernel({ ...registered, kernelFunc: override.wrap(registered.kernelFunc) });
    applied.add(override);
  }
  return [...new Set([...applied].map((override) => override.kernelName))];
}
