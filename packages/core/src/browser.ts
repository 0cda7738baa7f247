/**
 * The browser entry of @tessera/core: everything in the Node entry that needs no Node built-in.
 * Bundlers pick it through the `browser` condition of package.json `exports`; Node keeps the full
 * entry. Left out: `initBackend`/`listBackends` (they probe native packages; use
 * `initBrowserBackend`), file I/O (`saveSafetensors`, `loadSafetensors`, `writeFileAtomically`,
 * `readCsv`, `writeExportDirectory`) — bytes-level APIs (`serializeSafetensors`,
 * `readExportDirectory` with a URL) cover the browser.
 */
export type {
  BrowserBackendName,
  InitBrowserBackendOptions,
  WasmBinaryName,
  WasmPaths,
} from './backend/init-browser-backend.js';
export { activeBrowserBackend, initBrowserBackend, WASM_BINARY_NAMES } from './backend/init-browser-backend.js';
export * from './portable.js';
