import * as tf from '@tensorflow/tfjs-core';
// Importing them registers the `cpu` and `wasm` backends with tfjs; neither needs a Node built-in.
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { TesseraError } from '../errors.js';
import type { BackendCandidate, BackendInfo } from './backend-adapter.js';
import { fillMissingKernels } from './kernel-fills.js';
import { applyKernelOverrides } from './kernel-overrides.js';

/**
 * The browser's backend initializer. Node's `initBackend` probes native packages with
 * `createRequire` and reads `TESSERA_BACKEND` from `process.env`; a page has neither, and its
 * two backends ship with @tessera/core, so the choice is explicit and nothing is probed.
 */

export type BrowserBackendName = 'wasm' | 'cpu';

/** Where the wasm backend fetches its binaries: a URL prefix ending in `/`, or one URL for each of the three files. */
export type WasmPaths = string | Record<WasmBinaryName, string>;

/** The three builds tfjs-backend-wasm picks from (plain, SIMD, SIMD + threads). */
export const WASM_BINARY_NAMES = [
  'tfjs-backend-wasm.wasm',
  'tfjs-backend-wasm-simd.wasm',
  'tfjs-backend-wasm-threaded-simd.wasm',
] as const;
export type WasmBinaryName = (typeof WASM_BINARY_NAMES)[number];

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

function absolute(path: string): string {
  const base = (globalThis as { location?: { href: string } }).location?.href;
  return base === undefined ? path : new URL(path, base).href;
}

function resolveWasmPaths(paths: WasmPaths): string | Record<WasmBinaryName, string> {
  if (typeof paths === 'string') {
    if (!paths.endsWith('/')) {
      throw new TesseraError(
        'E_BACKEND_OPTION',
        `wasmPaths ${JSON.stringify(paths)} is a prefix and must end with '/' (e.g. '/tfjs-wasm/'); pass an object to name each file`,
      );
    }
    return absolute(paths);
  }
  for (const name of Object.keys(paths)) {
    if (!(WASM_BINARY_NAMES as readonly string[]).includes(name)) {
      throw new TesseraError(
        'E_BACKEND_OPTION',
        `wasmPaths names ${JSON.stringify(name)}; the files are ${WASM_BINARY_NAMES.join(', ')}`,
      );
    }
  }
  const missing = WASM_BINARY_NAMES.filter((name) => typeof paths[name] !== 'string');
  if (missing.length > 0) {
    throw new TesseraError(
      'E_BACKEND_OPTION',
      `wasmPaths has no URL for ${missing.join(', ')}; tfjs picks one of the three builds at run time, so name all three (or pass a prefix)`,
    );
  }
  return Object.fromEntries(WASM_BINARY_NAMES.map((name) => [name, absolute(paths[name])])) as Record<
    WasmBinaryName,
    string
  >;
}

async function activate(name: BrowserBackendName): Promise<void> {
  // tf.setBackend resolves false (and logs) when a backend's factory fails, e.g. a .wasm 404.
  const succeeded = await tf.setBackend(name);
  if (!succeeded) {
    throw new TesseraError(
      'E_BACKEND_ACTIVATION',
      name === 'wasm'
        ? "tfjs could not start the 'wasm' backend: its .wasm binaries were not found or did not compile; serve them (node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm) and pass their URL prefix as wasmPaths, or use backend: 'cpu'"
        : "tfjs could not start the 'cpu' backend",
    );
  }
  await tf.ready();
}

/**
 * Activates a backend in the browser (or a web worker) and returns the same report as Node's
 * `initBackend`: which backend, why, and which kernels Tessera filled or corrected for it (the
 * same fills and overrides as in Node, so a page computes what Node computes).
 */
export async function initBrowserBackend(options: InitBrowserBackendOptions = {}): Promise<BackendInfo> {
  const requested = options.backend ?? 'wasm';
  if (requested !== 'wasm' && requested !== 'cpu') {
    throw new TesseraError(
      'E_BACKEND_UNKNOWN',
      `unknown browser backend '${String(requested)}'; choose 'wasm' or 'cpu' (native backends need Node)`,
    );
  }
  const candidates: BackendCandidate[] = [];
  let name: BrowserBackendName = requested;
  let reason = 'requested by the backend option';
  if (requested === 'wasm') {
    // A malformed option is the caller's mistake: it fails even with fallbackToCpu.
    const paths = options.wasmPaths === undefined ? undefined : resolveWasmPaths(options.wasmPaths);
    try {
      if (paths !== undefined) {
        try {
          setWasmPaths(paths);
        } catch (error) {
          // tfjs refuses new paths once a start has failed in this page.
          throw new TesseraError(
            'E_BACKEND_ACTIVATION',
            `the wasm backend already failed to start in this page and cannot be retried (${(error as Error).message}); reload the page with the right wasmPaths`,
            { cause: error },
          );
        }
      }
      await activate('wasm');
      candidates.push({ name: 'wasm', available: true, detail: 'WebAssembly backend, bundled with @tessera/core' });
    } catch (error) {
      if (options.fallbackToCpu !== true) throw error;
      candidates.push({ name: 'wasm', available: false, detail: (error as Error).message });
      name = 'cpu';
      reason = 'wasm was requested but could not start; fell back to cpu';
    }
  }
  if (name === 'cpu') {
    await activate('cpu');
    candidates.push({ name: 'cpu', available: true, detail: 'pure JavaScript backend, bundled with @tessera/core' });
  }
  active = {
    name,
    device: 'cpu',
    tfjsBackendName: name,
    selectedBy: 'option',
    reason,
    filledKernels: fillMissingKernels(name),
    overriddenKernels: applyKernelOverrides(name),
    candidates,
  };
  return active;
}

/** The backend the last successful `initBrowserBackend` activated, if any. */
export function activeBrowserBackend(): BackendInfo | undefined {
  return active;
}
