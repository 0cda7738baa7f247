/**
 * @tessera/backend-webgpu: WebGPU for Tessera through tfjs-backend-webgpu, in browsers
 * (`navigator.gpu`) and in Node (the optional `webgpu` package, Dawn), with the native kernels that
 * are wrong for training corrected (one file per tfjs kernel in `kernels/`, named after it).
 * `@tessera/core` finds it by name: use `initBackend({ backend: 'webgpu' })`. A software adapter
 * (SwiftShader, lavapipe, WARP) is never chosen by preference, only when asked for by name.
 */
export type { AdapterDescription } from './adapter-description.js';
export { adapterSummary, describeAdapterInfo } from './adapter-description.js';
export type { KernelFill } from './kernel-fill.js';
export type { KernelOverride } from './kernel-override.js';
export {
  applyKernelOverrides,
  fillMissingKernels,
  WEBGPU_BACKEND_NAME,
  webgpuKernelFills,
  webgpuKernelOverrides,
} from './kernel-registry.js';
export type { SwiftShaderInstall } from './swiftshader.js';
export { findSwiftShader, SWIFTSHADER_ICD_LOCATIONS } from './swiftshader.js';
export type { WebgpuBackendAdapter } from './webgpu-backend-adapter.js';
export { activeWebgpuAdapter, backendAdapters, webgpuBackendAdapter } from './webgpu-backend-adapter.js';
