/**
 * @tessera/backend-wasm: Tessera's embedded default backend. tfjs-backend-wasm with the kernels
 * training needs filled in (one file per tfjs kernel in `kernels/`, named after it) and the native
 * kernels that are wrong or slow for Tessera's shapes overridden. `@tessera/core` finds it by name
 * and activates it through `backendAdapters`; use `initBackend({ backend: 'wasm' })`, not this
 * package directly.
 */
export type { KernelFill } from './kernel-fill.js';
export type { KernelOverride } from './kernel-override.js';
export {
  applyKernelOverrides,
  fillMissingKernels,
  WASM_BACKEND_NAME,
  wasmKernelFills,
  wasmKernelOverrides,
} from './kernel-registry.js';
export type { WasmActivationOptions, WasmBackendAdapter } from './wasm-backend-adapter.js';
export { backendAdapters, wasmBackendAdapter } from './wasm-backend-adapter.js';
export type { WasmBinaryName, WasmPaths } from './wasm-binary-paths.js';
export { resolveWasmPaths, WASM_BINARY_NAMES } from './wasm-binary-paths.js';
