import * as tf from '@tensorflow/tfjs-core';
import {
  type BackendActivation,
  type BackendAdapter,
  type BackendAvailability,
  type BackendAvailabilityRequest,
  TesseraError,
} from '@tessera/spec';
import { type AdapterDescription, adapterSummary } from './adapter-description.js';
import {
  canFallBackToSwiftShader,
  type FoundGpu,
  type GpuProbe,
  navigatorGpu,
  probeDefaultGpu,
  probeSwiftShader,
} from './gpu-probe.js';
import { applyKernelOverrides, fillMissingKernels, WEBGPU_BACKEND_NAME } from './kernel-registry.js';
import { installDawnGlobals, loadDawn } from './node-dawn.js';
import { isNode } from './node-environment.js';
import { findSwiftShader } from './swiftshader.js';
import { guardSynchronousReads } from './synchronous-read.js';
import type { Gpu } from './webgpu-types.js';

/** How to ask for a software adapter, for the messages that mention one. */
const ASK_BY_NAME = "initBackend({ backend: 'webgpu' }) or TESSERA_BACKEND=webgpu";

const SOURCE_NAMES: Record<FoundGpu['source'], string> = {
  navigator: 'navigator.gpu',
  dawn: 'Dawn (the webgpu package)',
  'dawn-swiftshader': "Dawn on Chromium's SwiftShader",
};

// Probed once per process: the answer does not change (activation sets navigator.gpu, which
// must not turn a later probe into a different one), and asking Dawn again costs an instance.
let defaultProbe: Promise<GpuProbe> | undefined;
let softwareProbe: Promise<GpuProbe> | undefined;
let active: AdapterDescription | undefined;

const probeDefault = () => {
  defaultProbe ??= probeDefaultGpu();
  return defaultProbe;
};

/** The GPU to use when a software adapter will do: the platform's, else SwiftShader (Node). */
function probeAcceptingSoftware(): Promise<GpuProbe> {
  softwareProbe ??= (async () => {
    const platform = await probeDefault();
    if (platform.found || !canFallBackToSwiftShader()) return platform;
    const fallback = await probeSwiftShader();
    return fallback.found ? fallback : { found: false, reason: `${platform.reason}; ${fallback.reason}` };
  })();
  return softwareProbe;
}

async function availability(request: BackendAvailabilityRequest = {}): Promise<BackendAvailability> {
  const platform = await probeDefault();
  if (platform.found && !platform.adapter.software) {
    return { available: true, detail: `${adapterSummary(platform.adapter)}, through ${SOURCE_NAMES[platform.source]}` };
  }
  if (request.explicit !== true) {
    const softwareOnly = (adapter: AdapterDescription): BackendAvailability => ({
      available: false,
      detail: `only a software WebGPU adapter is present (${adapterSummary(adapter)}): slower than the CPU backends, so never chosen automatically; ask for it with ${ASK_BY_NAME}`,
    });
    // The platform's own software adapter, else the one found for an earlier request by name.
    if (platform.found) return softwareOnly(platform.adapter);
    const earlier = softwareProbe === undefined ? undefined : await softwareProbe;
    if (earlier?.found) return softwareOnly(earlier.adapter);
    const swiftShader = canFallBackToSwiftShader() ? findSwiftShader() : undefined;
    return {
      available: false,
      detail:
        swiftShader === undefined
          ? platform.reason
          : `${platform.reason}; the software adapter Chromium carries (SwiftShader, ${swiftShader.icdFile}) is never chosen automatically; ask for it with ${ASK_BY_NAME}`,
    };
  }
  const chosen = await probeAcceptingSoftware();
  if (!chosen.found) return { available: false, detail: chosen.reason };
  return {
    available: true,
    detail: `${adapterSummary(chosen.adapter)}, through ${SOURCE_NAMES[chosen.source]}; used because it was asked for by name: it computes correctly but slower than the CPU backends`,
  };
}

function setNavigatorGpu(gpu: Gpu): void {
  const scope = globalThis as { navigator?: object };
  if (scope.navigator === undefined) {
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  } else {
    // Node ≥ 21 has a navigator of its own, without gpu.
    Object.defineProperty(scope.navigator, 'gpu', { value: gpu, configurable: true, writable: true });
  }
}

/** Gives tfjs-backend-webgpu the GPU found and makes `webgpu` the active tfjs backend. */
async function startTfjsBackend(chosen: FoundGpu): Promise<void> {
  if (chosen.source !== 'navigator') {
    // tfjs-backend-webgpu registers its backend on import only if navigator.gpu exists by then,
    // and uses WebGPU's global constants (GPUBufferUsage, …), which Dawn provides in Node.
    installDawnGlobals(await loadDawn());
    if (navigatorGpu() === undefined) setNavigatorGpu(chosen.gpu);
  }
  if (tf.findBackendFactory(WEBGPU_BACKEND_NAME) === null) await import('@tensorflow/tfjs-backend-webgpu');
  if (tf.findBackendFactory(WEBGPU_BACKEND_NAME) === null) {
    throw new TesseraError(
      'E_BACKEND_ACTIVATION',
      "@tensorflow/tfjs-backend-webgpu was imported before navigator.gpu existed, so it registered no 'webgpu' backend: do not import it yourself before initBackend (this package imports it)",
      { category: 'unavailable' },
    );
  }
  // tf.setBackend resolves false (and logs why) when the factory fails, e.g. requestDevice rejects.
  if (!(await tf.setBackend(WEBGPU_BACKEND_NAME))) {
    throw new TesseraError(
      'E_BACKEND_ACTIVATION',
      `tfjs could not start the 'webgpu' backend on ${adapterSummary(chosen.adapter)} (see the message tfjs logged above); use backend: 'wasm' instead`,
      { category: 'unavailable' },
    );
  }
  await tf.ready();
  if (isNode()) guardSynchronousReads(tf.backend());
}

export interface WebgpuBackendAdapter extends BackendAdapter {
  /**
   * Activates WebGPU on the platform's adapter, else (in Node) on Chromium's SwiftShader:
   * activating is asking by name, so a software adapter is accepted. Core only activates a
   * software adapter when it was requested explicitly (see `isAvailable`).
   */
  activate(): Promise<BackendActivation>;
}

/**
 * WebGPU through tfjs-backend-webgpu: `navigator.gpu` in browsers and workers; in Node, the
 * optional `webgpu` package (Dawn) on the system's Vulkan drivers. By preference it is available on
 * a hardware adapter only; asked for by name it also runs on a software one (SwiftShader, lavapipe,
 * WARP) and says so, falling back in Node to the SwiftShader a Chromium install carries.
 */
export const webgpuBackendAdapter: WebgpuBackendAdapter = {
  name: 'webgpu',
  device: 'gpu',
  packageName: '@tessera/backend-webgpu',
  tfjsBackendName: WEBGPU_BACKEND_NAME,
  async isAvailable(request) {
    try {
      return await availability(request);
    } catch (error) {
      return { available: false, detail: `probing WebGPU failed: ${(error as Error).message.split('\n')[0]}` };
    }
  },
  async activate() {
    const chosen = await probeAcceptingSoftware();
    if (!chosen.found) {
      throw new TesseraError('E_BACKEND_UNAVAILABLE', `backend 'webgpu' is unavailable: ${chosen.reason}`, {
        category: 'unavailable',
      });
    }
    await startTfjsBackend(chosen);
    active = chosen.adapter;
    return { filledKernels: fillMissingKernels(), overriddenKernels: applyKernelOverrides() };
  },
};

/** The adapter the last activation runs on (vendor, architecture, software or not), if any. */
export function activeWebgpuAdapter(): AdapterDescription | undefined {
  return active === undefined ? undefined : { ...active };
}

/** What @tessera/core looks for in a backend package: its adapters, most preferred first. */
export const backendAdapters: readonly BackendAdapter[] = [webgpuBackendAdapter];
