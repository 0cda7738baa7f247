import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { defineConfig } from 'vite';

/**
 * tfjs-backend-wasm fetches its binaries at run time; copy them into public/tfjs-wasm/ so the dev
 * server serves them and `vite build` ships them (the page passes that folder as `wasmPaths`).
 * Resolved through @tessera/core, which depends on the backend, so this works with any install layout.
 */
function copyWasmBinaries() {
  const require = createRequire(import.meta.url);
  const fromCore = createRequire(require.resolve('@tessera/core'));
  const directory = dirname(fromCore.resolve('@tensorflow/tfjs-backend-wasm'));
  const target = join(import.meta.dirname, 'public/tfjs-wasm');
  mkdirSync(target, { recursive: true });
  for (const name of [
    'tfjs-backend-wasm.wasm',
    'tfjs-backend-wasm-simd.wasm',
    'tfjs-backend-wasm-threaded-simd.wasm',
  ]) {
    copyFileSync(join(directory, name), join(target, name));
  }
}

export default defineConfig(() => {
  copyWasmBinaries();
  return {
    // Relative asset URLs: the built page works from any folder of any static host.
    base: './',
    // The generation worker imports tfjs; ES-module workers let Rollup share chunks with the page.
    worker: { format: 'es' },
    build: { target: 'es2022', chunkSizeWarningLimit: 2048 },
  };
});
