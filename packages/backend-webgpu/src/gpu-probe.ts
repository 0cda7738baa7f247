import { type AdapterDescription, describeAdapter } from './adapter-description.js';
import { loadDawn } from './node-dawn.js';
import { isNode } from './node-environment.js';
import {
  findSwiftShader,
  SWIFTSHADER_ICD_LOCATIONS,
  useSwiftShader,
  VULKAN_ICD_VARIABLES,
  vulkanDriversChosen,
} from './swiftshader.js';
import { hasVulkanLoader } from './vulkan-loader.js';
import type { Gpu } from './webgpu-types.js';

/**
 * Where the GPU object came from: the page's (or the app's own) `navigator.gpu`, a Dawn instance
 * on the system's Vulkan drivers, or a Dawn instance pointed at Chromium's SwiftShader.
 */
export type GpuSource = 'navigator' | 'dawn' | 'dawn-swiftshader';

export interface FoundGpu {
  found: true;
  gpu: Gpu;
  adapter: AdapterDescription;
  source: GpuSource;
}

export interface MissingGpu {
  found: false;
  /** Why not, in words a user can act on. */
  reason: string;
}

export type GpuProbe = FoundGpu | MissingGpu;

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error)).split('\n')[0];

/** The GPU object already on `navigator` (a browser, a worker, or an app that set one in Node). */
export function navigatorGpu(): Gpu | undefined {
  return (globalThis as { navigator?: { gpu?: Gpu } }).navigator?.gpu ?? undefined;
}

async function requestAdapter(gpu: Gpu, source: GpuSource): Promise<GpuProbe> {
  try {
    // tfjs-backend-webgpu asks for the same preference when it starts, so it gets this adapter.
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (adapter !== null) return { found: true, gpu, adapter: await describeAdapter(adapter), source };
  } catch (error) {
    return { found: false, reason: `requesting a WebGPU adapter failed: ${messageOf(error)}` };
  }
  const reason =
    source === 'navigator'
      ? 'navigator.gpu offers no adapter (WebGPU is disabled, or no GPU is usable)'
      : source === 'dawn'
        ? 'Dawn (the webgpu package) found no GPU adapter: it needs a Vulkan driver for the GPU and the Vulkan loader (libvulkan1)'
        : 'Dawn found no adapter on SwiftShader';
  return { found: false, reason };
}

async function dawnGpu(): Promise<Gpu | MissingGpu> {
  try {
    return (await loadDawn()).create([]);
  } catch (error) {
    return {
      found: false,
      reason: `WebGPU in Node needs the optional 'webgpu' package (Dawn): npm install webgpu (${messageOf(error)})`,
    };
  }
}

/** The GPU as the platform offers it: `navigator.gpu`, else (in Node) Dawn on the system's drivers. */
export async function probeDefaultGpu(): Promise<GpuProbe> {
  const existing = navigatorGpu();
  if (existing !== undefined) return requestAdapter(existing, 'navigator');
  if (!isNode()) return { found: false, reason: 'this browser has no WebGPU (navigator.gpu is undefined)' };
  if (!hasVulkanLoader() && !vulkanDriversChosen()) {
    return {
      found: false,
      reason:
        "this system has no Vulkan loader (libvulkan.so.1), which Dawn needs to reach a GPU: install it and the GPU's Vulkan driver (Debian: apt install libvulkan1)",
    };
  }
  const gpu = await dawnGpu();
  return 'found' in gpu ? gpu : requestAdapter(gpu, 'dawn');
}

/** True where a SwiftShader fallback can be tried: Node, with no GPU object of the app's own. */
export function canFallBackToSwiftShader(): boolean {
  return isNode() && navigatorGpu() === undefined;
}

/**
 * Dawn on Chromium's SwiftShader, a software adapter (Node on Linux). Changes the process's
 * Vulkan setup (see `useSwiftShader`), so it is only tried when software was asked for.
 */
export async function probeSwiftShader(): Promise<GpuProbe> {
  if (vulkanDriversChosen()) {
    return {
      found: false,
      reason: `the Vulkan drivers chosen with ${VULKAN_ICD_VARIABLES.join(' or ')} offer none (unset it to let this package fall back to Chromium's SwiftShader)`,
    };
  }
  const install = findSwiftShader();
  if (install === undefined) {
    return {
      found: false,
      reason: `no SwiftShader to fall back to (install Chromium, which carries ${SWIFTSHADER_ICD_LOCATIONS[0]}, or set VK_ICD_FILENAMES to a Vulkan ICD)`,
    };
  }
  const gpu = await dawnGpu();
  if ('found' in gpu) return gpu;
  useSwiftShader(install);
  return requestAdapter(gpu, 'dawn-swiftshader');
}
