import type { GpuAdapter, GpuAdapterInfo } from './webgpu-types.js';

/** A GPU adapter as the backend report shows it: who made it, and whether it is real hardware. */
export interface AdapterDescription {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /**
   * A CPU emulation of a GPU (SwiftShader, Mesa's llvmpipe/lavapipe, Microsoft's WARP): good for
   * testing correctness, slower than Tessera's CPU backends, so never chosen automatically.
   */
  software: boolean;
}

/**
 * Software renderers by the names their drivers report (in vendor, architecture, device or
 * description): SwiftShader (Chrome's, Dawn's), Mesa's llvmpipe, lavapipe and softpipe, and
 * Windows' WARP ("Microsoft Basic Render Driver").
 */
const SOFTWARE_RENDERER = /swiftshader|llvmpipe|lavapipe|softpipe|microsoft basic render|\bwarp\b/i;

/** Describes an adapter from its info, classifying it as hardware or software. */
export function describeAdapterInfo(info: Partial<GpuAdapterInfo>, fallbackFlag = false): AdapterDescription {
  const fields = {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    description: info.description ?? '',
  };
  const software =
    fallbackFlag ||
    info.isFallbackAdapter === true ||
    Object.values(fields).some((field) => SOFTWARE_RENDERER.test(field));
  return { ...fields, software };
}

/** Reads an adapter's info wherever the browser or Dawn keeps it. */
export async function describeAdapter(adapter: GpuAdapter): Promise<AdapterDescription> {
  const info = adapter.info ?? (await adapter.requestAdapterInfo?.()) ?? {};
  return describeAdapterInfo(info, adapter.isFallbackAdapter === true);
}

/** "google swiftshader (SwiftShader driver 5.0.0), software": one line for reports. */
export function adapterSummary(adapter: AdapterDescription): string {
  const name = [adapter.vendor, adapter.architecture].filter((part) => part !== '').join(' ') || 'unnamed adapter';
  const detail = adapter.description !== '' ? adapter.description : adapter.device;
  return `${name}${detail !== '' ? ` (${detail})` : ''}, ${adapter.software ? 'software' : 'hardware'}`;
}
