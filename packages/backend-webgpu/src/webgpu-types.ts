/**
 * The few WebGPU interfaces this package touches, declared here so it needs neither the DOM
 * library nor `@webgpu/types`: `navigator.gpu` in a browser and the object Dawn's `create()`
 * returns in Node both satisfy them.
 */

/** `GPUAdapterInfo`: who made the adapter and what it is. Any field may be empty. */
export interface GpuAdapterInfo {
  readonly vendor: string;
  readonly architecture: string;
  readonly device: string;
  readonly description: string;
  /** True for a software (fallback) adapter, where the browser or Dawn reports it. */
  readonly isFallbackAdapter?: boolean;
}

export interface GpuAdapter {
  /** The adapter's info (Chrome 114+, Dawn); older browsers have `requestAdapterInfo()` instead. */
  readonly info?: GpuAdapterInfo;
  /** The pre-2024 place of the fallback flag. */
  readonly isFallbackAdapter?: boolean;
  requestAdapterInfo?(): Promise<GpuAdapterInfo>;
}

export interface GpuRequestAdapterOptions {
  powerPreference?: 'low-power' | 'high-performance';
}

/** `GPU`: `navigator.gpu`, or Dawn's `create([])` in Node. */
export interface Gpu {
  requestAdapter(options?: GpuRequestAdapterOptions): Promise<GpuAdapter | null>;
}
