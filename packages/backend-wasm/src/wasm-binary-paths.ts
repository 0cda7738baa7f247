import { TesseraError } from '@tessera/spec';

/** The three builds tfjs-backend-wasm picks from (plain, SIMD, SIMD + threads). */
export const WASM_BINARY_NAMES = [
  'tfjs-backend-wasm.wasm',
  'tfjs-backend-wasm-simd.wasm',
  'tfjs-backend-wasm-threaded-simd.wasm',
] as const;
export type WasmBinaryName = (typeof WASM_BINARY_NAMES)[number];

/** Where the wasm backend fetches its binaries: a URL prefix ending in `/`, or one URL for each of the three files. */
export type WasmPaths = string | Record<WasmBinaryName, string>;

function absolute(path: string): string {
  const base = (globalThis as { location?: { href: string } }).location?.href;
  return base === undefined ? path : new URL(path, base).href;
}

/**
 * Checks `paths` and makes them absolute against the page (a bundler moves the script that loads
 * tfjs, so relative URLs would resolve against the wrong place).
 */
export function resolveWasmPaths(paths: WasmPaths): string | Record<WasmBinaryName, string> {
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
