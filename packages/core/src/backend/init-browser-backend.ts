import * as tf from '@tensorflow/tfjs-core';
// The page's one backend package, named literally so the page's bundler includes it.
import { resolveWasmPaths, type WasmPaths, wasmBackendAdapter } from '@tessera/backend-wasm';
import { TesseraError } from '../errors.js';
import type { BackendCandidate, BackendInfo } from './backend-adapter.js';
import { activateTfjsBackend } from './tfjs-backend-activation.js';

/**
 * The browser's backend initializer. Node's `initBackend` probes packages with `createRequire` and
 * reads `TESSERA_BACKEND` from `process.env`; a page has neither, so the choice is explicit.
 */

export type BrowserBackendName = 'wasm' | 'cpu';

export type { WasmBinaryName, WasmPaths } from '@tessera/backend-wasm';
export { WASM_BINARY_NAMES } from '@tessera/backend-wasm';

export interface InitBrowserBackendOptions {
  /** `'wasm'` (default: XNNPACK kernels, ~30x faster than cpu) or `'cpu'` (plain JavaScript, needs no files). */
  backend?: BrowserBackendName;
  /**
   * Where the `.wasm` binaries are served (copy them from
   * `node_modules/@tensorflow/tfjs-backend-wasm/dist/`). Without it tfjs looks beside the script
   * that loaded it, which a bundler usually moves. Relative prefixes resolve against the page.
   */
  wasmPaths?: WasmPaths;
  /** With `backend: 'wasm'`, fall back to `'cpu'` when the binaries cannot be loaded (default false). */
  fallbackToCpu?: boolean;
}

let active: BackendInfo | undefined;

/**
 * Activates a backend in the browser (or a web worker) and returns the same report as Node's
 * `initBackend`: which backend, why, and which kernels its package filled or corrected (the same
 * fills and overrides as in Node, so a page computes what Node computes).
 */
export async function initBrowserBackend(options: InitBrowserBackendOptions = {}): Promise<BackendInfo> {
  const requested = options.backend ?? 'wasm';
  if (requested !== 'wasm' && requested !== 'cpu') {
    throw new TesseraError(
      'E_BACKEND_UNKNOWN',
      `unknown browser backend '${String(requested)}'; choose 'wasm' or 'cpu' (native backends need Node)`,
      { category: 'not-found' },
    );
  }
  const candidates: BackendCandidate[] = [];
  let name: BrowserBackendName = requested;
  let reason = 'requested by the backend option';
  let activation = { filledKernels: [] as string[], overriddenKernels: [] as string[] };
  if (requested === 'wasm') {
    // A malformed option is the caller's mistake: it fails even with fallbackToCpu.
    if (options.wasmPaths !== undefined) resolveWasmPaths(options.wasmPaths);
    try {
      activation = await wasmBackendAdapter.activate(
        options.wasmPaths === undefined ? {} : { wasmPaths: options.wasmPaths },
      );
      candidates.push({ name: 'wasm', available: true, detail: (await wasmBackendAdapter.isAvailable()).detail });
    } catch (error) {
      if (options.fallbackToCpu !== true) throw error;
      candidates.push({ name: 'wasm', available: false, detail: (error as Error).message });
      name = 'cpu';
      reason = 'wasm was requested but could not start; fell back to cpu';
    }
  }
  if (name === 'cpu') {
    await activateTfjsBackend('cpu', '@tensorflow/tfjs-backend-cpu');
    candidates.push({ name: 'cpu', available: true, detail: 'pure JavaScript backend (@tensorflow/tfjs-backend-cpu)' });
  }
  active = {
    name,
    device: 'cpu',
    tfjsBackendName: tf.getBackend(),
    selectedBy: 'option',
    reason,
    ...activation,
    candidates,
  };
  return active;
}

/** The backend the last successful `initBrowserBackend` activated, if any. */
export function activeBrowserBackend(): BackendInfo | undefined {
  return active;
}
