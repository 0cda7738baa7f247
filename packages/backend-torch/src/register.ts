import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import type { BackendAvailability } from '@tessera/spec';
import './kernels/elementwise.js';
import './kernels/reductions.js';
import './kernels/matmul.js';
import './kernels/shape.js';
import './kernels/indexing.js';
import './kernels/convolution.js';
import './kernels/pooling.js';
import './kernels/resize.js';
import './kernels/fused.js';
import { kernelConfigs, torchKernels } from './kernels/define-kernel.js';
import { loadNativeAddon } from './native.js';
import { sharedTorchState } from './shared-state.js';
import { TorchBackend } from './torch-backend.js';

/** The tfjs backend names this package registers. */
export const TORCH_BACKEND_NAME = 'torch';
export const TORCH_CUDA_BACKEND_NAME = 'torch-cuda';

/** The environment variable that sets LibTorch's CPU thread count (default: every core). */
export const THREADS_ENVIRONMENT_VARIABLE = 'TESSERA_TORCH_THREADS';

/**
 * The environment variable that caps, in MiB, the host memory the torch backend keeps for reuse
 * after tensors are freed (default 1024; 0 turns the cache off and every tensor goes to malloc).
 */
export const CACHE_ENVIRONMENT_VARIABLE = 'TESSERA_TORCH_CACHE_MB';
const DEFAULT_CACHE_MEBIBYTES = 1024;

function cacheLimitBytes(): number {
  const configured = process.env[CACHE_ENVIRONMENT_VARIABLE];
  const mebibytes = configured === undefined || configured === '' ? DEFAULT_CACHE_MEBIBYTES : Number(configured);
  return Number.isFinite(mebibytes) && mebibytes > 0 ? Math.floor(mebibytes * 1024 * 1024) : 0;
}

function defaultThreads(): number {
  const configured = Number(process.env[THREADS_ENVIRONMENT_VARIABLE]);
  return Number.isInteger(configured) && configured > 0 ? configured : availableParallelism();
}

/**
 * Whether the `torch` (device 'cpu') or `torch-cuda` (device 'cuda') backend can run here.
 * Never throws.
 */
export function torchAvailability(device: 'cpu' | 'cuda' = 'cpu'): BackendAvailability {
  const loaded = loadNativeAddon();
  if (loaded.addon === undefined) return { available: false, detail: loaded.detail };
  const version = `LibTorch ${loaded.addon.torchVersion}`;
  if (device === 'cuda' && !loaded.addon.cudaAvailable()) {
    return { available: false, detail: `${version} was found, but without CUDA or without a visible GPU` };
  }
  return {
    available: true,
    detail: `${version} through ${loaded.path}${device === 'cpu' ? `, ${loaded.addon.getNumThreads()} threads` : ', CUDA'}`,
  };
}

/** Sets how many CPU threads LibTorch's operators use. */
export function setTorchThreads(threads: number): void {
  const loaded = loadNativeAddon();
  if (loaded.addon !== undefined) loaded.addon.setNumThreads(threads);
}

/**
 * Returns the host memory the torch backend keeps for reuse (freed tensors' blocks, see
 * `TESSERA_TORCH_CACHE_MB`) to the system, as torch.cuda.empty_cache() does for GPU memory.
 * `tf.memory()` reports it as `nativeCachedBytes`.
 */
export function emptyTorchCache(): void {
  const loaded = loadNativeAddon();
  if (loaded.addon !== undefined) loaded.addon.emptyCache();
}

/**
 * Registers the `torch` backend (and `torch-cuda` when LibTorch has CUDA) with tfjs, with every
 * kernel in src/kernels. Runs on import; a missing addon registers nothing (see torchAvailability).
 */
export function registerTorchBackends(): string[] {
  const loaded = loadNativeAddon();
  if (loaded.addon === undefined) return [];
  const addon = loaded.addon;
  const names: string[] = [];
  const shared = sharedTorchState();
  if (shared.metadata === undefined) {
    shared.metadata = new Float64Array(4096);
    addon.initialize(shared.metadata, defaultThreads(), cacheLimitBytes());
  }
  const metadata = shared.metadata;
  const devices: ['cpu' | 'cuda', string, number][] = [['cpu', TORCH_BACKEND_NAME, 3]];
  if (addon.cudaAvailable()) devices.push(['cuda', TORCH_CUDA_BACKEND_NAME, 4]);
  for (const [device, name, priority] of devices) {
    if (tf.findBackendFactory(name) === null) {
      tf.registerBackend(name, () => new TorchBackend(addon, metadata, device), priority);
      for (const config of kernelConfigs(name)) tf.registerKernel(config);
    }
    names.push(name);
  }
  return names;
}

/** The tfjs kernels the torch backend implements. */
export const torchKernelNames: readonly string[] = torchKernels.map((kernel) => kernel.kernelName);
