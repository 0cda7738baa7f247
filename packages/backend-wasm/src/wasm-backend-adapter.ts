// Importing it registers the `wasm` backend's factory and kernels with tfjs.
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { type BackendActivation, type BackendAdapter, TesseraError } from '@tessera/spec';
import { applyKernelOverrides, fillMissingKernels, WASM_BACKEND_NAME } from './kernel-registry.js';
import { resolveWasmPaths, type WasmPaths } from './wasm-binary-paths.js';

export interface WasmActivationOptions {
  /**
   * Where the `.wasm` binaries are served, in a page (copy them from
   * `node_modules/@tensorflow/tfjs-backend-wasm/dist/`). Without it tfjs looks beside the script
   * that loaded it, which a bundler usually moves. Relative prefixes resolve against the page.
   * Node finds the binaries itself.
   */
  wasmPaths?: WasmPaths;
}

export interface WasmBackendAdapter extends BackendAdapter {
  activate(options?: WasmActivationOptions): Promise<BackendActivation>;
}

/**
 * The embedded default: tfjs-backend-wasm (XNNPACK on WebAssembly SIMD) with the kernels training
 * needs filled in and the native kernels that are wrong or slow for Tessera's shapes overridden.
 * Works in Node and in browsers; always available where this package is installed.
 */
export const wasmBackendAdapter: WasmBackendAdapter = {
  name: 'wasm',
  device: 'cpu',
  packageName: '@tessera/backend-wasm',
  tfjsBackendName: WASM_BACKEND_NAME,
  async isAvailable() {
    return {
      available: true,
      detail: 'embedded WebAssembly backend (@tessera/backend-wasm, installed with @tessera/core)',
    };
  },
  async activate(options = {}) {
    // A malformed option is the caller's mistake, so it is checked before anything starts.
    const paths = options.wasmPaths === undefined ? undefined : resolveWasmPaths(options.wasmPaths);
    if (paths !== undefined) {
      try {
        setWasmPaths(paths);
      } catch (error) {
        // tfjs refuses new paths once a start has failed in this page.
        throw new TesseraError(
          'E_BACKEND_ACTIVATION',
          `the wasm backend already failed to start in this page and cannot be retried (${(error as Error).message}); reload the page with the right wasmPaths`,
          { cause: error, category: 'unavailable' },
        );
      }
    }
    // tf.setBackend resolves false (and logs) when the factory fails, e.g. a .wasm 404 in a page.
    if (!(await tf.setBackend(WASM_BACKEND_NAME))) {
      throw new TesseraError(
        'E_BACKEND_ACTIVATION',
        "tfjs could not start the 'wasm' backend: its .wasm binaries were not found or did not compile; serve them (node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm) and pass their URL prefix as wasmPaths, or use backend: 'cpu'",
        { category: 'unavailable' },
      );
    }
    await tf.ready();
    return { filledKernels: fillMissingKernels(), overriddenKernels: applyKernelOverrides() };
  },
};

/** What @tessera/core looks for in a backend package: its adapters, most preferred first. */
export const backendAdapters: readonly BackendAdapter[] = [wasmBackendAdapter];
